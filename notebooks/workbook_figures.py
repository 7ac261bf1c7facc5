"""The workbook's figures: one plotting code for the notebooks and the lessons.

The notebooks call these functions on the ladder they load (fresh or recorded); `make figures`
(scripts/figures.py) calls the same functions on the files recorded on the H100 and writes the
PNGs the lessons show, ``chapters/NN-slug/figures/chNN-{ladder,roofline,sweep}.png``. CI draws them
again and compares bytes, so drawing is deterministic: fixed rcParams (``RC``), the DejaVu Sans
font matplotlib ships, a fixed size and dpi, no metadata in the PNG, and a pinned matplotlib
(notebooks/requirements.txt).

Figures:

- ``ladder_figure``: per size, each step's rate (GB/s or TFLOP/s, the bar) and median time (the
  label), the vendor rows hatched, the measured ceiling as a line;
- ``ratio_figure``: one column of the ladder (× naive, × vendor, % of ceiling) per size;
- ``roofline_figure``: arithmetic intensity against attained rate, the measured ceilings as roofs,
  the steps as points (a zero-FLOP chapter gets its memory roof alone);
- ``sweep_figure``: a chapter's recorded design sweep (chapters 02, 03, 04).

Every number drawn comes from a ladder file (``workbook_results.read_ladder``) or a recorded
sweep; nothing here computes a ladder rule.
"""

from __future__ import annotations

import math
import re
import textwrap
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import workbook_results as wr

DPI = 110
"""Resolution of the saved PNGs."""

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",  # shipped with matplotlib: the same glyphs everywhere
    "font.size": 9.0,
    "axes.titlesize": 9.5,
    "axes.labelsize": 9.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 8.0,
    "figure.titlesize": 11.0,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.grid": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.8,
    "lines.linewidth": 1.5,
    "path.simplify": True,
    "text.hinting": "force_autohint",
    "text.hinting_factor": 8,
    "text.antialiased": True,
    "lines.antialiased": True,
    "patch.antialiased": True,
    "axes.unicode_minus": True,
    "mathtext.fontset": "dejavusans",
}
"""The rcParams every figure is drawn with."""

VENDOR_STYLE = {"facecolor": "0.82", "hatch": "///", "edgecolor": "0.35", "linewidth": 0.6}
CEILING_COLOR = "black"
PEAK_COLOR = "tab:red"
FAMILY_MAPS = ("Blues", "Oranges", "Greens", "Purples")


@contextmanager
def style() -> Iterator[None]:
    """Draw inside this context: the fixed rcParams of every workbook figure."""
    with plt.rc_context(RC):
        yield


def save(fig: matplotlib.figure.Figure, path: Path | str) -> Path:
    """Write ``fig`` as a PNG with no metadata (no software version, no date)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with style():
        fig.savefig(path, dpi=DPI, format="png", metadata={"Software": None})
    return path


# ---------------------------------------------------------------------------------------------
# Chapter knowledge the figures need: how to name a size, which size is the headline, and where
# each step sits on the roofline when its minimum traffic is not the point.


def label_rows_cols(size: str) -> str:
    """'16384/16384' -> '16384 × 16384'."""
    return " × ".join(size.split("/"))


def label_mnk(size: str) -> str:
    """'4096/1024/8192' -> 'M×N×K = 4096 × 1024 × 8192'."""
    return "M×N×K = " + " × ".join(size.split("/"))


def label_reduction(size: str) -> str:
    """'268435456/0' -> 'n = 268,435,456'; a non-zero second token is the view's offset."""
    n, offset = (size.split("/") + ["0"])[:2]
    return f"n = {int(n):,}" + (f" (view +{offset})" if offset != "0" else "")


def label_rows_cols_type(size: str) -> str:
    """'8192/8192/32' -> '8192 × 8192 fp32' (16 bits: bf16, as chapter 05 stores it)."""
    rows, cols, bits = size.split("/")
    return f"{rows} × {cols} {'fp32' if bits == '32' else 'bf16'}"


