#!/usr/bin/env python3
"""Grades a class: every learner's exercises of one chapter against the reference tests.

    scripts/grade.py --chapter 04 SUBMISSIONS --out REPORT_DIR [options]

SUBMISSIONS is a folder with one folder per learner (the folder's name is the learner's name).
Each holds a learner's copy of the workbook (chapters/NN-slug/NN_<step>.cu), or only the chapter's
folder (NN-slug/NN_<step>.cu), or only the exercise files (NN_<step>.cu), anywhere below it. Only
the chapter's exercise files are taken: the shared code, tests and benches are the reference's.

The grader works in ONE scratch copy of this workbook (--work, default build-grade/ in the
workbook): it builds the reference once, then for each learner puts their exercise files in place
of the stubs and rebuilds chNN_check and chNN_bench_mine. The exercises are compiled through
content-hash wrappers (cmake/Workbook.cmake), so only the files that changed are recompiled.
Per learner:
  - a file that does not compile is reported (with the compiler's first error), its stub is put
    back, and the learner's other exercises are graded without it;
  - an exercise still marked WB_EXERCISE_TODO (or missing) is reported as unfinished;
  - each finished exercise's tests run in a process of their own, under a time limit:
    `chNN_check --wb-child --wb-step <step> "[steps]~[.]" --order decl -r xml -o <file>`; the first
    failing check (its shape and message) is read from Catch2's XML report; a hang is stopped at
    the limit, a crash (a signal, or a GPU fault such as an illegal address) is reported as such;
  - each exercise that passed is timed by chNN_bench_mine (only those steps, checked before they
    are timed, as always) and compared with the reference steps timed once at the start on the
    same GPU (scripts/compare_mine.py, the machinery of `make chapter-NN-mine`).
Nothing one learner does stops the others. Without a GPU, the report says what compiles and what
is unfinished, and says that nothing was run.

Writes REPORT_DIR/grade-chapter-NN.md and .csv, and every log under REPORT_DIR/logs/<learner>/.
Exit status: 0 when the report was written (whatever the learners' results), 2 on bad use or
when the reference itself does not build. Python 3 standard library only.
"""
import argparse
import csv
import datetime
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import compare_mine  # noqa: E402  (the same machinery as `make chapter-NN-mine`)

# Statuses, in the words of the report (docs/instructors.md explains each).
PASS = "pass"
FAIL = "FAIL"
UNFINISHED = "unfinished"
NO_COMPILE = "does-not-compile"
TIMED_OUT = "timed-out"
CRASHED = "crashed"
NOT_RUN = "compiles, not run"
NO_TESTS = "no tests ran"

GPU_FAULT = re.compile(r"illegal memory access|illegal address|unspecified launch failure|"
                       r"misaligned address|illegal instruction|hardware stack error|"
                       r"cudaErrorLaunchFailure|cudaErrorIllegal|cudaErrorMisaligned|"
                       r"cudaErrorLaunchTimeout|device-side assert", re.I)


# ---------------------------------------------------------------------------------------------
# Running a command under a time limit


class Ran:
    """What a command did: exit status (negative: killed by that signal), whether it ran past its
    limit (and was stopped), its output (stdout and stderr together) and its wall time."""

    def __init__(self, rc, timed_out, output, seconds):
        self.rc, self.timed_out, self.output, self.seconds = rc, timed_out, output, seconds

    @property
    def signal(self):
        if self.rc is not None and self.rc < 0:
            return -self.rc
        if self.rc is not None and self.rc >= 128 + 1 and self.rc <= 128 + 64:
            return self.rc - 128  # through a shell
        return None


def run_limited(cmd, timeout, env=None, cwd=None, log=None):
    """Runs `cmd` in a process group of its own, its output (stdout and stderr) going to `log` as it
    comes (a temporary file when no log is wanted); past `timeout` seconds the whole group gets
    SIGTERM, then SIGKILL 5 s later. A GPU kernel that never ends dies with its process: the driver
    tears the context down. Never raises for the command's own failure."""
    import tempfile
    start = time.monotonic()
    if log is None:
        handle, log = tempfile.mkstemp(prefix="grade-")
        os.close(handle)
        temporary = True
    else:
        temporary = False
    log = pathlib.Path(log)
    timed_out = False
    try:
        with open(log, "wb") as sink:
            try:
                proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, env=env,
                                        cwd=cwd, start_new_session=True)
            except OSError as e:
                sink.write(f"could not start {cmd[0]}: {e}\n".encode())
                return Ran(127, False, f"could not start {cmd[0]}: {e}\n", 0.0)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 30)):
                    try:
                        os.killpg(proc.pid, sig)
                    except ProcessLookupError:
                        pass
                    try:
                        proc.wait(timeout=grace)
                        break
                    except subprocess.TimeoutExpired:
                        continue
            if timed_out:
                # The group may outlive its leader (a child that ignored SIGTERM): end it too.
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                sink.write(f"\n[grade] stopped after {timeout:g} s (time limit)\n".encode())
        text = log.read_bytes().decode(errors="replace")
    finally:
        if temporary:
            log.unlink(missing_ok=True)
    return Ran(proc.returncode, timed_out, text, time.monotonic() - start)


