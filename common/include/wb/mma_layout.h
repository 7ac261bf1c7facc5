/// @file mma_layout.h
/// @brief Which lane of a warp holds which element of a tensor-core fragment, and which row each
/// lane addresses for `ldmatrix`: the index maths of `mma.sync.aligned.m16n8k16` (fp16 and bf16
/// inputs, fp32 accumulators), written once for kernels and CPU tests alike.
///
/// Taught in chapter 06 (tensor cores); chapters 07 (cp.async) and 08 (flash attention) use it.
/// The PTX wrappers that move these fragments are in `wb/device/mma.cuh`.
///
/// ## The fragments (PTX ISA 9.0, "Matrix Fragments for mma.m16n8k16 with floating point type")
/// One `mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}.{f16,bf16}.f32` multiplies a 16 x 16
/// tile of A by a 16 x 8 tile of B and adds a 16 x 8 tile of fp32 accumulators. No lane holds a
/// whole row: each of the 32 lanes holds 8 elements of A (four 32-bit registers of two 16-bit
/// values), 4 of B (two registers) and 4 of C (four fp32 registers). With g = lane / 4 (the
/// "group") and t = lane % 4 (the "thread in group"):
///
///     A (16 x 16, row-major)          B (16 x 8, k x n)          C, D (16 x 8)
///     a0 a1 : (g,     2t .. 2t+1)     b0 b1 : (2t .. 2t+1, g)    c0 c1 : (g,     2t .. 2t+1)
///     a2 a3 : (g + 8, 2t .. 2t+1)     b2 b3 : (2t+8 .. +9, g)    c2 c3 : (g + 8, 2t .. 2t+1)
///     a4 a5 : (g,     2t+8 .. +9)
///     a6 a7 : (g + 8, 2t+8 .. +9)
///
/// So a register of A holds two neighbours along k of one row; a register of B holds two
/// neighbours along k of one column (B is read "column-major", the `.col` in the instruction).
///
/// ## ldmatrix (PTX ISA 9.0, "Warp-level matrix load instruction: ldmatrix")
/// `ldmatrix.sync.aligned.m8n8.x{1,2,4}[.trans].shared.b16` loads one, two or four 8 x 8 matrices
/// of 16-bit elements. Lanes 8j .. 8j + 7 give the shared-memory addresses of the 8 rows (16 bytes
/// each) of matrix j; afterwards register j of lane l holds row l / 4, columns 2 (l % 4) and
/// 2 (l % 4) + 1 of matrix j, or with `.trans` column l / 4, rows 2 (l % 4) and 2 (l % 4) + 1.
/// Numbering the four matrices of a 16 x 16 tile down then across (matrix j at row 8 (j % 2),
/// column 8 (j / 2)) makes `.x4` produce exactly the A fragment above, and `.x4.trans` on a
/// 16 (k) x 16 (n) tile of a row-major B the B fragments of two m16n8k16 tiles (n 0..7 in
/// registers 0, 1 and n 8..15 in registers 2, 3). tests/ch06/hgemm_cpu_test.cpp checks all of it.
#pragma once

#include "wb/hd.h"

