#!/usr/bin/env python3
"""Proves that a learner's copy of the workbook holds no reference code.

    scripts/verify_learner_copy.py SOURCE COPY [--window N]

SOURCE is the instructor's workbook (with solutions/), COPY the folder that
scripts/export-learner-copy.sh wrote. The copy fails the check when:
  1. it has a solutions/ folder, a file named known_bad*, or a file the export must leave out
     (scripts/learner-copy-exclude.txt lists them, with the reason for each);
  2. one of its files has the same code as a file of solutions/ (comments and blank space aside);
  3. one of its source files contains a solution's exercise code: the code inside a solution's
     `// WB_EXERCISE_BEGIN ... // WB_EXERCISE_END` regions or, where a file has no such markers,
     the lines of the solution that its stub does not have; for a known-bad variant, every line
     that no file of its chapter has. A whole exercise region found anywhere in the copy fails;
     so does any run of N (default 4) consecutive non-trivial lines of one (`{`, `}`,
     `#pragma unroll` and the like do not count). Comments are ignored, so a stub's TODO comments
     may spell out what to write.
Lessons (Markdown) are searched too; a match there is printed as a warning, because a lesson may
show a fragment of a solution on purpose.

Exit status: 0 clean, 1 when reference code was found (each finding is printed), 2 on bad use.
Python 3 standard library only.
"""
import argparse
import difflib
import fnmatch
import hashlib
import pathlib
import re
import sys

BEGIN = "// WB_EXERCISE_BEGIN"
END = "// WB_EXERCISE_END"
CODE_SUFFIXES = {".cu", ".cuh", ".h", ".hpp", ".cpp", ".cc", ".c", ".py", ".sh", ".cmake", ".txt",
                 ".in", ".ipynb"}
TEXT_SUFFIXES = {".md"}


