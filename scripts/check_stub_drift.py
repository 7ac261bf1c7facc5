#!/usr/bin/env python3
"""Every exercise stub must equal its solution outside the marked exercise regions.

    scripts/check_stub_drift.py [REPO]            check every chapter of the repository
    scripts/check_stub_drift.py --pair STUB SOL   check one pair (used by the self-test)

A stub chapters/NN-slug/NN_<step>.cu and its solution solutions/NN-slug/NN_<step>.cu may differ
only inside regions that both mark with a line `// WB_EXERCISE_BEGIN` and a line
`// WB_EXERCISE_END`, and in the stub's `#include "wb/exercise.h"` line and `WB_EXERCISE_TODO(...);`
statement (docs/conventions.md); blank lines do not count. Anything else that differs is drift: a learner who finishes the
exercise would be running code the reference solution never ran (chapter 03 once shipped a stub
with a 128x128 tile configuration while its solution and lesson used 128x256).

Exit status: 0 when every pair agrees, 1 when one drifts (each difference is printed with its line
numbers), 2 when the files break the convention (unbalanced markers, a stub without a solution).
"""
import difflib
import pathlib
import sys

BEGIN = "// WB_EXERCISE_BEGIN"
END = "// WB_EXERCISE_END"


class ConventionError(Exception):
    pass


def outside_regions(path, is_stub):
    """The file's lines outside exercise regions, as (line number, text) pairs; for a stub, without
    its exercise.h include and its WB_EXERCISE_TODO statement. Each region leaves one marker line
    behind, so two files must also have their regions in the same places."""
    lines = pathlib.Path(path).read_text().splitlines()
    kept, inside, in_todo = [], False, False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ConventionError(f"{path}:{number}: {BEGIN} inside a region")
            inside = True
            kept.append((number, "<exercise region>"))
            continue
        if stripped == END:
            if not inside:
                raise ConventionError(f"{path}:{number}: {END} without {BEGIN}")
            inside = False
            continue
        if inside or not stripped:  # blank lines do not count (the stub's TODO block leaves some)
            continue
        if is_stub and stripped == '#include "wb/exercise.h"':
            continue
        if is_stub and (in_todo or stripped.startswith("WB_EXERCISE_TODO(")):
            in_todo = not stripped.endswith(");")
            continue
        kept.append((number, line))
    if inside:
        raise ConventionError(f"{path}: {BEGIN} is never closed")
    return kept


def compare_pair(stub, solution):
    """Differences between a stub and its solution outside the regions, as printable lines."""
    a = outside_regions(stub, is_stub=True)
    b = outside_regions(solution, is_stub=False)
    if not any(text == "<exercise region>" for _, text in a):
        raise ConventionError(f"{stub}: no {BEGIN} ... {END} region")
    problems = []
    matcher = difflib.SequenceMatcher(a=[t for _, t in a], b=[t for _, t in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        where_a = f"{stub}:{a[i1][0]}" if i1 < len(a) else f"{stub}:end"
        where_b = f"{solution}:{b[j1][0]}" if j1 < len(b) else f"{solution}:end"
        problems.append(f"  {op}: {where_a} vs {where_b}")
        for _, text in a[i1:i2][:5]:
            problems.append(f"    - stub:     {text}")
        for _, text in b[j1:j2][:5]:
            problems.append(f"    + solution: {text}")
    return problems


def pairs(repo):
    for stub in sorted(repo.glob("chapters/[0-9][0-9]-*/[0-9][0-9]_*.cu")):
        solution = repo / "solutions" / stub.parent.name / stub.name
        if solution.exists():
            yield stub, solution
        elif "WB_EXERCISE_TODO" in stub.read_text():
            raise ConventionError(f"{stub}: an exercise stub without {solution}")


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "--pair":
            checked = [(pathlib.Path(argv[2]), pathlib.Path(argv[3]))]
        else:
            repo = pathlib.Path(argv[1] if len(argv) > 1 else ".").resolve()
            checked = list(pairs(repo))
        drifted = 0
        for stub, solution in checked:
            problems = compare_pair(stub, solution)
            if problems:
                drifted += 1
                print(f"DRIFT: {stub} differs from {solution} outside its exercise regions:")
                print("\n".join(problems))
        print(f"stub drift: {len(checked) - drifted} of {len(checked)} stubs equal their solutions "
              f"outside the exercise regions")
        return 1 if drifted else 0
    except ConventionError as e:
        print(f"stub drift: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