def tile_intensity(bm: int, bn: int) -> float:
    """FLOP per byte of global loads of a block computing a BM × BN tile of C (fp32):
    BM·BN FMAs per k for BM + BN loaded floats."""
    return bm * bn / (2 * (bm + bn))


CH03_TILES = {"naive": (1, 1), "coalesced": (1, 1), "smem_tiles": (32, 32),
              "register_1d": (64, 64), "register_2d": (128, 128), "vectorized": (128, 128),
              "warptile": (128, 256)}
"""Chapter 03: each step's block tile (rows × columns of C), from its source."""

CHAPTERS: dict[str, dict[str, Any]] = {
    "01": {"results": "chapter-01", "label": label_rows_cols, "roofline": "intensity",
           "headline": "16384/16384"},
    "02": {"results": "chapter-02", "label": label_rows_cols, "roofline": "memory",
           "sweep": "chapter-02.sweep.txt"},
    "03": {"results": "chapter-03", "label": label_mnk, "roofline": "tile", "tiles": CH03_TILES,
           "headline": "4096/4096/4096", "sweep": "chapter-03.sweep.txt"},
    "04": {"results": "chapter-04", "label": label_reduction, "roofline": "intensity",
           "sweep": "chapter-04.sweep.txt"},
    "05": {"results": "chapter-05", "label": label_rows_cols_type, "roofline": "intensity",
           "headline": "8192/8192/32"},
}
"""Per chapter: its results name, size labels, roofline kind, headline size and sweep file."""


def chapter_spec(chapter: str) -> dict[str, Any]:
    """The entry of CHAPTERS for "01", "chapter-01" or "ch01"; a plain one for others."""
    nn = re.sub(r"\D", "", chapter)[-2:]
    return CHAPTERS.get(nn, {"results": f"chapter-{nn}", "label": label_rows_cols,
                             "roofline": "intensity"})


# ---------------------------------------------------------------------------------------------
# Helpers


def _rate_key(doc: dict[str, Any]) -> tuple[str, str]:
    """('gbps', 'GB/s') for a bandwidth ceiling, ('tflops', 'TFLOP/s') for a compute one."""
    return ("gbps", "GB/s") if doc["ceiling"]["kind"] == "bandwidth" else ("tflops", "TFLOP/s")


def step_colors(doc: dict[str, Any]) -> dict[str, Any]:
    """A colour per non-vendor step: tab10 in ladder order, or one colour map per family
    (chapter 05's softmax-* and layernorm-*), darker for later steps."""
    steps = list(dict.fromkeys(r["step"] for r in doc["rows"] if not r["vendor"]))
    families = list(dict.fromkeys(r["family"] for r in doc["rows"] if not r["vendor"]))
    colors: dict[str, Any] = {}
    if families == [""]:
        for i, s in enumerate(steps):
            colors[s] = plt.get_cmap("tab10")(i % 10)
        return colors
    for f_index, family in enumerate(families):
        members = [s for s in steps if (s.split("-", 1)[0] if "-" in s else "") == family]
        cmap = plt.get_cmap(FAMILY_MAPS[f_index % len(FAMILY_MAPS)])
        for i, s in enumerate(members):
            colors[s] = cmap(0.4 + 0.55 * i / max(1, len(members) - 1))
    return colors


def _fmt_ms(ms: float) -> str:
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    if ms >= 1:
        return f"{ms:.2f} ms"
    return f"{ms:.3f} ms"


def _fmt_rate(y: float) -> str:
    return f"{y:.0f}" if y >= 100 else (f"{y:.1f}" if y >= 10 else f"{y:.3g}")


def _grid(n: int) -> tuple[int, int]:
    cols = n if n <= 3 else (2 if n == 4 else 3)
    return math.ceil(n / cols), cols


def _origin(doc: dict[str, Any]) -> str:
    return f"{doc['gpu']}, commit {doc['commit']}, {doc['date'][:10]}"


