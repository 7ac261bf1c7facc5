// Chapter 08 known-bad variant: the causal mask off by one.
//
// Bottom-right causal attention lets query i see key j when j <= i + (Sk - Sq); this variant
// writes `<`, so every row loses its diagonal key (and the last row of a square problem no longer
// sees the last key). Without the causal mask it is exactly right; with it, row 0 of a square
// problem sees nothing at all (O = 0, lse = +inf instead of v_0 and s_00), and every other row is
// off. tests/ch08/known_bad_test.cpp shows both.
#include "known_bad_kernel.cuh"

namespace ch08::known_bad {

template <class T>
void launch_mask_off_by_one(const Args<T>& a, cudaStream_t stream) {
  launch_known_bad<T, false, true>(a, "mask_off_by_one", stream);
}

template void launch_mask_off_by_one<__half>(const Args<__half>&, cudaStream_t);
template void launch_mask_off_by_one<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08::known_bad
