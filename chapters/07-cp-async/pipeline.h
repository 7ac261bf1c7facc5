/// @file pipeline.h
/// @brief Chapter 07 — cp.async software pipelining: chapter 06's HGEMM with its tile copies made
/// asynchronous and overlapped with the tensor-core work, from one stage to a multistage ring.
///
///     C = alpha * A * B + beta * C      A: M x K, B: K x N, C: M x N, all fp16 or all bf16
///
/// Products are accumulated in fp32; alpha and beta are fp32. Arguments, layout (row-major with
/// leading dimensions in elements; C not read when beta == 0), checks, problems, reference and
/// tolerance are the shared GEMM layer's (wb/gemm.h); the fragment maps, swizzles and PTX
/// wrappers are chapter 06's, shared through common/ (wb/mma_layout.h, wb/swizzle.h,
/// wb/device/mma.cuh, wb/device/warp_tile.cuh); the asynchronous copy is wb/device/cp_async.cuh
/// and wb/device/async_tile.cuh. See chapters/07-cp-async/README.md for the lesson.
///
/// Every step accepts every shape: M, N, K from 1 to 2^31 - 1 (the grid limits the number of row
/// tiles to 65535, which the launchers check and report), leading dimensions and pointers that
/// allow 16-byte accesses or not (then the copies are synchronous: cp.async of 16 bytes needs a
/// 16-byte aligned source), K not a multiple of the k tile and K smaller than all the stages.
/// The vendor row takes M and N up to wb::gemm::kCublasGemmMaxMN = 2^31 - 65408 (cuBLAS's own
/// limit; it refuses larger ones with a message that says so).
#pragma once

#include "hgemm.h"  // chapter 06: Step, tuning::Config, peak (reused, not copied)

#include "wb/gemm.h"
#include "wb/hd.h"
#include "wb/math.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

