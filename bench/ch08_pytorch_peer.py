#!/usr/bin/env python3
"""Chapter 08 peers: PyTorch's scaled_dot_product_attention with the FlashAttention-2 backend and
with the cuDNN backend, at the ladder's shapes (bench/ch08_bench.cpp, blocks()).

Optional: runs where PyTorch with CUDA is installed (the H100 machine; not this repository's build).
Times each call the way the C++ harness does (CUDA events, 3 warm-ups, median of 25 repetitions,
the L2 cache overwritten before each) and writes JSON:

    python3 bench/ch08_pytorch_peer.py [out.json]     (default: chapter-08.pytorch.json)

Each row: name "pytorch-<backend>/<type>/b<B>/h<H>[/kv<Hkv>]/s<S>/d<d>/<full|causal>" (the ladder's
size tokens), median ms, FLOPs counted as the ladder counts them (4 B H Sq Sk d, halved for
causal), TFLOP/s, and the max error against a float64 reference of the last 256 query rows of
batch 0, head 0 (the rows that see the most keys under the mask). Every shape here has Sq = Sk, where
PyTorch's top-left causal alignment and the workbook's bottom-right one agree. A backend that
refuses a shape (cuDNN on a GPU or version without it, a grouped-query call without enable_gqa
support) is recorded with its error, never silently replaced; for the grouped-query shape a second
row times the same call on K and V expanded to all H heads ("-expanded"), which moves H / Hkv times
the K and V bytes and is labelled so. The context records the GPU, the versions, the date (when the
file was written, after the last row) and the commit. bench/ch08_peer_table.py sets these rows
beside the ladder's steps (x FA2, x cuDNN).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import datetime, timezone

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

# The timing rules are chapter 05's peer's, reused (not copied): CUDA events, warm-ups, median,
# L2 overwritten before each repetition.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ch05_pytorch_peer import REPS, WARMUP, time_ms  # noqa: E402
# (B, H, Hkv, S, d, causal, types): the ladder's blocks, in its order.
BLOCKS = []
for _causal in (False, True):
    BLOCKS.append((4, 16, 16, 4096, 128, _causal, ("fp16", "bf16")))
    BLOCKS.append((8, 16, 16, 2048, 64, _causal, ("fp16", "bf16")))
for _causal in (False, True):
    BLOCKS.append((4, 32, 8, 4096, 128, _causal, ("fp16",)))
    BLOCKS.append((1, 16, 16, 16384, 128, _causal, ("fp16",)))
BACKENDS = (("flash", SDPBackend.FLASH_ATTENTION), ("cudnn", SDPBackend.CUDNN_ATTENTION))
DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}


def source_commit() -> str:
    """The commit these peers ran at, as the C++ bench records its own: WB_GIT_COMMIT when set (a
    lent machine's copy of the tree has no .git), else git's short hash, else "unknown"."""
    if os.environ.get("WB_GIT_COMMIT"):
        return os.environ["WB_GIT_COMMIT"]
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        sha = subprocess.run(["git", "-C", here, "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return sha or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def reference_tail(q, k, v, causal: bool, rows: int = 256) -> torch.Tensor:
    """float64 attention of the last `rows` query rows of batch 0, head 0 (Sq = Sk)."""
    S = q.shape[2]
    q0 = q[0, 0, S - rows:].double()
    k0 = k[0, 0].double()
    v0 = v[0, 0].double()
    s = (q0 @ k0.T) / math.sqrt(q.shape[-1])
    if causal:
        i = torch.arange(S - rows, S, device=q.device)[:, None]
        j = torch.arange(S, device=q.device)[None, :]
        s = s.masked_fill(j > i, float("-inf"))
    return torch.softmax(s, dim=-1) @ v0


def main() -> int:
    if not torch.cuda.is_available():
        print("PyTorch peer: no CUDA device visible; nothing measured")
        return 1
    # Overwritten before every timed repetition: twice the L2 in bytes, as the C++ harness does.
    l2_bytes = torch.cuda.get_device_properties(0).L2_cache_size
    flush = torch.empty(l2_bytes // 2 + 1, dtype=torch.float32, device="cuda")
    gen = torch.Generator(device="cuda").manual_seed(8)
    dev = gen.device
    rows_out = []
    for B, H, Hkv, S, d, causal, types in BLOCKS:
        for tname in types:
            dtype = DTYPES[tname]
            # Magnitudes like the C++ harness's default draw: |q|, |k| in [0.25, 1), |v| in [0.5, 2).
            def draw(heads, lo, hi):
                mag = torch.rand(B, heads, S, d, generator=gen, device=dev) * (hi - lo) + lo
                sign = torch.sign(torch.rand(B, heads, S, d, generator=gen, device=dev) - 0.5)
                return (mag * sign).to(dtype)
            q, k, v = draw(H, 0.25, 1.0), draw(Hkv, 0.25, 1.0), draw(Hkv, 0.5, 2.0)
            flops = 4.0 * B * H * S * S * d / (2 if causal else 1)
            tokens = [tname, f"b{B}", f"h{H}"] + ([f"kv{Hkv}"] if Hkv != H else []) + \
                     [f"s{S}", f"d{d}", "causal" if causal else "full"]
            kx, vx = k, v
            if Hkv != H:
                kx, vx = k.repeat_interleave(H // Hkv, dim=1), v.repeat_interleave(H // Hkv, dim=1)
            ref = reference_tail(q, kx, vx, causal)
            variants = [("", k, v, {"enable_gqa": True} if Hkv != H else {})]
            if Hkv != H:
                variants.append(("-expanded", kx, vx, {}))
            for bname, backend in BACKENDS:
                for suffix, kk, vv, extra in variants:
                    name = f"pytorch-{bname}{suffix}/" + "/".join(tokens)
                    fn = lambda: F.scaled_dot_product_attention(q, kk, vv, is_causal=causal,
                                                                **extra)
                    row = {"name": name, "backend": bname, "flops": flops}
                    try:
                        with sdpa_kernel(backend):
                            out = fn()
                            err = (out[0, 0, S - 256:].double() - ref).abs().max().item()
                            t = time_ms(fn, flush)
                        row.update({"time_ms": t, "tflops": flops / t / 1e9,
                                    "max_abs_error_vs_fp64_last_256_rows": err})
                    except Exception as e:  # the backend refused this call: record why
                        row.update({"error": f"{type(e).__name__}: {str(e)[:300]}"})
                    rows_out.append(row)
            del q, k, v, kx, vx, ref
            torch.cuda.empty_cache()
    doc = {"context": {"torch": torch.__version__, "cuda": torch.version.cuda,
                       "cudnn": torch.backends.cudnn.version(),
                       "gpu": torch.cuda.get_device_name(0),
                       "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       "commit": source_commit(),
                       "timing": f"median of {REPS} CUDA-event timed runs after {WARMUP} "
                                 "warm-ups, L2 overwritten before each",
                       "flops": "4 B H Sq Sk d, halved for causal (as the ladder counts them)",
                       "script": "bench/ch08_pytorch_peer.py"},
           "results": rows_out}
    out_path = sys.argv[1] if len(sys.argv) > 1 else "chapter-08.pytorch.json"
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"{'row':58s} {'ms':>9s} {'TFLOP/s':>8s} {'max err':>9s}")
    for r in rows_out:
        if "error" in r:
            print(f"{r['name']:58s} REFUSED: {r['error'][:60]}")
        else:
            print(f"{r['name']:58s} {r['time_ms']:9.4f} {r['tflops']:8.1f} "
                  f"{r['max_abs_error_vs_fp64_last_256_rows']:9.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
