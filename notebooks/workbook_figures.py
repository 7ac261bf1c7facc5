"""The workbook's figures: one plotting code for the notebooks and the lessons.

The notebooks call these functions on the ladder they load (fresh or recorded); `make figures`
(scripts/figures.py) calls the same functions on the files recorded on the H100 and writes the
PNGs the lessons show, ``chapters/NN-slug/figures/chNN-{ladder,roofline,sweep}.png``. CI draws them
again and compares bytes, so drawing is deterministic: fixed rcParams (``RC``), the DejaVu Sans
font matplotlib ships, a fixed size and dpi, no metadata in the PNG, and a pinned matplotlib
(notebooks/requirements.txt).

Figures:

- ``ladder_figure``: per size, each step's rate (GB/s or TFLOP/s, the bar) and median time (the
  label), the vendor rows hatched, context rows (another chapter's step) dotted, the measured
  ceiling as a line; sizes named ``word/dims`` (chapter 06's fp16 and bf16) paired per shape;
- ``ratio_figure``: one column of the ladder (× naive, × vendor, % of ceiling) per size;
- ``roofline_figure``: arithmetic intensity against attained rate, the measured ceilings as roofs,
  the steps as points (a zero-FLOP chapter gets its memory roof alone; the GEMM chapters place
  each step at its block tile's intensity, and chapters 06 and 07 add the tensor-core roof);
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
CONTEXT_STYLE = {"facecolor": "white", "hatch": "....", "edgecolor": "0.3", "linewidth": 0.8}
CONTEXT_COLOR = "0.3"
LIGHTER_ALPHA = 0.5
CEILING_COLOR = "black"
L2_COLOR = "tab:green"
PEAK_COLOR = "tab:red"
TENSOR_COLOR = "tab:purple"
VENDOR_LINE_COLOR = "0.45"
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


def label_type_mnk(size: str) -> str:
    """'fp16/4096/1024/8192' -> 'fp16, M×N×K = 4096 × 1024 × 8192'."""
    dtype, dims = size.split("/", 1)
    return f"{dtype}, {label_mnk(dims)}"


def label_reduction(size: str) -> str:
    """'268435456/0' -> 'n = 268,435,456'; a non-zero second token is the view's offset."""
    n, offset = (size.split("/") + ["0"])[:2]
    return f"n = {int(n):,}" + (f" (view +{offset})" if offset != "0" else "")


def label_rows_cols_type(size: str) -> str:
    """'8192/8192/32' -> '8192 × 8192 fp32' (16 bits: bf16, as chapter 05 stores it)."""
    rows, cols, bits = size.split("/")
    return f"{rows} × {cols} {'fp32' if bits == '32' else 'bf16'}"


def label_attention_shape(shape: str) -> str:
    """'b4/h32/kv8/s4096/d128/causal' -> 'B4 H32 (Hkv 8) S4096 d128, causal' (chapter 08)."""
    out, mask = [], ""
    for tok in shape.split("/"):
        if tok in ("full", "causal"):
            mask = tok
        elif tok.startswith("kv"):
            out.append(f"(Hkv {tok[2:]})")
        else:
            out.append(tok[0].upper() + tok[1:] if tok[0] != "d" else tok)
    return " ".join(out) + (f", {mask}" if mask else "")


def label_attention(size: str) -> str:
    """'fp16/b4/h16/s4096/d128/full' -> 'fp16, B4 H16 S4096 d128, full' (chapter 08)."""
    dtype, shape = size.split("/", 1)
    return f"{dtype}, {label_attention_shape(shape)}"


def tile_intensity(bm: int, bn: int, elem_bytes: int = 4) -> float:
    """FLOP per byte of global loads of a block computing a BM × BN tile of C: per k, BM·BN FMAs
    (2·BM·BN FLOP) for BM + BN loaded elements of ``elem_bytes`` bytes (4: fp32, 2: fp16/bf16).
    For fp32 that is BM·BN / (2(BM + BN)), chapter 03's ``ch03::tile_intensity``."""
    return 2 * bm * bn / (elem_bytes * (bm + bn))


CH03_TILES = {"naive": (1, 1), "coalesced": (1, 1), "smem_tiles": (32, 32),
              "register_1d": (64, 64), "register_2d": (128, 128), "vectorized": (128, 128),
              "warptile": (128, 256), "double_buffer": (128, 256), "split_k": (128, 256)}
"""Chapter 03: each step's block tile (rows × columns of C), from its source (steps 7-9 use
``ch03::Tuned``, 128 × 256; split_k splits K, not the tile)."""

CH06_TILES = {"naive": (1, 1), "wmma": (64, 64), "mma": (64, 64), "ldmatrix": (64, 64),
              "swizzle": (64, 64), "warptile": (128, 128)}
"""Chapter 06: each step's block tile (naive: one output per thread; steps 2-5:
``hgemm_device.cuh``'s 64 × 64 ``Tiles``; step 6: ``Chosen``, 128 × 128)."""

CH07_TILES = {"sync": (128, 128), "async": (128, 128), "double_buffer": (128, 128),
              "multistage": (128, 128), "fragment_buffer": (128, 128), "rasterize": (128, 128),
              "tuned": (128, 128), "hoist": (128, 128), "retuned": (128, 128)}
"""Chapter 07: each step's block tile. Steps 1-6 keep chapter 06's 128 × 128 (step 1 is chapter
06's warptile; steps 2-6 ``WarpTiles<128, 128, 64, 64, 64>``). Step 7 runs the sweep's winner
that ``07_tuned.cu`` names, 128 × 128 × 32 (``WarpTiles<128, 128, 32, 64, 64>``, 4 stages), and
step 8 (``08_hoist.cu``) the same configuration, step 9 (``09_retuned.cu``) it with 5 stages:
the same block tile, so the same intensity; only the k-depth and stages differ. (The recording at commit c733b71 ran 128 × 256 × 32 in step
7's row, the choice made before the sweep; the recorded ladder is commit 381afdf's.)"""

