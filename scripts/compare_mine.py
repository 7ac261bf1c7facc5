#!/usr/bin/env python3
"""Your kernels next to the reference: one table from two Google Benchmark JSON files.

    compare_mine.py bench --mine M.json --reference R.json [--recorded] [--mine-log LOG]
                          [--exercises a,b,...] [--text OUT.txt] [--csv OUT.csv]
    compare_mine.py profile --mine M.csv --reference R.csv --metrics m1,m2,...
                            [--unfinished a,b,...] [--steps a,b,...] [--recorded]
                            [--renames R.renames]

bench: M.json is what chNN_bench_mine (the chapter's bench linked against your exercises) wrote,
R.json what chNN_bench (the reference steps) wrote in the same run, or, with --recorded, the
ladder recorded on the H100 (bench/results/h100/chapter-NN.json). For every size and step it
prints your time, the reference's time and their ratio; an exercise still marked
WB_EXERCISE_TODO is listed as UNFINISHED (not timed), a step whose result was wrong as FAILED
(the bench checks every result before it times it). --mine-log is the bench's console output,
where unfinished exercises are named ("[wb] <step>: UNFINISHED exercise ...").

profile: M.csv and R.csv are `ncu --csv --page raw` outputs of the two bench programs' --wb_profile
runs (with --recorded, R is instead the recorded text bench/results/h100/chapter-NN.profile.txt).
Kernels are matched to steps by name (the step's name is part of its kernels' names), launch by
launch in order, and every metric is printed for yours and the reference's. --renames names a
recorded profile's kernels under today's names, where a step was renamed after the recording
(bench/results/h100/chapter-NN.profile.renames; format in load_renames), so that your kernel is
set next to the recorded kernel with the same code, and says which of today's kernels the
recording does not have.

Exit status: 0 when the table was printed and no step failed, 1 when a step FAILED or did not run,
2 when an input cannot be read. Python 3 standard library only.
"""
import argparse
import csv
import difflib
import json
import pathlib
import re
import sys


# ---------------------------------------------------------------------------------------------
# Google Benchmark JSON


def load_benchmark_json(path):
    """(context, runs) from a Google Benchmark JSON file. A file cut short (the program crashed or
    was killed mid-run) still yields the rows written before that: the objects of "benchmarks" are
    decoded one by one until the text ends."""
    text = pathlib.Path(path).read_text()
    try:
        data = json.loads(text)
        return data.get("context", {}), data.get("benchmarks", [])
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    context = {}
    m = re.search(r'"context"\s*:\s*', text)
    if m:
        try:
            context, _ = decoder.raw_decode(text, m.end())
        except json.JSONDecodeError:
            context = {}
    runs = []
    m = re.search(r'"benchmarks"\s*:\s*\[', text)
    if m:
        pos = m.end()
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text) or text[pos] != "{":
                break
            try:
                obj, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError:
                break
            runs.append(obj)
    return context, runs


class Row:
    """One benchmark row: chNN/<step>/<size tokens...>."""

    def __init__(self, run):
        self.name = run.get("run_name") or run.get("name", "")
        parts = self.name.split("/")
        self.chapter = parts[0] if parts else ""
        self.step = parts[1] if len(parts) > 1 else ""
        self.size = "/".join(parts[2:])
        unit = run.get("time_unit", "ms")
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}.get(unit, 1.0)
        self.ms = float(run.get("real_time", 0.0)) * scale
        self.failed = bool(run.get("error_occurred")) or bool(run.get("skipped"))
        self.error = run.get("error_message") or run.get("skip_message") or ""


def rows_of(runs):
    """Rows in file order, keeping iteration rows only (the benches register no aggregates)."""
    return [Row(r) for r in runs if r.get("run_type", "iteration") == "iteration"]


def unfinished_from_log(text):
    """Steps the learner's bench named as unfinished."""
    return re.findall(r"^\[wb\] (\S+): UNFINISHED exercise", text, flags=re.M)


def describe_side(context, label, path):
    gpu = context.get("wb_gpu", "an unknown GPU")
    commit = context.get("wb_commit", "unknown")
    date = context.get("date", "an unknown date")
    return f"{label} {gpu}, {date}, commit {commit} ({path})"


