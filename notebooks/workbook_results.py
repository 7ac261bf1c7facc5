"""Shared helpers for the chapter notebooks and the lessons' figures: find a chapter's ladder file
and load it.

A bench program builds its ladder in the process (common/src/ladder.cpp holds every rule: rates,
% of ceiling, x naive, x prev, families, vendor columns) and writes it beside Google Benchmark's
JSON as ``chapter-NN.ladder.json``. This module only reads that file: it computes no rule again.
A notebook prefers a fresh ladder measured on the reader's own GPU and falls back to the one
recorded on an H100:

1. ``$WB_RESULTS`` (an explicit path: a ladder file, or the Google Benchmark JSON beside one), then
2. ``<repo>/build/bench/results/<chapter>.ladder.json`` (fresh, from ``make chapter-NN-bench``), else
3. ``<repo>/bench/results/h100/<chapter>.ladder.json`` (recorded, committed to the repository).

The ladder file (format ``wb-ladder/1``) is one JSON object: ``chapter``, ``title``, ``results``
(the Google Benchmark file of the same runs), ``gpu``, ``date``, ``commit``, ``ceiling`` (``kind``
"bandwidth" or "compute", ``value``, ``unit`` "GB/s" or "TFLOP/s", ``what``), ``vendor_steps``,
``sizes`` (run order), ``context`` (every ``wb_*`` key the run recorded, and ``date``, as strings)
and ``rows``: one object per run, grouped by size, with ``name``, ``step``, ``family``, ``size``,
``vendor``, ``failed``, ``error``, ``time_ms``, ``bytes``, ``flops``, ``reps``, ``min_ms``,
``max_ms``, ``gbps``, ``tflops``, ``pct_ceiling``, ``x_naive``, ``x_prev``, ``x_vendor`` and
``x_vendors`` (vendor step -> ratio). Values that do not apply are null (NaN here); a failed row
has no time and no ratio.
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

RECORDED_DIR: Path = REPO_ROOT / "bench" / "results" / "h100"
"""Where the runs recorded on the H100 are committed."""

LADDER_FORMAT = "wb-ladder/1"


def ladder_path_of(path: Path | str) -> Path:
    """The ladder file for ``path``: itself if it is one, else the ``.ladder.json`` beside a
    Google Benchmark JSON (``chapter-01.json`` -> ``chapter-01.ladder.json``)."""
    path = Path(path)
    if path.name.endswith(".ladder.json"):
        return path
    return path.with_suffix(".ladder.json")


def find_results(chapter: str) -> Path:
    """Return the ladder file for ``chapter`` (e.g. ``"chapter-01"``), fresh if there is one.

    Prints the file chosen and whether its numbers are "fresh" or "recorded".
    """
    recorded = RECORDED_DIR / f"{chapter}.ladder.json"
    explicit = os.environ.get("WB_RESULTS")
    if explicit:
        path = ladder_path_of(Path(explicit).expanduser().resolve())
    else:
        local = REPO_ROOT / "build" / "bench" / "results" / f"{chapter}.ladder.json"
        path = local if local.is_file() else recorded
    kind = "recorded" if is_recorded(path) else "fresh"
    print(f"Results: {path} ({kind})")
    return path


def is_recorded(path: Path | str) -> bool:
    """True if ``path`` is a recorded results file under ``bench/results/`` in the repository."""
    try:
        Path(path).resolve().relative_to(REPO_ROOT / "bench" / "results")
        return True
    except ValueError:
        return False


def read_ladder(path: Path | str) -> dict[str, Any]:
    """The ladder file as written by the bench program (a dict; see the module comment)."""
    path = ladder_path_of(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no ladder file. The bench program writes it next to its Google Benchmark "
            "JSON (make chapter-NN-bench); a JSON recorded without it must be recorded again.")
    doc = json.loads(path.read_text())
    if doc.get("format") != LADDER_FORMAT:
        raise ValueError(f"{path}: format {doc.get('format')!r}, expected {LADDER_FORMAT!r}")
    return doc


def _num(x: Any) -> float:
    return math.nan if x is None else float(x)


def ladder_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """The rows of a ladder file as a table, one row per run, in the file's order.

    Columns: ``chapter``, ``step``, ``family``, ``size``, ``time_ms``, ``bytes``, ``flops``,
    ``gbps``, ``tflops``, ``pct_ceiling``, ``x_naive``, ``x_prev``, ``x_vendor``, one
    ``x_<vendor step>`` per vendor step (e.g. ``x_vendor-cublas``), ``min_ms``, ``max_ms``,
    ``is_vendor`` and ``error_message`` (empty unless the row failed). Numbers that do not apply
    are NaN.
    """
    vendors = list(doc["vendor_steps"])
    rows = []
    for r in doc["rows"]:
        row = {"chapter": doc["chapter"], "step": r["step"], "family": r["family"],
               "size": r["size"]}
        for key in ("time_ms", "bytes", "flops", "gbps", "tflops", "pct_ceiling", "x_naive",
                    "x_prev", "x_vendor"):
            row[key] = _num(r[key])
        for v in vendors:
            row["x_" + v] = _num(r["x_vendors"].get(v))
        row["min_ms"] = _num(r["min_ms"])
        row["max_ms"] = _num(r["max_ms"])
        row["is_vendor"] = bool(r["vendor"])
        row["error_message"] = r["error"] if r["failed"] else ""
        rows.append(row)
    columns = ["chapter", "step", "family", "size", "time_ms", "bytes", "flops", "gbps", "tflops",
               "pct_ceiling", "x_naive", "x_prev", "x_vendor", *["x_" + v for v in vendors],
               "min_ms", "max_ms", "is_vendor", "error_message"]
    return pd.DataFrame(rows, columns=columns)


def load_ladder(path: Path | str) -> tuple[dict[str, Any], pd.DataFrame]:
    """(context, ladder table) of a ladder file (or of the one beside a Google Benchmark JSON).

    The context is what the run recorded (``wb_gpu``, ``wb_driver``, ``wb_ceiling_value``,
    ``wb_fp32_peak_tflops``, ``date``, ...), as strings; the table is ``ladder_frame``'s.
    """
    doc = read_ladder(path)
    return dict(doc["context"]), ladder_frame(doc)
