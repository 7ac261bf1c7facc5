#!/usr/bin/env python3
"""Chapter 08's x vendor: the ladder's steps next to PyTorch's FlashAttention-2 and cuDNN backends.

Chapter 08's ladder has no vendor row: its vendors are PyTorch's scaled_dot_product_attention
backends, timed by bench/ch08_pytorch_peer.py (it needs PyTorch) at the ladder's shapes, in the same
device call as the ladder. This script reads both records and writes the table that sets them side
by side (Python's standard library only; it measures nothing):

    python3 bench/ch08_peer_table.py LADDER_JSON PYTORCH_JSON [OUT]     (default OUT: stdout)
    python3 bench/ch08_peer_table.py --check LADDER_JSON PYTORCH_JSON TABLE
        exits 1, with a diff, when TABLE is not exactly what the two JSON files give

For each block of the ladder (one size, e.g. fp16/b4/h16/s4096/d128/causal): each step's time and
TFLOP/s with x FA2 and x cuDNN, each a time ratio, the peer's time / the step's time (above 1x the
step is faster); then the peers' own rows with their error against float64. A peer that refused
the shape is shown with its recorded error and gives no ratio. For a grouped-query shape the ratios
use the grouped-query calls (K and V at their own heads, as the steps read them); the "-expanded"
rows (K and V repeated to every query head) are listed, labelled, and used for no ratio. The header
names the GPU, the dates and commits of both files, and whether their dates put them in one device
call.
"""
from __future__ import annotations

import difflib
import json
import sys
from datetime import datetime
from pathlib import Path

# The ratio columns: PyTorch backend name -> (column label, what it is), in column order.
PEERS = {"flash": ("FA2", "the FlashAttention-2 backend (SDPBackend.FLASH_ATTENTION)"),
         "cudnn": ("cuDNN", "the cuDNN backend (SDPBackend.CUDNN_ATTENTION)")}
# One device call on the lent GPU machine runs at most this long (scripts/h100-ch08.sh runs the
# ladder, then the peers, in one call).
DEVICE_CALL_S = 600
EXPANDED = "-expanded"


def fail(message: str) -> None:
    raise SystemExit(f"ch08_peer_table.py: {message}")


def peer_key(name: str) -> tuple[str, bool, str]:
    """"pytorch-cudnn-expanded/fp16/b4/..." -> ("cudnn", True, "fp16/b4/...")."""
    head, _, size = name.partition("/")
    if not head.startswith("pytorch-") or not size:
        fail(f"peer row {name!r} is not named pytorch-<backend>[-expanded]/<size>")
    backend = head[len("pytorch-"):]
    expanded = backend.endswith(EXPANDED)
    if expanded:
        backend = backend[: -len(EXPANDED)]
    return backend, expanded, size


def span(seconds: float) -> str:
    s = int(round(abs(seconds)))
    return f"{s // 60} min {s % 60} s"


def same_call(ladder: dict, peers: dict) -> str:
    """The header's line on whether both files come from one device call, judged by their dates."""
    lad_gpu, peer_gpu = ladder["gpu"], peers["context"].get("gpu", "")
    start = datetime.fromisoformat(ladder["date"])
    written = datetime.fromisoformat(peers["context"]["date"])
    after = (written - start).total_seconds()
    if lad_gpu != peer_gpu:
        return (f"NOT the same device call: the ladder ran on {lad_gpu}, the peers on {peer_gpu}; "
                "the ratios compare different GPUs")
    if 0 <= after <= DEVICE_CALL_S:
        return (f"the same device call, by the dates: the peers' file was written {span(after)} "
                f"after the ladder's run began, on the same GPU (one call lasts at most "
                f"{DEVICE_CALL_S // 60} minutes)")
    when = "before the ladder's run began" if after < 0 else "after the ladder's run began"
    return (f"NOT shown to be the same device call: the peers' file was written {span(after)} "
            f"{when} (one call lasts at most {DEVICE_CALL_S // 60} minutes); compare with care")


def ratio(peer: dict | None, step_ms: float | None) -> str:
    if peer is None or "error" in peer or step_ms is None:
        return "-"
    return f"{peer['time_ms'] / step_ms:.3f}x"