# ---------------------------------------------------------------------------------------------
# Catch2's XML report (Catch2 2.13: <Catch><Group>...; 3.x: <Catch2TestRun>...)


class CatchResult:
    def __init__(self):
        self.cases = 0
        self.passed = None  # assertions, from the run's OverallResults
        self.failed = None
        self.first = None  # dict: case, sections, infos, kind, text, file, line
        self.failures = 0  # failed checks seen
        self.shapes = []  # the distinct shapes of every failed check, in order
        self.complete = False


def parse_catch_xml(text):
    """The first failure and the totals from Catch2's XML reporter output. A report cut short (the
    process was killed) yields what was written before that."""
    r = CatchResult()
    if not text or not text.strip():
        return r
    parser = ET.XMLPullParser(events=("start", "end"))
    stack, sections, infos = [], [], []
    case = ""

    def record(kind, body, elem):
        r.failures += 1
        shape = first_shape(infos)
        if shape and shape not in r.shapes:
            r.shapes.append(shape)
        if r.first is None:
            r.first = {"case": case, "sections": list(sections), "infos": list(infos),
                       "kind": kind, "text": body, "file": elem.get("filename", ""),
                       "line": elem.get("line", "")}

    try:
        parser.feed(text)
        parser.close()
        events_ok = True
    except ET.ParseError:
        events_ok = False
    try:
        for event, elem in parser.read_events():
            tag = elem.tag
            if event == "start":
                stack.append(tag)
                if tag == "TestCase":
                    r.cases += 1
                    case = elem.get("name", "")
                    sections.clear()
                    infos.clear()
                elif tag == "Section":
                    sections.append(elem.get("name", ""))
                continue
            stack.pop()
            parent = stack[-1] if stack else ""
            if tag == "Section" and sections:
                sections.pop()
            elif tag == "Info" and parent != "Expression":
                infos.append((elem.text or "").strip())
            elif tag == "Expression":
                if elem.get("success") == "false":
                    orig = (elem.findtext("Original") or "").strip()
                    expanded = (elem.findtext("Expanded") or "").strip()
                    inner = ""
                    for sub in ("Exception", "FatalErrorCondition", "Failure"):
                        if elem.find(sub) is not None:
                            inner = (elem.findtext(sub) or "").strip()
                    body = f"{elem.get('type', 'CHECK')}( {orig} )"
                    if expanded and expanded != orig:
                        body += f" with expansion: {expanded}"
                    if inner:
                        body += f": {inner}"
                    record(elem.get("type", "CHECK"), body, elem)
                infos.clear()
            elif tag in ("Exception", "FatalErrorCondition", "Failure") and parent != "Expression":
                record(tag, (elem.text or "").strip(), elem)
                infos.clear()
            elif tag == "OverallResults" and parent in ("Catch", "Catch2TestRun", "Group"):
                r.passed = int(elem.get("successes", "0"))
                r.failed = int(elem.get("failures", "0"))
            elif tag in ("Catch", "Catch2TestRun"):
                r.complete = True
    except ET.ParseError:
        pass
    if not events_ok:
        r.complete = False
    return r


SHAPE = re.compile(r"shape (.+?), seed \d+")


def first_shape(infos):
    """The failing shape named by the harness's failure context ("step S, shape X, seed N ...")."""
    for info in infos:
        m = SHAPE.search(info)
        if m:
            return m.group(1)
    for info in infos:
        m = re.search(r"\b(n = \d+|\d+ ?x ?\d+(?: ?x ?\d+)?)\b", info)
        if m:
            return m.group(1)
    return ""


def one_line(text, limit=None):
    text = re.sub(r"\s+", " ", text or "").strip()
    if limit and len(text) > limit:
        text = text[:limit - 3] + "..."
    return text