/// Fragment maps of the warp-level tensor-core instructions.
namespace wb::mma {

constexpr int kM = 16;            ///< rows of A and C in one m16n8k16
constexpr int kN = 8;             ///< columns of B and C in one m16n8k16
constexpr int kK = 16;            ///< the reduction length of one m16n8k16
constexpr int kWarp = 32;         ///< lanes that share one fragment
constexpr int kAElems = 8;        ///< 16-bit elements of A per lane (kM * kK / 32)
constexpr int kBElems = 4;        ///< 16-bit elements of B per lane (kK * kN / 32)
constexpr int kCElems = 4;        ///< fp32 accumulators per lane (kM * kN / 32)
constexpr int kARegs = 4;         ///< 32-bit registers of A per lane (two elements each)
constexpr int kBRegs = 2;         ///< 32-bit registers of B per lane (two elements each)
constexpr int kLdmRows = 8;       ///< rows of one ldmatrix 8 x 8 matrix
constexpr int kLdmRowBytes = 16;  ///< bytes of one ldmatrix row: 8 16-bit elements

/// A (row, column) position inside a fragment's tile.
struct Coord {
  int row;  ///< row in the tile (for B: the k index)
  int col;  ///< column in the tile (for B: the n index)
};

/// g = lane / 4: the "groupID" of the PTX ISA's fragment tables.
WB_HD constexpr int group_of(int lane) {
  return lane >> 2;
}
/// t = lane % 4: the "threadID_in_group" of the PTX ISA's fragment tables.
WB_HD constexpr int thread_in_group(int lane) {
  return lane & 3;
}

/// Element `i` (0..7, i.e. a0..a7; register i / 2, half i % 2) of the A fragment of `lane`:
/// its place in the 16 x 16 tile of A.
WB_HD constexpr Coord a_frag(int lane, int i) {
  return Coord{group_of(lane) + 8 * ((i >> 1) & 1),
               2 * thread_in_group(lane) + (i & 1) + 8 * (i >> 2)};
}

/// Element `i` (0..3, b0..b3; register i / 2, half i % 2) of the B fragment of `lane`: its place
/// (k, n) in the 16 x 8 tile of B.
WB_HD constexpr Coord b_frag(int lane, int i) {
  return Coord{2 * thread_in_group(lane) + (i & 1) + 8 * (i >> 1), group_of(lane)};
}

/// Element `i` (0..3, c0..c3) of the C and D fragments of `lane`: its place in the 16 x 8 tile.
WB_HD constexpr Coord c_frag(int lane, int i) {
  return Coord{group_of(lane) + 8 * (i >> 1), 2 * thread_in_group(lane) + (i & 1)};
}

/// The order in which the four 8 x 8 matrices of an ldmatrix `.x4` are taken from its 16 x 16
/// tile, i.e. which of them lands in which destination register.
enum class X4Order {
  kDown,    ///< down then across: (0, 0), (8, 0), (0, 8), (8, 8): the A fragment's register order
  kAcross,  ///< across then down: (0, 0), (0, 8), (8, 0), (8, 8): tile rows 0-7 in registers 0
            ///< and 1, rows 8-15 in 2 and 3. On a (key, d) tile of K (no .trans) each n8 tile of
            ///< keys then has its B fragment in one register pair (chapter 08's step 11)
};

/// Where 8 x 8 matrix `j` (0..3) of an ldmatrix `.x4` sits in the 16 x 16 tile it loads: by
/// default down then across, so that the registers come out in the order of the A fragment.
WB_HD constexpr Coord ldmatrix_matrix_origin(int j, X4Order order = X4Order::kDown) {
  return order == X4Order::kDown ? Coord{8 * (j & 1), 8 * (j >> 1)}
                                 : Coord{8 * (j >> 1), 8 * (j & 1)};
}

/// The row whose shared-memory address `lane` passes to ldmatrix, as a position in the 16 x 16
/// tile: lanes 8j .. 8j + 7 address the rows of matrix j. `.x1` reads lanes 0-7 (rows 0-7,
/// column 0), `.x2` lanes 0-15 (rows 0-15, column 0), `.x4` all 32 (the 16 x 16 tile).
/// The address is that of the first of the 8 elements of the row: &tile[row][col].
WB_HD constexpr Coord ldmatrix_row(int lane, X4Order order = X4Order::kDown) {
  return Coord{(lane & 7) + ldmatrix_matrix_origin(lane >> 3, order).row,
               ldmatrix_matrix_origin(lane >> 3, order).col};
}

/// Which element of the 16 x 16 tile register `reg` (0..3), half `half` (0, 1) of `lane` holds
/// after an ldmatrix `.x4` whose addresses follow ldmatrix_row(lane, order): row l / 4, columns
/// 2 (l % 4) + half of matrix `reg`, or with `trans` the transposed position.
WB_HD constexpr Coord ldmatrix_elem(int lane, int reg, int half, bool trans,
                                    X4Order order = X4Order::kDown) {
  return trans ? Coord{ldmatrix_matrix_origin(reg, order).row + 2 * thread_in_group(lane) + half,
                       ldmatrix_matrix_origin(reg, order).col + group_of(lane)}
               : Coord{ldmatrix_matrix_origin(reg, order).row + group_of(lane),
                       ldmatrix_matrix_origin(reg, order).col + 2 * thread_in_group(lane) + half};
}

}  // namespace wb::mma
