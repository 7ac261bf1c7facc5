#!/usr/bin/env python3
"""The instruction mix of a kernel's loops, read from its SASS: where the instructions of a hot
loop go (how many are tensor-core mma, shared loads, copies, and how many are address and bounds
arithmetic).

    scripts/sass_loop_mix.py [--arch sm_NN] OBJECT_OR_BINARY KERNEL_SUBSTRING [KERNEL_SUBSTRING ...]

It runs `cuobjdump -sass` on the object (or executable), takes the first kernel whose mangled
name contains every substring, in the code for one architecture (--arch, or by default the
newest the object holds: a build for several GPUs, such as a learner's default sm_80 and sm_90,
holds a different SASS listing for each, and they differ in size), and prints each loop (a backward branch and the instructions
between its target and itself) with its size and its opcodes by count, largest first. The
innermost hot loop of a GEMM is the one holding the HMMA instructions. Example (chapter 07's
tuned configuration, fp16, 16-byte path):

    scripts/sass_loop_mix.py build/CMakeFiles/ch07_solutions.dir/solutions/07-cp-async/06_rasterize.cu.o \
        hgemm_rasterize_kernelI6__half WarpTilesILi128ELi128ELi32ELi64ELi64ELi1EEELi4EEELb1
"""
import collections
import re
import subprocess
import sys

ARCH = re.compile(r"\s*arch = (sm_\d+)")
INSTRUCTION = re.compile(r"\s*/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;")
FUNCTION = re.compile(r"\s*Function : (\S+)")


def kernels(sass):
    """(mangled name, [(address, instruction text)]) for every function in the listing."""
    name, body, out = None, [], []
    for line in sass.splitlines():
        m = FUNCTION.match(line)
        if m:
            if name is not None:
                out.append((name, body))
            name, body = m.group(1), []
            continue
        m = INSTRUCTION.match(line)
        if m and name is not None:
            body.append((int(m.group(1), 16), m.group(2)))
    if name is not None:
        out.append((name, body))
    return out


def kernels_by_arch(sass):
    """(architecture, mangled name, [(address, instruction text)]) for every function in the
    listing; cuobjdump announces each architecture's code with a line `arch = sm_NN`."""
    out, arch, chunk = [], None, []

    def flush():
        out.extend((arch, name, body) for name, body in kernels("\n".join(chunk)))

    for line in sass.splitlines():
        m = ARCH.match(line)
        if m:
            flush()
            arch, chunk = m.group(1), []
        else:
            chunk.append(line)
    flush()
    return out


def opcode(text):
    """The opcode without its predicate or modifiers: '@!P0 HMMA.16816.F32 ...' -> 'HMMA'."""
    words = text.split()
    word = words[1] if words[0].startswith("@") and len(words) > 1 else words[0]
    return word.split(".")[0]


def loops(body):
    """(start, end, instructions) for every backward branch."""
    out = []
    for address, text in body:
        if opcode(text) != "BRA":
            continue
        m = re.search(r"0x([0-9a-f]+)", text)
        if m and int(m.group(1), 16) < address:
            start = int(m.group(1), 16)
            out.append((start, address, [t for a, t in body if start <= a <= address]))
    return out


def arch_number(arch):
    """sm_90 -> 90 (None, for a listing without arch lines, -> -1)."""
    return int(arch.split("_")[1]) if arch else -1


def main(argv):
    argv = list(argv)
    want = None
    if len(argv) > 2 and argv[1] == "--arch":
        want = argv[2]
        del argv[1:3]
    if len(argv) < 3:
        print(__doc__)
        return 2
    try:
        done = subprocess.run(["cuobjdump", "-sass", argv[1]], capture_output=True, text=True)
    except FileNotFoundError:
        print("sass_loop_mix: cuobjdump not found. It ships with the CUDA toolkit (in its bin/, "
              "beside nvcc); put that on PATH. Some installs leave it out: the PTX then still "
              "shows the barriers (nvcc -ptx, count bar.sync), not the SASS loop.")
        return 2
    if done.returncode != 0:
        print(f"sass_loop_mix: cuobjdump -sass {argv[1]} failed (exit {done.returncode}):\n"
              f"{done.stderr.strip()}")
        return 2
    sass = done.stdout
    found = [(a, n, b) for a, n, b in kernels_by_arch(sass) if all(s in n for s in argv[2:])]
    if not found:
        print(f"no kernel in {argv[1]} has all of {argv[2:]} in its name")
        return 1
    archs = sorted({a for a, _, _ in found}, key=arch_number)
    pick = want if want is not None else archs[-1]
    chosen = [(n, b) for a, n, b in found if a == pick]
    if not chosen:
        print(f"no such kernel for {pick} in {argv[1]}; it has {', '.join(map(str, archs))}")
        return 1
    name, body = chosen[0]
    others = [a for a in archs if a != pick]
    also = f" (also compiled for {', '.join(others)}: --arch picks)" if others else ""
    print(f"{name}, {pick}{also}: {len(body)} instructions")
    for start, end, ins in loops(body):
        mix = collections.Counter(opcode(t) for t in ins)
        text = ", ".join(f"{op} {n}" for op, n in mix.most_common())
        print(f"  loop {start:#x}..{end:#x}: {len(ins)} instructions: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