CHAPTERS: dict[str, dict[str, Any]] = {
    "01": {"results": "chapter-01", "label": label_rows_cols, "roofline": "intensity",
           "headline": "16384/16384"},
    "02": {"results": "chapter-02", "label": label_rows_cols, "roofline": "memory",
           "sweep": "chapter-02.sweep.txt",
           "sweep_steps": {"32x32 tile, 32x8 thr (step 3)": "",
                           "64x64 tile, 32x16 thr": "step 7",
                           "64x64 tile, 32x16, column-major": "step 8"}},
    "03": {"results": "chapter-03", "label": label_mnk, "roofline": "tile", "tiles": CH03_TILES,
           "elem_bytes": 4, "headline": "4096/4096/4096", "sweep": "chapter-03.sweep.txt"},
    "04": {"results": "chapter-04", "label": label_reduction, "roofline": "intensity",
           "sweep": "chapter-04.sweep.txt",
           "sweep_steps": {"interleaved u4 waves 8": "step 7's layout",
                           "1-pass interleaved u8 waves 8": "step 8's ending"}},
    "05": {"results": "chapter-05", "label": label_rows_cols_type, "roofline": "intensity",
           "headline": "8192/8192/32"},
    "06": {"results": "chapter-06", "label": label_type_mnk, "shape_label": label_mnk,
           "roofline": "tile", "tiles": CH06_TILES, "elem_bytes": 2,
           "headline": "fp16/4096/4096/4096", "ladder_scale": "log", "ceiling_is_roof": True,
           "ceiling_roof": "tensor cores: mma.sync peak, measured",
           "fp32_roof": "CUDA cores: FP32 FMA rate, datasheet-style", "l2_roof": True,
           "vendor_line": True,
           "vendor_note": "cuBLAS runs Hopper's wgmma, which the steps' mma.sync cannot reach",
           "context_note": "chapter 03's best step: fp32 SGEMM on the CUDA cores (FFMA), "
                           "same shapes"},
    "07": {"results": "chapter-07", "label": label_type_mnk, "shape_label": label_mnk,
           "roofline": "tile", "tiles": CH07_TILES, "elem_bytes": 2,
           "headline": "fp16/4096/4096/4096", "ceiling_is_roof": True,
           "ceiling_roof": "tensor cores: mma.sync peak, measured",
           "fp32_roof": "CUDA cores: FP32 FMA rate, datasheet-style", "l2_roof": True,
           "vendor_line": True,
           "vendor_note": "cuBLAS runs Hopper's wgmma, which the steps' mma.sync cannot reach",
           "context_note": "chapter 03's best step (fp32 SGEMM on the CUDA cores) and chapter "
                           "06's final step (tensor cores, synchronous copies), same shapes"},
    "08": {"results": "chapter-08", "label": label_attention, "shape_label": label_attention_shape,
           "roofline": "intensity", "headline": "fp16/b4/h16/s4096/d128/full",
           "ladder_scale": "log", "ceiling_is_roof": True,
           "ceiling_roof": "tensor cores: mma.sync peak, measured",
           "fp32_roof": "CUDA cores: FP32 FMA rate, datasheet-style",
           "peers": "chapter-08.pytorch.json", "peers_step": "wide",
           "fp32_steps": ("naive", "fused"),
           "vendor_note": "PyTorch's cuDNN backend runs Hopper's wgmma, which the steps' "
                          "mma.sync cannot reach"},
}
"""Per chapter: its results name, size labels, roofline kind, headline size and sweep file.

Optional keys: ``tiles`` and ``elem_bytes`` (a "tile" roofline: each step at its block tile's
intensity); ``shape_label`` (sizes named ``word/dims``, as chapter 06's ``fp16/4096/4096/4096``:
the label of a panel that shows every word of one shape); ``ladder_scale`` ("log": the ladder's
rate axis is logarithmic); ``ceiling_is_roof`` (the measured ceiling is the top roof, the FP32
peak a lower one); ``fp32_steps`` (steps on the CUDA cores: "% of its roof" uses the FP32 peak); ``vendor_line`` (the vendor drawn as a level on the roofline, its tile being
unknown); ``l2_roof`` (a "tile" roofline: the L2's measured read rate from
``bench/results/h100/l2-bandwidth.txt`` as a second memory roof, since a block tile's loads come
from the L2); ``vendor_note`` and ``context_note`` (a sentence for the ladder's legend);
``sweep_steps`` (the sweep rows that are a ladder step's kernel, drawn green, each with the note
added to its label: empty where the row's name already says it); ``peers`` (a peer file recorded
beside the ladder, chapter 08's PyTorch backends: its rows join the ladder as vendor rows,
``workbook_results.with_peers``) and ``peers_step`` (the step the peers figure sets against
them)."""


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


def is_context(row: dict[str, Any]) -> bool:
    """A context row: another chapter's step run on this chapter's sizes (``ch03-split_k`` in
    chapter 06), named ``chNN-<step>``. It is no rung of this ladder."""
    return not row["vendor"] and re.match(r"ch\d\d-", row["step"]) is not None


def step_order(doc: dict[str, Any], sizes: list[str] | None = None) -> list[str]:
    """Every step once, in ladder order: a step missing from the first size (chapter 05's
    softmax-warp) goes right after the step it follows where it was run."""
    order: list[str] = []
    for size in sizes or doc["sizes"]:
        prev = None
        for r in _rows_at(doc, size):
            if r["step"] not in order:
                order.insert(order.index(prev) + 1 if prev is not None else 0, r["step"])
            prev = r["step"]
    return order


def step_colors(doc: dict[str, Any]) -> dict[str, Any]:
    """A colour per non-vendor step: tab10 in ladder order, or one colour map per family
    (chapter 05's softmax-* and layernorm-*), darker for later steps; context rows grey."""
    kinds = {r["step"]: r for r in doc["rows"]}
    steps = [s for s in step_order(doc) if not kinds[s]["vendor"] and not is_context(kinds[s])]
    families = list(dict.fromkeys(kinds[s]["family"] for s in steps))
    colors: dict[str, Any] = {s: CONTEXT_COLOR for s in kinds if is_context(kinds[s])}
    if families == [""]:
        for i, s in enumerate(steps):
            colors[s] = plt.get_cmap("tab10")(i % 10)
        return colors
    for f_index, family in enumerate(families):
        members = [s for s in steps if kinds[s]["family"] == family]
        cmap = plt.get_cmap(FAMILY_MAPS[f_index % len(FAMILY_MAPS)])
        for i, s in enumerate(members):
            colors[s] = cmap(0.4 + 0.55 * i / max(1, len(members) - 1))
    return colors