def _rows_at(doc: dict[str, Any], size: str) -> list[dict[str, Any]]:
    return [r for r in doc["rows"] if r["size"] == size]


# ---------------------------------------------------------------------------------------------
# The ladder


def ladder_figure(doc: dict[str, Any], chapter: str | None = None,
                  label: Callable[[str], str] | None = None) -> matplotlib.figure.Figure:
    """Per size, a bar per row: the step's rate (GB/s or TFLOP/s) labelled with its median time.
    Vendor rows are hatched grey; the measured ceiling is the black line; a failed row says
    FAILED where its bar would be."""
    spec = chapter_spec(chapter or doc["chapter"])
    label = label or spec["label"]
    key, unit = _rate_key(doc)
    ceiling = float(doc["ceiling"]["value"])
    colors = step_colors(doc)
    sizes = list(doc["sizes"])
    nrows, ncols = _grid(len(sizes))
    most = max(len(_rows_at(doc, s)) for s in sizes)
    with style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(max(3.4, 0.42 * most + 1.0) * ncols,
                                                        3.5 * nrows + 0.9),
                                 sharey=True, squeeze=False)
        top = max([ceiling] + [r[key] for r in doc["rows"] if r[key] is not None]) * 1.38
        for ax, size in zip(axes.flat, sizes):
            rows = _rows_at(doc, size)
            x = np.arange(len(rows))
            for xi, r in zip(x, rows):
                if r["failed"]:
                    ax.text(xi, top * 0.02, "FAILED", rotation=90, ha="center", va="bottom",
                            color="tab:red", fontsize=8, fontweight="bold")
                    continue
                style_kw = VENDOR_STYLE if r["vendor"] else {"color": colors[r["step"]]}
                ax.bar(xi, r[key], width=0.72, **style_kw)
                ax.annotate(_fmt_ms(r["time_ms"]), (xi, r[key]), xytext=(0, 3),
                            textcoords="offset points", rotation=90, ha="center", va="bottom",
                            fontsize=7)
            ax.axhline(ceiling, color=CEILING_COLOR, lw=1.2)
            ax.set_xticks(x, [r["step"] for r in rows], rotation=40, ha="right",
                          rotation_mode="anchor")
            ax.set_title(label(size))
            ax.set_ylim(0, top)
            ax.set_xlim(-0.6, len(rows) - 0.4)
            ax.grid(axis="y", alpha=0.3)
            ax.set_axisbelow(True)
        for ax in axes.flat[len(sizes):]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel(f"{unit} (label: median time)")
        vendors = ", ".join(doc["vendor_steps"]) or "none"
        handles = [Line2D([], [], color=CEILING_COLOR, lw=1.2,
                          label=f"measured ceiling: {ceiling:.4g} {unit} ({doc['ceiling']['what']})"),
                   Patch(**VENDOR_STYLE, label=f"vendor: {vendors}")]
        fig.legend(handles=handles, loc="lower center", ncol=1, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
        fig.suptitle(f"Chapter {doc['chapter'][2:]} ladder ({doc['title']}): rate of each step, "
                     f"higher is faster\n{_origin(doc)}")
        fig.tight_layout(rect=(0, 0.09 if nrows == 1 else 0.05, 1, 1))
    return fig


def ratio_figure(doc: dict[str, Any], column: str, ylabel: str, fmt: str = "{:.2f}",
                 lines: tuple[tuple[float, str, str], ...] = (), chapter: str | None = None,
                 label: Callable[[str], str] | None = None) -> matplotlib.figure.Figure:
    """Per size, a bar per row showing one column of the ladder file's rows (``x_naive``,
    ``x_vendor``, ``pct_ceiling``, or ``x_vendors:<vendor step>``), labelled with ``fmt``.
    ``lines``: horizontal reference lines as (value, line style, legend text)."""
    spec = chapter_spec(chapter or doc["chapter"])
    label = label or spec["label"]
    colors = step_colors(doc)
    sizes = list(doc["sizes"])
    nrows, ncols = _grid(len(sizes))
    most = max(len(_rows_at(doc, s)) for s in sizes)

    def value(r: dict[str, Any]) -> float:
        v = (r["x_vendors"].get(column.split(":", 1)[1]) if column.startswith("x_vendors:")
             else r[column])
        return math.nan if v is None else float(v)

    finite = [value(r) for r in doc["rows"] if math.isfinite(value(r))]
    top = max(finite + [v for v, _, _ in lines] + [1.0]) * 1.18
    with style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(max(3.4, 0.42 * most + 1.0) * ncols,
                                                        3.3 * nrows + 0.7),
                                 sharey=True, squeeze=False)
        for ax, size in zip(axes.flat, sizes):
            rows = _rows_at(doc, size)
            x = np.arange(len(rows))
            for xi, r in zip(x, rows):
                v = value(r)
                if r["failed"]:
                    ax.text(xi, top * 0.02, "FAILED", rotation=90, ha="center", va="bottom",
                            color="tab:red", fontsize=8, fontweight="bold")
                    continue
                style_kw = VENDOR_STYLE if r["vendor"] else {"color": colors[r["step"]]}
                ax.bar(xi, v if math.isfinite(v) else 0, width=0.72, **style_kw)
                if math.isfinite(v):
                    ax.annotate(fmt.format(v), (xi, v), xytext=(0, 2), textcoords="offset points",
                                ha="center", va="bottom", fontsize=7)
            for v, ls, text in lines:
                ax.axhline(v, color="black", lw=1, ls=ls, label=text)
            ax.set_xticks(x, [r["step"] for r in rows], rotation=40, ha="right",
                          rotation_mode="anchor")
            ax.set_title(label(size))
            ax.set_ylim(0, top)
            ax.grid(axis="y", alpha=0.3)
            ax.set_axisbelow(True)
        for ax in axes.flat[len(sizes):]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel(ylabel)
        if lines:
            fig.legend(*axes[0][0].get_legend_handles_labels(), loc="lower center",
                       ncol=len(lines), frameon=False)
        fig.suptitle(f"Chapter {doc['chapter'][2:]}: {ylabel}\n{_origin(doc)}")
        fig.tight_layout(rect=(0, 0.07 if lines else 0, 1, 1))
    return fig


