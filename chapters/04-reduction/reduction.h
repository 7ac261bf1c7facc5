/// @file reduction.h
/// @brief Chapter 04 — parallel reduction: the sum (or the max) of an fp32 array of any length.
///
///     out = in[0] + in[1] + ... + in[n-1]        (Op::kSum)
///     out = max(in[0], ..., in[n-1])             (Op::kMax)
///
/// The operation reads n floats once and writes one: 4n bytes and n - 1 additions, 1/4 FLOP per
/// byte. It is bound by READ bandwidth, so each step is judged against a measured read ceiling
/// (read_ceiling.cu), and the vendor baseline is CUB's DeviceReduce::Sum (vendor_cub.cu).
/// See chapters/04-reduction/README.md for the lesson.
///
/// Every step is a file with one kernel template and its launcher. The kernels are written once
/// for any associative operation `Op` (a functor with `identity()` and `operator()`), so the same
/// code computes the sum and the max; launchers pick the functor from ReduceArgs::op.
///
/// Steps 1-7 are multi-pass: each pass reduces `count` values to one value per block, and the
/// launcher repeats passes (run_passes) until one value is left. Their partial results live in a
/// caller-provided workspace (class Workspace), allocated once per problem size, outside any
/// timing. Step 8 finishes in one launch with a last-block-done counter in the same workspace.
///
/// Warp shuffles are taught in step 5; the warp reduction every later step (and chapter 05) uses
/// is wb::warp_reduce in common/include/wb/device/warp.cuh.
#pragma once

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/compare.h"
#include "wb/hd.h"
#include "wb/math.h"
#include "wb/step.h"

#include <cuda_runtime_api.h>

#if defined(__CUDACC__)
#include "wb/device/warp.cuh"
#endif

#include <cmath>
#include <cstdint>
#include <vector>