def classify(ran, xml_text):
    """(status, first failing shape, message) of one step's test process. The message ends with
    every other shape that failed, when there are some."""
    result = parse_catch_xml(xml_text)
    first = result.first
    shape = first_shape(first["infos"]) if first else ""
    others = [x for x in result.shapes if x != shape]
    also = ""
    if others:
        shown = "; ".join(others[:8]) + ("; ..." if len(others) > 8 else "")
        also = f" Also failed at {len(others)} other shape(s): {shown}."
    message = ""
    if first:
        where = first["case"] + "".join(f" / {s}" for s in first["sections"])
        context = " | ".join(first["infos"])
        message = one_line(f"{first['text']}" + (f" [{context}]" if context else "") +
                           f" (test case: {where})")
    if ran.timed_out:
        return TIMED_OUT, shape, ("stopped at the time limit (a hang?)" +
                                  (f"; last failure before it: {message}" if message else ""))
    sig = ran.signal
    if sig is not None:
        what = first["text"] if first and first["kind"] == "FatalErrorCondition" else ""
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return CRASHED, shape, one_line(f"killed by {name}" + (f": {what}" if what else "") +
                                        (f"; {message}" if message and not what else ""))
    if ran.rc == 77:
        return NOT_RUN, "", one_line(ran.output.strip().splitlines()[-1] if ran.output.strip()
                                     else "skipped: no GPU")
    if first is not None:
        if first["kind"] in ("Exception", "FatalErrorCondition") and GPU_FAULT.search(first["text"]):
            return CRASHED, shape, "GPU fault: " + message
        return FAIL, shape, message + (f" ({result.failures} failed checks in all.{also})"
                                       if result.failures > 1 else "")
    if result.cases == 0 and result.complete and ran.rc in (0, 2):
        return NO_TESTS, "", ("no test case ran for this step: none tagged [steps] tests it "
                              "(a harness problem, not the learner's)")
    if ran.rc == 0:
        if result.passed is None and not result.complete:
            return CRASHED, "", "the test program wrote no report"
        if (result.passed or 0) + (result.failed or 0) == 0:
            return NO_TESTS, "", ("no check ran for this step: no test case tagged [steps] "
                                  "tests it (a harness problem, not the learner's)")
        return PASS, "", ""
    tail = one_line(" ".join(ran.output.strip().splitlines()[-3:]), 300)
    return CRASHED, "", f"exited with status {ran.rc} without a test failure: {tail}"


# ---------------------------------------------------------------------------------------------
# Submissions, builds and the check program's own words


def find_submission_files(folder, slug, names):
    """{exercise file name: path} for the chapter's exercise files found in a learner's folder:
    chapters/<slug>/F first, then <slug>/F, then F, then anywhere below (build folders and
    solutions/ aside)."""
    folder = pathlib.Path(folder)
    found = {}
    for name in names:
        for candidate in (folder / "chapters" / slug / name, folder / slug / name, folder / name):
            if candidate.is_file():
                found[name] = candidate
                break
        else:
            hits = sorted(p for p in folder.rglob(name) if p.is_file() and not any(
                part.startswith("build") or part == "solutions" or part.startswith(".")
                for part in p.relative_to(folder).parts[:-1]))
            if hits:
                found[name] = hits[0]
    return found


def parse_unfinished(check_output):
    """Steps the check program listed as unfinished ("  - <step>  (<file>)" under its
    "NOT FINISHED" line), or None when the output has no such list and no summary either."""
    lines = check_output.splitlines()
    steps, inside, saw_check = [], False, False
    for line in lines:
        if line.startswith("[check]"):
            saw_check = True
            inside = "NOT FINISHED" in line or "not finished" in line.lower()
            continue
        if inside:
            m = re.match(r"^\s+-\s+(\S+)\s+\(", line)
            if m:
                steps.append(m.group(1))
    return steps if saw_check else None


def static_unfinished(path):
    """True when a source file still has a WB_EXERCISE_TODO( statement outside comments."""
    text = compare_free_comments(pathlib.Path(path).read_text(errors="replace"))
    return re.search(r"^\s*WB_EXERCISE_TODO\s*\(", text, flags=re.M) is not None


def compare_free_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def attribute_build_errors(output, files, steps):
    """{exercise file: first error line} for the exercise files the build output blames: a compiler
    error in the file itself, a failed object built from it, or (for a link error) its launcher."""
    blamed = {}
    lines = output.splitlines()
    for name in files:
        pat_src = re.compile(rf"(^|[/\s\"']){re.escape(name)}(\(\d+\)|:\d+)")
        pat_obj = re.compile(rf"{re.escape(name)}\.o\b")
        for i, line in enumerate(lines):
            low = line.lower()
            if pat_src.search(line) and ("error" in low):
                blamed.setdefault(name, line.strip())
            elif pat_obj.search(line) and ("failed" in low or "error" in low or
                                           "multiple definition" in low or
                                           "undefined reference" in low):
                # The object failed: its first compiler message (if any) is the better message.
                msg = next((x.strip() for x in lines[max(0, i - 40):i + 40]
                            if "error" in x.lower() and name in x), line.strip())
                blamed.setdefault(name, msg)
    if not blamed:
        link = [x for x in lines if "undefined reference" in x or "multiple definition" in x]
        for line in link:
            for name, step in zip(files, steps):
                if re.search(rf"\b\w*{re.escape(step)}\w*\b", line):
                    blamed.setdefault(name, line.strip())
    return blamed