def compare(mine_rows, ref_rows, unfinished=(), exercises=None):
    """Lines of the comparison: one dict per (size, step), sizes in the reference's order, steps in
    the order the reference ran them. Each dict: size, step, kind, status, mine_ms, ref_ms, ratio,
    message. status is one of: timed, UNFINISHED, FAILED, REFERENCE FAILED, NOT RUN, MINE ONLY."""
    unfinished = set(unfinished)
    mine = {(r.size, r.step): r for r in mine_rows}
    ref = {(r.size, r.step): r for r in ref_rows}
    order = []
    for r in ref_rows + mine_rows:
        if (r.size, r.step) not in order:
            order.append((r.size, r.step))
    # Group by size, in first-seen order.
    sizes = []
    for size, _ in order:
        if size not in sizes:
            sizes.append(size)
    out = []
    for size in sizes:
        for key in [k for k in order if k[0] == size]:
            step = key[1]
            m, r = mine.get(key), ref.get(key)
            if step.startswith("vendor-"):
                kind = "vendor"
            elif exercises is None:
                kind = "exercise" if step in unfinished else ""
            else:
                kind = "exercise" if step in exercises else "given"
            line = {"size": size, "step": step, "kind": kind, "mine_ms": None, "ref_ms": None,
                    "ratio": None, "status": "timed", "message": ""}
            if r is not None and not r.failed:
                line["ref_ms"] = r.ms
            if step in unfinished:
                line["status"] = "UNFINISHED"
                line["message"] = "still marked WB_EXERCISE_TODO: not timed"
            elif m is None:
                if r is None:
                    continue
                line["status"] = "NOT RUN"
                line["message"] = "no row in your run (it stopped early: see its log)"
            elif m.failed:
                line["status"] = "FAILED"
                line["message"] = m.error or "the bench reported an error"
            else:
                line["mine_ms"] = m.ms
            if line["status"] == "timed":
                if r is None:
                    line["status"] = "MINE ONLY"
                    line["message"] = "the reference has no such row"
                elif r.failed:
                    line["status"] = "REFERENCE FAILED"
                    line["message"] = r.error
                elif r.ms > 0:
                    line["ratio"] = line["mine_ms"] / r.ms
            out.append(line)
    return out


def fmt_ms(x):
    return "-" if x is None else f"{x:.4f}"


# Same-code rows further apart than half this (5%) mean the run was disturbed: format_table warns.
NOISY_BAND = 0.10


def noise_band(lines):
    """How far apart the same code timed on both sides can be: twice the largest distance from 1
    of a 'given' or 'vendor' row's ratio (at least 1%). A learner's ratio inside it is a tie."""
    spread = [abs(ln["ratio"] - 1.0) for ln in lines
              if ln["kind"] in ("given", "vendor") and ln["ratio"] is not None]
    return max([0.01] + [2.0 * s for s in spread])


def format_table(lines, header_lines, recorded):
    text = list(header_lines)
    band = noise_band(lines)
    text.append(f"[mine] A ratio within {band:.1%} of 1 is called 'same': twice the largest "
                "difference of the same-code rows (at least 1%).")
    if band > NOISY_BAND:
        text.append(f"[mine] WARNING: the same code ran up to {band / 2:.0%} apart on the two "
                    "sides, so this comparison says little: 'same' covers almost any time. "
                    "Something else disturbed the run (another program on the GPU: processes "
                    "take turns on it, each getting a share of the time). Run it again with the "
                    "GPU to yourself.")
    size = None
    for ln in lines:
        if ln["size"] != size:
            size = ln["size"]
            text.append("")
            text.append(f"size {size}")
            text.append(f"  {'step':<24} {'':<8} {'yours (ms)':>11} {'reference (ms)':>15} "
                        f"{'yours/ref':>10}")
        kind = ln["kind"]
        if ln["status"] == "timed":
            ratio = ln["ratio"]
            note = ""
            if kind in ("given", "vendor"):
                note = ("  same code on both sides: the runs' own difference" if not recorded
                        else "  same code on both sides: the machines' and runs' difference")
            elif ratio is not None:
                note = ("  same" if abs(ratio - 1.0) <= band
                        else "  slower" if ratio > 1.0 else "  faster")
            text.append(f"  {ln['step']:<24} {kind:<8} {fmt_ms(ln['mine_ms']):>11} "
                        f"{fmt_ms(ln['ref_ms']):>15} "
                        f"{('-' if ratio is None else f'{ratio:.3f}'):>10}{note}")
        else:
            text.append(f"  {ln['step']:<24} {kind:<8} {ln['status']:>11} "
                        f"{fmt_ms(ln['ref_ms']):>15} {'-':>10}  {ln['message']}")
    return "\n".join(text)


