// Chapter 05 limits tier: inputs made and outputs checked on the device, for shapes of 2^31 - 1
// rows or columns (8 GiB per fp32 matrix: no host copy, no host reference). The patterns are
// chosen so that every step's result is known exactly, or within a bound derived below, without
// computing a softmax or a LayerNorm on the host.
//
// Softmax, element (r, c) of a rows x cols matrix:
//   x = v(r) = (r % 7) - 3 where c % 251 == 0 and row r is not masked, -inf elsewhere
//   (row r is masked, all -inf, for about half the rows, chosen by a hash of r; never row 0).
// Every unmasked entry of a row equals the row's max, so every exp is exp(0) = 1 exactly, the row
// sum is the count K = (cols - 1) / 251 + 1 of unmasked entries (every partial sum is an integer
// below 2^24, so fp32 adds them exactly, in any order, and online merges rescale by exp(0) = 1),
// and every step must write exactly fl(1 / K) (rounded once more to bf16 for bf16) at the unmasked
// entries and exactly 0 elsewhere. At cols = 1 that is 1 for an unmasked row, 0 for a masked one.
// A wrong index reads a -inf where a 0 should be (or the reverse) and shows.
//
// LayerNorm, element (r, c): h(c) = +1 where c % 509 == 0 and c + 1 < cols, -1 where
// c % 509 == 1, 0 elsewhere (the same in every row); x = h + s, residual = -s with
// s = (r + c) % 5 - 2, so x + residual = h exactly; gamma(c) = 1 + c % 3, beta(c) = c % 7 - 3.
// Each row sums to 0 exactly (every +1 has its -1 right after it), so the mean is exactly 0, and
// the sum of squares is the count Q of nonzero h (an integer below 2^24: exact). So where h = 0
// every step must write exactly beta(c); where h = +-1 it writes +-rho gamma + beta with
// rho = rsqrt(Q / cols + eps) rounded: Q / cols (one rounding, and cols' own rounding to float)
// and + eps cost 3 u relative, which rstd halves, and rsqrtf adds 2 ulp = 4 u: rho is within
// 5.5 u; the product with gamma and the sum with beta add u |rho gamma| and u |y|. So
//   |out - y| <= 8 u (rho |gamma| + |beta|).
// At cols = 1, h = 0 everywhere and every output must be exactly beta(0) = -3.
#pragma once

#include "softmax_layernorm.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace ch05::limits {

/// The documented maximum of rows and of cols.
constexpr std::int64_t kMaxDim = 2147483647;

/// What a device-side check found.
struct Check {
  std::uint64_t wrong = 0;      ///< written elements that differ from the expected value
  std::uint64_t unwritten = 0;  ///< elements still holding the poison
  bool guards_ok = true;        ///< the 256 bytes on each side of the output still poisoned
  std::int64_t first_bad = -1;  ///< flat index of the first wrong or unwritten element (-1: none)
  double expected = 0.0;        ///< the expected value there
  double actual = 0.0;          ///< the value found there (NaN when unwritten)

  /// True when every element is right and nothing outside was written.
  bool ok() const { return wrong == 0 && unwritten == 0 && guards_ok; }
  /// One line for a failure message.
  std::string describe() const;
};

/// A device allocation of `elements` elements of `elem_bytes` bytes with 256 poisoned guard bytes
/// on each side (for outputs) or none (for inputs). Frees itself.
class Buffer {
 public:
  Buffer(std::int64_t elements, int elem_bytes, bool guarded);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  /// The first element.
  void* data() const;
  /// Fills the elements and the guards with the poison pattern of a `elem_bytes`-byte float type.
  void poison();

 private:
  void* base_ = nullptr;
  std::int64_t elements_;
  int elem_bytes_;
  std::size_t guard_;
};

/// Bytes of device memory a case needs, for the log line.
double gib(double bytes);

/// Writes the softmax pattern into `in` (rows x cols of dtype t).
void fill_softmax(void* in, DType t, std::int64_t rows, std::int64_t cols);
/// Checks a softmax output against the pattern's exact result.
Check check_softmax(const Buffer& out, DType t, std::int64_t rows, std::int64_t cols);
/// Checks the vendor copy: the output must hold the input pattern itself, bit for bit.
Check check_copy(const Buffer& out, DType t, std::int64_t rows, std::int64_t cols);

/// Writes the LayerNorm pattern into x, residual (rows x cols), gamma and beta (cols).
void fill_layernorm(float* x, float* residual, float* gamma, float* beta, std::int64_t rows,
                    std::int64_t cols);
/// Checks a LayerNorm output (eps as passed to the step) against the pattern's result.
Check check_layernorm(const Buffer& out, std::int64_t rows, std::int64_t cols, float eps);

}  // namespace ch05::limits
