#!/usr/bin/env python3
"""Writes synthetic learners' submissions of chapter 04 (reduction), made from the reference
solutions as they are now, for the grader's demonstration (tests/grader/demo.sh):

    tests/grader/make_submissions.py DEST

  correct           every exercise solved as the reference solves it
  wrong-odd-shape   step 7 (single_pass) forgets the 0-3 floats after the last whole float4:
                    right whenever n is a multiple of 4 (32, 128, 256, 512, 4096, ...), wrong at
                    every other n (1, 31, 33, primes)
  does-not-compile  step 5 (warp_shuffle) calls a function that does not exist
  hangs             step 3 (first_add): thread 0 of block 0 waits for a flag that no thread ever
                    sets, so the kernel never ends (a real GPU hang, stopped by the time limit)
  faults            step 2 (sequential) loads a float4 (__ldg: one 16-byte load) from an address
                    that is not 16-byte aligned: a misaligned-address fault on the GPU
  half-done         steps 2 and 3 solved, step 4 untouched (still WB_EXERCISE_TODO), steps 5-7
                    not handed in

Every submission is a learner's copy layout (DEST/<learner>/chapters/04-reduction/NN_<step>.cu).
Each change is made by finding a line of the current solution; when the solution no longer has
that line, the script stops and says so (update this file with the chapter). Exit status: 0 done,
1 a solution changed under it. Python 3 standard library only.
"""
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SLUG = "04-reduction"
SOLUTIONS = ROOT / "solutions" / SLUG
STUBS = ROOT / "chapters" / SLUG


class Drift(Exception):
    pass


def replace_once(text, old, new, what):
    if text.count(old) != 1:
        raise Drift(f"{what}: expected exactly one line `{old.strip()}` in the solution, found "
                    f"{text.count(old)}")
    return text.replace(old, new)


def exercise_files():
    return sorted(p.name for p in STUBS.glob("[0-9][0-9]_*.cu") if (SOLUTIONS / p.name).is_file())


def write(dest, learner, files):
    """files: {name: text}"""
    folder = dest / learner / "chapters" / SLUG
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} DEST", file=sys.stderr)
        return 2
    dest = pathlib.Path(argv[1])
    if dest.exists():
        shutil.rmtree(dest)
    names = exercise_files()
    solved = {n: (SOLUTIONS / n).read_text() for n in names}
    stub = {n: (STUBS / n).read_text() for n in names}
    expected = ["02_sequential.cu", "03_first_add.cu", "04_unroll_last_warp.cu",
                "05_warp_shuffle.cu", "06_grid_stride.cu", "07_vectorized.cu", "08_single_pass.cu"]
    if names != expected:
        print(f"make_submissions: chapter 04's exercises are now {names}, not {expected}: update "
              "this script", file=sys.stderr)
        return 1
    try:
        write(dest, "correct", solved)

        odd = dict(solved)
        odd["08_single_pass.cu"] = replace_once(
            solved["08_single_pass.cu"],
            "  if (first < split.tail) v = op(v, gIn[split.head + kVec * split.body + first]);\n",
            "", "wrong-odd-shape")
        write(dest, "wrong-odd-shape", odd)

        broken = dict(solved)
        broken["05_warp_shuffle.cu"] = replace_once(
            solved["05_warp_shuffle.cu"], "  v = wb::warp_reduce(v, op);  // lane 0: this warp's 32 values\n",
            "  v = wb::warp_reduce_sum(v, op);  // lane 0: this warp's 32 values\n", "does-not-compile")
        write(dest, "does-not-compile", broken)

        hang = dict(solved)
        text = replace_once(
            solved["03_first_add.cu"], "namespace ch04 {\nnamespace {\n",
            "namespace ch04 {\nnamespace {\n\n__device__ unsigned g_ready = 0;  // never set\n",
            "hangs")
        kernel_start = text.index("reduce_first_add_kernel(")
        tid_line = "  const unsigned tid = threadIdx.x;\n"
        at = text.index(tid_line, kernel_start) + len(tid_line)
        text = (text[:at] + "  if (blockIdx.x == 0 && tid == 0) {\n"
                "    while (atomicAdd(&g_ready, 0u) == 0u) {\n"
                "    }  // waits for a flag nobody sets\n"
                "  }\n" + text[at:])
        hang["03_first_add.cu"] = text
        write(dest, "hangs", hang)

        fault = dict(solved)
        fault["02_sequential.cu"] = replace_once(
            solved["02_sequential.cu"], "  sX[tid] = i < count ? gIn[i] : Op::identity();\n",
            "  // a float4 load through a pointer one float past a 16-byte boundary: misaligned\n"
            "  sX[tid] = i < count ? __ldg(reinterpret_cast<const float4*>(gIn + 1) + i / 4).x\n"
            "                      : Op::identity();\n", "faults")
        write(dest, "faults", fault)

        write(dest, "half-done", {"02_sequential.cu": solved["02_sequential.cu"],
                                  "03_first_add.cu": solved["03_first_add.cu"],
                                  "04_unroll_last_warp.cu": stub["04_unroll_last_warp.cu"]})
    except (Drift, ValueError) as e:
        print(f"make_submissions: the solutions of chapter 04 changed: {e}; update this script",
              file=sys.stderr)
        return 1
    for learner in sorted(p.name for p in dest.iterdir()):
        print(f"[make_submissions] {dest / learner}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
