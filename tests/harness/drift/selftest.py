#!/usr/bin/env python3
"""The stub-drift check must pass a stub that differs from its solution only inside its exercise
regions, and fail one that also differs outside them (here: another launch configuration)."""
import pathlib
import subprocess
import sys

here = pathlib.Path(__file__).resolve().parent
check = here.parents[2] / "scripts" / "check_stub_drift.py"


def run(stub):
    return subprocess.run([sys.executable, str(check), "--pair", str(here / stub),
                           str(here / "solution.cu")], capture_output=True, text=True)


ok = run("stub_ok.cu")
drifted = run("stub_drifted.cu")
print(ok.stdout, drifted.stdout, sep="")
assert ok.returncode == 0, "a stub equal to its solution outside the regions was called drifted"
assert drifted.returncode == 1, "a stub with a different launch configuration was not caught"
assert "(n + 127) / 128, 128" in drifted.stdout, "the report does not show the drifted line"
print("stub-drift self-test: passed")