# ---------------------------------------------------------------------------------------------
# The roofline


def _copy_ceiling_for(doc: dict[str, Any]) -> tuple[float, str]:
    """The memory roof of a compute-bound chapter: chapter 01's measured copy ceiling when it was
    recorded on the same GPU model, else the datasheet DRAM peak from the run's own context."""
    try:
        ch01 = wr.read_ladder(wr.RECORDED_DIR / "chapter-01.ladder.json")
        if ch01["gpu"] == doc["gpu"] and ch01["ceiling"]["kind"] == "bandwidth":
            return float(ch01["ceiling"]["value"]), "copy ceiling measured in chapter 01"
    except (FileNotFoundError, ValueError, KeyError):
        pass
    return float(doc["context"]["wb_dram_peak_datasheet_GBps"]), "datasheet DRAM peak"


def roofline_figure(doc: dict[str, Any], chapter: str | None = None,
                    size: str | None = None) -> matplotlib.figure.Figure:
    """Arithmetic intensity (FLOP per byte) against attained rate, log-log, at one size (the
    chapter's headline size by default): the memory roof (a measured bandwidth × AI), the FP32
    peak (datasheet-style: SMs × 128 lanes × 2 FLOP × clock) and, for a compute-bound chapter,
    its measured ceiling; every step a point. A chapter without FLOPs (a transpose) has only a
    memory roof: its figure shows each step's bandwidth under it, per size."""
    spec = chapter_spec(chapter or doc["chapter"])
    if spec.get("roofline") == "memory" or not any((r["flops"] or 0) > 0 for r in doc["rows"]):
        return _memory_roof_figure(doc, spec)
    label = spec["label"]
    sizes = list(doc["sizes"])
    size = size or (spec.get("headline") if spec.get("headline") in sizes else sizes[0])
    ctx = doc["context"]
    colors = step_colors(doc)
    compute = doc["ceiling"]["kind"] == "compute"
    peak = float(ctx["wb_fp32_peak_tflops"])  # TFLOP/s
    if compute:
        bw, bw_what = _copy_ceiling_for(doc)
    else:
        bw, bw_what = float(doc["ceiling"]["value"]), "measured: " + doc["ceiling"]["what"]
    scale, unit = (1.0, "TFLOP/s") if compute else (1e3, "GFLOP/s")
    ridge = peak * 1e3 / bw  # FLOP/byte where the roofs meet

    points, unplaced = [], []
    tiles = spec.get("tiles") if spec.get("roofline") == "tile" else None
    for r in _rows_at(doc, size):
        if r["failed"] or not r["flops"]:
            continue
        if tiles is not None:
            if r["step"] not in tiles:
                if not r["vendor"]:
                    unplaced.append(r["step"])
                continue
            ai = tile_intensity(*tiles[r["step"]])
        else:
            ai = r["flops"] / r["bytes"]
        points.append((r, ai, r["tflops"] * scale))

    with style():
        fig, ax = plt.subplots(figsize=(11.0, 5.2))
        ais = [p[1] for p in points] or [1.0]
        lo = 2.0 ** math.floor(math.log2(min(ais + [ridge]) / 8))
        hi = 2.0 ** math.ceil(math.log2(max(ais + [ridge]) * 8))
        ai = np.array([lo, ridge, hi])
        ax.loglog(ai[:2], bw * ai[:2] / 1e3 * scale, color=CEILING_COLOR, lw=2,
                  label=textwrap.fill(f"memory roof: {bw:.0f} GB/s × AI ({bw_what})", 58))
        ax.loglog(ai[1:], bw * ai[1:] / 1e3 * scale, color=CEILING_COLOR, lw=1, ls=":", alpha=0.5)
        ax.loglog([ridge, hi], [peak * scale, peak * scale], color=PEAK_COLOR, lw=2,
                  label=f"FP32 peak, datasheet-style: {peak:.1f} TFLOP/s")
        if compute:
            measured = float(doc["ceiling"]["value"])
            ax.axhline(measured * scale, color=PEAK_COLOR, lw=1.2, ls="--",
                       label=textwrap.fill(f"measured ceiling: {measured:.1f} TFLOP/s "
                                           f"({doc['ceiling']['what'].split(',')[0]})", 58))
        ax.plot([ridge], [peak * scale], "o", color="black", ms=5)
        ax.annotate(f"ridge: {ridge:.1f} FLOP/byte", (ridge, peak * scale), xytext=(-8, 6),
                    textcoords="offset points", fontsize=8, ha="right", va="bottom")
        markers = ["o", "s", "D", "^", "v", "P", "X", "h", "<", ">"]
        for i, (r, x, y) in enumerate(points):
            if r["vendor"]:
                ax.plot(x, y, "*", ms=13, color="0.45",
                        label=f"{r['step']}: {_fmt_rate(y)} {unit}")
                continue
            if tiles is not None:  # the tile's AI bounds global loads only: caches add reuse
                text = (f"{r['step']}: tile {tiles[r['step']][0]}×{tiles[r['step']][1]}, "
                        f"{_fmt_rate(y)} {unit}")
            else:
                roof = min(bw * x / 1e3, peak) * scale
                text = f"{r['step']}: {_fmt_rate(y)} {unit}, {100 * y / roof:.0f}% of its roof"
            ax.plot(x, y, markers[i % len(markers)], ms=10 - 0.6 * (i % 6), mfc="none", mew=2,
                    color=colors[r["step"]], label=text)
        ax.set_xlim(lo, hi)
        ys = [p[2] for p in points] or [peak * scale]
        ax.set_ylim(min(ys + [bw * lo / 1e3 * scale]) / 2, peak * scale * 3)
        what = ("AI of the block tile (FLOP / byte of global loads)" if tiles is not None
                else "arithmetic intensity: FLOP / minimum bytes moved")
        ax.set_xlabel(what)
        ax.set_ylabel(f"attained {unit}")
        ax.set_title(f"Chapter {doc['chapter'][2:]} roofline at {label(size)}\n{_origin(doc)}")
        ax.grid(which="major", alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7.5, frameon=False)
        if unplaced:
            ax.text(0.01, 0.99, "not placed (block tile unknown to workbook_figures.py): "
                    + ", ".join(unplaced), transform=ax.transAxes, va="top", fontsize=7,
                    color="tab:red")
        fig.tight_layout()
    return fig


