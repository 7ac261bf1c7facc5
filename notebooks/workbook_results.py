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


def read_peers(path: Path | str) -> dict[str, Any]:
    """A peer file recorded beside a ladder (chapter 08's ``chapter-08.pytorch.json``, written by
    ``bench/ch08_pytorch_peer.py``): ``context`` (torch, cuda, gpu, date, timing, flops) and
    ``results``, one object per call with ``name`` ("<peer>/<the ladder's size tokens>"),
    ``time_ms``, ``flops``, ``tflops`` and either a check against float64 or an ``error``."""
    return json.loads(Path(path).read_text())


def with_peers(doc: dict[str, Any], peers: dict[str, Any]) -> dict[str, Any]:
    """A copy of the ladder ``doc`` with the peer file's rows added as vendor rows.

    A peer row named ``pytorch-flash/fp16/b4/h16/s4096/d128/full`` becomes step ``pytorch-flash``
    at size ``fp16/b4/h16/s4096/d128/full``, placed after that size's rows; rows whose size the
    ladder does not have are left out. The peers ran in their own process (the same device call,
    not the ladder's program), so the ladder file holds no ratio to them: the ones added here are
    the ladder's own rule, ``x_vendors[peer]`` = the peer's median time / the step's median time
    (common/src/ladder.cpp), and a peer's ``pct_ceiling`` = 100 × its TFLOP/s / the ceiling. Its
    ``bytes`` are the problem's minimum bytes from the ladder row of the same size (both count the
    same problem), so that a roofline places it at the problem's intensity. A peer the ladder
    already lists as a vendor step is not added twice."""
    out = json.loads(json.dumps(doc))  # a deep copy: the caller's doc stays as read
    ceiling = float(doc["ceiling"]["value"])
    added: dict[str, list[dict[str, Any]]] = {}
    for r in peers["results"]:
        step, size = r["name"].split("/", 1)
        ladder_rows = [x for x in doc["rows"] if x["size"] == size]
        if step in doc["vendor_steps"] or not ladder_rows:
            continue
        failed = bool(r.get("error"))
        tflops = None if failed else float(r["tflops"])
        added.setdefault(size, []).append({
            "name": r["name"], "step": step, "family": "", "size": size, "vendor": True,
            "failed": failed, "error": r.get("error", ""),
            "time_ms": None if failed else float(r["time_ms"]), "bytes": ladder_rows[0]["bytes"],
            "flops": r["flops"], "reps": None, "min_ms": None, "max_ms": None, "gbps": None,
            "tflops": tflops, "pct_ceiling": None if failed else 100.0 * tflops / ceiling,
            "x_naive": None, "x_prev": None, "x_vendor": None, "x_vendors": {}})
    rows: list[dict[str, Any]] = []
    for size in out["sizes"]:
        mine = [x for x in out["rows"] if x["size"] == size]
        for x in mine:
            for p in added.get(size, []):
                if not x["failed"] and not x["vendor"] and p["time_ms"] is not None:
                    x["x_vendors"][p["step"]] = p["time_ms"] / x["time_ms"]
        rows += mine + added.get(size, [])
    out["rows"] = rows
    for size_rows in added.values():
        for p in size_rows:
            if p["step"] not in out["vendor_steps"]:
                out["vendor_steps"].append(p["step"])
    return out


def read_profile(path: Path | str) -> list[dict[str, Any]]:
    """A recorded Nsight Compute table (``chapter-NN.profile.txt``, printed by
    scripts/ncu_table.py): one dict per kernel launch, in file order, with ``kernel`` (its short
    name) and ``launch`` (0 for the first launch of that kernel name, 1 for the second, ...), and
    each metric's value as a float (units dropped; an empty value is NaN). The file is parsed by
    scripts/compare_mine.py's ``load_profile_text``, the reader the learner's profile comparison
    uses."""
    import sys  # noqa: PLC0415 (scripts/ is not a package: found by path, as figures.py finds us)
    scripts = str(Path(__file__).resolve().parent.parent / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import compare_mine  # noqa: PLC0415

    launches: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for name, metrics in compare_mine.load_profile_text(path):
        launch: dict[str, Any] = {"kernel": name, "launch": seen.get(name, 0)}
        seen[name] = seen.get(name, 0) + 1
        for metric, (value, _unit) in metrics.items():
            try:
                launch[metric] = float(value.replace(",", ""))
            except ValueError:
                launch[metric] = math.nan
        launches.append(launch)
    return launches


def load_ladder(path: Path | str) -> tuple[dict[str, Any], pd.DataFrame]:
    """(context, ladder table) of a ladder file (or of the one beside a Google Benchmark JSON).

    The context is what the run recorded (``wb_gpu``, ``wb_driver``, ``wb_ceiling_value``,
    ``wb_fp32_peak_tflops``, ``date``, ...), as strings; the table is ``ladder_frame``'s.
    """
    doc = read_ladder(path)
    return dict(doc["context"]), ladder_frame(doc)
