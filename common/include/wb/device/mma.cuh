/// @file mma.cuh
/// @brief PTX wrappers for the warp-level tensor-core instructions (device code only):
/// `mma.sync.aligned.m16n8k16` for fp16 and bf16 inputs with fp32 accumulators, and `ldmatrix`
/// `.x1`, `.x2`, `.x4`, with and without `.trans`.
///
/// Taught in chapter 06 (steps 3 and 4); chapters 07 and 08 use it. Which lane holds which
/// element, and which lane passes which row address to ldmatrix, is in `wb/mma_layout.h`; the
/// shared-memory layouts that make ldmatrix conflict-free are in `wb/swizzle.h`.
///
/// Fragments are plain arrays of 32-bit registers, named as in the kernels: `rA[4]` (eight 16-bit
/// elements of A), `rB[2]` or `rB[4]` (the B fragment of one or two tiles), `rC[4]` (four fp32
/// accumulators).
///
/// Both instructions are `asm volatile`, as CUTLASS writes them: the compiler may neither drop an
/// ldmatrix nor move it across another volatile statement or a barrier, and it never merges two
/// ldmatrix of the same address (a later one may read new data after a `__syncthreads()`).
/// m16n8k16 with fp16 and bf16 needs compute capability 8.0 or newer (ldmatrix 7.5).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
#error "wb/device/mma.cuh needs compute capability 8.0 or newer (mma.sync m16n8k16 with bf16)"
#endif

namespace wb::mma {

/// The 32-bit shared-memory address of a generic pointer into shared memory (what ldmatrix takes).
__device__ __forceinline__ std::uint32_t smem_address(const void* p) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

/// D = A B + D for one 16 x 8 x 16 tile: `rC` holds the fp32 accumulators (c_frag), `rA` the A
/// fragment (a_frag) and `b0`, `b1` the two registers of the B fragment (b_frag: b0 b1, b2 b3).
/// T is __half or __nv_bfloat16. B comes as two registers rather than an array because one
/// ldmatrix .x4.trans fills the B fragments of two neighbouring tiles.
template <class T>
__device__ __forceinline__ void mma_m16n8k16(float (&rC)[4], const std::uint32_t (&rA)[4],
                                             std::uint32_t b0, std::uint32_t b1);

/// fp16 inputs, fp32 accumulators.
template <>
__device__ __forceinline__ void mma_m16n8k16<__half>(float (&rC)[4], const std::uint32_t (&rA)[4],
                                                     std::uint32_t b0, std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};\n"
      : "+f"(rC[0]), "+f"(rC[1]), "+f"(rC[2]), "+f"(rC[3])
      : "r"(rA[0]), "r"(rA[1]), "r"(rA[2]), "r"(rA[3]), "r"(b0), "r"(b1));
}

/// bf16 inputs, fp32 accumulators.
template <>
__device__ __forceinline__ void mma_m16n8k16<__nv_bfloat16>(float (&rC)[4],
                                                            const std::uint32_t (&rA)[4],
                                                            std::uint32_t b0, std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};\n"
      : "+f"(rC[0]), "+f"(rC[1]), "+f"(rC[2]), "+f"(rC[3])
      : "r"(rA[0]), "r"(rA[1]), "r"(rA[2]), "r"(rA[3]), "r"(b0), "r"(b1));
}

/// One 8 x 8 matrix: lanes 0-7 give the row addresses (shared memory, 16-byte aligned).
__device__ __forceinline__ void ldmatrix_x1(std::uint32_t (&r)[1], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];\n"
               : "=r"(r[0])
               : "r"(smem_address(row)));
}
/// Two 8 x 8 matrices: lanes 0-15 give the row addresses.
__device__ __forceinline__ void ldmatrix_x2(std::uint32_t (&r)[2], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(smem_address(row)));
}
/// Four 8 x 8 matrices: all 32 lanes give row addresses (a 16 x 16 tile, see ldmatrix_row).
__device__ __forceinline__ void ldmatrix_x4(std::uint32_t (&r)[4], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(row)));
}
/// One 8 x 8 matrix, transposed on the way (lane l gets column l / 4).
__device__ __forceinline__ void ldmatrix_x1_trans(std::uint32_t (&r)[1], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%0}, [%1];\n"
               : "=r"(r[0])
               : "r"(smem_address(row)));
}
/// Two 8 x 8 matrices, transposed: the B fragment of one m16n8k16 from a row-major (k, n) tile.
__device__ __forceinline__ void ldmatrix_x2_trans(std::uint32_t (&r)[2], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(smem_address(row)));
}
/// Four 8 x 8 matrices, transposed: the B fragments of two neighbouring m16n8k16 tiles (n 0-7 in
/// r[0], r[1]; n 8-15 in r[2], r[3]) from a row-major 16 (k) x 16 (n) tile.
__device__ __forceinline__ void ldmatrix_x4_trans(std::uint32_t (&r)[4], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(row)));
}

/// The 16 bits of a 16-bit element kept as raw bits (how the chapters' shared tiles hold them).
__device__ __forceinline__ std::uint32_t bits_of(std::uint16_t x) {
  return x;
}
/// The 16 bits of an fp16 value.
__device__ __forceinline__ std::uint32_t bits_of(__half x) {
  return __half_as_ushort(x);
}
/// The 16 bits of a bf16 value.
__device__ __forceinline__ std::uint32_t bits_of(__nv_bfloat16 x) {
  return __bfloat16_as_ushort(x);
}

/// Two 16-bit values in one 32-bit register, `lo` in the low half (the element with the smaller
/// index, as every fragment register holds them).
template <class T>
__device__ __forceinline__ std::uint32_t pack2(T lo, T hi) {
  return bits_of(lo) | (bits_of(hi) << 16);
}

}  // namespace wb::mma
