#!/usr/bin/env python3
"""Checks the committed ladder files against the Google Benchmark JSON they were built from.

    scripts/check-ladder-files.py [folder]      (default: bench/results/h100)

A bench program writes three files per run: Google Benchmark's `chapter-NN.json` and, built in
the process from the same runs, `chapter-NN.ladder.json` and `chapter-NN.ladder.txt`. For every
Google Benchmark file in the folder this script checks that

- both ladder files exist;
- the ladder file names it as its source ("results"), and their GPU, commit, ceiling and vendor
  steps agree with its context;
- they hold the same rows: the same names (iterations only, no aggregates), each with the same
  time, bytes and FLOPs, and the same failures with the same messages; a failed row has no time;
- the text table has each row, in its size's block, with its time to 4 decimals or FAILED.

It reads both files with Python's json module and compares what was measured; it does not compute
the ladder's rules (x naive, x prev, ...) again: those live in common/src/ladder.cpp only.
Exits 1 and names every disagreement when there is one.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


def is_gbench(doc: object) -> bool:
    return isinstance(doc, dict) and "benchmarks" in doc and "context" in doc


def check_pair(gbench_path: Path, problems: list[str]) -> None:
    def bad(what: str) -> None:
        problems.append(f"{gbench_path.name}: {what}")

    gb = json.loads(gbench_path.read_text())
    ladder_path = gbench_path.with_suffix(".ladder.json")
    text_path = gbench_path.with_suffix(".ladder.txt")
    if not ladder_path.is_file() or not text_path.is_file():
        bad(f"no {ladder_path.name} and {text_path.name} beside it (re-record it with the bench "
            "program, which writes all three files)")
        return
    lad = json.loads(ladder_path.read_text())
    if lad.get("format") != "wb-ladder/1":
        bad(f"{ladder_path.name} is not in format wb-ladder/1")
        return
    ctx = gb["context"]
    if lad.get("results") != gbench_path.name:
        bad(f"{ladder_path.name} names {lad.get('results')!r} as its source")
    for key, ladder_value in (("wb_gpu", lad["gpu"]), ("wb_commit", lad["commit"]),
                              ("wb_ceiling_kind", lad["ceiling"]["kind"]),
                              ("wb_chapter", lad["chapter"])):
        if key in ctx and ctx[key] != ladder_value:
            bad(f"context {key} is {ctx[key]!r}, the ladder file says {ladder_value!r}")
    # The context holds the ceiling printed with 10 significant digits (bench.cpp's add_context),
    # the ladder file the full double: they agree to that precision.
    if not math.isclose(float(ctx["wb_ceiling_value"]), float(lad["ceiling"]["value"]),
                        rel_tol=1e-9, abs_tol=0.0):
        bad(f"ceiling {ctx['wb_ceiling_value']} against {lad['ceiling']['value']}")
    listed = [v for v in ctx.get("wb_vendor_step", "").split(",") if v]
    if listed and listed != lad["vendor_steps"]:
        bad(f"vendor steps {listed} against {lad['vendor_steps']}")

    runs = [b for b in gb["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
    rows = {r["name"]: r for r in lad["rows"]}
    if sorted(b["name"] for b in runs) != sorted(rows) or len(rows) != len(lad["rows"]):
        bad(f"rows differ: {sorted(b['name'] for b in runs)} against "
            f"{[r['name'] for r in lad['rows']]}")
        return
    # Rows are grouped by size, in run order within a size.
    for size in lad["sizes"]:
        want = [b["name"] for b in runs if b["name"].split("/", 2)[2] == size]
        got = [r["name"] for r in lad["rows"] if r["size"] == size]
        if want != got:
            bad(f"size {size}: rows {got}, the runs were {want}")

    text = text_path.read_text()
    blocks = {}
    for block in text.split("\nsize ")[1:]:
        blocks[block.split(":", 1)[0]] = block.splitlines()
    for b in runs:
        r = rows[b["name"]]
        failed = bool(b.get("error_occurred", False)) or b.get("skipped", "") not in ("", False)
        if failed != r["failed"]:
            bad(f"{b['name']}: failed {failed} in the run, {r['failed']} in the ladder file")
            continue
        lines = [ln for ln in blocks.get(r["size"], []) if ln.split(" ", 1)[0] == r["step"]]
        if failed:
            message = b.get("error_message", b.get("skip_message", ""))
            if r["error"] != message or r["time_ms"] is not None:
                bad(f"{b['name']}: failed with {message!r}; the ladder file has error "
                    f"{r['error']!r} and time {r['time_ms']}")
            if len(lines) != 1 or "FAILED: " + message not in lines[0]:
                bad(f"{b['name']}: the text table does not show it as FAILED")
            continue
        ms = float(b["real_time"]) * UNIT_SECONDS[b.get("time_unit", "ns")] * 1e3
        if r["time_ms"] is None or not close(ms, r["time_ms"]):
            bad(f"{b['name']}: {ms} ms in the run, {r['time_ms']} in the ladder file")
        for counter in ("bytes", "flops"):
            if counter in b and (r[counter] is None or not close(float(b[counter]), r[counter])):
                bad(f"{b['name']}: {counter} {b[counter]} in the run, {r[counter]} in the ladder file")
        if len(lines) != 1 or f"{ms:.4f}" not in lines[0].split():
            bad(f"{b['name']}: the text table has no line '{r['step']} ... {ms:.4f}' in size "
                f"{r['size']}")


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        Path(__file__).resolve().parent.parent / "bench" / "results" / "h100")
    problems: list[str] = []
    checked = 0
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".ladder.json"):
            source = path.name[: -len(".ladder.json")] + ".json"
            if not (folder / source).is_file():
                problems.append(f"{path.name}: its Google Benchmark file {source} is missing")
            continue
        if not is_gbench(json.loads(path.read_text())):
            continue  # another kind of record (e.g. chapter-05.pytorch.json)
        check_pair(path, problems)
        checked += 1
    for p in problems:
        print(f"MISMATCH {p}")
    print(f"checked {checked} recorded runs in {folder} against their ladder files: "
          f"{'OK' if not problems else f'{len(problems)} problems'}")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
