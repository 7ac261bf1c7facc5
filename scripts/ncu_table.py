#!/usr/bin/env python3
"""Turns `ncu --csv --page raw` output into one row per kernel and one column per metric.

Derived column: sectors per request (ld and st) when both counts were collected; 4 is the ideal
for 4-byte accesses by a full warp (128 bytes = four 32-byte sectors), 16 for 16-byte accesses.
"""
import csv
import re
import sys


def short_kernel(name: str) -> str:
    """The kernel's own name with its template arguments, without return type, namespaces or
    parameter list: "void ch05::<unnamed>::softmax_kernel<float, 1>(const float *, int)" ->
    "softmax_kernel<float, 1>"."""
    # Anonymous namespaces first: their spellings contain '(' or '<', which the steps below treat
    # as the start of the parameter list or of template arguments.
    for anon in ("(anonymous namespace)::", "<unnamed>::", "{anonymous}::"):
        name = name.replace(anon, "")
    depth = 0  # drop the parameter list: the first '(' outside template arguments
    for i, ch in enumerate(name):
        depth += {"<": 1, ">": -1}.get(ch, 0)
        if ch == "(" and depth == 0:
            name = name[:i]
            break
    name = re.sub(r"^\s*void\s+", "", name)
    name = re.sub(r"\b\w+::", "", name)  # every namespace, the template arguments' too
    return name if len(name) <= 100 else name[:97] + "..."


def main(path: str, wanted: list) -> int:
    with open(path, newline="") as f:
        lines = [line for line in f if line.startswith('"')]  # ncu's own log lines are not CSV
    rows = list(csv.reader(lines))
    if len(rows) < 2:
        print("profile: ncu returned no kernel rows (check the kernel filter)")
        return 1
    header, units, data = rows[0], rows[1], rows[2:]
    first_metric = header.index("Kernel Name") + 1
    # ncu's raw page lists every roll-up of every metric it collected: keep the ones asked for.
    metrics = [m for m in wanted if m in header] or [h for h in header[first_metric:] if "__" in h]
    table = []
    for r in data:
        rec = dict(zip(header, r))
        values = {m: rec.get(m, "") for m in metrics}
        for op in ("ld", "st"):
            req = f"l1tex__t_requests_pipe_lsu_mem_global_op_{op}.sum"
            sec = f"l1tex__t_sectors_pipe_lsu_mem_global_op_{op}.sum"
            try:
                values[f"sectors/request {op}"] = f"{float(values[sec].replace(',', '')) / float(values[req].replace(',', '')):.2f}"
            except (KeyError, ValueError, ZeroDivisionError):
                pass
        table.append((short_kernel(rec["Kernel Name"]), values))
    columns = list(table[0][1].keys())
    unit = dict(zip(header, units))
    for kernel, values in table:
        print(f"\n{kernel}")
        for c in columns:
            u = unit.get(c, "")
            print(f"  {c:55s} {values[c]:>16s} {u}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2].split(",") if len(sys.argv) > 2 else []))
