"""Shared helpers for the chapter notebooks: find a chapter's benchmark results and load its ladder.

Results are Google Benchmark JSON written by the chapter's bench binary. A notebook prefers a
fresh file produced on the reader's own GPU and falls back to the numbers recorded on an H100:

1. ``$WB_RESULTS`` (an explicit path), then
2. ``<repo>/build/bench/results/<chapter>.json`` (fresh, from ``make``), else
3. ``<repo>/bench/results/h100/<chapter>.json`` (recorded, committed to the repository).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

REPO_ROOT: Path = Path(__file__).resolve().parent.parent
"""The repository root: the parent of the notebooks/ folder."""

_UNIT_SECONDS: dict[str, float] = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def find_results(chapter: str) -> Path:
    """Return the results file for ``chapter`` (e.g. ``"chapter-01"``), fresh if there is one.

    Prints the file chosen and whether its numbers are "fresh" or "recorded".
    """
    recorded = REPO_ROOT / "bench" / "results" / "h100" / f"{chapter}.json"
    explicit = os.environ.get("WB_RESULTS")
    if explicit:
        path = Path(explicit).expanduser().resolve()
    else:
        local = REPO_ROOT / "build" / "bench" / "results" / f"{chapter}.json"
        path = local if local.is_file() else recorded
    kind = "recorded" if is_recorded(path) else "fresh"
    print(f"Results: {path} ({kind})")
    return path


def is_recorded(path: Path) -> bool:
    """True if ``path`` is a recorded results file under ``bench/results/`` in the repository."""
    try:
        Path(path).resolve().relative_to(REPO_ROOT / "bench" / "results")
        return True
    except ValueError:
        return False


def load_ladder(path: Path | str) -> tuple[dict[str, Any], pd.DataFrame]:
    """Parse a Google Benchmark JSON file into (context, ladder table).

    Keeps ``run_type == "iteration"`` rows. Names look like ``ch01/<step>/<size args>``; the size is
    the arguments joined by "/". Rates are against the context's ceiling (``wb_ceiling_kind`` is
    "bandwidth" -> GB/s, else TFLOP/s). Speed-ups are time ratios at the same size: ``x_naive``
    vs. the naive step, ``x_prev`` vs. the previous non-vendor step (NaN for naive and vendor rows),
    ``x_vendor`` vs. the first step named by ``wb_vendor_step`` (comma-separated; each listed vendor
    also gets an ``x_<vendor>`` column). Steps named ``<family>-<step>`` compare within their
    family (``softmax-naive`` is the naive row of ``softmax-online``). Failed runs get NaN numbers and keep
    their ``error_message``. Rows (and so steps) keep their file order.
    """
    data = json.loads(Path(path).read_text())
    context: dict[str, Any] = data.get("context", {})
    ceiling = float(context["wb_ceiling_value"])
    use_bw = context.get("wb_ceiling_kind") == "bandwidth"
    nan = math.nan

    rows: list[dict[str, Any]] = []
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        chapter, step, *size = b["name"].split("/")
        failed = bool(b.get("error_occurred", False))
        secs = nan if failed else float(b["real_time"]) * _UNIT_SECONDS[b.get("time_unit", "ns")]
        nbytes = nan if failed else float(b.get("bytes", nan))
        flops = nan if failed else float(b.get("flops", nan))
        rows.append({
            "chapter": chapter, "step": step, "size": "/".join(size),
            "time_ms": secs * 1e3, "bytes": nbytes, "flops": flops,
            "gbps": nbytes / secs / 1e9, "tflops": flops / secs / 1e12,
            "is_vendor": step.startswith("vendor-"),
            "error_message": b.get("error_message", "") if failed else "",
        })
    df = pd.DataFrame(rows)
    if df.empty:
        return context, df

    df["pct_ceiling"] = (df["gbps"] if use_bw else df["tflops"]) / ceiling * 100.0
    vendor_steps = [v for v in context.get("wb_vendor_step", "").split(",") if v]
    if not vendor_steps:
        vendor_steps = [s for s in dict.fromkeys(df["step"]) if s.startswith("vendor-")][:1]

    def family(step: str) -> str:
        return "" if step.startswith("vendor-") or "-" not in step else step.split("-", 1)[0]

    def time_of(size: str, step: str) -> float:
        t = df.loc[(df["size"] == size) & (df["step"] == step), "time_ms"]
        return float(t.iloc[0]) if len(t) else nan

    df["family"] = [family(s) for s in df["step"]]
    df["x_naive"] = [
        nan if v else time_of(z, f + "-naive" if f else "naive") / t
        for z, f, t, v in zip(df["size"], df["family"], df["time_ms"], df["is_vendor"])
    ]
    # x_prev: the previous non-vendor row of the same family *at the same size*, in file order
    # (a step measured only at some sizes must not be paired with a step from another size).
    x_prev = []
    last: dict[tuple[str, str], float] = {}
    for z, f, t, v in zip(df["size"], df["family"], df["time_ms"], df["is_vendor"]):
        x_prev.append(nan if v or (z, f) not in last else last[(z, f)] / t)
        if not v:
            last[(z, f)] = t
    df["x_prev"] = x_prev
    for v in vendor_steps:
        df["x_" + v] = [time_of(z, v) / t for z, t in zip(df["size"], df["time_ms"])]
    df["x_vendor"] = df["x_" + vendor_steps[0]] if vendor_steps else nan

    columns = ["chapter", "step", "family", "size", "time_ms", "bytes", "flops", "gbps", "tflops",
               "pct_ceiling", "x_naive", "x_prev", "x_vendor",
               *["x_" + v for v in vendor_steps], "is_vendor", "error_message"]
    return context, df[columns]
