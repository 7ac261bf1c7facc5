// Chapter 08 known-bad variant: the online softmax forgets to rescale the O accumulator.
//
// When a later key tile raises a row's running maximum m_i, the O accumulated so far was summed
// with weights exp(s - m_old); it must be multiplied by exp(m_old - m_new) before the new tile's
// P V is added. l_i is rescaled (wb::online_merge does it), O is not, so O / l_i overweights the
// early tiles by exp(m_new - m_old). Exactly right whenever no tile after the first raises any
// row's maximum (the first tile holds it: every alpha is 1), and whenever Sk fits in one tile;
// wrong on random inputs with more than one tile. tests/ch08/known_bad_test.cpp shows both.
#include "known_bad_kernel.cuh"

namespace ch08::known_bad {

template <class T>
void launch_no_rescale(const Args<T>& a, cudaStream_t stream) {
  launch_known_bad<T, true, false>(a, "no_rescale", stream);
}

template void launch_no_rescale<__half>(const Args<__half>&, cudaStream_t);
template void launch_no_rescale<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08::known_bad