/// Chapter 04: parallel reduction with warp shuffles.
namespace ch04 {

/// Which reduction to compute. Both share every kernel through a functor (SumOp, MaxOp).
enum class Op {
  kSum,  ///< sum of the elements; the empty sum (n = 0) is 0
  kMax,  ///< largest element; the max of nothing (n = 0) is -infinity
};

/// Addition as a reduction functor: the identity and the combining operation.
struct SumOp {
  /// The value that changes nothing: 0.
  WB_HD static float identity() { return 0.0f; }
  /// Combines two partial results.
  WB_HD float operator()(float a, float b) const { return a + b; }
};

/// Maximum as a reduction functor. Exact: no rounding, so every step returns the same bits.
struct MaxOp {
  /// The value that changes nothing: -infinity.
  WB_HD static float identity() { return -INFINITY; }
  /// Combines two partial results (inputs are never NaN here).
  WB_HD float operator()(float a, float b) const { return a > b ? a : b; }
};

/// Arguments shared by every step. All pointers are device pointers.
struct ReduceArgs {
  const float* in = nullptr;          ///< (n) input; any 4-byte aligned address (views allowed)
  float* out = nullptr;               ///< (1) the result
  std::int64_t n = 0;                 ///< 0 .. kMaxN elements; n = 0 writes the identity to out
  float* workspace = nullptr;         ///< scratch of Workspace: partials and the step-8 counter
  std::int64_t workspace_floats = 0;  ///< its size in floats, at least workspace_floats_for(n)
  Op op = Op::kSum;                   ///< which reduction
};

/// A step's launcher (wb::StepLauncher: validates, computes the grid, launches, checks).
using Launcher = wb::StepLauncher<ReduceArgs>;

/// One rung of the ladder (wb::Step: its name, its file, its launcher).
using Step = wb::Step<ReduceArgs>;

/// The ladder in order: naive, sequential, first_add, unroll_last_warp, warp_shuffle,
/// grid_stride, vectorized, single_pass.
const std::vector<Step>& steps();

/// Step 1 (01_naive.cu): interleaved tree in shared memory; `tid % (2 s)` picks the active
/// threads, so every warp stays busy (divergent) at every level.
void launch_naive(const ReduceArgs& args, cudaStream_t stream);
/// Step 2 (02_sequential.cu): sequential addressing: the active threads are the first s, so whole
/// warps retire, and consecutive threads touch consecutive shared-memory words.
void launch_sequential(const ReduceArgs& args, cudaStream_t stream);
/// Step 3 (03_first_add.cu): each thread adds two elements while loading: half the blocks.
void launch_first_add(const ReduceArgs& args, cudaStream_t stream);
/// Step 4 (04_unroll_last_warp.cu): the last 6 levels run in one warp with __syncwarp, not
/// __syncthreads.
void launch_unroll_last_warp(const ReduceArgs& args, cudaStream_t stream);
/// Step 5 (05_warp_shuffle.cu): wb::warp_reduce (register shuffles) inside each warp, shared
/// memory only for the 8 warp results.
void launch_warp_shuffle(const ReduceArgs& args, cudaStream_t stream);
/// Step 6 (06_grid_stride.cu): a grid sized to the machine (machine_blocks), each thread folding
/// many inputs with a grid-stride loop, kUnroll scalar loads in flight; further passes of the same
/// kernel fold the block partials.
void launch_grid_stride(const ReduceArgs& args, cudaStream_t stream);
/// Step 7 (07_vectorized.cu): step 6 with float4 loads, the input split at a 128-byte line
/// (split_vec4).
void launch_vectorized(const ReduceArgs& args, cudaStream_t stream);
/// Step 8 (08_single_pass.cu): step 7 in one launch: the last block to finish (atomic ticket)
/// reduces the per-block partials in a fixed order, so the result is deterministic.
void launch_single_pass(const ReduceArgs& args, cudaStream_t stream);

/// The vendor row (`vendor-cub`) as a launcher, for the tests: cub::DeviceReduce::Sum with its
/// temporary storage allocated and freed on `stream` (cudaMallocAsync), validate() first (no
/// workspace needed). Op::kSum only: the vendor row is the sum. The benchmark times cub_sum with
/// storage allocated outside the timed region.
void launch_cub(const ReduceArgs& args, cudaStream_t stream);

/// The vendor rows, tested like the steps (for the sum): vendor-cub.
const std::vector<Step>& vendor_steps();

/// Deliberately wrong variants that the tests must catch.
namespace known_bad {
/// Step 5 with a half-warp shuffle reduction (width 16, offsets 8..1): each 16-lane segment is
/// folded separately, so lanes 16..31 never reach lane 0. Right whenever no warp has data in
/// lanes 16..31 (n <= 16), wrong for every n > 16 with positive inputs.
/// Lives in solutions/04-reduction/known_bad_half_warp.cu (the instructor's copy).
void launch_warp_shuffle_half_warp(const ReduceArgs& args, cudaStream_t stream);
}  // namespace known_bad

/// Threads per block in every step (8 warps).
constexpr int kThreads = 256;
/// Threads per warp.
constexpr int kWarpSize = 32;
/// Warps per block.
constexpr int kWarps = kThreads / kWarpSize;
/// Floats per 16-byte vector load (steps 7 and 8).
constexpr int kVec = 4;
/// Independent loads each thread of steps 6-8 issues before using any (floats in step 6, float4s
/// in steps 7 and 8).
constexpr int kUnroll = 4;
/// Largest supported n: 2^31 - 1 (the CUB baseline and grid arithmetic take int counts).
constexpr std::int64_t kMaxN = 2147483647;
/// Floats at the start of the workspace reserved for the step-8 counter (keeps partials 16-byte
/// aligned so a pass can read them with float4 loads).
constexpr std::int64_t kCounterFloats = 4;
static_assert(kThreads % kWarpSize == 0 && kWarps <= kWarpSize,
              "the warp results of a block must fit in one warp for the second shuffle level");

/// The body of the vectorized steps starts on a 128-byte boundary (a cache line), so that each
/// warp's 512-byte float4 load covers exactly four lines (16 sectors) rather than five (17).
constexpr int kBodyAlignBytes = 128;

/// How n floats starting at byte address `address` are cut for float4 loads: `head` scalars up
/// to the first 128-byte boundary, `body` float4s, then `tail` scalars; head + 4 body + tail == n.
struct VecSplit {
  int head;           ///< 0..31 leading floats before the first 128-byte boundary
  std::int64_t body;  ///< whole float4s from there on
  int tail;           ///< 0..3 floats after the last whole float4
};

/// Splits n floats at `address` (4-byte aligned) into head, body and tail.
WB_HD inline VecSplit split_vec4(std::uintptr_t address, std::int64_t n) {
  // Floats to skip until the address is a multiple of 128: (128 - address % 128) % 128 bytes.
  const std::uintptr_t mask = kBodyAlignBytes - 1;
  std::int64_t head = static_cast<std::int64_t>(((kBodyAlignBytes - (address & mask)) & mask) / 4u);
  if (head > n) head = n;
  const std::int64_t body = (n - head) / kVec;
  return VecSplit{static_cast<int>(head), body, static_cast<int>(n - head - kVec * body)};
}

/// Blocks of one pass of steps 1-5: `count` values, `per_block` per block.
WB_HD inline std::int64_t pass_blocks(std::int64_t count, std::int64_t per_block) {
  return count <= per_block ? 1 : wb::ceil_div(count, per_block);
}

/// Workspace floats a multi-pass reduction of n values needs when each pass leaves
/// pass_blocks(count, per_block) values: every pass's output but the last (which goes to out),
/// plus kCounterFloats.
WB_HD inline std::int64_t passes_workspace(std::int64_t n, std::int64_t per_block) {
  std::int64_t total = kCounterFloats, count = n;
  while (count > 1) {
    const std::int64_t blocks = pass_blocks(count, per_block);
    if (blocks == 1) break;
    total += wb::ceil_div(blocks, kVec) * kVec;  // each pass's partials start 16-byte aligned
    count = blocks;
  }
  return total;
}

/// Workspace floats that suffice for every step at length n: the larger of the multi-pass need at
/// the smallest per-block count of any step (kThreads, step 1) and single_pass_workspace(n).
std::int64_t workspace_floats_for(std::int64_t n);

/// Workspace floats step 8 needs at most: the counter and one partial per block, for the most
/// blocks machine_blocks can return (one per kThreads x kUnroll float4s).
WB_HD inline std::int64_t single_pass_workspace(std::int64_t n) {
  const std::int64_t vectors = wb::ceil_div(n > 0 ? n : 1, kVec);
  return kCounterFloats + wb::ceil_div(wb::ceil_div(vectors, kThreads * kUnroll), kVec) * kVec;
}

/// Upper bound, for every step, on the number of additions on the path from any input to the
/// result (the height of the summation tree): the k of gamma_k in the error bound. Each thread
/// first folds at most ceil(n / min_threads) inputs in a chain, then trees of depth <= 8 per
/// level (warp 5 + block 3) take over; 64 covers every tree and pass of every step. Never more
/// than n (no summation of n numbers needs more than n - 1 additions).
WB_HD inline std::int64_t add_depth_bound(std::int64_t n, std::int64_t min_threads) {
  const std::int64_t bound = wb::ceil_div(n, min_threads) + 64;
  return bound < n ? bound : n;
}

/// Rounds of blocks the grid of steps 6-8 holds: kWaves x (the blocks that fit on the GPU at
/// once). With one round every SM gets the same share and the early finishers idle at the end;
/// with 8 an SM that runs ahead picks up another block (bench/ch04_sweep.cu measured 1 to 8
/// rounds on the H100: chapter-04.sweep.txt).
constexpr int kWaves = 8;

/// Blocks of the grid-stride steps (6-8) for `items` loads (float4s in steps 7 and 8, floats in
/// step 6): `waves` x SMs x the resident blocks of `kernel` per SM (from the occupancy
/// calculator), fewer for small inputs (at most one per kThreads x kUnroll items). `kernel` is the
/// kernel's address; throws wb::CudaError if the device cannot be queried.
int machine_blocks(const void* kernel, std::int64_t items, int waves = kWaves);

/// Streaming multiprocessors of the current device (queried once).
int sm_count();

/// Tolerance for `op` at length n. Sum: gamma_k * sum|x| with k = add_depth_bound(n, SMs x
/// kThreads), the fewest threads any step runs (reduction length k in wb::tolerance_for). Max:
/// exact (tolerance_for(0) allows u|ref|; tests additionally require equality).
wb::Tolerance tolerance(Op op, std::int64_t n);

/// Argument checks every launcher runs first; throws std::invalid_argument naming `where`:
/// null in or out, n < 0 or n > kMaxN, unaligned floats, a workspace smaller than `need` floats
/// (or null when need > 0), and overlap between in, out and the workspace.
void validate(const ReduceArgs& args, std::int64_t need, const char* where);

/// Writes the identity of args.op to args.out (the defined result for n = 0).
void write_identity(const ReduceArgs& args, cudaStream_t stream);

/// The multi-pass driver of steps 1-7. `blocks_for(count)` says how many blocks (= partial
/// results) one pass over `count` values uses; `pass(src, dst, count, blocks, stream)` launches
/// one pass. Passes repeat, writing partials into the workspace, until a pass has one block: that
/// pass writes args.out. Call after validate().
template <class BlocksFor, class Pass>
void run_passes(const ReduceArgs& args, BlocksFor blocks_for, Pass pass, cudaStream_t stream) {
  const float* src = args.in;
  std::int64_t count = args.n;
  float* next = args.workspace + kCounterFloats;
  for (;;) {
    const std::int64_t blocks = blocks_for(count);
    if (blocks <= 1) {
      pass(src, args.out, count, 1, stream);
      return;
    }
    pass(src, next, count, blocks, stream);
    src = next;
    next += wb::ceil_div(blocks, kVec) * kVec;
    count = blocks;
  }
}

/// Workspace floats run_passes needs for n values with `blocks_for` (what validate() is given).
template <class BlocksFor>
std::int64_t run_passes_need(std::int64_t n, BlocksFor blocks_for) {
  std::int64_t total = kCounterFloats, count = n;
  for (;;) {
    const std::int64_t blocks = blocks_for(count);
    if (blocks <= 1) return total;
    total += wb::ceil_div(blocks, kVec) * kVec;
    count = blocks;
  }
}

/// Calls `f(SumOp{})` or `f(MaxOp{})` for `op`: how a launcher instantiates its kernel template.
template <class F>
void with_op(Op op, F&& f) {
  if (op == Op::kMax) {
    f(MaxOp{});
  } else {
    f(SumOp{});
  }
}

/// The launcher of every multi-pass step (1-7): validates `args` (naming `where`), writes the
/// identity when n = 0, else picks the functor for args.op and runs the passes, calling
/// `launch_pass(op, src, dst, count, blocks, stream)` for each and checking each launch.
/// `blocks_for(count)` is the pass's grid size (= the number of partial results it leaves).
template <class BlocksFor, class LaunchPass>
void multipass(const ReduceArgs& args, const char* where, cudaStream_t stream, BlocksFor blocks_for,
               LaunchPass launch_pass) {
  validate(args, args.n > 0 ? run_passes_need(args.n, blocks_for) : 0, where);
  if (args.n == 0) {
    write_identity(args, stream);
    return;
  }
  with_op(args.op, [&](auto op) {
    run_passes(
        args, blocks_for,
        [&](const float* src, float* dst, std::int64_t count, std::int64_t blocks, cudaStream_t s) {
          launch_pass(op, src, dst, count, static_cast<unsigned>(blocks), s);
          WB_CHECK_LAUNCH();
        },
        stream);
  });
}

/// Device scratch for the reduction: kCounterFloats for the step-8 counter (zeroed once here;
/// step 8 leaves it at zero), then room for the partials of any step (poisoned by reset()).
class Workspace {
 public:
  /// Allocates workspace_floats_for(n) floats and resets them.
  explicit Workspace(std::int64_t n);
  /// Device pointer for ReduceArgs::workspace.
  float* data() { return buf_.data(); }
  /// Size in floats for ReduceArgs::workspace_floats.
  std::int64_t floats() const { return static_cast<std::int64_t>(buf_.size()); }
  /// Counter := 0, partials := poison (so a pass that reads a partial nobody wrote shows NaN).
  void reset();