def write_csv(lines, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["size", "step", "kind", "status", "yours_ms", "reference_ms", "ratio",
                    "message"])
        for ln in lines:
            w.writerow([ln["size"], ln["step"], ln["kind"], ln["status"],
                        "" if ln["mine_ms"] is None else f"{ln['mine_ms']:.6f}",
                        "" if ln["ref_ms"] is None else f"{ln['ref_ms']:.6f}",
                        "" if ln["ratio"] is None else f"{ln['ratio']:.4f}", ln["message"]])


def bench_main(a):
    try:
        mine_ctx, mine_runs = load_benchmark_json(a.mine)
        ref_ctx, ref_runs = load_benchmark_json(a.reference)
    except OSError as e:
        print(f"[mine] cannot read the results: {e}")
        return 2
    unfinished = []
    if a.mine_log:
        try:
            unfinished = unfinished_from_log(pathlib.Path(a.mine_log).read_text(errors="replace"))
        except OSError:
            pass
    exercises = set(a.exercises.split(",")) if a.exercises else None
    lines = compare(rows_of(mine_runs), rows_of(ref_runs), unfinished, exercises)
    chapter = mine_ctx.get("wb_chapter") or ref_ctx.get("wb_chapter") or "this chapter"
    mine_gpu, ref_gpu = mine_ctx.get("wb_gpu", "?"), ref_ctx.get("wb_gpu", "?")
    header = [f"[mine] {chapter}: your finished exercises next to the reference steps"]
    header.append("[mine] " + describe_side(mine_ctx, "yours:     measured now on", a.mine))
    if a.recorded:
        header.append("[mine] " + describe_side(ref_ctx, "reference: RECORDED on", a.reference))
        if mine_gpu != ref_gpu:
            header.append(f"[mine] The two sides ran on DIFFERENT GPUs ({mine_gpu} vs {ref_gpu}): "
                          "the ratios compare the GPUs as much as the kernels.")
        else:
            header.append(f"[mine] Both sides ran on the same GPU model ({mine_gpu}), but not in the same run: the "
                          "'given' and 'vendor' rows (the same code on both sides) show how far "
                          "the two machines and runs differ by themselves.")
    else:
        header.append("[mine] " + describe_side(ref_ctx, "reference: measured now on", a.reference))
        header.append("[mine] Both in one run on the same GPU, same shapes; yours first. The "
                      "'given' and 'vendor' rows run the same code on both sides: their ratio is "
                      "the run-to-run spread.")
    header.append("[mine] yours/ref is your time over the reference's: above 1 yours is slower.")
    table = format_table(lines, header, a.recorded)
    if a.text:
        pathlib.Path(a.text).write_text(table + "\n")
    if a.csv:
        write_csv(lines, a.csv)
    print(table)
    def steps_where(keep):
        seen = []
        for ln in lines:
            if keep(ln) and ln["step"] not in seen:
                seen.append(ln["step"])
        return seen

    failed = steps_where(lambda ln: ln["status"] in ("FAILED", "NOT RUN"))
    unfinished_steps = steps_where(lambda ln: ln["status"] == "UNFINISHED")
    timed = steps_where(lambda ln: ln["status"] == "timed" and ln["kind"] not in ("given", "vendor"))
    nn = chapter[2:] if chapter.startswith("ch") else "NN"
    print()
    print(f"[mine] timed: {', '.join(timed) if timed else 'none of your exercises'}")
    if unfinished_steps:
        print(f"[mine] UNFINISHED, not timed: {', '.join(unfinished_steps)}")
    if failed:
        print(f"[mine] FAILED or not run: {', '.join(failed)} "
              f"(a wrong result is never timed; `make chapter-{nn}-check` says why)")
        return 1
    return 0


# ---------------------------------------------------------------------------------------------
# Nsight Compute