def size_words(doc: dict[str, Any]) -> tuple[list[str], list[str]] | None:
    """(shapes, words) when every size is named ``word/dims`` (chapter 06: ``fp16/4096/4096/4096``
    and ``bf16/...``), in run order; None otherwise."""
    heads = [s.split("/", 1) for s in doc["sizes"]]
    if not all(len(h) == 2 and not h[0][:1].isdigit() for h in heads):
        return None
    return list(dict.fromkeys(h[1] for h in heads)), list(dict.fromkeys(h[0] for h in heads))


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


def _bar_style(r: dict[str, Any], colors: dict[str, Any]) -> dict[str, Any]:
    if r["vendor"]:
        return dict(VENDOR_STYLE)
    if is_context(r):
        return dict(CONTEXT_STYLE)
    return {"color": colors[r["step"]]}


# ---------------------------------------------------------------------------------------------
# The ladder


def _panels(doc: dict[str, Any], spec: dict[str, Any],
            label: Callable[[str], str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The ladder's panels: (title, [(word, size), ...]). One size per panel, or, for sizes named
    ``word/dims``, one panel per shape with every word of it side by side."""
    words = size_words(doc)
    if words is None:
        return [(label(s), [("", s)]) for s in doc["sizes"]]
    shapes, names = words
    shape_label = spec.get("shape_label", lambda s: s)
    return [(shape_label(shape), [(w, f"{w}/{shape}") for w in names
                                  if f"{w}/{shape}" in doc["sizes"]]) for shape in shapes]


def ladder_figure(doc: dict[str, Any], chapter: str | None = None,
                  label: Callable[[str], str] | None = None) -> matplotlib.figure.Figure:
    """Per size, a bar per row: the step's rate (GB/s or TFLOP/s) labelled with its median time.
    Vendor rows are hatched grey, context rows (another chapter's step) dotted; the measured
    ceiling is the black line; a failed row says FAILED where its bar would be. Sizes named
    ``word/dims`` (chapter 06's fp16 and bf16) share a panel per shape: one bar per word, side by
    side, the first solid and the others lighter. A chapter whose rates span more than two
    decades (``ladder_scale: "log"``, chapter 06) gets a logarithmic rate axis, so that each
    step's gain is as visible as the distance to the ceiling. The legend takes the first empty
    panel when there is one."""
    spec = chapter_spec(chapter or doc["chapter"])
    label = label or spec["label"]
    key, unit = _rate_key(doc)
    ceiling = float(doc["ceiling"]["value"])
    colors = step_colors(doc)
    panels = _panels(doc, spec, label)
    nrows, ncols = _grid(len(panels))
    nwords = max(len(members) for _, members in panels)
    steps_in = [step_order(doc, [s for _, s in members]) for _, members in panels]
    most = max(len(s) for s in steps_in)
    slot = 0.42 if nwords == 1 else 0.3 * nwords
    panel_w = max(3.4, slot * most + 1.0)
    log = spec.get("ladder_scale") == "log"
    rates = [r[key] for r in doc["rows"] if r[key] is not None and r[key] > 0]
    empty = nrows * ncols - len(panels)
    with style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(panel_w * ncols,
                                                        3.5 * nrows + (0.3 if empty else 0.9)),
                                 sharey=True, squeeze=False)
        if log:
            bottom = 10.0 ** math.floor(math.log10(min(rates) / 1.5))
            top = max(rates + [ceiling]) * 6
        else:
            bottom, top = 0.0, max([ceiling] + rates) * 1.38
        failed_y = bottom * 1.5 if log else top * 0.02
        width = 0.72 / nwords
        for ax, (title, members), steps in zip(axes.flat, panels, steps_in):
            x = np.arange(len(steps))
            if log:
                ax.set_yscale("log")
            for j, (_, size) in enumerate(members):
                by_step = {r["step"]: r for r in _rows_at(doc, size)}
                offset = (j - (len(members) - 1) / 2) * width
                for xi, step in zip(x, steps):
                    r = by_step.get(step)
                    if r is None:
                        continue
                    if r["failed"]:
                        ax.text(xi + offset, failed_y, "FAILED", rotation=90, ha="center",
                                va="bottom", color="tab:red", fontsize=8, fontweight="bold")
                        continue
                    kw = _bar_style(r, colors)
                    if j > 0:
                        kw["alpha"] = LIGHTER_ALPHA
                    ax.bar(xi + offset, r[key] - bottom, bottom=bottom, width=width, **kw)
                    ax.annotate(_fmt_ms(r["time_ms"]), (xi + offset, r[key]), xytext=(0, 3),
                                textcoords="offset points", rotation=90, ha="center",
                                va="bottom", fontsize=7 if nwords == 1 else 6.5)
            ax.axhline(ceiling, color=CEILING_COLOR, lw=1.2)
            ax.set_xticks(x, steps, rotation=40, ha="right", rotation_mode="anchor")
            ax.set_title(title)
            ax.set_ylim(bottom, top)
            ax.set_xlim(-0.6, len(steps) - 0.4)
            ax.grid(axis="y", alpha=0.3)
            ax.set_axisbelow(True)
        for ax in axes.flat[len(panels):]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel(f"{unit}{', log scale' if log else ''} (label: median time)")
        wrap = int(panel_w * 11) if empty else int(panel_w * ncols * 12)
        vendors = ", ".join(doc["vendor_steps"]) or "none"
        vendor_text = f"vendor: {vendors}"
        over = [r["pct_ceiling"] for r in doc["rows"]
                if r["vendor"] and not r["failed"] and r["pct_ceiling"] is not None]
        if over and max(over) > 100.5:
            vendor_text += f", up to {max(over):.0f}% of the measured ceiling"
            if spec.get("vendor_note"):
                vendor_text += f": {spec['vendor_note']}"
        handles = [Line2D([], [], color=CEILING_COLOR, lw=1.2,
                          label=textwrap.fill(f"measured ceiling: {ceiling:.4g} {unit} "
                                              f"({doc['ceiling']['what']})", wrap)),
                   Patch(**VENDOR_STYLE, label=textwrap.fill(vendor_text, wrap))]
        contexts = list(dict.fromkeys(r["step"] for r in doc["rows"] if is_context(r)))
        if contexts:
            text = f"context: {', '.join(contexts)}"
            if spec.get("context_note"):
                text += f", {spec['context_note']}"
            handles.append(Patch(**CONTEXT_STYLE, label=textwrap.fill(text, wrap)))
        if nwords > 1:
            names = [w for w, _ in max((m for _, m in panels), key=len)]
            handles.append(Patch(facecolor="0.35", label=f"left bar of each step: {names[0]}"))
            handles.append(Patch(facecolor="0.35", alpha=LIGHTER_ALPHA,
                                 label=f"lighter bar: {', '.join(names[1:])}"))
        fig.suptitle(f"Chapter {doc['chapter'][2:]} ladder ({doc['title']}): rate of each step, "
                     f"higher is faster\n{_origin(doc)}")
        if empty:
            fig.tight_layout()
            box = axes.flat[len(panels)].get_position()
            fig.legend(handles=handles, loc="center", frameon=False,
                       bbox_to_anchor=(box.x0 + box.width / 2, box.y0 + box.height / 2))
        else:
            fig.legend(handles=handles, loc="lower center", ncol=1 if nwords == 1 else 2,
                       frameon=False, bbox_to_anchor=(0.5, 0.0))
            fig.tight_layout(rect=(0, 0.09 if nrows == 1 else 0.06, 1, 1))
    return fig


def ratio_figure(doc: dict[str, Any], column: str, ylabel: str, fmt: str = "{:.2f}",
                 lines: tuple[tuple[float, str, str], ...] = (), chapter: str | None = None,
                 label: Callable[[str], str] | None = None) -> matplotlib.figure.Figure:
    """Per size, a bar per row showing one column of the ladder file's rows (``x_naive``,
    ``x_vendor``, ``pct_ceiling``, or ``x_vendors:<vendor step>``), labelled with ``fmt``.
    ``lines``: horizontal reference lines as (value, line style, legend text). Sizes named
    ``word/dims`` share a panel per shape, as in ``ladder_figure``."""
    spec = chapter_spec(chapter or doc["chapter"])
    label = label or spec["label"]
    colors = step_colors(doc)
    panels = _panels(doc, spec, label)
    nrows, ncols = _grid(len(panels))
    nwords = max(len(members) for _, members in panels)
    steps_in = [step_order(doc, [s for _, s in members]) for _, members in panels]
    most = max(len(s) for s in steps_in)
    slot = 0.42 if nwords == 1 else 0.3 * nwords

    def value(r: dict[str, Any]) -> float:
        v = (r["x_vendors"].get(column.split(":", 1)[1]) if column.startswith("x_vendors:")
             else r[column])
        return math.nan if v is None else float(v)

    finite = [value(r) for r in doc["rows"] if math.isfinite(value(r))]
    top = max(finite + [v for v, _, _ in lines] + [1.0]) * 1.18
    width = 0.72 / nwords
    with style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(max(3.4, slot * most + 1.0) * ncols,
                                                        3.3 * nrows + 0.7),
                                 sharey=True, squeeze=False)
        for ax, (title, members), steps in zip(axes.flat, panels, steps_in):
            x = np.arange(len(steps))
            for j, (_, size) in enumerate(members):
                by_step = {r["step"]: r for r in _rows_at(doc, size)}
                offset = (j - (len(members) - 1) / 2) * width
                for xi, step in zip(x, steps):
                    r = by_step.get(step)
                    if r is None:
                        continue
                    v = value(r)
                    if r["failed"]:
                        ax.text(xi + offset, top * 0.02, "FAILED", rotation=90, ha="center",
                                va="bottom", color="tab:red", fontsize=8, fontweight="bold")
                        continue
                    kw = _bar_style(r, colors)
                    if j > 0:
                        kw["alpha"] = LIGHTER_ALPHA
                    ax.bar(xi + offset, v if math.isfinite(v) else 0, width=width, **kw)
                    if math.isfinite(v):
                        ax.annotate(fmt.format(v), (xi + offset, v), xytext=(0, 2),
                                    textcoords="offset points", ha="center", va="bottom",
                                    fontsize=7 if nwords == 1 else 6,
                                    rotation=0 if nwords == 1 else 90)
            for v, ls, text in lines:
                ax.axhline(v, color="black", lw=1, ls=ls, label=text)
            ax.set_xticks(x, steps, rotation=40, ha="right", rotation_mode="anchor")
            ax.set_title(title)
            ax.set_ylim(0, top)
            ax.grid(axis="y", alpha=0.3)
            ax.set_axisbelow(True)
        for ax in axes.flat[len(panels):]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel(ylabel)
        handles, texts = axes[0][0].get_legend_handles_labels()
        if nwords > 1:
            names = [w for w, _ in max((m for _, m in panels), key=len)]
            handles += [Patch(facecolor="0.35"), Patch(facecolor="0.35", alpha=LIGHTER_ALPHA)]
            texts += [f"left bar of each step: {names[0]}",
                      f"lighter bar: {', '.join(names[1:])}"]
        if handles:
            fig.legend(handles, texts, loc="lower center", ncol=len(handles), frameon=False)
        fig.suptitle(f"Chapter {doc['chapter'][2:]}: {ylabel}\n{_origin(doc)}")
        fig.tight_layout(rect=(0, 0.07 if handles else 0, 1, 1))
    return fig


# ---------------------------------------------------------------------------------------------
# The peers (chapter 08: PyTorch's attention backends, recorded beside the ladder)


def join_peers(doc: dict[str, Any], chapter: str | None = None,
               path: Path | str | None = None) -> dict[str, Any]:
    """``doc`` with the chapter's recorded peers joined as vendor rows
    (``workbook_results.with_peers``), when the chapter has a peer file (spec ``peers``), the file
    exists, and it was recorded on the ladder's GPU model; otherwise ``doc`` itself (a fresh
    ladder from another GPU is never set against peers timed on the H100)."""
    spec = chapter_spec(chapter or doc["chapter"])
    if not spec.get("peers") and path is None:
        return doc
    path = Path(path) if path is not None else wr.RECORDED_DIR / spec["peers"]
    if not path.is_file():
        return doc
    peers = wr.read_peers(path)
    if peers["context"].get("gpu") != doc["gpu"]:
        return doc
    return wr.with_peers(doc, peers)


def peers_figure(doc: dict[str, Any], chapter: str | None = None,
                 step: str | None = None) -> matplotlib.figure.Figure:
    """Per size, one step (the chapter's ``peers_step``: chapter 08's best) beside every vendor
    row of that size, in TFLOP/s, each vendor bar labelled with the step's ratio to it (the
    vendor's median time / the step's, as ``x_vendors``). ``doc`` must have its peers joined
    (``join_peers``)."""
    spec = chapter_spec(chapter or doc["chapter"])
    step = step or spec["peers_step"]
    label = spec.get("shape_label", spec["label"])
    ceiling = float(doc["ceiling"]["value"])
    colors = step_colors(doc)
    vendors = list(doc["vendor_steps"])
    shades = {v: str(0.35 + 0.45 * i / max(1, len(vendors) - 1)) for i, v in enumerate(vendors)}
    hatches = {v: ("///", "\\\\", "xx", "..")[i % 4] for i, v in enumerate(vendors)}
    sizes = list(doc["sizes"])
    with style():
        fig, ax = plt.subplots(figsize=(13.5, 5.6))
        x0 = 0.0
        ticks, ticklabels = [], []
        for size in sizes:
            by_step = {r["step"]: r for r in _rows_at(doc, size)}
            mine = by_step.get(step)
            here = [v for v in vendors if v in by_step]
            bars = [mine] + [by_step[v] for v in here]
            for k, r in enumerate(bars):
                xi = x0 + k
                if r is None or r["failed"]:
                    ax.text(xi, ceiling * 0.02, "FAILED" if r is not None else "not run",
                            rotation=90, ha="center", va="bottom", color="tab:red", fontsize=7)
                    continue
                if r["vendor"]:
                    kw = {"facecolor": shades[r["step"]], "hatch": hatches[r["step"]],
                          "edgecolor": "0.2", "linewidth": 0.6}
                else:
                    kw = {"color": colors[r["step"]]}
                ax.bar(xi, r["tflops"], width=0.9, **kw)
                text = _fmt_rate(r["tflops"])
                if r["vendor"] and mine is not None and not mine["failed"]:
                    ratio = mine["x_vendors"].get(r["step"])
                    if ratio is not None:
                        text += f"  ({ratio:.2f}×)"
                ax.annotate(text, (xi, r["tflops"]), xytext=(0, 3), textcoords="offset points",
                            rotation=90, ha="center", va="bottom", fontsize=6.5)
            ticks.append(x0 + (len(bars) - 1) / 2)
            dtype, shape = size.split("/", 1)
            ticklabels.append(f"{dtype}\n" + label(shape).replace(", ", "\n"))
            x0 += len(bars) + 1.2
        ax.axhline(ceiling, color=CEILING_COLOR, lw=1.2)
        ax.set_xticks(ticks, ticklabels, fontsize=6.8)
        ax.set_xlim(-1, x0 - 1.2)
        ax.set_ylim(0, ceiling * 1.45)
        ax.set_ylabel("TFLOP/s (label: TFLOP/s, and in brackets the step's × that peer)")
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        handles = [Patch(color=colors[step], label=f"{step}: the ladder's best step"),
                   *[Patch(facecolor=shades[v], hatch=hatches[v], edgecolor="0.2", linewidth=0.6,
                           label=v) for v in vendors],
                   Line2D([], [], color=CEILING_COLOR, lw=1.2,
                          label=f"measured ceiling: {ceiling:.4g} TFLOP/s (chapter 06's "
                                "mma.sync peak, same run as the ladder)")]
        ax.legend(handles=handles, loc="upper left", ncol=3, fontsize=7.5, frameon=False)
        fig.suptitle(f"Chapter {doc['chapter'][2:]}: step {step} against the peers, same shapes "
                     f"and FLOP count (× = the peer's median time / the step's; 1.0 = as fast)"
                     f"\n{_origin(doc)}; peers in their own process of the same device call")
        fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# The roofline
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


def _l2_rate_for(doc: dict[str, Any]) -> float | None:
    """The L2's measured read rate in GB/s (bench/results/h100/l2-bandwidth.txt: the best of the
    working sets of 8-40 MB, which fit in the L2 and give the probe enough loads in flight), when
    it was recorded on the same GPU model as the ladder; None otherwise."""
    try:
        lines = (wr.RECORDED_DIR / "l2-bandwidth.txt").read_text().splitlines()
    except FileNotFoundError:
        return None
    if not any(line.startswith(doc["gpu"] + ",") for line in lines):
        return None
    rates = [float(m.group(2)) for m in (re.match(r"\s*(\d+)\s+\d+\s+[\d.]+\s+([\d.]+)\s*$", line)
                                         for line in lines) if m and 8 <= int(m.group(1)) <= 40]
    return max(rates) if rates else None


def _tile_of(row: dict[str, Any], spec: dict[str, Any]) -> tuple[int, int, int] | None:
    """(BM, BN, element bytes) of a row's block tile: from the chapter's ``tiles``, or for a
    context row ``chNN-<step>`` from chapter NN's; None when unknown."""
    step, tiles, elem = row["step"], spec.get("tiles", {}), spec.get("elem_bytes", 4)
    m = re.match(r"ch(\d\d)-(.+)", step) if is_context(row) else None
    if m:
        other = chapter_spec(m.group(1))
        step, tiles, elem = m.group(2), other.get("tiles", {}), other.get("elem_bytes", 4)
    return (*tiles[step], elem) if step in tiles else None