def strip_comments(text):
    """C/C++ comments removed (string literals kept as they are)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            skipped = text[i:(n if j < 0 else j + 2)]
            out.append("\n" * skipped.count("\n"))  # keep line numbers
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def normal(line):
    return re.sub(r"\s+", "", line)


def trivial(norm):
    return len(norm) <= 3 or norm.startswith("#pragma") or norm in ("else{", "}else{", "return;")


def code_lines(text):
    """(line number, normalised line) of the code lines of a source text, comments removed."""
    return [(k, normal(line)) for k, line in enumerate(strip_comments(text).splitlines(), 1)
            if normal(line)]


def significant(lines):
    return [(k, t) for k, t in lines if not trivial(t)]


def regions(text):
    """Lines (number, raw) inside the exercise regions, one list per region."""
    found, current = [], None
    for k, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s == BEGIN:
            current = []
        elif s == END and current is not None:
            found.append(current)
            current = None
        elif current is not None:
            current.append((k, line))
    return found


def solution_chunks(solution, stub, chapter_texts):
    """The solution's own code, as lists of (line, normalised) chunks: its regions, else its diff
    against the stub, else (a known-bad variant) its lines found in no other file of its chapter."""
    text = solution.read_text(errors="replace")
    marked = regions(text)
    if marked:
        chunks = []
        for region in marked:
            body = "\n".join(raw for _, raw in region)
            first = region[0][0] if region else 0
            chunks.append([(first + k - 1, t) for k, t in code_lines(body)])
        return chunks
    sol = code_lines(text)
    if stub is not None:
        stub_lines = [t for _, t in code_lines(stub.read_text(errors="replace"))]
        sm = difflib.SequenceMatcher(a=stub_lines, b=[t for _, t in sol], autojunk=False)
        return [sol[j1:j2] for op, _, _, j1, j2 in sm.get_opcodes() if op in ("replace", "insert")]
    known = set()
    for t in chapter_texts:
        known.update(x for _, x in code_lines(t))
    chunks, current = [], []
    for k, t in sol:
        if t in known:
            if current:
                chunks.append(current)
            current = []
        else:
            current.append((k, t))
    if current:
        chunks.append(current)
    return chunks


def find_run(needle, haystack):
    """Index of the first occurrence of the list `needle` in the list `haystack`, or -1."""
    if not needle or len(needle) > len(haystack):
        return -1
    first = needle[0]
    for i in range(len(haystack) - len(needle) + 1):
        if haystack[i] == first and haystack[i:i + len(needle)] == needle:
            return i
    return -1


def load_excludes(path):
    """Glob patterns (relative to the workbook root) from the exclude list; '#' starts a comment."""
    patterns = []
    for line in pathlib.Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            patterns.append(line)
    return patterns


def excluded(rel, patterns):
    for p in patterns:
        if p.endswith("/") and (rel + "/").startswith(p):
            return True
        if fnmatch.fnmatchcase(rel, p):
            return True
    return False


def verify(source, copy, window=4, excludes=None):
    """(problems, warnings): lists of printable findings."""
    problems, warnings = [], []
    files = sorted(p for p in copy.rglob("*") if p.is_file() and ".git" not in p.parts)
    rel = {p: p.relative_to(copy).as_posix() for p in files}

    # 1. Names.
    if (copy / "solutions").exists():
        problems.append("the copy has a solutions/ folder")
    for p in files:
        if p.name.lower().startswith("known_bad"):
            problems.append(f"{rel[p]}: a known-bad variant (or its tests) by name")
        if excludes and excluded(rel[p], excludes):
            problems.append(f"{rel[p]}: on the export's exclude list")

    # 2. Whole files with a solution file's code.
    texts = {p: p.read_text(errors="replace") for p in files
             if p.suffix in CODE_SUFFIXES | TEXT_SUFFIXES or p.name in ("Makefile",)}
    solution_files = sorted((source / "solutions").rglob("*"))
    solution_files = [s for s in solution_files if s.is_file()]

    def digest(text):
        return hashlib.sha256("\n".join(t for _, t in code_lines(text)).encode()).hexdigest()

    copy_digests = {}
    for p, t in texts.items():
        if code_lines(t):
            copy_digests.setdefault(digest(t), []).append(rel[p])
    for s in solution_files:
        d = digest(s.read_text(errors="replace"))
        for r in copy_digests.get(d, []):
            problems.append(f"{r}: the same code as {s.relative_to(source).as_posix()}")

    # 3. Exercise code inside the copy's files. Code that the workbook gives the learner anyway
    # (the shipped stubs and the chapters' shared code and naive steps: SOURCE's chapters/) does
    # not count: a solution starts from the previous step, and the naive step is given.
    haystacks = {p: [t for _, t in significant(code_lines(t))] for p, t in texts.items()}
    given = [[t for _, t in significant(code_lines(c.read_text(errors="replace")))]
             for c in sorted((source / "chapters").rglob("*"))
             if c.is_file() and c.suffix in (".cu", ".cuh", ".h", ".hpp", ".cpp")]

    def is_given(run):
        return any(find_run(run, g) >= 0 for g in given)
    for s in solution_files:
        if s.suffix not in (".cu", ".cuh", ".cpp", ".h"):
            continue
        chapter = s.parent.name
        stub = source / "chapters" / chapter / s.name
        chapter_texts = [c.read_text(errors="replace")
                         for c in sorted((source / "chapters" / chapter).glob("*"))
                         if c.is_file() and c.suffix in (".cu", ".cuh", ".h", ".cpp")]
        chunks = solution_chunks(s, stub if stub.exists() else None, chapter_texts)
        name = s.relative_to(source).as_posix()
        for chunk in chunks:
            sig = significant(chunk)
            if not sig:
                continue
            needle = [t for _, t in sig]
            lines = f"{name}:{sig[0][0]}-{sig[-1][0]}"
            for p, hay in haystacks.items():
                where = rel[p]
                report = warnings if p.suffix in TEXT_SUFFIXES else problems
                at = find_run(needle, hay) if len(needle) >= 2 else -1
                if at >= 0 and not is_given(needle):
                    report.append(f"{where}: holds the whole exercise code of {lines}")
                    continue
                for i in range(0, len(needle) - window + 1):
                    at = find_run(needle[i:i + window], hay)
                    if at >= 0 and not is_given(needle[i:i + window]):
                        report.append(f"{where}: holds {window} consecutive lines of the exercise "
                                      f"code of {name}:{sig[i][0]}-{sig[i + window - 1][0]}")
                        break
    return problems, warnings


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source")
    ap.add_argument("copy")
    ap.add_argument("--window", type=int, default=4)
    ap.add_argument("--exclude-list", default=None,
                    help="patterns the export leaves out (default: scripts/learner-copy-exclude.txt "
                         "of SOURCE)")
    a = ap.parse_args(argv[1:])
    source, copy = pathlib.Path(a.source).resolve(), pathlib.Path(a.copy).resolve()
    if not (source / "solutions").is_dir():
        print(f"verify: {source} has no solutions/ folder to compare with")
        return 2
    if not copy.is_dir():
        print(f"verify: {copy} is not a folder")
        return 2
    exclude_list = pathlib.Path(a.exclude_list or source / "scripts" / "learner-copy-exclude.txt")
    excludes = load_excludes(exclude_list) if exclude_list.exists() else None
    problems, warnings = verify(source, copy, a.window, excludes)
    for w in warnings:
        print(f"verify: WARNING (a lesson): {w}")
    for p in problems:
        print(f"verify: REFERENCE CODE IN THE COPY: {p}")
    n_sol = sum(1 for s in (source / "solutions").rglob("*") if s.is_file())
    if problems:
        print(f"verify: FAILED: {len(problems)} finding(s) in {copy}")
        return 1
    print(f"verify: {copy} holds no file, exercise region or {a.window}-line run of exercise code "
          f"from the {n_sol} files of {source / 'solutions'}, and no known-bad variant")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