def _memory_roof_figure(doc: dict[str, Any], spec: dict[str, Any]) -> matplotlib.figure.Figure:
    label = spec["label"]
    ceiling = float(doc["ceiling"]["value"])
    datasheet = float(doc["context"].get("wb_dram_peak_datasheet_GBps", "nan"))
    steps = list(dict.fromkeys(r["step"] for r in doc["rows"]))
    markers = ["o", "s", "D", "^", "v", "P"]
    with style():
        fig, ax = plt.subplots(figsize=(8.2, 5.0))
        x = np.arange(len(steps))
        for i, size in enumerate(doc["sizes"]):
            by_step = {r["step"]: r for r in _rows_at(doc, size)}
            ys = [by_step[s]["gbps"] if s in by_step and not by_step[s]["failed"] else np.nan
                  for s in steps]
            ax.plot(x, ys, marker=markers[i % len(markers)], ms=6, lw=1, alpha=0.9,
                    label=label(size))
        ax.axhline(ceiling, color=CEILING_COLOR, lw=2,
                   label=f"memory roof, measured: {ceiling:.0f} GB/s ({doc['ceiling']['what'].split(',')[0]})")
        if math.isfinite(datasheet):
            ax.axhline(datasheet, color=CEILING_COLOR, lw=1, ls="--",
                       label=f"DRAM datasheet peak: {datasheet:.0f} GB/s")
        vendor_x = [i for i, s in enumerate(steps) if s.startswith("vendor-")]
        if vendor_x:
            ax.axvspan(min(vendor_x) - 0.5, max(vendor_x) + 0.5, color="0.92", zorder=0)
        ax.set_xticks(x, steps, rotation=35, ha="right", rotation_mode="anchor")
        ax.set_ylim(0, max(ceiling, datasheet if math.isfinite(datasheet) else 0) * 1.12)
        ax.set_ylabel("attained GB/s (minimum bytes / median time)")
        ax.set_title(f"Chapter {doc['chapter'][2:]} has no FLOPs (arithmetic intensity 0): its "
                     f"roofline is the memory roof alone\n{_origin(doc)}; vendor rows shaded")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="lower right", fontsize=7.5, framealpha=0.95)
        fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# The recorded design sweeps (text tables printed by bench/ch02_sweep.cu, ch03_bench --ch03_sweep