 private:
  wb::DeviceBuffer<float> buf_;
};

/// Host-side problem: inputs and the fp64 reference of both reductions.
struct Problem {
  std::int64_t n = 0;          ///< length
  std::uint64_t seed = 0;      ///< the seed its inputs were drawn from
  std::vector<float> in;       ///< (n) inputs, never zero
  double ref_sum = 0.0;        ///< sum in fp64 (exact to ~1e-16 relative of sum|x|)
  double abs_sum = 0.0;        ///< sum |x|: the scale of the sum's error bound
  double ref_max = -INFINITY;  ///< the largest input (exact)
};

/// Kinds of input a Problem can hold.
enum class Inputs {
  kRandom,    ///< wb::fill_random: magnitudes in [0.5, 2), random signs
  kPositive,  ///< the same magnitudes, all positive (no cancellation: every lost term shows)
  kIntegers,  ///< integers in [-4, 4] without 0: every partial sum is exact in fp32 (|sum| <<
              ///< 2^24), so every step must return exactly the fp64 sum
};

/// Draws n inputs of `kind` from `seed` and computes the references.
Problem make_problem(std::int64_t n, std::uint64_t seed, Inputs kind = Inputs::kRandom);

/// What one run returned.
struct RunResult {
  float value = 0.0f;          ///< the result read back from out
  bool out_guards_ok = false;  ///< nothing written around the 1-float output
  bool in_unchanged = false;   ///< the input (and its neighbours) still hold what was uploaded
};

/// Runs `launch` for `op` on `problem` with the input view `in_offset` floats into its buffer
/// (to test misaligned starts), a poisoned guarded output and a freshly reset workspace.
RunResult run_once(Launcher launch, const Problem& problem, Op op, int in_offset = 0);

/// Compares a result with the problem's reference for `op` under tolerance(op, n).
wb::CompareReport compare_result(float value, const Problem& problem, Op op);

/// Minimum bytes one run moves: read n floats, write one.
double min_bytes(std::int64_t n);

/// Read-bandwidth ceiling in GB/s: the faster of two minimal read-only float4 kernels (one load
/// per thread over a full grid; a grid-stride loop with kUnroll loads in flight) over 1 GiB,
/// median of WB_REPS timed runs each, L2 flushed before each run (read_ceiling.cu).
double measure_read_bandwidth_GBps();

/// Bytes of temporary storage cub::DeviceReduce::Sum needs for n floats (vendor_cub.cu).
std::size_t cub_sum_temp_bytes(std::int64_t n);

/// cub::DeviceReduce::Sum of n floats into out, with `temp` of cub_sum_temp_bytes(n) bytes.
void cub_sum(const float* in, float* out, std::int64_t n, void* temp, std::size_t temp_bytes,
             cudaStream_t stream);

#if defined(__CUDACC__)
/// Reduces one value per thread of a kThreads-thread block; thread 0 returns the result. Each warp
/// reduces with wb::warp_reduce (taught in step 5), lane 0 of each warp parks its result in
/// `sWarp` (shared memory, kWarps floats), and after one __syncthreads warp 0 reduces the parked
/// values with a second wb::warp_reduce. Every thread of the block must call it; a caller that
/// reuses `sWarp` afterwards needs a __syncthreads first. Steps 5-8 inline the same pattern or
/// call this; wb::block_allreduce (warp.cuh) is the variant where every thread gets the result.
template <class OpT>
__device__ float block_reduce(float v, OpT op, float* sWarp) {
  const unsigned lane = threadIdx.x % kWarpSize, warp = threadIdx.x / kWarpSize;
  v = wb::warp_reduce(v, op);
  if (lane == 0) sWarp[warp] = v;
  __syncthreads();
  v = threadIdx.x < kWarps ? sWarp[lane] : OpT::identity();
  return wb::warp_reduce(v, op);  // thread 0: the block's result
}
#endif

}  // namespace ch04
