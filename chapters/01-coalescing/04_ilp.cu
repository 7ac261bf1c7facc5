// Chapter 01, step 4 — ilp: kIlp independent float4 loads per thread before any store.
//
// The idea: a thread stalls at the first use of a load, not at the load. Issuing kIlp loads first
// and using them afterwards keeps kIlp x 16 bytes in flight per thread, so DRAM stays busy with a
// quarter of the threads, and the per-row work (split, scale) is paid once per 4 vectors. Each of
// the kIlp loads is still one contiguous 512-byte warp access: the thread's vectors are a warp's
// width (kX float4s) apart, not adjacent.
//
// Prediction at 16384 x 16384 (floor 0.72 ms): step 3 already had ~3.5x the bytes in flight
// Little's law asks for at full occupancy, so the gain here is small: fewer blocks to schedule and
// less index math per byte. Expect 0-5% over step 3. The step matters more where occupancy is
// limited (later chapters' kernels use registers and shared memory, and cannot have 64 warps per
// SM).
#include "coalescing.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "ilp",
    "Read \"Step 4: ilp, several float4 loads in flight per thread\" in README.md. v0 = "
    "blockIdx.x * (BlockShape::kX * kIlp) + threadIdx.x; load float4s v0 + u * kX (u < kIlp, v "
    "< s.body) into float4 rX[kIlp] in one unrolled loop, scale and store them in a second; "
    "head and tail as in step 3, with v0.");

namespace ch01 {
namespace {

__global__ void scale_rows_ilp_kernel(const float* __restrict__ gIn,
                                      const float* __restrict__ gScale, float* __restrict__ gOut,
                                      int rows, int cols) {
  // WB_EXERCISE_BEGIN
  // TODO(step 4): read "Step 4: ilp, several float4 loads in flight per thread" in README.md, then
  // start from your step 3. Each block now covers kX * kIlp = 128 float4s of a row (see the
  // launcher); thread x owns float4s v0, v0 + kX, v0 + 2 kX, v0 + 3 kX, so each load instruction is
  // still one contiguous 512-byte warp access.
  //   1. v0 = blockIdx.x * (BlockShape::kX * kIlp) + threadIdx.x.
  //   2. A grid-stride loop over rows along y with an unsigned row, as in step 3; split each row
  //   with
  //      wb::split_row as in step 3; gInVec = reinterpret_cast<const float4*>(gInRow + s.head) and
  //      gOutVec = reinterpret_cast<float4*>(gOutRow + s.head) are the body as float4 arrays.
  //   3. float4 rX[kIlp]; #pragma unroll: for u < kIlp, v = v0 + u * BlockShape::kX;
  //      if v < s.body: rX[u] = gInVec[v].   (every load first...)
  //   4. k = gScale[row]; #pragma unroll: the same v; if v < s.body: gOutVec[v] = rX[u] with each
  //      component multiplied by k.          (...then every store)
  //   5. Head and tail as in step 3, with v0 in place of v.
  // No shared memory and no barriers. When it is written, delete the WB_EXERCISE_TODO statement
  // above and run `make chapter-01-check`.
  // WB_EXERCISE_END
}

}  // namespace

void launch_ilp(const ScaleRowsArgs& a, cudaStream_t stream) {
  validate(a, "ch01::launch_ilp");
  validate_same_alignment(a, "ch01::launch_ilp");
  const dim3 block(BlockShape::kX, BlockShape::kY);
  // Each block covers kX * kIlp float4s of a row; head and tail (<= 3 each) fit in block 0.
  const dim3 grid = wb::grid_2d(wb::ceil_div(wb::ceil_div(a.cols, kVec), BlockShape::kX * kIlp),
                                grid_y_for(a.rows, BlockShape::kY), "ch01::launch_ilp");
  scale_rows_ilp_kernel<<<grid, block, 0, stream>>>(a.in, a.scale, a.out, static_cast<int>(a.rows),
                                                    static_cast<int>(a.cols));
  WB_CHECK_LAUNCH();
}

}  // namespace ch01