# and bench/ch04_sweep.cu)


def _numbers(text: str) -> list[float]:
    return [float(t.rstrip("%")) for t in text.split() if re.fullmatch(r"-?[0-9.]+%?", t)]


def read_sweep(chapter: str) -> tuple[str, list[dict[str, Any]]]:
    """The recorded sweep of a chapter: (its first line, rows). Rows have ``name``, ``block``
    (chapter 02: the size), and ``dirty_x``/``clean_x`` (× the vendor, chapters 02 and 04) or
    ``ms``, ``tflops`` and ``x`` (chapter 03)."""
    spec = chapter_spec(chapter)
    path = wr.RECORDED_DIR / spec["sweep"]
    lines = path.read_text().splitlines()
    rows: list[dict[str, Any]] = []
    nn = re.sub(r"\D", "", chapter)[-2:]
    if nn == "03":
        for ln in lines[1:]:
            m = re.match(r"^(.*?)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s*$", ln)
            if m:
                rows.append({"name": m.group(1).strip(), "ms": float(m.group(2)),
                             "tflops": float(m.group(3)), "x": float(m.group(4)), "block": ""})
        return lines[0], rows
    block = ""
    for ln in lines:
        m = re.match(r"^-- (.*?) \(", ln)
        if m:
            block = m.group(1)
            continue
        parts = ln.split("|")
        if len(parts) < 3 or ln.startswith(("variant", "layout")):
            continue
        head, dirty, clean = parts[0], _numbers(parts[1]), _numbers(parts[2])
        if nn == "02":  # name status | ms spread x_cub x_cpy | ms x_cub x_cpy
            name = head.rsplit(None, 1)[0].strip()
            rows.append({"name": name, "block": block, "dirty_x": dirty[2], "clean_x": clean[1]})
        else:  # name blocks | ms spread GB/s x_cub | ms x_cub | sum
            name = head.rsplit(None, 1)[0].strip()
            rows.append({"name": name, "block": block, "dirty_x": dirty[3], "clean_x": clean[1]})
    return lines[0], rows