def short_kernel(name):
    """The kernel's own name with template arguments (the same rule as scripts/ncu_table.py)."""
    for anon in ("(anonymous namespace)::", "<unnamed>::", "{anonymous}::"):
        name = name.replace(anon, "")
    depth = 0
    for i, ch in enumerate(name):
        depth += {"<": 1, ">": -1}.get(ch, 0)
        if ch == "(" and depth == 0:
            name = name[:i]
            break
    name = re.sub(r"^\s*void\s+", "", name)
    name = re.sub(r"\b\w+::", "", name)
    return name if len(name) <= 100 else name[:97] + "..."


def load_ncu_csv(path):
    """[(kernel, {metric: (value, unit)})] in launch order from `ncu --csv --page raw`."""
    with open(path, newline="", errors="replace") as f:
        lines = [line for line in f if line.startswith('"')]
    rows = list(csv.reader(lines))
    if len(rows) < 2:
        return []
    header, units, data = rows[0], rows[1], rows[2:]
    out = []
    for r in data:
        rec = dict(zip(header, r))
        metrics = {h: (rec.get(h, ""), u) for h, u in zip(header, units) if "__" in h}
        out.append((short_kernel(rec.get("Kernel Name", "?")), metrics))
    return out


def load_profile_text(path):
    """The same from a recorded profile text (scripts/ncu_table.py's output): a kernel line, then
    indented "metric value [unit]" lines."""
    out = []
    for line in pathlib.Path(path).read_text(errors="replace").splitlines():
        if not line.strip() or line.startswith("[") or line.startswith("="):
            continue
        if not line.startswith(" "):
            # Older recorded files kept a mangled namespace ("void unnamed>::name<...>").
            name = re.sub(r"^\s*void\s+", "", line.strip())
            head, _, _ = name.partition("<")
            if "::" in head:
                name = name[head.rindex("::") + 2:]
            out.append((name, {}))
            continue
        parts = line.split()
        if not out or len(parts) < 2:
            continue
        if parts[0] == "sectors/request" and len(parts) >= 3:
            out[-1][1][f"sectors/request {parts[1]}"] = (parts[2], "")
        elif "__" in parts[0]:
            out[-1][1][parts[0]] = (parts[1], " ".join(parts[2:]))
    return [k for k in out if k[1]]