def table(ladder: dict, peers: dict, ladder_name: str, peers_name: str) -> str:
    ctx = peers["context"]
    if ladder.get("format") != "wb-ladder/1":
        fail(f"{ladder_name} is not a wb-ladder/1 file")
    by_size: dict[str, dict[tuple[str, bool], dict]] = {}
    for row in peers["results"]:
        backend, expanded, size = peer_key(row["name"])
        if backend not in PEERS:
            fail(f"peer row {row['name']!r}: backend {backend!r} is not one of {list(PEERS)}")
        if (backend, expanded) in by_size.setdefault(size, {}):
            fail(f"peer row {row['name']!r} appears twice")
        by_size[size][(backend, expanded)] = row

    cols = " ".join(f"{'x ' + label:>9s}" for label, _ in PEERS.values())
    out = [
        f"Peers for {ladder['chapter']} ({ladder['title']}): PyTorch's scaled_dot_product_attention"
        " at the ladder's shapes",
        "; ".join(f"x {label}: {what}" for label, what in PEERS.values()),
        f"written by bench/ch08_peer_table.py from {ladder_name} and {peers_name}",
        f"GPU {ladder['gpu']} (ladder) | {ctx.get('gpu', 'not recorded')} (peers)",
        f"ladder: {ladder['date']} | commit {ladder['commit']} | {ladder['context'].get('wb_timing', '')}",
        f"peers:  {ctx['date']} | commit {ctx.get('commit', 'not recorded in the file')} | "
        f"torch {ctx.get('torch')}, CUDA {ctx.get('cuda')}, cuDNN {ctx.get('cudnn')} | "
        f"{ctx.get('timing', '')}",
        f"measured in {same_call(ladder, peers)}",
        "x FA2 = the FlashAttention-2 backend's time / the step's time, x cuDNN likewise: above "
        "1.000x the step is faster. FLOPs: 4 B H Sq Sk d, halved for causal, in both files.",
    ]
    used: set[str] = set()
    for size in ladder["sizes"]:
        rows = [r for r in ladder["rows"] if r["size"] == size]
        peer_rows = by_size.get(size, {})
        used.add(size)
        flops = {r["flops"] for r in rows} | {p["flops"] for p in peer_rows.values()}
        if len(flops) != 1:
            fail(f"size {size}: the ladder and the peers count different FLOPs {sorted(flops)}")
        gqa = any(expanded for _, expanded in peer_rows)
        out += ["", f"size {size}: {flops.pop() / 1e9:.3f} GFLOP"]
        heads = next((t[1:] for t in size.split("/") if t.startswith("h")), "?")
        if gqa:
            out += ["grouped-query: x FA2 and x cuDNN use the enable_gqa calls (K and V at their "
                    "own heads, as the steps read them);",
                    f"the -expanded rows repeat K and V to all {heads} query heads (more bytes "
                    "read) and give no x"]
        head = f"{'row':30s} {'time ms':>10s} {'TFLOP/s':>9s} {cols}"
        out += [head, "-" * len(head)]
        for r in rows:
            step_ms = None if r["failed"] else r["time_ms"]
            ratios = " ".join(f"{ratio(peer_rows.get((b, False)), step_ms):>9s}" for b in PEERS)
            if step_ms is None:
                out.append(f"{r['step']:30s} FAILED: {r['error']}")
            else:
                out.append(f"{r['step']:30s} {step_ms:10.4f} {r['tflops']:9.2f} {ratios}")
        if not peer_rows:
            out.append("(no peer rows recorded at this size)")
        for (backend, expanded), p in sorted(peer_rows.items(),
                                             key=lambda kv: (kv[0][1], list(PEERS).index(kv[0][0]))):
            name = f"pytorch-{backend}{EXPANDED if expanded else ''}"
            if "error" in p:
                out.append(f"{name:30s} REFUSED: {p['error']}")
                continue
            err = p["max_abs_error_vs_fp64_last_256_rows"]
            note = f" | K, V repeated to {heads} heads: no x" if expanded else ""
            out.append(f"{name:30s} {p['time_ms']:10.4f} {p['tflops']:9.2f}   max |err| vs fp64 "
                       f"{err:.2e}{note}")
    extra = sorted(set(by_size) - used)
    if extra:
        out += ["", "peer rows at sizes the ladder does not have: " + ", ".join(extra)]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    check = len(argv) > 0 and argv[0] == "--check"
    args = argv[1:] if check else argv
    if len(args) not in (2, 3) or (check and len(args) != 3):
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    ladder_path, peers_path = Path(args[0]), Path(args[1])
    text = table(json.loads(ladder_path.read_text()), json.loads(peers_path.read_text()),
                 ladder_path.name, peers_path.name)
    if check:
        committed = Path(args[2]).read_text()
        if committed == text:
            print(f"{args[2]}: what bench/ch08_peer_table.py writes from {ladder_path.name} and "
                  f"{peers_path.name}: OK")
            return 0
        sys.stdout.writelines(difflib.unified_diff(committed.splitlines(True), text.splitlines(True),
                                                   args[2], "from the JSON files"))
        print(f"MISMATCH {args[2]} is not what the JSON files give (regenerate it with "
              "bench/ch08_peer_table.py, never edit it)")
        return 1
    if len(args) == 3:
        Path(args[2]).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