def roofline_figure(doc: dict[str, Any], chapter: str | None = None,
                    size: str | None = None) -> matplotlib.figure.Figure:
    """Arithmetic intensity (FLOP per byte) against attained rate, log-log, at one size (the
    chapter's headline size by default): the memory roof (a measured bandwidth × AI), the FP32
    peak (datasheet-style: SMs × 128 lanes × 2 FLOP × clock) and, for a compute-bound chapter,
    its measured ceiling; every step a point. A chapter without FLOPs (a transpose) has only a
    memory roof: its figure shows each step's bandwidth under it, per size.

    A "tile" chapter (03, 06, 07) places each step at its block tile's intensity instead of the
    problem's. In chapters 06 and 07 the measured ceiling (the mma.sync peak) is the top roof and the FP32
    FMA rate a lower one; sizes named ``word/dims`` put the other words of the headline's shape
    (bf16 beside fp16) as small filled markers, and the vendor, whose tile is not ours to know,
    is a level line."""
    spec = chapter_spec(chapter or doc["chapter"])
    if spec.get("roofline") == "memory" or not any((r["flops"] or 0) > 0 for r in doc["rows"]):
        return _memory_roof_figure(doc, spec)
    label = spec["label"]
    sizes = list(doc["sizes"])
    size = size or (spec.get("headline") if spec.get("headline") in sizes else sizes[0])
    ctx = doc["context"]
    colors = step_colors(doc)
    compute = doc["ceiling"]["kind"] == "compute"
    fp32 = float(ctx["wb_fp32_peak_tflops"])  # TFLOP/s
    measured = float(doc["ceiling"]["value"]) if compute else math.nan
    on_top = compute and spec.get("ceiling_is_roof", False)
    peak = measured if on_top else fp32  # the top roof
    if compute:
        bw, bw_what = _copy_ceiling_for(doc)
    else:
        bw, bw_what = float(doc["ceiling"]["value"]), "measured: " + doc["ceiling"]["what"]
    scale, unit = (1.0, "TFLOP/s") if compute else (1e3, "GFLOP/s")
    ridge = peak * 1e3 / bw  # FLOP/byte where the memory roof meets the top roof
    fp32_ridge = fp32 * 1e3 / bw

    # Other words of the same shape (chapter 06: bf16 beside fp16), drawn small and filled.
    words = size_words(doc)
    companions: list[str] = []
    if words is not None:
        word, shape = size.split("/", 1)
        companions = [f"{w}/{shape}" for w in words[1] if w != word and f"{w}/{shape}" in sizes]

    tile_mode = spec.get("roofline") == "tile"
    points, unplaced, vendors = [], [], []
    for r in _rows_at(doc, size):
        if r["failed"] or not r["flops"]:
            continue
        if tile_mode:
            tile = _tile_of(r, spec)
            if tile is None:
                if r["vendor"]:
                    vendors.append(r)
                else:
                    unplaced.append(r["step"])
                continue
            ai = tile_intensity(*tile)
        else:
            ai = r["flops"] / r["bytes"]
        others = [o for c in companions for o in _rows_at(doc, c)
                  if o["step"] == r["step"] and not o["failed"]]
        points.append((r, ai, r["tflops"] * scale, [(o["size"], o["tflops"] * scale)
                                                    for o in others]))

    with style():
        fig, ax = plt.subplots(figsize=(11.0, 5.2))
        ais = [p[1] for p in points] or [1.0]
        lo = 2.0 ** math.floor(math.log2(min(ais + [ridge]) / 8))
        hi = 2.0 ** math.ceil(math.log2(max(ais + [ridge]) * 8))
        ai = np.array([lo, ridge, hi])
        ax.loglog(ai[:2], bw * ai[:2] / 1e3 * scale, color=CEILING_COLOR, lw=2,
                  label=textwrap.fill(f"memory roof: {bw:.0f} GB/s × AI ({bw_what})", 58))
        ax.loglog(ai[1:], bw * ai[1:] / 1e3 * scale, color=CEILING_COLOR, lw=1, ls=":", alpha=0.5)
        l2 = _l2_rate_for(doc) if spec.get("l2_roof") and compute else None
        if l2:  # a block tile's loads are served by the L2: its roof, up to the top roof
            l2_ridge = peak * 1e3 / l2
            ax.loglog([lo, l2_ridge], [l2 * lo / 1e3 * scale, peak * scale], color=L2_COLOR,
                      lw=1.5, ls="-.",
                      label=textwrap.fill(f"L2 roof: {l2:.0f} GB/s × AI (the L2's read rate, "
                                          "measured: l2-bandwidth.txt); a block tile's loads "
                                          "come from the L2", 58))
        if on_top:
            what = doc["ceiling"]["what"].split(" (")[0]
            ax.loglog([ridge, hi], [peak * scale] * 2, color=TENSOR_COLOR, lw=2,
                      label=textwrap.fill(f"{spec.get('ceiling_roof', 'measured ceiling')}: "
                                          f"{measured:.1f} TFLOP/s ({what})", 58))
            ax.loglog([fp32_ridge, hi], [fp32 * scale] * 2, color=PEAK_COLOR, lw=1.5, ls="--",
                      label=textwrap.fill(f"{spec.get('fp32_roof', 'FP32 peak, datasheet-style')}"
                                          f": {fp32:.1f} TFLOP/s (the roof of the steps that "
                                          "use FFMA, not the tensor cores)", 58))
            ax.plot([fp32_ridge], [fp32 * scale], "o", color=PEAK_COLOR, ms=4)
        else:
            ax.loglog([ridge, hi], [peak * scale] * 2, color=PEAK_COLOR, lw=2,
                      label=f"FP32 peak, datasheet-style: {peak:.1f} TFLOP/s")
            if compute:
                ax.axhline(measured * scale, color=PEAK_COLOR, lw=1.2, ls="--",
                           label=textwrap.fill(f"measured ceiling: {measured:.1f} TFLOP/s "
                                               f"({doc['ceiling']['what'].split(',')[0]})", 58))
        ax.plot([ridge], [peak * scale], "o", color="black", ms=5)
        ax.annotate(f"ridge: {ridge:.1f} FLOP/byte", (ridge, peak * scale),
                    xytext=(8, -6) if on_top else (-8, 6), textcoords="offset points", fontsize=8,
                    ha="left" if on_top else "right", va="top" if on_top else "bottom")
        if spec.get("vendor_line"):
            for r in vendors:
                y = r["tflops"] * scale
                rest = [o for c in companions for o in _rows_at(doc, c)
                        if o["step"] == r["step"] and not o["failed"]]
                also = "".join(f", {o['size'].split('/')[0]} {_fmt_rate(o['tflops'] * scale)}"
                               for o in rest)
                first = f"{size.split('/')[0]} {_fmt_rate(y)}" if companions else _fmt_rate(y)
                note = f"; {spec['vendor_note']}" if spec.get("vendor_note") else ""
                ax.axhline(y, color=VENDOR_LINE_COLOR, lw=1.2, ls="--",
                           label=textwrap.fill(f"{r['step']}: {first}{also} {unit}, a level, not "
                                               f"a point: its tile is not ours to know{note}",
                                               58))
        markers = ["o", "s", "D", "^", "v", "P", "X", "h", "<", ">"]
        above = []
        for i, (r, x, y, others) in enumerate(points):
            if r["vendor"]:
                ax.plot(x, y, "*", ms=13, color="0.45",
                        label=f"{r['step']}: {_fmt_rate(y)} {unit}")
                continue
            marker = markers[i % len(markers)]
            if is_context(r):  # another chapter's kernel: its own precision, whatever the block
                others = []
            rate = _fmt_rate(y) + "".join(f" / {s.split('/')[0]} {_fmt_rate(v)}"
                                          for s, v in others)
            if others:
                rate = f"{size.split('/')[0]} {rate}"
            if tile_mode:  # the tile's AI bounds global loads only: caches add reuse
                bm, bn, elem = _tile_of(r, spec)
                kind = (f" ({ {4: 'fp32', 2: '16-bit'}.get(elem, f'{8 * elem}-bit') }, context)"
                        if is_context(r) else "")
                text = f"{r['step']}{kind}: tile {bm}×{bn}, {rate} {unit}"
                if y > bw * x / 1e3 * scale * 1.02:
                    above.append(r["step"])
            else:
                # A step on the CUDA cores (spec "fp32_steps") is held to the FP32 roof.
                top = fp32 if r["step"] in spec.get("fp32_steps", ()) else peak
                roof = min(bw * x / 1e3, top) * scale
                text = f"{r['step']}: {rate} {unit}, {100 * y / roof:.0f}% of its roof"
            ax.plot(x, y, marker, ms=10 - 0.6 * (i % 6), mfc="none", mew=2,
                    color=colors[r["step"]], label=textwrap.fill(text, 62))
            for _, v in others:
                ax.plot(x, v, marker, ms=4, color=colors[r["step"]])
        ax.set_xlim(lo, hi)
        ys = [p[2] for p in points] or [peak * scale]
        top = max([peak] + [r["tflops"] for r in vendors if spec.get("vendor_line")]) * scale
        ax.set_ylim(min(ys + [bw * lo / 1e3 * scale]) / 2, top * 3)
        what = ("AI of the block tile (FLOP / byte of global loads)" if tile_mode
                else "arithmetic intensity: FLOP / minimum bytes moved")
        ax.set_xlabel(what)
        ax.set_ylabel(f"attained {unit}")
        title = label(size)
        if companions:
            title += " (" + ", ".join(c.split("/")[0] for c in companions) + ": small filled markers)"
        ax.set_title(f"Chapter {doc['chapter'][2:]} roofline at {title}\n{_origin(doc)}")
        ax.grid(which="major", alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7.5, frameon=False)
        notes = []
        if unplaced:
            notes.append(("not placed (block tile unknown to workbook_figures.py): "
                          + ", ".join(unplaced), "tab:red"))
        if above:
            notes.append((f"above the memory roof: {', '.join(above)}. Neighbouring threads "
                          "share loads through L1 and L2,\nreuse that a block tile's intensity "
                          "does not count", "0.25"))
        for k, (text, color) in enumerate(notes):
            ax.text(0.01, 0.99 - 0.05 * k, text, transform=ax.transAxes, va="top", fontsize=7,
                    color=color)
        fig.tight_layout()
    return fig