def copy_if_different(src, dst):
    """Copies only when the content differs, so an unchanged file keeps its time stamp."""
    src, dst = pathlib.Path(src), pathlib.Path(dst)
    data = src.read_bytes()
    if dst.is_file() and dst.read_bytes() == data:
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data)
    return True


def workbook_files(root, skip=()):
    """The reference workbook's files as they are on disk: every file of the workbook's own folders
    and its top-level files (build output, hidden folders and the `skip` folders aside). Not git's
    list: a copy of the tree may carry a .git whose index is older than its files (seen on a lent
    GPU machine, where the scratch copy then missed new sources)."""
    skip = [pathlib.Path(s).resolve() for s in skip]
    own = {"bench", "chapters", "cmake", "common", "docs", "notebooks", "scripts", "solutions",
           "tests"}
    files = []
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if not p.is_file() or any(part.startswith(".") for part in rel.parts[:-1]):
            continue
        if len(rel.parts) > 1 and rel.parts[0] not in own:
            continue
        if any(s == p or s in p.parents for s in skip):
            continue
        files.append(rel.as_posix())
    return sorted(files)


# ---------------------------------------------------------------------------------------------
# The report


class Outcome:
    def __init__(self, exercise, step):
        self.exercise, self.step = exercise, step
        self.status, self.shape, self.message = "", "", ""
        self.mine_ms = self.ref_ms = self.ratio = None
        self.size = ""
        self.timing_note = ""
        self.log = ""


def time_cell(o):
    if o.mine_ms is not None and o.ref_ms is not None:
        return f"{o.mine_ms:.4f} ms vs {o.ref_ms:.4f} ms = {o.ratio:.2f}x"
    return o.timing_note or "-"


def md_escape(text):
    return (text or "").replace("|", "\\|").replace("\n", " ")


def write_report(meta, learners, md_path, csv_path):
    """meta: dict of header facts; learners: [(name, notes, [Outcome])]."""
    exercises = [o.step for o in learners[0][2]] if learners else []
    lines = [f"# Grading report: chapter {meta['chapter']} ({meta['slug']})", ""]
    if not meta.get("gpu"):
        lines += [f"**NOTHING WAS RUN: {meta.get('no_gpu_reason', 'no CUDA GPU')}.** This report "
                  "says only which exercises compile and which are unfinished; no test ran and "
                  "nothing was timed.", ""]
    for key, label in (("reference", "Reference"), ("gpu", "GPU"), ("seed", "Inputs"),
                       ("limits", "Time limits"), ("timing", "Timing"), ("date", "Date"),
                       ("command", "Command")):
        if meta.get(key):
            lines.append(f"- **{label}:** {meta[key]}")
    lines += ["", "## Summary", ""]
    lines.append("| learner | " + " | ".join(exercises) + " |")
    lines.append("|---|" + "---|" * len(exercises))
    for name, _, outcomes in learners:
        cells = []
        for o in outcomes:
            cell = o.status
            if o.status == PASS and o.ratio is not None:
                cell += f" ({o.ratio:.2f}x)"
            cells.append(md_escape(cell))
        lines.append(f"| {md_escape(name)} | " + " | ".join(cells) + " |")
    lines.append("")
    if meta.get("gpu"):
        lines += ["In the summary, (1.03x) is the learner's time over the reference step's at "
                  f"{meta.get('headline', 'the first bench size')}; above 1 is slower.", ""]
    for name, notes, outcomes in learners:
        lines += [f"## {md_escape(name)}", ""]
        for note in notes:
            lines.append(f"- {md_escape(note)}")
        if notes:
            lines.append("")
        lines.append("| exercise | status | first failing shape | message | time vs reference |")
        lines.append("|---|---|---|---|---|")
        for o in outcomes:
            lines.append(f"| {o.step} | {md_escape(o.status)} | {md_escape(o.shape) or '-'} | "
                         f"{md_escape(one_line(o.message, 400)) or '-'} | "
                         f"{md_escape(time_cell(o))} |")
        lines.append("")
    lines += ["## What the columns mean", "",
              "- **status**: `pass` (every test of the step passed: the same tests the reference "
              "solution passes); `FAIL` (a check failed: see the shape and message); `unfinished` "
              "(the file still has its `WB_EXERCISE_TODO(...)` statement, or is not in the submission: not "
              "tested); `does-not-compile` (the compiler's first error is the message; the stub "
              "was put back so the other exercises could be graded); `timed-out` (the step's "
              "tests were stopped at the time limit: a hang); `crashed` (the test process died "
              "of a signal, or a GPU fault such as an illegal address ended it); "
              "`compiles, not run` (no GPU: nothing was tested); `no tests ran` (no test case "
              "covers the step: a problem of the workbook, not of the learner).",
              "- **first failing shape**: the problem size of the first failed check, as the "
              "harness names it.",
              "- **message**: the first failed check, its values and the harness's context "
              "(step, shape, seed: `WB_SEED=<seed>` reproduces the inputs).",
              "- **time vs reference**: the learner's step and the reference step, timed by the "
              "chapter's bench (median of CUDA-event timed runs, result checked first) on the "
              "same GPU, and their ratio; only steps that passed their tests are timed.", ""]
    pathlib.Path(md_path).write_text("\n".join(lines))
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["learner", "chapter", "exercise", "status", "first_failing_shape", "message",
                    "your_ms", "reference_ms", "ratio", "size", "log"])
        for name, _, outcomes in learners:
            for o in outcomes:
                w.writerow([name, meta["chapter"], o.step, o.status, o.shape,
                            one_line(o.message, 2000),
                            "" if o.mine_ms is None else f"{o.mine_ms:.6f}",
                            "" if o.ref_ms is None else f"{o.ref_ms:.6f}",
                            "" if o.ratio is None else f"{o.ratio:.4f}", o.size, o.log])