/// Chapter 07: cp.async software pipelining.
namespace ch07 {

/// The typed arguments of every step (wb::gemm::Args).
template <class T>
using Args = wb::gemm::Args<T>;
/// A step's typed launcher (wb::gemm::Launcher).
template <class T>
using Launcher = wb::gemm::Launcher<T>;
/// One rung of the ladder: chapter 06's record (name, file, fp16 and bf16 launchers).
using Step = ch06::Step;

/// The ladder in order: sync, async, double_buffer, multistage, fragment_buffer, rasterize, tuned,
/// hoist, retuned.
const std::vector<Step>& steps();

/// Step 1 (01_sync.cu): chapter 06's final kernel, called through its library: synchronous tile
/// copies, two barriers per k-tile.
template <class T>
void launch_sync(const Args<T>& args, cudaStream_t stream);
/// Step 2 (02_async.cu): the same kernel with the tile copy made asynchronous (cp.async, one
/// stage): issue, commit, wait for the group, barrier, compute.
template <class T>
void launch_async(const Args<T>& args, cudaStream_t stream);
/// Step 3 (03_double_buffer.cu): two stages: tile k + 1 is copied while tile k is multiplied,
/// one barrier per k-tile.
template <class T>
void launch_double_buffer(const Args<T>& args, cudaStream_t stream);
/// Step 4 (04_multistage.cu): a ring of kStages stages in dynamic shared memory, kStages - 1
/// tiles in flight, cp.async.wait_group kStages - 2.
template <class T>
void launch_multistage(const Args<T>& args, cudaStream_t stream);
/// Step 5 (05_fragment_buffer.cu): step 4 with the fragments double-buffered in registers: the
/// ldmatrix of k-slice kk + 16 is issued before the mma of slice kk.
template <class T>
void launch_fragment_buffer(const Args<T>& args, cudaStream_t stream);
/// Step 6 (06_rasterize.cu): step 5 with the blocks visiting the tiles of C in the grouped order
/// (wb::grouped_tile_of, bands of kGroupRows tile rows), for L2 reuse of A and B.
template <class T>
void launch_rasterize(const Args<T>& args, cudaStream_t stream);
/// Step 7 (07_tuned.cu): step 6's kernel with the tile and stage configuration chosen by the
/// recorded sweep (`ch07_bench --ch07_sweep`).
template <class T>
void launch_tuned(const Args<T>& args, cudaStream_t stream);
/// Step 8 (08_hoist.cu): step 7's kernel and configuration with each thread's copy addresses,
/// shared offsets and edge test worked out once per block instead of once per k-tile: a whole
/// tile costs one 64-bit add and one cp.async per chunk.
template <class T>
void launch_hoist(const Args<T>& args, cudaStream_t stream);
/// Step 9 (09_retuned.cu): step 8's kernel with the ring the recorded sweep chose for it
/// (`ch07_bench --ch07_sweep`, tuning::hoist_configs): more bytes in flight for its faster k-tile.
template <class T>
void launch_retuned(const Args<T>& args, cudaStream_t stream);

/// Tile rows per band in step 6's grouped block order.
constexpr int kGroupRows = 8;

/// Bytes per element of every matrix in this chapter (fp16 and bf16).
constexpr int kElemBytes = 2;

/// Shared-memory bytes of one stage: a BM x BK tile of A and a BK x BN tile of B (the swizzled
/// layouts waste nothing).
WB_HD constexpr std::int64_t stage_bytes(int BM, int BN, int BK) {
  return static_cast<std::int64_t>(BM * BK + BK * BN) * kElemBytes;
}

/// Shared-memory bytes of a ring of `stages` stages.
WB_HD constexpr std::int64_t ring_bytes(int BM, int BN, int BK, int stages) {
  return stages * stage_bytes(BM, BN, BK);
}

/// Number of k-tiles of a reduction of length K (the last one partial when BK does not divide K),
/// without the overflow of (K + BK - 1) / BK at K near 2^31 - 1.
WB_HD constexpr int k_tiles(int K, int BK) {
  return K / BK + (K % BK != 0 ? 1 : 0);
}

/// The stage of the ring that holds k-tile `t`.
WB_HD constexpr int stage_of(int t, int stages) {
  return t % stages;
}

/// Blocks per SM that shared memory allows: `sm_bytes` per SM (233472 on an H100: 228 KB), of
/// which each block also takes `reserved_bytes` (1 KB, the system's share per block).
WB_HD constexpr int blocks_per_sm_by_smem(std::int64_t block_bytes,
                                          std::int64_t sm_bytes = 228 * 1024,
                                          std::int64_t reserved_bytes = 1024) {
  return static_cast<int>(sm_bytes / (block_bytes + reserved_bytes));
}

/// Little's law for the copy pipe: the bytes that must be in flight per SM to sustain
/// `bytes_per_ns` per SM when each copy takes `latency_ns` to land.
WB_HD constexpr double bytes_in_flight(double bytes_per_ns, double latency_ns) {
  return bytes_per_ns * latency_ns;
}

/// Deliberately wrong variants that the tests (or a sanitizer) must catch.
namespace known_bad {
/// Step 4 waiting for one group too few: cp.async.wait_group kStages - 1 instead of
/// kStages - 2, so the tile about to be multiplied may still be in flight (in the first iteration
/// it certainly is: its copy was issued a few instructions earlier). The barrier after the wait
/// does not help: it orders the threads, not the copies. On the H100 the result still came out
/// right (the copies landed in time); racecheck reports the hazard (ch07.known-bad.racecheck).
/// solutions/07-cp-async/known_bad_early_read.cu.
template <class T>
void launch_early_read(const Args<T>& args, cudaStream_t stream);
}  // namespace known_bad

/// Every compiled configuration, for the tests (each at the edge shapes) and the sweep
/// (`ch07_bench --ch07_sweep`). chapter 06's record: step, name, fp16 and bf16 launchers.
namespace tuning {
/// A compiled configuration of a step.
using Config = ch06::tuning::Config;
/// Step 4's stage counts (3, 4, 5) on its tile; the step's own first.
const std::vector<Config>& multistage_configs();
/// Step 6's kernel at every compiled tile and stage configuration (the sweep); the step's own
/// first. Step 7 runs one of them, the sweep's choice.
const std::vector<Config>& rasterize_configs();
/// Step 8's kernel at larger rings (5 and 6 stages of 128 x 128 x 32, 3 of 128 x 128 x 64) and at
/// 128 x 256 x 32; the step's own first.
const std::vector<Config>& hoist_configs();
/// All of them: step 4's, step 6's, then step 8's.
std::vector<Config> all_configs();
/// The configuration named `name` in `configs` (how steps 7 and 9 pick the sweep's choice);
/// std::logic_error naming `where` and `name` if none is.
const Config& find(const std::vector<Config>& configs, const char* name, const char* where);
}  // namespace tuning

}  // namespace ch07
