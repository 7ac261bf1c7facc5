/// @file numeric.h
/// @brief Element types the harness knows: their unit roundoff and their poison pattern.
///
/// Chapters work in fp32, fp16 and bf16 (and the CPU reference in fp64). Everything the
/// comparison needs to know about a type lives in its `NumericTraits` specialisation.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace wb {

/// Per-type facts used by the comparison and the poisoning of outputs.
template <class T>
struct NumericTraits;

/// fp32: 24-bit significand.
template <>
struct NumericTraits<float> {
  using Bits = std::uint32_t;                  ///< unsigned integer of the same size
  static constexpr const char* name = "fp32";  ///< name used in messages
  /// Unit roundoff u = 2^-24: a correctly rounded result is within u * |exact| of the exact value.
  static constexpr double unit_roundoff = 5.9604644775390625e-08;
  /// A quiet NaN with a recognisable payload. Outputs are filled with it before every run; an
  /// element still holding these exact bits afterwards was never written.
  static constexpr Bits poison_bits = 0x7FC0DEADu;
  static double to_double(float x) { return x; }                        ///< exact widening
  static float from_double(double x) { return static_cast<float>(x); }  ///< round to nearest
};

/// fp64: used by CPU references; listed so generic code can name it.
template <>
struct NumericTraits<double> {
  using Bits = std::uint64_t;                  ///< unsigned integer of the same size
  static constexpr const char* name = "fp64";  ///< name used in messages
  static constexpr double unit_roundoff = 1.1102230246251565e-16;  ///< 2^-53
  static constexpr Bits poison_bits = 0x7FF8DEADDEADDEADull;       ///< quiet NaN, marked
  static double to_double(double x) { return x; }                  ///< identity
  static double from_double(double x) { return x; }                ///< identity
};

/// fp16: 11-bit significand.
template <>
struct NumericTraits<__half> {
  using Bits = std::uint16_t;                             ///< unsigned integer of the same size
  static constexpr const char* name = "fp16";             ///< name used in messages
  static constexpr double unit_roundoff = 4.8828125e-04;  ///< 2^-11
  static constexpr Bits poison_bits = 0x7EADu;            ///< quiet NaN, marked
  /// exact widening
  static double to_double(__half x) { return static_cast<double>(__half2float(x)); }
  static __half from_double(double x) { return __double2half(x); }  ///< round to nearest
};

/// bf16: 8-bit significand.
template <>
struct NumericTraits<__nv_bfloat16> {
  using Bits = std::uint16_t;                           ///< unsigned integer of the same size
  static constexpr const char* name = "bf16";           ///< name used in messages
  static constexpr double unit_roundoff = 3.90625e-03;  ///< 2^-8
  static constexpr Bits poison_bits = 0x7FADu;          ///< quiet NaN, marked
  /// exact widening
  static double to_double(__nv_bfloat16 x) { return static_cast<double>(__bfloat162float(x)); }
  /// round to nearest
  static __nv_bfloat16 from_double(double x) { return __double2bfloat16(x); }
};

/// The poison value of T (a NaN whose bits mark "never written").
template <class T>
T poison_value() {
  typename NumericTraits<T>::Bits bits = NumericTraits<T>::poison_bits;
  T value;
  static_assert(sizeof(value) == sizeof(bits), "poison pattern must match the type's size");
  std::memcpy(static_cast<void*>(&value), &bits,
              sizeof(value));  // __half has no trivial copy-assign from bits
  return value;
}

/// True when x holds exactly the poison bits, i.e. nothing wrote it.
template <class T>
bool is_poison(const T& x) {
  typename NumericTraits<T>::Bits bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return bits == NumericTraits<T>::poison_bits;
}

}  // namespace wb
