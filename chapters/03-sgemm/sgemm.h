/// @file sgemm.h
/// @brief Chapter 03 — SGEMM: from one thread per output to warp tiles within reach of cuBLAS.
///
///     C = alpha * A * B + beta * C        A: M x K, B: K x N, C: M x N, all fp32
///
/// The problem, its layout (row-major, leading dimensions in elements, C not read when
/// beta == 0), the argument checks, the fp64 reference, the tolerance, run-and-check and the
/// cuBLAS baseline are the shared GEMM layer, `wb/gemm.h` (`wb::gemm::Args<float>`,
/// `wb::gemm::Launcher<float>`), so the later matrix-multiply chapters compare with this one on
/// equal terms. This header holds what is the chapter's own: the ladder of steps and their
/// launchers, the documented size limits of each, the index maths of the warp-tiled steps and the
/// split-K size rule (both `WB_HD`, checked by the CPU tests), and the compiled tile
/// configurations of step 8. See chapters/03-sgemm/README.md for the lesson.
///
/// ## For the later chapters
/// `ch03::best_step()` is the chapter's last step, split_k: the only one near cuBLAS at every
/// size. Where its size rule does not split (2048^3 and above on an H100) it calls step 8's
/// launcher, so it is double_buffer there. (An earlier version ran a kernel of its own with one
/// split, 4% slower than step 8's: bench/results/h100/chapter-03.sweep.txt.) Its
/// `launch` is a `wb::gemm::Launcher<float>`, so chapter 06 shows it as a context row ("the best
/// fp32 kernel without tensor cores") next to its own steps:
///
///     wb::gemm::Launcher<float> simt = ch03::best_step().launch;
///     simt(args, stream);  // args: wb::gemm::Args<float>
///
/// ## Size limits
/// `wb::gemm::validate` accepts M, N, K in 1 .. 2^31 - 1 (and rejects larger ones). Inside that
/// range a step is further limited by the grid: a grid has at most 65535 blocks along y, and
/// every step puts one dimension of C there. `Step::max` documents each step's limits; the
/// launchers reject a larger shape with std::invalid_argument naming the limit, and the limits
/// tier (`make chapter-03-limits`) runs every step at each documented maximum.
///
/// | step | M at most | N at most | K at most |
/// |---|---|---|---|
/// | naive (x walks rows, y columns) | 2^31 - 1 | 8 * 65535 = 524,280 | 2^31 - 1 |
/// | coalesced (x walks columns, y rows) | 524,280 | 2^31 - 1 | 2^31 - 1 |
/// | smem_tiles (32-row tiles on y) | 32 * 65535 = 2,097,120 | 2^31 - 1 | 2^31 - 1 |
/// | register_1d (64-row tiles) | 4,194,240 | 2^31 - 1 | 2^31 - 1 |
/// | register_2d .. split_k (128-row tiles) | 8,388,480 | 2^31 - 1 | 2^31 - 1 |
/// | vendor-cublas (cuBLAS: gemm::kCublasGemmMaxMN) | 2^31 - 65408 | 2^31 - 65408 | 2^31 - 1 |
#pragma once

#include "wb/gemm.h"
#include "wb/hd.h"
#include "wb/math.h"

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