def _memory_roof_figure(doc: dict[str, Any], spec: dict[str, Any]) -> matplotlib.figure.Figure:
    label = spec["label"]
    ceiling = float(doc["ceiling"]["value"])
    datasheet = float(doc["context"].get("wb_dram_peak_datasheet_GBps", "nan"))
    steps = step_order(doc)
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
# The recorded design sweeps (text tables printed by bench/ch02_sweep.cu, bench/ch03_sweep.cu
# and bench/ch04_sweep.cu)


def _numbers(text: str) -> list[float]:
    return [float(t.rstrip("%")) for t in text.split() if re.fullmatch(r"-?[0-9.]+%?", t)]


def _read_sweep_03(lines: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """Chapter 03's sweep (bench/ch03_sweep.cu). After a seed line and a ``SWEEP chapter 03: ...``
    line come blocks, one per size, each opened by ``-- 1024^3 (...; the size rule, plan_split_k,
    chose 4 split(s) of 256)`` and a column header, then one row per variant:
    ``name  blocks | ms dirty  spread  TFLOP/s  x cuBLAS | ms clean  x cuBLAS``. A row's name says
    what it is: ``cuBLAS (vendor-cublas)``, a ladder step (``step 7 warptile``, ``step 9 split_k
    (the size rule)``), or, indented, one of step 8's tile configurations (``step 8 kernel
    128x128x8 ...``) or step 9's kernel with a fixed split count (``step 9 kernel, splits 4``)."""
    title = next((ln for ln in lines if ln.startswith("SWEEP")), lines[0])
    rows: list[dict[str, Any]] = []
    block, note = "", ""
    for ln in lines:
        m = re.match(r"^-- (\S+) \((.*)\)\s*$", ln)
        if m:
            block, note = m.group(1).replace("^3", "³"), m.group(2)
            continue
        parts = ln.split("|")
        if len(parts) != 3 or ln.startswith("variant") or not block:
            continue
        head, dirty, clean = parts[0].rstrip(), _numbers(parts[1]), _numbers(parts[2])
        name, blocks = head.rsplit(None, 1)
        name = name.strip()
        if name.lower().startswith("cublas"):
            kind = "vendor"
        elif re.match(r"step \d+ kernel, splits", name):
            kind = "split"
        elif re.match(r"step \d+ kernel ", name):
            kind = "config"
        else:
            kind = "step"
        rows.append({"name": name, "block": block, "note": note, "kind": kind,
                     "blocks": int(blocks), "ms": dirty[0], "tflops": dirty[2],
                     "dirty_x": dirty[3], "clean_x": clean[1]})
    return title, rows


def read_sweep(chapter: str) -> tuple[str, list[dict[str, Any]]]:
    """The recorded sweep of a chapter: (its title line, rows). Every row has ``name``, ``block``
    (the size it was timed at; empty for chapter 04's single size), and ``dirty_x``/``clean_x``
    (× the vendor after the ladder's L2 flush and after a clean-L2 flush). Chapter 03's rows also
    have ``kind`` (vendor, step, config, split), ``blocks``, ``ms``, ``tflops`` and ``note`` (the
    block's header: tiles, blocks and the split rule's choice)."""
    spec = chapter_spec(chapter)
    path = wr.RECORDED_DIR / spec["sweep"]
    lines = path.read_text().splitlines()
    nn = re.sub(r"\D", "", chapter)[-2:]
    if nn == "03":
        return _read_sweep_03(lines)
    rows: list[dict[str, Any]] = []
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


SWEEP03_COLORS = {"step": "tab:green", "config": "tab:blue", "split": "tab:orange"}


def _sweep_figure_03(title: str, rows: list[dict[str, Any]],
                     source: str) -> matplotlib.figure.Figure:
    """Chapter 03: one panel per size, a bar per variant (× cuBLAS at that size), a dot for the
    clean-L2 timing, each bar labelled with its TFLOP/s."""
    blocks = list(dict.fromkeys(r["block"] for r in rows))
    names = list(dict.fromkeys(r["name"] for r in rows))
    fig, axes = plt.subplots(1, len(blocks), figsize=(3.0 + 2.9 * len(blocks),
                                                      0.22 * len(names) + 2.3),
                             sharey=True, squeeze=False)
    y = np.arange(len(names))[::-1]
    hi = max(max(r["dirty_x"], r["clean_x"]) for r in rows) * 1.22
    for ax, block in zip(axes[0], blocks):
        by_name = {r["name"]: r for r in rows if r["block"] == block}
        for yi, name in zip(y, names):
            r = by_name.get(name)
            if r is None:
                continue
            kw = VENDOR_STYLE if r["kind"] == "vendor" else {"color": SWEEP03_COLORS[r["kind"]]}
            ax.barh(yi, r["dirty_x"], height=0.72, **kw)
            ax.plot(r["clean_x"], yi, "o", ms=3, color="black")
            ax.annotate(_fmt_rate(r["tflops"]), (max(r["dirty_x"], r["clean_x"]), yi),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=6.5)
        ax.axvline(1.0, color="black", lw=1)
        ax.set_xlim(0, hi)
        note = by_name[next(iter(by_name))]["note"]
        m = re.search(r"(\d+) SMs; .* make (\d+) blocks; .*chose (\d+) split", note)
        sub = (f"{m.group(2)} tiles for {m.group(1)} SMs; the rule: {m.group(3)} split"
               f"{'s' if m.group(3) != '1' else ''}" if m else textwrap.fill(note, 40))
        ax.set_title(f"{block}\n{sub}", fontsize=8.5)
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
        ax.set_xlabel("× cuBLAS at this size (label: TFLOP/s)")
    axes[0][0].set_yticks(y, names, fontsize=7)
    handles = [Patch(color=SWEEP03_COLORS["step"], label="the ladder's steps 7, 8, 9"),
               Patch(color=SWEEP03_COLORS["config"], label="step 8's kernel, each tile configuration"),
               Patch(color=SWEEP03_COLORS["split"], label="step 9's kernel, each split count"),
               Patch(**VENDOR_STYLE, label="cuBLAS"),
               Line2D([], [], marker="o", ls="", ms=3, color="black",
                      label="timed after a clean-L2 flush (bars: L2 flushed, dirty, as the ladder)")]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=7.5)
    what = re.sub(r"^SWEEP chapter 03:\s*", "", title)
    fig.suptitle(f"Chapter 03 sweep, × cuBLAS (right of 1.0 is faster), recorded in "
                 f"bench/results/h100/{source}\n{textwrap.fill(what, 130)}", fontsize=9.5)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def sweep_figure(chapter: str) -> matplotlib.figure.Figure:
    """The chapter's recorded design sweep as horizontal bars against its vendor (1.0 = as fast
    as the vendor): × the vendor after the ladder's L2 flush (bars) and after a clean-L2 flush
    (dots). Chapters 02 and 04: tile shapes and orders of the transpose, layouts of the sum, the
    rows of the ladder's steps in green; chapter 03: step 8's tile configurations and step 9's
    split counts at each size, labelled with TFLOP/s."""
    nn = re.sub(r"\D", "", chapter)[-2:]
    first, rows = read_sweep(nn)
    spec = chapter_spec(nn)
    source = spec["sweep"]
    with style():
        if nn == "03":
            return _sweep_figure_03(first, rows, source)
        blocks = list(dict.fromkeys(r["block"] for r in rows))
        names = list(dict.fromkeys(r["name"] for r in rows))
        marked = spec.get("sweep_steps", {})
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
                kw = (VENDOR_STYLE if is_ref else
                      {"color": "tab:green" if name in marked else "tab:blue"})
                ax.barh(yi, r["dirty_x"] - lo, left=lo, height=0.72, **kw)
                ax.plot(r["clean_x"], yi, "o", ms=3, color="black")
            ax.axvline(1.0, color="black", lw=1)
            ax.set_xlim(lo, hi)
            ax.set_title(block if block else "n = 2²⁸ floats (1 GiB)", fontsize=8.5)
            ax.grid(axis="x", alpha=0.3)
            ax.set_axisbelow(True)
            ax.set_xlabel(f"× {vendor}")
        axes[0][0].set_yticks(y, [f"{n} ({marked[n]})" if marked.get(n) else n for n in names],
                              fontsize=7)
        handles = [Patch(color="tab:blue", label="timed as the ladder times (L2 flushed, dirty)"),
                   Line2D([], [], marker="o", ls="", ms=3, color="black",
                          label="timed after a clean-L2 flush"),
                   Patch(**VENDOR_STYLE, label="references")]
        if nn == "02":
            handles.insert(1, Patch(color="tab:green", label="the kernels of steps 3, 7 and 8"))
            what = "tile shapes, orders and cache hints of the transpose"
        else:
            handles.insert(1, Patch(color="tab:green", label="the layouts of steps 7 and 8"))
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
    def load() -> dict[str, Any]:  # with the recorded peers as vendor rows (chapter 08)
        return join_peers(wr.read_ladder(recorded), nn)

    out: dict[str, Callable[[], matplotlib.figure.Figure]] = {
        f"ch{nn}-ladder.png": lambda: ladder_figure(load(), nn),
        f"ch{nn}-roofline.png": lambda: roofline_figure(load(), nn),
    }
    if spec.get("peers") and (wr.RECORDED_DIR / spec["peers"]).is_file():
        out[f"ch{nn}-peers.png"] = lambda: peers_figure(load(), nn)
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