def sweep_figure(chapter: str) -> matplotlib.figure.Figure:
    """The chapter's recorded design sweep as horizontal bars against its vendor (1.0 = as fast
    as the vendor). Chapters 02 and 04: × the vendor after the ladder's L2 flush (bars) and after
    a clean-L2 flush (dots); chapter 03: TFLOP/s of each warp-tile configuration at 4096³."""
    nn = re.sub(r"\D", "", chapter)[-2:]
    first, rows = read_sweep(nn)
    source = chapter_spec(nn)["sweep"]
    with style():
        if nn == "03":
            fig, ax = plt.subplots(figsize=(8.2, 0.32 * len(rows) + 1.6))
            y = np.arange(len(rows))[::-1]
            cublas = next((r["tflops"] for r in rows if r["name"].lower() == "cublas"), None)
            for yi, r in zip(y, rows):
                kw = (VENDOR_STYLE if r["name"].lower() == "cublas" else
                      {"color": "tab:green" if "(chosen)" in r["name"] else "tab:blue"})
                ax.barh(yi, r["tflops"], height=0.7, **kw)
                ax.annotate(f"{r['tflops']:.1f} ({r['x']:.3f}×)", (r["tflops"], yi),
                            xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
            if cublas:
                ax.axvline(cublas, color="black", lw=1, label=f"cuBLAS {cublas:.1f} TFLOP/s")
                ax.axvline(0.9 * cublas, color="black", lw=1, ls="--", label="0.90× cuBLAS")
                ax.legend(loc="lower right", fontsize=7.5, framealpha=0.95)
            ax.set_yticks(y, [r["name"] for r in rows], fontsize=7.5)
            ax.set_xlim(0, max(r["tflops"] for r in rows) * 1.45)
            ax.set_xlabel("TFLOP/s at 4096³ (label: × cuBLAS); green: the configuration chosen")
            ax.set_title(f"Chapter 03 sweep: warp-tile configurations (BM×BN×BK, warp tile, "
                         f"thread tile)\nrecorded in bench/results/h100/{source}")
            fig.tight_layout()
            return fig
        blocks = list(dict.fromkeys(r["block"] for r in rows))
        names = list(dict.fromkeys(r["name"] for r in rows))
        vendor = "cublasSgeam" if nn == "02" else "cub::DeviceReduce::Sum"
        fig, axes = plt.subplots(1, len(blocks), figsize=(max(8.2, 3.0 + 2.3 * len(blocks)),
                                                          0.2 * len(names) + 1.9),
                                 sharey=True, squeeze=False)
        y = np.arange(len(names))[::-1]
        dirty_all = [r["dirty_x"] for r in rows] + [r["clean_x"] for r in rows]
        lo = max(0.0, min(dirty_all) - 0.05)
        hi = max(dirty_all) + 0.03
        for ax, block in zip(axes[0], blocks):
            by_name = {r["name"]: r for r in rows if r["block"] == block}
            for yi, name in zip(y, names):
                r = by_name.get(name)
                if r is None:
                    continue
                is_ref = name.startswith((vendor, "cudaMemcpy"))
                highlight = "(step 3)" in name or name == "64x64 tile, 32x16, column-major"
                kw = (VENDOR_STYLE if is_ref else
                      {"color": "tab:green" if highlight else "tab:blue"})
                ax.barh(yi, r["dirty_x"] - lo, left=lo, height=0.72, **kw)
                ax.plot(r["clean_x"], yi, "o", ms=3, color="black")
            ax.axvline(1.0, color="black", lw=1)
            ax.set_xlim(lo, hi)
            ax.set_title(block if block else "n = 2²⁸ floats (1 GiB)", fontsize=8.5)
            ax.grid(axis="x", alpha=0.3)
            ax.set_axisbelow(True)
            ax.set_xlabel(f"× {vendor}")
        axes[0][0].set_yticks(y, names, fontsize=7)
        handles = [Patch(color="tab:blue", label="timed as the ladder times (L2 flushed, dirty)"),
                   Line2D([], [], marker="o", ls="", ms=3, color="black",
                          label="timed after a clean-L2 flush"),
                   Patch(**VENDOR_STYLE, label="references")]
        if nn == "02":
            handles.insert(1, Patch(color="tab:green", label="step 3's and step 7's variants"))
            what = "tile shapes, orders and cache hints of the transpose"
        else:
            what = "layouts of the float4 sum"
        fig.legend(handles=handles, loc="lower center", ncol=len(handles) if len(blocks) > 1 else 2,
                   frameon=False, fontsize=7.5)
        fig.suptitle(f"Chapter {nn} sweep: {what},\n× the vendor (right of 1.0 is faster), "
                     f"recorded in bench/results/h100/{source}\n{first.lstrip('# ')}",
                     fontsize=9.5)
        fig.tight_layout(rect=(0, 0.045 if len(blocks) > 1 else 0.06, 1, 1))
    return fig


# ---------------------------------------------------------------------------------------------
# The lessons' figures


def chapter_dirs(root: Path | None = None) -> dict[str, Path]:
    """Chapter number ("01") -> its folder chapters/NN-slug."""
    root = root or wr.REPO_ROOT
    return {p.name[:2]: p for p in sorted((root / "chapters").glob("[0-9][0-9]-*")) if p.is_dir()}


def lesson_figures(nn: str) -> dict[str, Callable[[], matplotlib.figure.Figure]]:
    """The figures of chapter ``nn``'s lesson, by file name, drawn from the recorded files. The
    names carry the chapter (``ch01-ladder.png``) so that Doxygen, which finds a lesson's images
    by file name along IMAGE_PATH, never sees two of the same name."""
    spec = chapter_spec(nn)
    recorded = wr.RECORDED_DIR / f"{spec['results']}.ladder.json"
    if not recorded.is_file():
        return {}
    out: dict[str, Callable[[], matplotlib.figure.Figure]] = {
        f"ch{nn}-ladder.png": lambda: ladder_figure(wr.read_ladder(recorded), nn),
        f"ch{nn}-roofline.png": lambda: roofline_figure(wr.read_ladder(recorded), nn),
    }
    if spec.get("sweep") and (wr.RECORDED_DIR / spec["sweep"]).is_file():
        out[f"ch{nn}-sweep.png"] = lambda: sweep_figure(nn)
    return out


def draw_lesson_figures(out_root: Path, root: Path | None = None) -> list[Path]:
    """Draws every lesson figure into ``out_root/NN-slug/figures/``; returns the files written."""
    written = []
    for nn, folder in chapter_dirs(root).items():
        for name, draw in lesson_figures(nn).items():
            fig = draw()
            written.append(save(fig, out_root / folder.name / "figures" / name))
            plt.close(fig)
    return written