/// Chapter 03: SGEMM.
namespace ch03 {

/// The arguments of every step: wb::gemm::Args<float> (see wb/gemm.h for the layout).
using Args = wb::gemm::Args<float>;
/// A step's launcher: validates, computes the grid, launches on the stream, checks the launch.
using Launcher = wb::gemm::Launcher<float>;

/// The largest shape a step accepts along each dimension (the others small); larger ones are
/// rejected with std::invalid_argument naming the limit (see the file comment).
struct Limits {
  std::int64_t M;  ///< rows of C
  std::int64_t N;  ///< columns of C
  std::int64_t K;  ///< reduction length
};

/// One rung of the ladder (or the vendor row).
struct Step {
  const char* name;   ///< benchmark and test name: "naive", "coalesced", ..., "vendor-cublas"
  const char* file;   ///< the file that holds it, e.g. "02_coalesced.cu"
  const char* where;  ///< the launcher's name, which starts every message it throws
  Launcher launch;    ///< its launcher
  Limits max;         ///< its documented size limits
};

/// How step 9 divides the reduction: `splits` blocks share each tile of C along K, block z
/// taking k in [z * k_per_split, min(K, (z + 1) * k_per_split)).
struct SplitPlan {
  int splits;  ///< blocks per tile of C along K (grid z), 1 .. 65535
  /// k values per split: a multiple of the k tile (every split non-empty), or K itself when there
  /// is one split; at most K, so it fits the kernel's int.
  std::int64_t k_per_split;
};

/// The ladder in order: naive, coalesced, smem_tiles, register_1d, register_2d, vectorized,
/// warptile, double_buffer, split_k.
const std::vector<Step>& steps();

/// The chapter's last step (split_k), the fp32 SIMT kernel the tensor-core chapters show as a
/// context row: the only step near cuBLAS at every size (see the file comment). Its launcher takes
/// any wb::gemm::Args<float> within its limits.
const Step& best_step();

/// The vendor row, "vendor-cublas": wb::gemm::launch_cublas<float> (cublasGemmEx with
/// CUBLAS_COMPUTE_32F: fp32 compute, no TF32). Tested at the same shapes as every step.
const Step& vendor_step();

/// Step 1 (01_naive.cu): one thread per C element, threadIdx.x walks the rows of C.
void launch_naive(const Args& args, cudaStream_t stream);
/// Step 2 (02_coalesced.cu): threadIdx.x walks the columns, so a warp reads B and writes C in
/// 128-byte lines.
void launch_coalesced(const Args& args, cudaStream_t stream);
/// Step 3 (03_smem_tiles.cu): 32 x 32 tiles of A and B staged in shared memory, reused 32 times.
void launch_smem_tiles(const Args& args, cudaStream_t stream);
/// Step 4 (04_register_1d.cu): each thread computes a column of 8 outputs; one shared load of B
/// feeds 8 FMAs.
void launch_register_1d(const Args& args, cudaStream_t stream);
/// Step 5 (05_register_2d.cu): each thread computes an 8 x 8 block of outputs from 8 + 8
/// shared loads per k.
void launch_register_2d(const Args& args, cudaStream_t stream);
/// Step 6 (06_vectorized.cu): A stored transposed in shared memory, 16-byte global and shared
/// loads.
void launch_vectorized(const Args& args, cudaStream_t stream);
/// Step 7 (07_warptile.cu): each warp owns a 64 x 64 tile of C, each lane strided 4 x 4
/// sub-tiles of it (conflict-free 16-byte shared loads); one shared buffer, two barriers per tile.
void launch_warptile(const Args& args, cudaStream_t stream);
/// Step 8 (08_double_buffer.cu): step 7 with two shared buffers; the next tile's global loads
/// are in flight during the FMAs; one barrier per tile.
void launch_double_buffer(const Args& args, cudaStream_t stream);
/// Step 9 (09_split_k.cu): step 8, with K split across blocks when the tiles of C are too few
/// to fill the GPU (the size rule `plan_split_k`); partial sums go to a workspace and a second
/// kernel adds them. With one split it calls launch_double_buffer (exactly step 8).
void launch_split_k(const Args& args, cudaStream_t stream);
/// The split launch_split_k would use for `args` on the current GPU: plan_split_k with this
/// GPU's resident blocks (SMs x blocks of step 9's kernel per SM). Validates like the launcher.
SplitPlan split_k_plan(const Args& args);
/// Step 9 with a chosen number of splits instead of the size rule's (`plan_for_splits` turns it
/// into the splits actually used; one split is launch_double_buffer). The tests run every split
/// path at the edge shapes; the sweep
/// (bench/ch03_sweep.cu) times several counts.
void launch_split_k_with(const Args& args, cudaStream_t stream, int splits);

/// Deliberately wrong variants that the tests must catch.
namespace known_bad {
/// Step 3 without its tail handling: the grid is rounded down (M / 32, N / 32), the k loop stops
/// at the last whole tile, and no load or store is predicated. Exactly right when M, N and K are
/// multiples of 32 (4096^3), wrong at 4097^3. Lives in solutions/03-sgemm/known_bad_no_tail.cu.
void launch_smem_tiles_no_tail(const Args& args, cudaStream_t stream);
}  // namespace known_bad

/// One compiled tile configuration of step 8's kernel (08_double_buffer.cu).
struct TileConfig {
  const char* name;   ///< e.g. "128x256x16 w64x64 t16x8"
  Launcher launch;    ///< the double-buffered kernel with this configuration
  int BM;             ///< block tile of C: rows
  int BN;             ///< block tile of C: columns
  int BK;             ///< k per shared tile
  int WM;             ///< warp tile: rows
  int WN;             ///< warp tile: columns
  int warp_rows;      ///< lanes of a warp along m (32 / warp_rows along n)
  int threads;        ///< threads per block
  std::size_t smem;   ///< dynamic shared memory per block, bytes (two stages)
  bool step_uses_it;  ///< the configuration steps 7, 8 and 9 use
};

/// Every configuration of step 8's kernel that is compiled: the one steps 7-9 use first, then the
/// others the tuning sweep (bench/ch03_sweep.cu) compares it with. The tests run each at the
/// edge shapes, both through the 16-byte and the scalar path.
const std::vector<TileConfig>& double_buffer_configs();

/// FLOPs per byte of global-memory loads for a block that computes a BM x BN tile of C: every
/// k step loads BM floats of A and BN floats of B (4 bytes each) for 2 * BM * BN FLOPs, so
/// 2 BM BN / (4 (BM + BN)) = BM BN / (2 (BM + BN)). A 1 x 1 "tile" (the naive kernel without any
/// cache) gives 1/4; 32 x 32 gives 8; 128 x 128 gives 32.
WB_HD inline double tile_intensity(int BM, int BN) {
  return static_cast<double>(BM) * BN / (2.0 * (BM + BN));
}

/// A position inside a tile: row and column.
struct TilePos {
  int row;  ///< row inside the tile
  int col;  ///< column inside the tile
};

/// Where warp `warp` of a block starts inside the block's BM x BN tile when the warps form a
/// (BM / WM) x `warps_n` grid, row by row: warp w owns rows (w / warps_n) * WM .. + WM - 1 and
/// columns (w % warps_n) * WN .. + WN - 1.
WB_HD inline TilePos warp_tile_origin(int warp, int warps_n, int WM, int WN) {
  return TilePos{(warp / warps_n) * WM, (warp % warps_n) * WN};
}

/// Where element (`i` along m, `j` along n) of a thread's TM x TN outputs lies inside its warp's
/// WM x WN tile, for lane `lane` of a warp laid out as `warp_rows` x (32 / warp_rows) lanes
/// (steps 7-9). The lane at (tm, tn) of that grid owns the 4 x 4 sub-tiles whose corners are
/// (a * 4 * warp_rows + tm * 4, b * 4 * warp_cols + tn * 4): sub-tile a = i / 4 along m,
/// b = j / 4 along n. So for one k, the lanes' 16-byte loads of one sub-tile row of B are
/// warp_cols neighbouring vectors, and of A warp_rows neighbouring vectors: no bank conflicts.
WB_HD inline TilePos warp_tile_pos(int lane, int warp_rows, int i, int j) {
  const int warp_cols = 32 / warp_rows;
  const int tm = lane / warp_cols, tn = lane % warp_cols;  // this lane's place in the warp grid
  return TilePos{(i / 4) * (4 * warp_rows) + tm * 4 + i % 4,
                 (j / 4) * (4 * warp_cols) + tn * 4 + j % 4};
}

/// Which 16-byte vector of a tile thread `tid` copies on its `s`-th load, when `threads` threads
/// copy a tile whose rows hold `vecs_per_row` vectors (4 floats each): vector number
/// idx = tid + s * threads, at row idx / vecs_per_row and column (idx % vecs_per_row) * 4 (in
/// floats). Consecutive threads take consecutive vectors of a row (coalesced global loads).
WB_HD inline TilePos tile_load_pos(int tid, int s, int threads, int vecs_per_row) {
  const int idx = tid + s * threads;
  return TilePos{idx / vecs_per_row, (idx % vecs_per_row) * 4};
}

/// The split of K into (at most) `want` parts of whole k tiles of `BK`: k_per_split is
/// ceil(K / want) rounded up to a multiple of BK, and splits = ceil(K / k_per_split), so no split
/// is empty (K = 9, want = 3, BK = 8 gives 2 splits of 8 and 1, not 3). One split takes all of K:
/// rounding K = 2^31 - 1 up to a multiple of 8 would give 2^31, which the kernel's int cannot
/// hold (the CPU tests caught exactly that). 64-bit arithmetic throughout (wb::ceil_div).
WB_HD inline SplitPlan plan_for_splits(std::int64_t K, std::int64_t want, int BK) {
  if (want < 1) want = 1;
  const std::int64_t k_per_split = wb::round_up(wb::ceil_div(K, want), std::int64_t{BK});
  const std::int64_t splits = wb::ceil_div(K, k_per_split);
  return SplitPlan{static_cast<int>(splits), splits == 1 ? K : k_per_split};
}

/// Smallest share of K worth a split of its own in step 9: 256 k values (16 k tiles of 16). Below
/// it, writing and re-reading the partial tile of C costs more than the FMAs it parallelises.
constexpr std::int64_t kMinKPerSplit = 256;

/// The size rule of step 9. `tiles` tiles of C each make one block; `slots` blocks run at once
/// (SMs x resident blocks per SM: 132 x 1 for the tuned tile on an H100). When the tiles fill at
/// least one wave they are enough: no split. Otherwise K is split into slots / tiles parts (so
/// tiles x splits <= slots: one wave of blocks), each at least kMinKPerSplit long.
///   1024^3, 128 x 256 tiles: 32 tiles on 132 slots -> 4 splits of 256 (128 blocks)
///   2048^3: 128 tiles -> 1 (no split); 4096^3: 512 tiles -> 1
///   M = N = 1, K = 2^31 - 1: 1 tile -> 132 splits of 16,268,816
WB_HD inline SplitPlan plan_split_k(std::int64_t tiles, std::int64_t K, std::int64_t slots,
                                    int BK) {
  std::int64_t want = tiles >= slots ? 1 : slots / tiles;  // fill one wave of blocks
  const std::int64_t longest = K / kMinKPerSplit;          // every split at least kMinKPerSplit
  if (want > longest) want = longest;
  return plan_for_splits(K, want, BK);
}

}  // namespace ch03
