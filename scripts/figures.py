#!/usr/bin/env python3
"""Draws the lessons' figures from the recorded results, or checks the committed ones.

    scripts/figures.py                 draw chapters/NN-slug/figures/*.png (make figures)
    scripts/figures.py --out DIR       draw into DIR/NN-slug/figures/ instead
    scripts/figures.py --check         draw twice into temporary folders; fail unless both draws
                                       are byte-identical (drawing is deterministic) and equal,
                                       byte for byte, to the committed figures, with none missing
                                       and none extra

The figures are drawn by notebooks/workbook_figures.py, the code the notebooks use, from
bench/results/h100/ (the ladder files and the recorded sweeps). Run it with the project's .venv
(scripts/figures.sh does), whose matplotlib is pinned in notebooks/requirements.txt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, the same rasteriser everywhere

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "notebooks"))
import workbook_figures as wf  # noqa: E402


def pngs(folder: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every figure under folder/NN-slug/figures/."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.glob("*/figures/*.png"))}


def check() -> int:
    committed = pngs(ROOT / "chapters")
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        wf.draw_lesson_figures(Path(a))
        wf.draw_lesson_figures(Path(b))
        first, second = pngs(Path(a)), pngs(Path(b))
    problems = []
    for name in sorted(first):
        if first[name] != second.get(name):
            problems.append(f"{name}: two draws of the same files differ (drawing is not deterministic)")
    for name in sorted(set(first) | set(committed)):
        if name not in committed:
            problems.append(f"chapters/{name}: not committed (run `make figures` and commit it)")
        elif name not in first:
            problems.append(f"chapters/{name}: committed, but nothing draws it any more")
        elif committed[name] != first[name]:
            problems.append(f"chapters/{name}: differs from what the recorded files draw "
                            "(run `make figures` and commit the result)")
    for p in problems:
        print(f"FIGURE {p}")
    print(f"figures: {len(first)} drawn twice from bench/results/h100, {len(committed)} committed: "
          f"{'all identical' if not problems else f'{len(problems)} problems'}")
    return 1 if problems or not first else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="draw into OUT/NN-slug/figures/")
    parser.add_argument("--check", action="store_true", help="compare with the committed figures")
    args = parser.parse_args()
    if args.check:
        return check()
    out = args.out.resolve() if args.out else ROOT / "chapters"
    for path in wf.draw_lesson_figures(out):
        print(f"[figures] {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