def load_renames(path):
    """({today's name: (recorded name, why)}, {kernel: why the recording lacks it}) from a renames
    file. One entry per line, '#' starts a comment:

        RECORDED_KERNEL -> TODAYS_KERNEL: why      the recorded kernel is today's, under its old name
        KERNEL: why                                today's kernel that the recording does not have
    """
    renamed, missing = {}, {}
    for number_, line in enumerate(pathlib.Path(path).read_text().splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        head, sep, why = line.partition(":")
        if not sep:
            raise ValueError(f"{path}:{number_}: expected 'NAME: why' or 'OLD -> NEW: why'")
        old, arrow, new = head.partition("->")
        if arrow:
            renamed[new.strip()] = (old.strip(), why.strip())
        else:
            missing[head.strip()] = why.strip()
    return renamed, missing


def apply_renames(ref, renamed):
    """The recorded kernels with today's names, and {today's name: (recorded name, why)} for those
    renamed. A rename whose old name is not in the recording, or whose new name already is (the
    profile was recorded again), is not applied."""
    names = {k for k, _ in ref}
    by_old = {old: (new, why) for new, (old, why) in renamed.items()
              if old in names and new not in names}
    out, done = [], {}
    for kernel, metrics in ref:
        if kernel in by_old:
            new, why = by_old[kernel]
            done[new] = (kernel, why)
            kernel = new
        out.append((kernel, metrics))
    return out, done


def number(text):
    try:
        return float(text.replace(",", ""))
    except (AttributeError, ValueError):
        return None


def step_of(kernel, steps):
    """The step whose name is in the kernel's name (the longest such step), or ''."""
    k = kernel.lower()
    best = ""
    for s in steps:
        token = s.lower().replace("-", "_")
        if token and token in k and len(token) > len(best):
            best = s
    return best


def profile_main(a):
    try:
        mine = load_ncu_csv(a.mine)
        ref = load_profile_text(a.reference) if a.recorded else load_ncu_csv(a.reference)
        renamed, missing = load_renames(a.renames) if a.renames else ({}, {})
    except (OSError, ValueError) as e:
        print(f"[mine] cannot read the profiles: {e}")
        return 2
    ref, renamed = apply_renames(ref, renamed)
    missing = {k: why for k, why in missing.items() if k not in {n for n, _ in ref}}
    if not mine or not ref:
        print("[mine] ncu returned no kernel rows for "
              f"{'your bench' if not mine else 'the reference'} (check the kernel filter)")
        return 1
    wanted = [m for m in a.metrics.split(",") if m]
    unfinished = set(x for x in (a.unfinished or "").split(",") if x)
    steps = [x for x in (a.steps or "").split(",") if x]
    # Pair the launches by kernel name, in order (yours may launch a kernel more or less often).
    names_m = [k for k, _ in mine]
    names_r = [k for k, _ in ref]
    pairs = []
    sm = difflib.SequenceMatcher(a=names_m, b=names_r, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            pairs += [(mine[i1 + t], ref[j1 + t]) for t in range(i2 - i1)]
        else:
            pairs += [(m, None) for m in mine[i1:i2]]
            pairs += [(None, r) for r in ref[j1:j2]]
    print(f"[mine] Nsight Compute metrics: your kernels next to the reference's "
          f"({'recorded: ' + str(a.reference) if a.recorded else 'both profiled now, same GPU'})")
    if a.recorded:
        print("[mine] The reference side was RECORDED on the H100 (see the file's header), not "
              "profiled on this machine's GPU.")
    for m, r in pairs:
        kernel = (m or r)[0]
        step = step_of(kernel, steps) if steps else ""
        label = f"{kernel}" + (f"   [step {step}]" if step else "")
        print()
        print(label)
        if r is not None and r[0] in renamed:
            old, why = renamed[r[0]]
            print(f"  (the reference side was recorded as {old}: {why})")
        if m is None:
            print("  (reference only: your run launched no such kernel here)")
            continue
        if step in unfinished:
            print("  UNFINISHED exercise: the stub's empty kernel ran; its metrics mean nothing yet")
            continue
        if r is None:
            if m[0] in missing:
                print(f"  (yours only: the recorded profile has no such kernel: {missing[m[0]]})")
            elif a.recorded:
                print("  (yours only: the recorded profile has no such kernel)")
            else:
                print("  (yours only: the reference launched no such kernel here)")
        metrics = [x for x in wanted if x in m[1]] or sorted(m[1])
        for op in ("ld", "st"):
            req = f"l1tex__t_requests_pipe_lsu_mem_global_op_{op}.sum"
            sec = f"l1tex__t_sectors_pipe_lsu_mem_global_op_{op}.sum"
            for side in (m, r):
                if side is None:
                    continue
                rq, sc = number(side[1].get(req, ("", ""))[0]), number(side[1].get(sec, ("", ""))[0])
                if rq and sc is not None and f"sectors/request {op}" not in side[1]:
                    side[1][f"sectors/request {op}"] = (f"{sc / rq:.2f}", "")
            if f"sectors/request {op}" in m[1]:
                metrics.append(f"sectors/request {op}")
        if r is not None:
            print(f"  {'metric':55s} {'yours':>16s} {'reference':>16s} {'yours/ref':>9s}")
        for name in metrics:
            mv, unit = m[1].get(name, ("", ""))
            if r is None:
                print(f"  {name:55s} {mv:>16s} {unit}")
                continue
            rv = r[1].get(name, ("-", ""))[0]
            x, y = number(mv), number(rv)
            ratio = f"{x / y:.2f}" if x is not None and y not in (None, 0.0) else "-"
            print(f"  {name:55s} {mv:>16s} {rv:>16s} {ratio:>9s} {unit}")
    return 0


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--mine", required=True)
    b.add_argument("--reference", required=True)
    b.add_argument("--recorded", action="store_true")
    b.add_argument("--mine-log")
    b.add_argument("--exercises")
    b.add_argument("--text")
    b.add_argument("--csv")
    q = sub.add_parser("profile")
    q.add_argument("--mine", required=True)
    q.add_argument("--reference", required=True)
    q.add_argument("--metrics", default="")
    q.add_argument("--unfinished")
    q.add_argument("--steps")
    q.add_argument("--recorded", action="store_true")
    q.add_argument("--renames")
    a = p.parse_args(argv[1:])
    return bench_main(a) if a.what == "bench" else profile_main(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
