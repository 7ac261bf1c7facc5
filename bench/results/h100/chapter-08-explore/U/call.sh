#!/usr/bin/env bash
# Call U (one H100): how much do the peers move within one call? Three rounds, each: chapter 08's
# steps 11 and 12 (pairs, novote) at every ladder block, then the PyTorch peers, then the peer table
# of that round. The ratio of interest (x FA2 at the four target rows) is read per round.
set -u
T0=$(date +%s)
el() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
out=$OUT; mkdir -p $out; log=$out/run.log
export LD_LIBRARY_PATH=$PWD/.carry2/lib:${LD_LIBRARY_PATH:-}
export WB_GIT_COMMIT=$(cat .carry3/commit.txt)
mkdir -p /tmp/b && tar xzf .carry3/bin.tgz -C /tmp/b
B=/tmp/b
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $out/gpu.txt
for i in 1 2 3; do
  mkdir -p $out/round$i
  el "round $i: bench" | tee -a $log
  timeout 150 $B/ch08_bench --benchmark_filter='ch08/(pairs|novote)/' "--benchmark_out=$out/round$i/chapter-08.json" >> $log 2>&1; echo "bench rc=$?" | tee -a $log
  el "round $i: peers" | tee -a $log
  timeout 100 python3 bench/ch08_pytorch_peer.py "$out/round$i/chapter-08.pytorch.json" >> $log 2>&1; echo "peer rc=$?" | tee -a $log
  python3 bench/ch08_peer_table.py "$out/round$i/chapter-08.ladder.json" "$out/round$i/chapter-08.pytorch.json" "$out/round$i/chapter-08.peers.txt" >> $log 2>&1; echo "table rc=$?" | tee -a $log
done
el "done" | tee -a $log
for i in 1 2 3; do echo "== round $i"; grep -E '^size fp16/(b4/h16/s4096/d128|b8/h16/s2048/d64)/|^pairs|^novote|^pytorch-flash ' $out/round$i/chapter-08.peers.txt | grep -A3 -E 'size fp16/(b4/h16/s4096/d128|b8/h16/s2048/d64)/'; done > $out/summary.txt
cd $out && tar czf rounds.tgz round1 round2 round3 && rm -rf round1 round2 round3
