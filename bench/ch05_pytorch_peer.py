#!/usr/bin/env python3
"""Chapter 05 peer: PyTorch's softmax and residual + LayerNorm at the ladder's headline shapes.

Optional: runs where PyTorch with CUDA is installed (the H100 machine; not this repository's build).
Times each op the way the C++ harness does (CUDA events, 3 warm-ups, median of 25 repetitions,
the L2 cache overwritten before each) next to a device-to-device copy of the same bytes in the
same process, and writes JSON:

    python3 bench/ch05_pytorch_peer.py [out.json]     (default: chapter-05.pytorch.json)

Each row: name "pytorch-<op>/<rows>/<cols>/<bits>", median ms, minimum bytes, GB/s, and x_memcpy =
copy time / op time for the softmax rows (the same bytes as the copy), or GB/s over the copy's
GB/s for LayerNorm (which moves 3 rows*cols floats against the copy's 2). Every op is checked
against a float64 reference first.
"""
from __future__ import annotations

import json
import statistics
import sys
from datetime import datetime, timezone

import torch
import torch.nn.functional as F

SHAPES = [(8192, 8192), (16384, 1024)]
WARMUP, REPS = 3, 25


def time_ms(fn, flush: torch.Tensor) -> float:
    """Median of REPS CUDA-event timings of fn(), with `flush` overwritten (L2 evicted) before each."""
    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(REPS):
        flush.zero_()
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


def main() -> int:
    out_path = sys.argv[1] if len(sys.argv) > 1 else "chapter-05.pytorch.json"
    if not torch.cuda.is_available():
        print("PyTorch peer: no CUDA device visible; nothing measured")
        return 1
    dev = torch.device("cuda")
    props = torch.cuda.get_device_properties(dev)
    flush = torch.empty(2 * props.L2_cache_size // 4 + 1, dtype=torch.float32, device=dev)
    gen = torch.Generator(device=dev).manual_seed(5)
    rows_out = []
    for rows, cols in SHAPES:
        for dtype, bits in ((torch.float32, 32), (torch.bfloat16, 16)):
            # Logits with magnitudes like the C++ harness's default draw (|x| < 4), never zero.
            x = ((torch.rand(rows, cols, generator=gen, device=dev) * 3.5 + 0.5)
                 * torch.sign(torch.rand(rows, cols, generator=gen, device=dev) - 0.5)).to(dtype)
            y = torch.empty_like(x)
            ref = torch.softmax(x.double(), dim=-1)
            err = ((torch.softmax(x, dim=-1).double() - ref).norm() / ref.norm()).item()
            nbytes = 2 * x.numel() * x.element_size()
            t_copy = time_ms(lambda: y.copy_(x), flush)
            t_soft = time_ms(lambda: torch.softmax(x, dim=-1), flush)
            for op, t, rel in (("memcpy", t_copy, 0.0), ("softmax", t_soft, err)):
                rows_out.append({"name": f"pytorch-{op}/{rows}/{cols}/{bits}", "time_ms": t,
                                 "bytes": nbytes, "gbps": nbytes / t / 1e6,
                                 "x_memcpy": t_copy / t, "rel_l2_error_vs_fp64": rel})
            if dtype == torch.float32:
                r = torch.randn(rows, cols, generator=gen, device=dev)
                gamma = torch.rand(cols, generator=gen, device=dev) + 0.5
                beta = torch.rand(cols, generator=gen, device=dev) - 0.5
                ln = lambda: F.layer_norm(x + r, (cols,), gamma, beta, 1e-5)
                ref_ln = F.layer_norm(x.double() + r.double(), (cols,), gamma.double(),
                                      beta.double(), 1e-5)
                err_ln = ((ln().double() - ref_ln).norm() / ref_ln.norm()).item()
                t_ln = time_ms(ln, flush)
                ln_bytes = 4 * (3 * rows * cols + 2 * cols)
                copy_gbps = nbytes / t_copy / 1e6
                rows_out.append({"name": f"pytorch-layernorm/{rows}/{cols}/32", "time_ms": t_ln,
                                 "bytes": ln_bytes, "gbps": ln_bytes / t_ln / 1e6,
                                 "x_memcpy": (ln_bytes / t_ln / 1e6) / copy_gbps,
                                 "rel_l2_error_vs_fp64": err_ln,
                                 "note": "eager: x + r and layer_norm are two kernels"})
            del x, y, ref
            torch.cuda.empty_cache()
    doc = {"context": {"torch": torch.__version__, "cuda": torch.version.cuda, "gpu": props.name,
                       "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       "timing": f"median of {REPS} CUDA-event timed runs after {WARMUP} "
                                 "warm-ups, L2 overwritten before each",
                       "script": "bench/ch05_pytorch_peer.py"},
           "results": rows_out}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"{'row':34s} {'ms':>9s} {'GB/s':>8s} {'x memcpy':>9s} {'rel err':>9s}")
    for r in rows_out:
        print(f"{r['name']:34s} {r['time_ms']:9.4f} {r['gbps']:8.0f} {r['x_memcpy']:9.2f} "
              f"{r['rel_l2_error_vs_fp64']:9.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
