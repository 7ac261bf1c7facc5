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

namespace ch01 {
namespace {

__global__ void scale_rows_ilp_kernel(const float* __restrict__ gIn,
                                      const float* __restrict__ gScale, float* __restrict__ gOut,
                                      int rows, int cols) {
  // WB_EXERCISE_BEGIN
  // This thread's first float4 in the row body; its others follow kX float4s apart.
  const int v0 = blockIdx.x * (BlockShape::kX * kIlp) + threadIdx.x;
  const unsigned stride = gridDim.y * blockDim.y;
  for (unsigned row = blockIdx.y * blockDim.y + threadIdx.y; row < static_cast<unsigned>(rows);
       row += stride) {
    const float* gInRow = gIn + static_cast<std::size_t>(row) * cols;  // (cols)
    float* gOutRow = gOut + static_cast<std::size_t>(row) * cols;  // (cols), same split as gInRow
    const wb::RowSplit s =
        wb::split_row(reinterpret_cast<std::uintptr_t>(gInRow), cols, sizeof(float));
    const float4* gInVec = reinterpret_cast<const float4*>(gInRow + s.head);  // (body)
    float4* gOutVec = reinterpret_cast<float4*>(gOutRow + s.head);            // (body)

    float4 rX[kIlp];  // registers: every load is issued before the first one is used
#pragma unroll
    for (int u = 0; u < kIlp; ++u) {
      const int v = v0 + u * BlockShape::kX;
      if (v < s.body) rX[u] = gInVec[v];
    }
    const float k = gScale[row];
#pragma unroll
    for (int u = 0; u < kIlp; ++u) {
      const int v = v0 + u * BlockShape::kX;
      if (v < s.body) gOutVec[v] = make_float4(rX[u].x * k, rX[u].y * k, rX[u].z * k, rX[u].w * k);
    }
    if (v0 < s.head) gOutRow[v0] = gInRow[v0] * k;
    if (v0 < s.tail) {
      const int c = s.head + kVec * s.body + v0;
      gOutRow[c] = gInRow[c] * k;
    }
  }
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
