// Chapter 05, exercise 3 — softmax-warp: one warp per row, the row in registers, shuffles.
//
// Read "Softmax step 3" in README.md first. Each warp of the block owns one row (the launcher
// gives kWarpsPerBlock rows per block and picks kPerLane, a power of two with 32 * kPerLane >=
// cols). Lane l keeps elements l, l + 32, l + 64, ... in a register array float rX[kPerLane],
// so every load is still one coalesced warp access. Reduce with warp_max and warp_sum
// (kernels.cuh: __shfl_xor_sync butterflies, see chapter 04); no shared memory, no barrier.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-05-check`.
#include "kernels.cuh"

#include "wb/check.h"
#include "wb/exercise.h"

#include <string>

WB_EXERCISE_TODO("softmax-warp",
                 "row = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32; load rX[i] = x[lane + "
                 "32 i] (-INFINITY past cols) in an unrolled loop; m = warp_max(max of rX); "
                 "rX[i] = exp_shifted(rX[i], m); inv = inverse_or_zero(warp_sum(sum of rX))");

namespace ch05 {
namespace {

constexpr int kWarpsPerBlock = 8;

template <class T, int kPerLane>
__global__ void softmax_warp_kernel(const T* __restrict__ gIn, T* __restrict__ gOut, int rows,
                                    int cols) {
  // TODO(exercise 3):
  //   1. lane = threadIdx.x % 32; row = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;
  //      return if row >= rows (the whole warp leaves together, so shuffles stay full-warp).
  //   2. float rX[kPerLane]; #pragma unroll over i: c = lane + 32 * i;
  //      rX[i] = c < cols ? load_f32(gRow + c) : -INFINITY.
  //   3. m = warp_max(max over rX).  rX[i] = exp_shifted(rX[i], m); l += rX[i].
  //      inv = inverse_or_zero(warp_sum(l)).
  //   4. store_f32(gOutRow + c, rX[i] * inv) for c < cols.
  (void)gIn;
  (void)gOut;
  (void)rows;
  (void)cols;
}

template <class T, int kPerLane>
void launch(const SoftmaxArgs& a, cudaStream_t stream) {
  const unsigned grid = static_cast<unsigned>(ceil_div(a.rows, kWarpsPerBlock));
  softmax_warp_kernel<T, kPerLane><<<grid, 32 * kWarpsPerBlock, 0, stream>>>(
      static_cast<const T*>(a.in), static_cast<T*>(a.out), static_cast<int>(a.rows),
      static_cast<int>(a.cols));
  WB_CHECK_LAUNCH();
}

}  // namespace

void launch_softmax_warp(const SoftmaxArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_softmax_warp";
  validate(a, where);
  WB_REQUIRE_ARG(a.cols <= kWarpMaxCols, where,
                 "cols = " + std::to_string(a.cols) + " is too long: softmax-warp holds a row in " +
                     "one warp's registers, 32 lanes x 32 values, so at most " +
                     std::to_string(kWarpMaxCols) + " columns; use softmax-online for longer rows");
  with_dtype(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const std::int64_t per_lane = ceil_div(a.cols, 32);
    if (per_lane <= 1) {
      launch<T, 1>(a, stream);
    } else if (per_lane <= 2) {
      launch<T, 2>(a, stream);
    } else if (per_lane <= 4) {
      launch<T, 4>(a, stream);
    } else if (per_lane <= 8) {
      launch<T, 8>(a, stream);
    } else if (per_lane <= 16) {
      launch<T, 16>(a, stream);
    } else {
      launch<T, 32>(a, stream);
    }
  });
}

}  // namespace ch05
