#!/usr/bin/env python3
"""Proves that bench/ch08_peer_table.py --check can fail, and that the table says what it must.

On copies of the committed chapter 08 records (bench/results/h100/chapter-08.ladder.json,
.pytorch.json, .peers.txt), in a temporary folder:
- the untouched copies pass the check;
- a table with one ratio changed fails it, and so does a table with a peer row dropped;
- a PyTorch record with one peer's time changed fails it against the committed table;
- a peer that refused a shape is shown with its error and gives no ratio;
- dates more than a device call apart, or another GPU, are said not to be one device call;
- a peer that counts other FLOPs than the ladder is an error, not a table.
Exits 1 naming the first case that went wrong.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "ch08_peer_table.py"
RESULTS = ROOT / "bench" / "results" / "h100"
NAMES = ("chapter-08.ladder.json", "chapter-08.pytorch.json", "chapter-08.peers.txt")


def run(*args: Path | str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True)


def main() -> int:
    failures: list[str] = []

    def expect(ok: bool, case: str, proc: subprocess.CompletedProcess | None = None) -> None:
        status = "ok  " if ok else "FAIL"
        print(f"{status} {case}")
        if not ok:
            failures.append(case)
            if proc is not None:
                print(proc.stdout[-2000:], proc.stderr[-2000:])

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for name in NAMES:
            shutil.copy(RESULTS / name, d / name)
        ladder, peers, table = (d / n for n in NAMES)
        text = table.read_text()

        p = run("--check", ladder, peers, table)
        expect(p.returncode == 0, "the committed table passes the check", p)

        # One ratio changed by a digit: the exp2 step's x FA2 in the first block.
        exp2 = next(ln for ln in text.splitlines() if ln.startswith("exp2 "))
        ratio = next(tok for tok in exp2.split() if tok.endswith("x"))
        digit = ratio[-2]
        bent = ratio[:-2] + ("1" if digit != "1" else "2") + "x"
        table.write_text(text.replace(exp2, exp2.replace(ratio, bent, 1), 1))
        p = run("--check", ladder, peers, table)
        expect(p.returncode == 1 and "MISMATCH" in p.stdout, "a table with one ratio edited fails",
               p)

        # A peer row dropped from the table.
        cudnn = next(ln for ln in text.splitlines() if ln.startswith("pytorch-cudnn "))
        table.write_text(text.replace(cudnn + "\n", "", 1))
        p = run("--check", ladder, peers, table)
        expect(p.returncode == 1 and "MISMATCH" in p.stdout, "a table with a peer row dropped fails",
               p)
        table.write_text(text)

        # One peer's time changed in the PyTorch record, the committed table kept.
        doc = json.loads(peers.read_text())
        original = json.dumps(doc)
        doc["results"][0]["time_ms"] *= 1.01
        peers.write_text(json.dumps(doc))
        p = run("--check", ladder, peers, table)
        expect(p.returncode == 1 and "MISMATCH" in p.stdout,
               "a peer time changed in the JSON fails against the committed table", p)

        # A backend that refused a shape: its error shown, no ratio from it.
        doc = json.loads(original)
        row = doc["results"][1]  # pytorch-cudnn at the first block
        assert row["name"].startswith("pytorch-cudnn/"), row["name"]
        for key in ("time_ms", "tflops", "max_abs_error_vs_fp64_last_256_rows"):
            del row[key]
        row["error"] = "RuntimeError: No available kernel. Aborting execution."
        peers.write_text(json.dumps(doc))
        p = run(ladder, peers)
        block = p.stdout.split("\n\n")[1]
        exp2 = next(ln for ln in block.splitlines() if ln.startswith("exp2 "))
        expect(p.returncode == 0 and "pytorch-cudnn" in block and
               "REFUSED: RuntimeError: No available kernel" in block and exp2.split()[-1] == "-"
               and exp2.split()[-2].endswith("x"),
               "a refused peer is shown with its error and gives no x cuDNN", p)

        # Dates further apart than one device call, and another GPU.
        # (62 min 57 s after the recorded ladder's own date, whichever run that is.)
        doc = json.loads(original)
        began = datetime.fromisoformat(json.loads(ladder.read_text())["date"])
        doc["context"]["date"] = (began + timedelta(minutes=62, seconds=57)).isoformat()
        peers.write_text(json.dumps(doc))
        p = run(ladder, peers)
        expect(p.returncode == 0 and "NOT shown to be the same device call" in p.stdout and
               "62 min 57 s after" in p.stdout, "peers an hour later: not one device call", p)
        doc = json.loads(original)
        doc["context"]["gpu"] = "NVIDIA H200"
        peers.write_text(json.dumps(doc))
        p = run(ladder, peers)
        expect(p.returncode == 0 and "NOT the same device call" in p.stdout,
               "peers on another GPU: not one device call", p)
        p = run(ladder, d / "chapter-08.pytorch.json.missing")
        expect(p.returncode != 0, "a missing record is an error")

        # Other FLOPs than the ladder's: an error.
        doc = json.loads(original)
        doc["results"][0]["flops"] *= 2
        peers.write_text(json.dumps(doc))
        p = run(ladder, peers)
        expect(p.returncode != 0 and "different FLOPs" in p.stderr,
               "a peer counting other FLOPs is an error", p)

    print(f"peer table selftest: {'OK' if not failures else f'{len(failures)} failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
