// Chapter 01, exercise 4 — loads in flight: kIlp independent float4 loads per thread.
//
// Read "Step 4" in README.md first. Start from your step 3. Each block now covers kX * kIlp float4s
// of a row (see the launcher); thread x owns float4s v0, v0 + kX, v0 + 2 kX, ... so every load
// instruction is still one contiguous warp access. Issue all kIlp loads into a register array
// before the first store.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-01-check`.
#include "coalescing.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "ilp",
    "v0 = blockIdx.x * (BlockShape::kX * kIlp) + threadIdx.x; load float4s v0 + u * kX "
    "(u < kIlp, v < s.body) into float4 rX[kIlp] in one unrolled loop, then scale and store "
    "them in a second; head and tail as in step 3, using v0");

namespace ch01 {
namespace {

__global__ void scale_rows_ilp_kernel(const float* __restrict__ gIn,
                                      const float* __restrict__ gScale, float* __restrict__ gOut,
                                      int rows, int cols) {
  // TODO(exercise 4):
  //   v0 = blockIdx.x * (BlockShape::kX * kIlp) + threadIdx.x.
  //   For each row (grid-stride loop along y):
  //     1. split the row as in step 3; gInVec, gOutVec = the body as float4 pointers.
  //     2. float4 rX[kIlp]; #pragma unroll: for u < kIlp, v = v0 + u * BlockShape::kX,
  //        if v < s.body: rX[u] = gInVec[v].          (all loads first...)
  //     3. #pragma unroll: same v; if v < s.body: gOutVec[v] = rX[u] scaled by gScale[row].
  //     (...then stores)
  //     4. head and tail as in step 3, with v0 in place of v.
}

}  // namespace

void launch_ilp(const ScaleRowsArgs& a, cudaStream_t stream) {
  validate(a, "ch01::launch_ilp");
  validate_same_alignment(a, "ch01::launch_ilp");
  const dim3 block(BlockShape::kX, BlockShape::kY);
  // Each block covers kX * kIlp float4s of a row; head and tail (<= 3 each) fit in block 0.
  const dim3 grid(static_cast<unsigned>(ceil_div(ceil_div(a.cols, kVec), BlockShape::kX * kIlp)),
                  grid_y_for(a.rows, BlockShape::kY));
  scale_rows_ilp_kernel<<<grid, block, 0, stream>>>(a.in, a.scale, a.out, static_cast<int>(a.rows),
                                                    static_cast<int>(a.cols));
  WB_CHECK_LAUNCH();
}

}  // namespace ch01