# ---------------------------------------------------------------------------------------------
# Grading


class Grader:
    def __init__(self, a):
        self.a = a
        self.root = HERE.parent
        dirs = sorted(self.root.glob(f"chapters/{a.chapter}-*"))
        if not dirs:
            raise SystemExit(f"[grade] no chapters/{a.chapter}-* in {self.root}")
        self.slug = dirs[0].name
        self.id = f"ch{a.chapter}"
        sol = self.root / "solutions" / self.slug
        if not sol.is_dir():
            raise SystemExit(f"[grade] {sol} is missing: the grader needs the instructor's "
                             "workbook, with its reference solutions")
        self.files = sorted(p.name for p in dirs[0].glob(f"[0-9][0-9]_*.cu")
                            if (sol / p.name).is_file())
        self.steps = [re.sub(r"^\d\d_", "", f[:-3]) for f in self.files]
        self.work = pathlib.Path(a.work or self.root / "build-grade").resolve()
        self.src = self.work / "src"
        self.build = self.work / "build"
        self.out = pathlib.Path(a.out).resolve()
        self.logs = self.out / "logs"
        self.env = dict(os.environ)
        self.env["WB_SEED"] = str(a.seed)
        # WB_GIT_COMMIT first: a copy of the tree (a lent GPU machine's) may carry a stale .git.
        self.commit = os.environ.get("WB_GIT_COMMIT") or "unknown"
        try:
            if os.environ.get("WB_GIT_COMMIT"):
                raise OSError("WB_GIT_COMMIT names the commit")
            git = ["git", "-C", str(self.root)]
            self.commit = subprocess.run(git + ["rev-parse", "--short=12", "HEAD"],
                                         capture_output=True, text=True, check=True).stdout.strip()
            if subprocess.run(git + ["status", "--porcelain", "--untracked-files=no"],
                              capture_output=True, text=True).stdout.strip():
                self.commit += "-dirty"
        except (OSError, subprocess.CalledProcessError):
            pass
        # The scratch tree is no git checkout: the benches record the reference's commit.
        self.env.setdefault("WB_GIT_COMMIT", f"{self.commit}+grading")
        if a.reps:
            self.env["WB_REPS"] = str(a.reps)

    def say(self, text):
        print(f"[grade] {text}", flush=True)

    def exe(self, name):
        return str(self.build / name)

    # The scratch tree -------------------------------------------------------------------
    def prepare(self):
        self.say(f"scratch copy of the workbook: {self.src}")
        files = workbook_files(self.root, skip=(self.work, self.out,
                                                pathlib.Path(self.a.submissions)))
        for f in files:
            copy_if_different(self.root / f, self.src / f)
        cmd = ["cmake", "-S", str(self.src), "-B", str(self.build),
               f"-DWB_CHAPTERS={self.a.chapter}"]
        if shutil.which("ninja") and not (self.build / "CMakeCache.txt").exists():
            cmd += ["-G", "Ninja"]
        if self.a.cuda_arch:
            cmd.append(f"-DCMAKE_CUDA_ARCHITECTURES={self.a.cuda_arch}")
        ran = run_limited(cmd, self.a.build_timeout, log=self.logs / "configure.log")
        if ran.rc != 0:
            raise SystemExit(f"[grade] configuring the reference failed (log: "
                             f"{self.logs / 'configure.log'})")
        self.restore_stubs()
        self.say("building the reference (tests, benches) once")
        ran = self.build_targets([f"{self.id}_check", f"{self.id}_bench", f"{self.id}_bench_mine"],
                                 self.logs / "reference-build.log")
        if ran.rc != 0 or ran.timed_out:
            raise SystemExit(f"[grade] the reference does not build (log: "
                             f"{self.logs / 'reference-build.log'})")

    def restore_stubs(self):
        for f in self.files:
            copy_if_different(self.root / "chapters" / self.slug / f,
                              self.src / "chapters" / self.slug / f)

    def build_targets(self, targets, log):
        keep_going = ["-k", "0"] if (self.build / "build.ninja").exists() else ["-k"]
        cmd = ["cmake", "--build", str(self.build), "-j", str(self.a.jobs), "--target",
               *targets, "--", *keep_going]
        return run_limited(cmd, self.a.build_timeout, env=self.env, log=log)

    # GPU and reference timing -----------------------------------------------------------
    def probe_gpu(self):
        ran = run_limited([self.exe(f"{self.id}_check"), "--wb-child", "[wb-grade-probe]"], 120,
                          env=self.env, log=self.logs / "gpu-probe.log")
        if ran.rc == 77:
            m = re.search(r"SKIPPED: these tests need a CUDA GPU: (.*?)\.(?: Nothing|\s*$)",
                          ran.output, flags=re.M)
            return False, (m.group(1) if m else "no CUDA GPU the chapter can run on")
        if ran.rc not in (0, 2):  # 0: Catch2 2.x ran no test; 2: Catch2 3.x matched none
            return False, (f"the check program itself failed (exit {ran.rc}; see "
                           f"{self.logs / 'gpu-probe.log'})")
        gpu = ""
        if shutil.which("nvidia-smi"):
            q = run_limited(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                            30)
            gpu = one_line(q.output.splitlines()[0]) if q.rc == 0 and q.output.strip() else ""
        return True, gpu or "a CUDA GPU"

    def time_reference(self):
        path = self.out / f"reference-{self.id}.json"
        self.say("timing the reference steps (once, for every learner)")
        ran = run_limited([self.exe(f"{self.id}_bench"), f"--benchmark_out={path}",
                           "--benchmark_out_format=json"], self.a.bench_timeout, env=self.env,
                          log=self.logs / "reference-bench.log")
        if not path.exists():
            self.say(f"the reference bench wrote no results (exit {ran.rc}): nothing will be timed")
            return None
        return compare_mine.rows_of(compare_mine.load_benchmark_json(path)[1])

    # One learner -------------------------------------------------------------------------
    def grade(self, name, folder, gpu, ref_rows):
        logs = self.logs / name
        logs.mkdir(parents=True, exist_ok=True)
        notes = []
        outcomes = {f: Outcome(f, s) for f, s in zip(self.files, self.steps)}
        found = find_submission_files(folder, self.slug, self.files)
        if not found:
            notes.append(f"no exercise file of chapter {self.a.chapter} found in {folder}")
        # Shared files of the chapter a learner changed are not graded: say so.
        chapter_folder = folder / "chapters" / self.slug
        if chapter_folder.is_dir():
            for p in sorted(chapter_folder.iterdir()):
                ref = self.root / "chapters" / self.slug / p.name
                if (p.is_file() and p.name not in self.files and ref.is_file()
                        and ref.read_bytes() != p.read_bytes()):
                    notes.append(f"{p.name} differs from the workbook's: it is not an exercise "
                                 "file, so the workbook's was used")
        # Each exercise file becomes the learner's, or the stub where they handed none in. A file
        # whose content is already right is not touched: its time stamp would make the build
        # recompile it (the build follows the files the exercise wrappers include).
        for f in self.files:
            source = found.get(f, self.root / "chapters" / self.slug / f)
            copy_if_different(source, self.src / "chapters" / self.slug / f)
            outcomes[f].log = str(logs)
        for f in self.files:
            if f not in found:
                outcomes[f].status = UNFINISHED
                outcomes[f].message = "file not in the submission (graded as the untouched stub)"

        # Build, putting back the stub of every file that does not compile.
        targets = [f"{self.id}_check", f"{self.id}_bench_mine"]
        broken = {}
        for attempt in range(len(self.files) + 1):
            ran = self.build_targets(targets, logs / f"build-{attempt}.log")
            if ran.rc == 0 and not ran.timed_out:
                break
            changed = [f for f in found if f not in broken]
            if not changed:
                break  # every learner's file is back to its stub and the build still fails
            if ran.timed_out:
                for f in changed:
                    broken[f] = f"the build took longer than {self.a.build_timeout:g} s and was stopped"
            else:
                blamed = attribute_build_errors(ran.output, changed,
                                                [outcomes[f].step for f in changed])
                if not blamed:
                    tail = one_line(" ".join(ran.output.strip().splitlines()[-4:]), 300)
                    for f in changed:
                        broken[f] = f"the build failed and no one file is to blame: {tail}"
                broken.update({f: msg for f, msg in blamed.items() if f not in broken})
            for f in broken:
                copy_if_different(self.root / "chapters" / self.slug / f,
                                  self.src / "chapters" / self.slug / f)
        for f, msg in broken.items():
            msg = msg.replace(str(self.src) + "/", "").replace(str(self.build) + "/", "build/")
            outcomes[f].status, outcomes[f].message = NO_COMPILE, one_line(msg, 600)
        if ran.rc != 0 or ran.timed_out:
            notes.append("the build failed even with every one of this learner's files replaced by "
                         f"its stub: nothing was graded (see {logs}/build-*.log)")
            for o in outcomes.values():
                if not o.status:
                    o.status, o.message = NO_COMPILE, "the build failed (see the build logs)"
            return name, notes, list(outcomes.values())

        # Which exercises are unfinished: the check program's own list (no GPU needed).
        env = dict(self.env, CUDA_VISIBLE_DEVICES="")
        probe = run_limited([self.exe(f"{self.id}_check")], 120, env=env,
                            log=logs / "unfinished.log")
        unfinished = parse_unfinished(probe.output)
        if unfinished is None:  # the check's words changed: read the files instead
            unfinished = [outcomes[f].step for f in found
                          if f not in broken and static_unfinished(found[f])]
        for f in self.files:
            o = outcomes[f]
            if not o.status and o.step in unfinished:
                o.status = UNFINISHED
                o.message = "still marked WB_EXERCISE_TODO: not tested"

        # Tests, one process per finished step, each under the time limit.
        for f in self.files:
            o = outcomes[f]
            if o.status:
                continue
            if not gpu:
                o.status, o.message = NOT_RUN, "compiles; no GPU, so nothing was tested"
                continue
            xml = logs / f"test-{o.step}.xml"
            xml.unlink(missing_ok=True)
            # "[steps]~[.]": a tag filter alone also selects hidden test cases (Catch2 2.13 runs
            # "[.limits][steps]" for "[steps]"), and the limits tier takes minutes per step.
            # --order decl: the default order differs between Catch2 versions (3.x, as far as we
            # know, shuffles); in declaration order the first failure is the same on every run
            # and for every learner.
            ran = run_limited([self.exe(f"{self.id}_check"), "--wb-child", "--wb-step", o.step,
                               "[steps]~[.]", "--order", "decl", "-r", "xml", "-o", str(xml)],
                              self.a.test_timeout,
                              env=self.env, log=logs / f"test-{o.step}.log")
            text = xml.read_text(errors="replace") if xml.exists() else ""
            o.status, o.shape, o.message = classify(ran, text)
            o.log = str(logs / f"test-{o.step}.log")
            self.say(f"  {name}: {o.step}: {o.status} ({ran.seconds:.1f} s)")

        # Timing: only the steps that passed, against the reference rows.
        passed = [o for o in outcomes.values() if o.status == PASS]
        for o in outcomes.values():
            if o.status != PASS:
                o.timing_note = "not timed"
        if passed and gpu and ref_rows is not None and not self.a.no_bench:
            self.time_learner(passed, logs, ref_rows)
        elif passed:
            for o in passed:
                o.timing_note = "not timed (" + ("--no-bench" if self.a.no_bench else
                                                 "no reference timing") + ")"
        return name, notes, list(outcomes.values())

    def time_learner(self, passed, logs, ref_rows):
        path = logs / "bench.json"
        path.unlink(missing_ok=True)
        # Step names are letters, digits, '_' and '-': nothing to escape in Google Benchmark's
        # regex flavours (std::regex or POSIX, depending on how it was built).
        pattern = "|".join(o.step for o in passed if re.fullmatch(r"[A-Za-z0-9_-]+", o.step))
        ran = run_limited([self.exe(f"{self.id}_bench_mine"), f"--benchmark_out={path}",
                           "--benchmark_out_format=json",
                           f"--benchmark_filter=^{self.id}/({pattern})/"],
                          self.a.bench_timeout, env=self.env, log=logs / "bench.log")
        rows = compare_mine.rows_of(compare_mine.load_benchmark_json(path)[1]) if path.exists() else []
        lines = compare_mine.compare(rows, [r for r in ref_rows if r.step in {o.step for o in passed}])
        sizes = []
        for ln in lines:
            if ln["size"] not in sizes:
                sizes.append(ln["size"])
        for o in passed:
            mine = [ln for ln in lines if ln["step"] == o.step]
            head = next((ln for ln in mine if ln["size"] == (sizes[0] if sizes else "")), None)
            if head and head["status"] == "timed" and head["ratio"] is not None:
                o.mine_ms, o.ref_ms, o.ratio, o.size = head["mine_ms"], head["ref_ms"], head["ratio"], head["size"]
            elif head and head["status"] == "FAILED":
                o.timing_note = f"FAILED in the bench at {head['size']}: {one_line(head['message'], 200)}"
            elif ran.timed_out:
                o.timing_note = f"the bench was stopped at the time limit ({self.a.bench_timeout:g} s)"
            else:
                o.timing_note = f"not timed (the bench exited with status {ran.rc}; see bench.log)"

    def run(self):
        subs = pathlib.Path(self.a.submissions).resolve()
        learners = sorted(p for p in subs.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if subs.is_dir() else []
        if not learners and not self.a.prepare_only:
            raise SystemExit(f"[grade] no learner folders in {subs}")
        self.logs.mkdir(parents=True, exist_ok=True)
        started = datetime.datetime.now(datetime.timezone.utc)
        self.prepare()
        if self.a.prepare_only:
            self.say(f"the reference is built in {self.build}; grade with the same --work later")
            return 0
        gpu, gpu_text = self.probe_gpu()
        self.say(f"GPU: {gpu_text if gpu else 'none (' + gpu_text + '): nothing will be run'}")
        ref_rows = self.time_reference() if gpu and not self.a.no_bench else None
        results = []
        for folder in learners:
            self.say(f"grading {folder.name}")
            try:
                results.append(self.grade(folder.name, folder, gpu, ref_rows))
            except Exception as e:  # a grader bug must not lose the other learners
                outs = []
                for f, s in zip(self.files, self.steps):
                    o = Outcome(f, s)
                    o.status, o.message = CRASHED, f"the grader failed on this submission: {e!r}"
                    outs.append(o)
                results.append((folder.name, [f"grader error: {e!r}"], outs))
        self.restore_stubs()
        commit = self.commit
        headline = ""
        if ref_rows:
            headline = f"size {ref_rows[0].size}"
        meta = {
            "chapter": self.a.chapter, "slug": self.slug,
            "reference": f"this workbook at commit {commit}: `{self.id}_check --wb-child --wb-step "
                         f"<step> \"[steps]~[.]\"` per exercise, built from solutions/{self.slug}'s tests "
                         "and harness",
            "gpu": gpu_text if gpu else "",
            "no_gpu_reason": gpu_text,
            "seed": f"WB_SEED={self.a.seed} for every learner (the same inputs for all)",
            "limits": f"build {self.a.build_timeout:g} s, tests {self.a.test_timeout:g} s per "
                      f"exercise, bench {self.a.bench_timeout:g} s per learner",
            "timing": ("not timed (--no-bench)" if self.a.no_bench else
                       "no GPU: nothing timed" if not gpu else
                       f"each passing step timed by {self.id}_bench_mine, the reference steps by "
                       f"{self.id}_bench once at the start, same GPU; shown at {headline or 'the first size'}"),
            "headline": headline or "the first bench size",
            "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "command": "`" + " ".join(["scripts/grade.py", *sys.argv[1:]]) + "`",
        }
        md = self.out / f"grade-chapter-{self.a.chapter}.md"
        cs = self.out / f"grade-chapter-{self.a.chapter}.csv"
        write_report(meta, results, md, cs)
        self.say(f"report: {md} and {cs}")
        return 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("submissions", help="folder with one folder per learner")
    ap.add_argument("--chapter", required=True, help="chapter number, e.g. 04")
    ap.add_argument("--out", required=True, help="folder for the report and the logs")
    ap.add_argument("--work", help="scratch build tree (default: build-grade/ in the workbook)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--build-timeout", type=float, default=900)
    ap.add_argument("--test-timeout", type=float, default=120)
    ap.add_argument("--bench-timeout", type=float, default=600)
    ap.add_argument("--no-bench", action="store_true", help="test only, time nothing")
    ap.add_argument("--reps", type=int, help="timed repetitions per bench row (WB_REPS)")
    ap.add_argument("--seed", type=int, default=int(time.time()) % 1000000007,
                    help="WB_SEED for every learner's tests (default: one drawn now)")
    ap.add_argument("--cuda-arch", help="CMAKE_CUDA_ARCHITECTURES (default: the GPU's)")
    ap.add_argument("--prepare-only", action="store_true",
                    help="build the reference in the scratch tree and stop (grade later)")
    a = ap.parse_args(argv[1:])
    if not re.fullmatch(r"\d\d", a.chapter):
        ap.error("--chapter takes two digits, e.g. 04")
    return Grader(a).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
