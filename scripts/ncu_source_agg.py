#!/usr/bin/env python3
"""Where a kernel's warps stall, per SASS instruction, from Nsight Compute's source view.

    ncu --section SourceCounters --section WarpStateStats -o report <program> ...
    ncu -i report.ncu-rep --page source --print-source sass --csv > source.csv
    scripts/ncu_source_agg.py source.csv [TOP]

Prints the warp-state samples per opcode (with the instructions executed and the opcode's count in
the listing) and the TOP (default 25) instructions with the most samples, each with its non-zero
stall reasons. Percentages are of all samples in the file; when the report holds several launches
of one kernel, the source view lists the kernel once per launch and the sums cover them all.
"""
import csv, sys, collections, re
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8', errors='replace')))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
# find header row: the one containing 'Source'
hi = next(i for i, r in enumerate(rows) if any(c.strip() == 'Source' for c in r))
hdr = [c.strip() for c in rows[hi]]
print('columns:', hdr)
data = [r for r in rows[hi + 1:] if len(r) == len(hdr)]
src = hdr.index('Source')
def num(x):
    try: return float(x.replace(',', ''))
    except: return 0.0
samp_cols = [i for i, h in enumerate(hdr) if 'Sampling' in h or h.startswith('stall') or 'Stall' in h]
exe_col = next((i for i, h in enumerate(hdr) if h.startswith('Instructions Executed')), None)
main = next((i for i in samp_cols if 'All' in hdr[i]), samp_cols[0] if samp_cols else None)
tot = sum(num(r[main]) for r in data) if main is not None else 0
print('instructions:', len(data), 'total samples (%s):' % (hdr[main] if main is not None else '-'), tot)
by_op = collections.defaultdict(lambda: [0.0, 0.0, 0])
for r in data:
    op = re.sub(r'^@!?U?P\w+\s+', '', r[src].strip()).split(' ')[0]
    by_op[op][0] += num(r[main]) if main is not None else 0
    by_op[op][1] += num(r[exe_col]) if exe_col is not None else 0
    by_op[op][2] += 1
print('\nper opcode: samples, % of samples, instructions executed, static count')
for op, (s, e, n) in sorted(by_op.items(), key=lambda kv: -kv[1][0])[:30]:
    print(f'{op:16s} {s:10.0f} {100*s/max(tot,1):6.1f}% {e:14.0f} {n:6d}')
print('\nhottest instructions:')
addr = hdr.index('Address') if 'Address' in hdr else 0
for r in sorted(data, key=lambda r: -num(r[main]))[:top]:
    extra = ' '.join(f'{hdr[i]}={r[i]}' for i in samp_cols if i != main and num(r[i]) > 0)
    print(f'{r[addr]:>8s} {num(r[main]):8.0f} {r[src].strip()[:70]:70s} {extra[:300]}')
