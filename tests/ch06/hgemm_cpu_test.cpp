// Chapter 06 CPU tests: the tensor-core index maths the kernels call (wb/mma_layout.h,
// wb/swizzle.h), the bank model (wb/banks.h) applied to the very accesses the kernels make, a CPU
// emulation of one warp's mma and ldmatrix through the maps, the type-erased front's refusals,
// and the tolerance. No GPU needed.
//
// "The PTX ISA" below is PTX ISA 9.0 (CUDA 13.0), sections "Matrix Fragments for mma.m16n8k16
// with floating point type" and "Warp-level matrix load instruction: ldmatrix"; the
// documented formulas are written out here in the ISA's own form, independently of the
// library's, and compared lane by lane.
#include "hgemm.h"

#include "wb/banks.h"
#include "wb/catch.h"
#include "wb/gemm.h"
#include "wb/mma_layout.h"
#include "wb/swizzle.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using wb::mma::Coord;

// ---- the PTX ISA's tables, transcribed ----------------------------------------------------
// A (.f16/.bf16, 16 x 16): row = groupID for a_i with 0 <= i < 2 || 4 <= i < 6, else groupID + 8;
// col = threadID_in_group * 2 + (i & 1) for i < 4, else threadID_in_group * 2 + (i & 1) + 8.
Coord isa_a(int lane, int i) {
  const int group = lane >> 2, tig = lane % 4;
  const int row = (i < 2 || (i >= 4 && i < 6)) ? group : group + 8;
  const int col = i < 4 ? tig * 2 + (i & 1) : tig * 2 + (i & 1) + 8;
  return {row, col};
}
// B (16 x 8): row = threadID_in_group * 2 + (i & 1) for b_i with i < 2, else + 8; col = groupID.
Coord isa_b(int lane, int i) {
  const int group = lane >> 2, tig = lane % 4;
  return {i < 2 ? tig * 2 + (i & 1) : tig * 2 + (i & 1) + 8, group};
}
// C, D (16 x 8, .f32): row = groupID for c_i with i < 2, else groupID + 8;
// col = threadID_in_group * 2 + (i & 1).
Coord isa_c(int lane, int i) {
  const int group = lane >> 2, tig = lane % 4;
  return {i < 2 ? group : group + 8, tig * 2 + (i & 1)};
}

// ldmatrix, as the ISA describes it: for matrix j, lane 8j + r gives the address of row r; after
// the load, lane l holds in register j the elements (l / 4, 2 (l % 4) + h) of matrix j, or with
// .trans the elements (2 (l % 4) + h, l / 4). `address_of_lane` is the tile position each lane
// passes; returns the tile position whose value lands in (lane, reg, half).
Coord isa_ldmatrix(const std::function<Coord(int)>& address_of_lane, int lane, int reg, int half,
                   bool trans) {
  if (!trans) {
    const Coord row = address_of_lane(8 * reg + lane / 4);
    return {row.row, row.col + 2 * (lane % 4) + half};
  }
  const Coord row = address_of_lane(8 * reg + 2 * (lane % 4) + half);
  return {row.row, row.col + lane / 4};
}

// Every (lane, element) of a fragment map lands inside a rows x cols tile, and together they
// cover it exactly once.
bool is_bijection(const std::function<Coord(int, int)>& map, int elems, int rows, int cols) {
  std::set<std::pair<int, int>> seen;
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < elems; ++i) {
      const Coord c = map(lane, i);
      if (c.row < 0 || c.row >= rows || c.col < 0 || c.col >= cols) return false;
      seen.insert({c.row, c.col});
    }
  }
  return seen.size() == static_cast<std::size_t>(rows) * cols && 32 * elems == rows * cols;
}

// ---- layouts and banks -------------------------------------------------------------------
using OffsetFn = std::function<int(int, int)>;

// A layout's offsets over a rows x cols tile are distinct, stay in [0, size), and keep each row
// inside its own stride (rows stay contiguous runs for the 16-byte copies) when `row_local`.
bool offsets_injective(const OffsetFn& offset, int rows, int cols, int size, int row_stride) {
  std::set<int> seen;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const int o = offset(r, c);
      if (o < 0 || o >= size || o / row_stride != r) return false;
      if (!seen.insert(o).second) return false;
    }
  }
  return true;
}

// Worst wavefronts per 8-lane phase of the ldmatrix.x4 calls a warp makes on a 16 x 16 sub-tile
// at (row0, col0), for every 16-aligned origin of a rows x cols tile (what steps 4-6 and the
// known-bad variant do: origins are multiples of 16 in both directions).
int worst_ldmatrix_phase(const OffsetFn& offset, int rows, int cols) {
  int worst = 0;
  for (int row0 = 0; row0 < rows; row0 += 16) {
    for (int col0 = 0; col0 < cols; col0 += 16) {
      for (int phase = 0; phase < 4; ++phase) {  // matrix `phase`: lanes 8 phase .. + 7
        std::uint32_t addresses[8];
        for (int i = 0; i < 8; ++i) {
          const Coord r = wb::mma::ldmatrix_row(8 * phase + i);
          addresses[i] = 2u * static_cast<std::uint32_t>(offset(row0 + r.row, col0 + r.col));
        }
        const int w = wb::smem_wavefronts(addresses, 8, 16);
        worst = w > worst ? w : worst;
      }
    }
  }
  return worst;
}

// Worst wavefronts per 8-lane phase of the 16-byte shared stores of wb::tile::copy_tile for a
// rows x cols tile copied by `threads` threads: thread x stores chunks x, x + threads, ...; chunk
// c is row c / (cols / 8), columns 8 (c % (cols / 8)) .. + 7.
int worst_copy_phase(const OffsetFn& offset, int rows, int cols, int threads) {
  const int row_chunks = cols / 8, chunks = rows * row_chunks;
  int worst = 0;
  for (int i = 0; i * threads < chunks; ++i) {
    for (int first = 0; first < threads; first += 8) {  // one phase: 8 consecutive lanes
      std::uint32_t addresses[8];
      int n = 0;
      for (int t = first; t < first + 8; ++t) {
        const int c = t + i * threads;
        if (c < chunks)
          addresses[n++] =
              2u * static_cast<std::uint32_t>(offset(c / row_chunks, 8 * (c % row_chunks)));
      }
      const int w = wb::smem_wavefronts(addresses, n, 16);
      worst = w > worst ? w : worst;
    }
  }
  return worst;
}

template <class L>
OffsetFn fn() {
  return [](int r, int c) { return L::offset(r, c); };
}

// A tile of rows x cols with layout L: offsets injective (and inside their row for all but the
// padded layout's padding), ldmatrix and copy phases as `want_ld` and `want_st` wavefronts.
template <class L>
void check_layout(int rows, int threads, int want_ld, int want_st) {
  constexpr int cols = L::kRowChunks * L::kChunkElems;
  INFO(L::kName << " tile " << rows << " x " << cols << ", " << threads << " threads");
  CHECK(offsets_injective(fn<L>(), rows, cols, L::elems(rows), L::kRowStride));
  CHECK(worst_ldmatrix_phase(fn<L>(), rows, cols) == want_ld);
  CHECK(worst_copy_phase(fn<L>(), rows, cols, threads) == want_st);
}

}  // namespace

TEST_CASE("the fragment maps are the PTX ISA's m16n8k16 tables", "[ch06][cpu]") {
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < wb::mma::kAElems; ++i) {
      INFO("lane " << lane << ", a" << i);
      CHECK(wb::mma::a_frag(lane, i).row == isa_a(lane, i).row);
      CHECK(wb::mma::a_frag(lane, i).col == isa_a(lane, i).col);
    }
    for (int i = 0; i < wb::mma::kBElems; ++i) {
      INFO("lane " << lane << ", b" << i);
      CHECK(wb::mma::b_frag(lane, i).row == isa_b(lane, i).row);
      CHECK(wb::mma::b_frag(lane, i).col == isa_b(lane, i).col);
    }
    for (int i = 0; i < wb::mma::kCElems; ++i) {
      INFO("lane " << lane << ", c" << i);
      CHECK(wb::mma::c_frag(lane, i).row == isa_c(lane, i).row);
      CHECK(wb::mma::c_frag(lane, i).col == isa_c(lane, i).col);
    }
  }
  // A few entries read off the ISA's figures by hand (lane 5: groupID 1, threadID_in_group 1).
  CHECK(wb::mma::a_frag(5, 0).row == 1);
  CHECK(wb::mma::a_frag(5, 0).col == 2);
  CHECK(wb::mma::a_frag(5, 3).row == 9);
  CHECK(wb::mma::a_frag(5, 3).col == 3);
  CHECK(wb::mma::a_frag(5, 6).row == 9);
  CHECK(wb::mma::a_frag(5, 6).col == 10);
  CHECK(wb::mma::b_frag(5, 1).row == 3);
  CHECK(wb::mma::b_frag(5, 1).col == 1);
  CHECK(wb::mma::b_frag(31, 3).row == 15);
  CHECK(wb::mma::b_frag(31, 3).col == 7);
  CHECK(wb::mma::c_frag(31, 3).row == 15);
  CHECK(wb::mma::c_frag(31, 3).col == 7);
}

TEST_CASE("each fragment map is a bijection over its tile", "[ch06][cpu]") {
  CHECK(is_bijection(wb::mma::a_frag, wb::mma::kAElems, 16, 16));
  CHECK(is_bijection(wb::mma::b_frag, wb::mma::kBElems, 16, 8));
  CHECK(is_bijection(wb::mma::c_frag, wb::mma::kCElems, 16, 8));
  // The check can fail: a map that forgets the + 8 of a4..a7 covers half the tile twice.
  CHECK_FALSE(is_bijection([](int lane, int i) { return wb::mma::a_frag(lane, i & 3); },
                           wb::mma::kAElems, 16, 16));
  // And a register's two elements are neighbours along k (one 4-byte load for A).
  for (int lane = 0; lane < 32; ++lane) {
    for (int j = 0; j < 4; ++j) {
      CHECK(wb::mma::a_frag(lane, 2 * j + 1).row == wb::mma::a_frag(lane, 2 * j).row);
      CHECK(wb::mma::a_frag(lane, 2 * j + 1).col == wb::mma::a_frag(lane, 2 * j).col + 1);
      CHECK(wb::mma::a_frag(lane, 2 * j).col % 2 == 0);
    }
  }
}

TEST_CASE("one warp's mma emulated through the maps is the matrix product", "[ch06][cpu]") {
  // Small integers: every product and sum is exact in double, so equality is exact.
  double A[16][16], B[16][8], C[16][8];
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 16; ++c)
      A[r][c] = (r * 7 + c * 3) % 11 - 5;
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 8; ++c) {
      B[r][c] = (r * 5 + c * 9) % 13 - 6;
      C[r][c] = (r + 2 * c) % 7 - 3;
    }
  // The registers of the warp, filled through the maps as the kernels fill them.
  double a[32][8], b[32][4], c[32][4];
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < 8; ++i)
      a[lane][i] = A[wb::mma::a_frag(lane, i).row][wb::mma::a_frag(lane, i).col];
    for (int i = 0; i < 4; ++i) {
      b[lane][i] = B[wb::mma::b_frag(lane, i).row][wb::mma::b_frag(lane, i).col];
      c[lane][i] = C[wb::mma::c_frag(lane, i).row][wb::mma::c_frag(lane, i).col];
    }
  }
  // The tensor core, seen from the registers: D(r, n) = sum_k A(r, k) B(k, n) + C(r, n), where
  // each operand is found in whichever lane's register the map puts it.
  auto find_a = [&](int row, int col) {
    for (int l = 0; l < 32; ++l)
      for (int i = 0; i < 8; ++i)
        if (wb::mma::a_frag(l, i).row == row && wb::mma::a_frag(l, i).col == col) return a[l][i];
    throw std::logic_error("A element not held by any lane");
  };
  auto find_b = [&](int row, int col) {
    for (int l = 0; l < 32; ++l)
      for (int i = 0; i < 4; ++i)
        if (wb::mma::b_frag(l, i).row == row && wb::mma::b_frag(l, i).col == col) return b[l][i];
    throw std::logic_error("B element not held by any lane");
  };
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < 4; ++i) {
      const Coord d = wb::mma::c_frag(lane, i);
      double sum = c[lane][i];
      for (int k = 0; k < 16; ++k)
        sum += find_a(d.row, k) * find_b(k, d.col);
      double plain = C[d.row][d.col];
      for (int k = 0; k < 16; ++k)
        plain += A[d.row][k] * B[k][d.col];
      INFO("lane " << lane << ", d" << i);
      CHECK(sum == plain);
    }
  }
}

TEST_CASE("ldmatrix with the lane -> row map delivers the A and B fragments", "[ch06][cpu]") {
  const auto row_of = [](int lane) { return wb::mma::ldmatrix_row(lane); };
  for (int lane = 0; lane < 32; ++lane) {
    // The rows addressed: lanes 0-15 rows 0-15 at column 0, lanes 16-31 rows 0-15 at column 8.
    CHECK(wb::mma::ldmatrix_row(lane).row == lane % 16);
    CHECK(wb::mma::ldmatrix_row(lane).col == 8 * (lane / 16));
    for (int reg = 0; reg < 4; ++reg) {
      for (int half = 0; half < 2; ++half) {
        INFO("lane " << lane << ", register " << reg << ", half " << half);
        // .x4 on a row-major 16 x 16 tile of A is the A fragment, element 2 reg + half.
        const Coord x4 = isa_ldmatrix(row_of, lane, reg, half, false);
        CHECK(x4.row == wb::mma::a_frag(lane, 2 * reg + half).row);
        CHECK(x4.col == wb::mma::a_frag(lane, 2 * reg + half).col);
        // .x4.trans on a row-major 16 (k) x 16 (n) tile of B: registers 0, 1 are the B fragment of
        // columns 0-7, registers 2, 3 that of columns 8-15.
        const Coord t4 = isa_ldmatrix(row_of, lane, reg, half, true);
        const Coord b = wb::mma::b_frag(lane, 2 * (reg % 2) + half);
        CHECK(t4.row == b.row);
        CHECK(t4.col == b.col + 8 * (reg / 2));
        // ldmatrix_elem says the same.
        CHECK(wb::mma::ldmatrix_elem(lane, reg, half, false).row == x4.row);
        CHECK(wb::mma::ldmatrix_elem(lane, reg, half, false).col == x4.col);
        CHECK(wb::mma::ldmatrix_elem(lane, reg, half, true).row == t4.row);
        CHECK(wb::mma::ldmatrix_elem(lane, reg, half, true).col == t4.col);
      }
    }
    // .x2.trans (lanes 0-15 give addresses) is the B fragment of one n8 tile.
    for (int reg = 0; reg < 2; ++reg) {
      for (int half = 0; half < 2; ++half) {
        const Coord t2 = isa_ldmatrix(row_of, lane, reg, half, true);
        CHECK(t2.row == wb::mma::b_frag(lane, 2 * reg + half).row);
        CHECK(t2.col == wb::mma::b_frag(lane, 2 * reg + half).col);
      }
    }
    // .x1 (lanes 0-7) is the top-left 8 x 8 matrix.
    const Coord one = isa_ldmatrix(row_of, lane, 0, 1, false);
    CHECK(one.row == lane / 4);
    CHECK(one.col == 2 * (lane % 4) + 1);
  }
  // The known-bad variant's mistake, seen here: without .trans the B registers hold neighbours
  // along n, not along k.
  const Coord wrong = isa_ldmatrix(row_of, 5, 0, 1, false);
  const Coord right = wb::mma::b_frag(5, 1);
  CHECK_FALSE((wrong.row == right.row && wrong.col == right.col));
}

TEST_CASE("ldmatrix with the across-then-down lane -> row map", "[ch06][cpu]") {
  // X4Order::kAcross: lanes 0-7 address rows 0-7 at column 0, lanes 8-15 rows 0-7 at column 8,
  // lanes 16-23 rows 8-15 at column 0, lanes 24-31 rows 8-15 at column 8. Without .trans on a
  // row-major 16 (n) x 16 (k) tile (K in chapter 08: key, d), registers 0 and 1 are then the B
  // fragment of rows 0-7 and registers 2 and 3 that of rows 8-15: one register pair per n8 tile.
  using wb::mma::X4Order;
  const auto row_of = [](int lane) { return wb::mma::ldmatrix_row(lane, X4Order::kAcross); };
  for (int lane = 0; lane < 32; ++lane) {
    CHECK(row_of(lane).row == lane % 8 + 8 * (lane / 16));
    CHECK(row_of(lane).col == 8 * ((lane / 8) % 2));
    for (int reg = 0; reg < 4; ++reg) {
      for (int half = 0; half < 2; ++half) {
        INFO("lane " << lane << ", register " << reg << ", half " << half);
        const Coord x4 = isa_ldmatrix(row_of, lane, reg, half, false);
        const Coord b = wb::mma::b_frag(lane, 2 * (reg % 2) + half);  // (k, n)
        CHECK(x4.row == b.col + 8 * (reg / 2));                       // n, in tile reg / 2
        CHECK(x4.col == b.row);                                       // k
        CHECK(wb::mma::ldmatrix_elem(lane, reg, half, false, X4Order::kAcross).row == x4.row);
        CHECK(wb::mma::ldmatrix_elem(lane, reg, half, false, X4Order::kAcross).col == x4.col);
        const Coord t4 = isa_ldmatrix(row_of, lane, reg, half, true);
        CHECK(wb::mma::ldmatrix_elem(lane, reg, half, true, X4Order::kAcross).row == t4.row);
        CHECK(wb::mma::ldmatrix_elem(lane, reg, half, true, X4Order::kAcross).col == t4.col);
      }
    }
  }
  // The default order is down then across: the same K tile's B fragments are registers (0, 2)
  // and (1, 3), which mma's register pairs cannot take as they are.
  const Coord down = wb::mma::ldmatrix_elem(0, 1, 0, false);
  CHECK(down.row == 8);
  CHECK(down.col == 0);
}
TEST_CASE("the bank model counts wavefronts of 4- and 16-byte accesses", "[ch06][cpu]") {
  std::uint32_t a[32];
  auto fill = [&](const std::function<std::uint32_t(int)>& f, int n) {
    for (int i = 0; i < n; ++i)
      a[i] = f(i);
  };
  fill([](int l) { return 4u * l; }, 32);
  CHECK(wb::smem_wavefronts(a, 32, 4) == 1);  // 32 consecutive words
  fill([](int l) { return 128u * l; }, 32);
  CHECK(wb::smem_wavefronts(a, 32, 4) == 32);  // one bank
  fill([](int) { return 64u; }, 32);
  CHECK(wb::smem_wavefronts(a, 32, 4) == 1);  // a broadcast
  fill([](int l) { return 16u * l; }, 8);
  CHECK(wb::smem_wavefronts(a, 8, 16) == 1);  // 8 chunks of one 128-byte line
  fill([](int l) { return 128u * l; }, 8);
  CHECK(wb::smem_wavefronts(a, 8, 16) == 8);  // 8 rows of 128 bytes: same 4 banks
  fill([](int l) { return 64u * l; }, 8);
  CHECK(wb::smem_wavefronts(a, 8, 16) == 4);  // 8 rows of 64 bytes: 2 slots
  fill([](int l) { return 80u * l; }, 8);
  CHECK(wb::smem_wavefronts(a, 8, 16) == 1);  // padded 64-byte rows: 8 slots
  fill([](int l) { return l < 4 ? 16u * l : 128u + 16u * (l - 4); }, 8);
  CHECK(wb::smem_wavefronts(a, 8, 16) == 2);  // two lines, same slots
  CHECK(wb::smem_wavefronts(a, 0, 16) == 0);
}

TEST_CASE("swizzle_chunk permutes each row and spreads 8 rows over 8 slots", "[ch06][cpu]") {
  for (int row_chunks : {1, 2, 4, 8, 16, 32}) {
    for (int row = 0; row < 64; ++row) {
      std::set<int> chunks;
      for (int c = 0; c < row_chunks; ++c)
        chunks.insert(wb::smem::swizzle_chunk(row, c, row_chunks));
      CHECK(chunks.size() == static_cast<std::size_t>(row_chunks));  // a permutation of the row
      CHECK(*chunks.rbegin() == row_chunks - 1);
    }
    // Any 8 consecutive rows at one logical chunk: 8 different 16-byte slots of the bank line.
    for (int first = 0; first < 32; ++first) {
      for (int c = 0; c < row_chunks; ++c) {
        std::set<int> slots;
        for (int row = first; row < first + 8; ++row)
          slots.insert((row * row_chunks + wb::smem::swizzle_chunk(row, c, row_chunks)) % 8);
        INFO("row_chunks " << row_chunks << ", rows " << first << "..+7, chunk " << c);
        CHECK(slots.size() == 8u);
      }
    }
  }
}

TEST_CASE("the layouts the kernels use: swizzled and padded are conflict-free, plain is not",
          "[ch06][cpu]") {
  using namespace wb::smem;
  // Steps 2-5 (64 x 64 x 32 block tile, 512 threads): A (64, 32), B (32, 64).
  check_layout<Plain<32>>(64, 512, 4, 1);     // A: 64-byte rows, 4-way ldmatrix conflicts
  check_layout<Plain<64>>(32, 512, 8, 1);     // B: 128-byte rows, 8-way
  check_layout<Swizzled<32>>(64, 512, 1, 1);  // step 5
  check_layout<Swizzled<64>>(32, 512, 1, 1);
  check_layout<Padded<32>>(64, 512, 1, 2);  // padded A: ldmatrix fine, its stores conflict 2-way
  check_layout<Padded<64>>(32, 512, 1, 1);
  // Step 6's configurations: A (128, 32) or (128, 64); B (32, 128), (32, 256) or (64, 128).
  check_layout<Swizzled<32>>(128, 128, 1, 1);
  check_layout<Swizzled<32>>(128, 256, 1, 1);
  check_layout<Swizzled<64>>(128, 128, 1, 1);
  check_layout<Swizzled<128>>(32, 128, 1, 1);
  check_layout<Swizzled<128>>(32, 256, 1, 1);
  check_layout<Swizzled<256>>(32, 256, 1, 1);
  check_layout<Swizzled<128>>(64, 128, 1, 1);
  check_layout<Plain<128>>(32, 128, 8, 1);  // what step 6 would suffer unswizzled
}

TEST_CASE("the layout checks catch a colliding swizzle and a conflicting one", "[ch06][cpu]") {
  // OR instead of XOR: two logical chunks of a row share one physical chunk (data overwritten).
  const OffsetFn colliding = [](int r, int c) { return r * 128 + ((c / 8) | (r & 7)) * 8 + c % 8; };
  CHECK_FALSE(offsets_injective(colliding, 32, 128, 32 * 128, 128));
  // XOR with row % 4 on 256-byte rows: a permutation, but 8 rows use only 4 slots: 2-way.
  const OffsetFn half_swizzle = [](int r, int c) {
    return r * 128 + ((c / 8) ^ (r & 3)) * 8 + c % 8;
  };
  CHECK(offsets_injective(half_swizzle, 32, 128, 32 * 128, 128));
  CHECK(worst_ldmatrix_phase(half_swizzle, 32, 128) == 2);
}

TEST_CASE("the type-erased front refuses mixed and fp32 types before any GPU work", "[ch06][cpu]") {
  using D = ch06::DType;
  void* const fake = reinterpret_cast<void*>(std::uintptr_t{0x10000000});
  for (const ch06::Step& step : ch06::steps()) {
    for (const auto& t : std::vector<std::vector<D>>{{D::kF16, D::kBF16, D::kF16},
                                                     {D::kBF16, D::kF16, D::kF16},
                                                     {D::kF16, D::kF16, D::kF32},
                                                     {D::kF32, D::kF32, D::kF32}}) {
      const ch06::AnyArgs x{8, 8, 8, 1.0f, t[0], fake, 8, t[1], fake, 8, 0.0f, t[2], fake, 8};
      try {
        ch06::launch_any(step, x, nullptr);
        FAIL("expected std::invalid_argument");
      } catch (const std::invalid_argument& e) {
        const std::string m = e.what();
        INFO(m);
        CHECK(m.find(std::string("ch06::launch_") + step.name) != std::string::npos);
        CHECK(m.find("unsupported type combination") != std::string::npos);
        CHECK(m.find(std::string("B ") + ch06::dtype_name(t[1])) != std::string::npos);
      }
    }
  }
  CHECK(std::string(ch06::dtype_name(D::kBF16)) == "bf16");
}

TEST_CASE("the ladder, the configurations and the counts", "[ch06][cpu]") {
  const std::vector<std::string> names = {"naive",    "wmma",    "mma",
                                          "ldmatrix", "swizzle", "warptile"};
  REQUIRE(ch06::steps().size() == names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    CHECK(ch06::steps()[i].name == names[i]);
    CHECK(ch06::steps()[i].fp16 != nullptr);
    CHECK(ch06::steps()[i].bf16 != nullptr);
  }
  // Each step's own configuration is listed first among its configurations.
  CHECK(ch06::tuning::swizzle_configs().front().fp16 == ch06::launch_swizzle<__half>);
  CHECK(ch06::tuning::warptile_configs().front().bf16 == ch06::launch_warptile<__nv_bfloat16>);
  std::size_t configs = ch06::tuning::swizzle_configs().size() +
                        ch06::tuning::warptile_configs().size() +
                        ch06::tuning::prefetch_configs().size();
#ifdef WB_CH06_HOIST_SWEEP  // the hoist sweep: a full checkout's solutions library only
  configs += ch06::tuning::hoist_configs().size();
#endif
  CHECK(ch06::tuning::all_configs().size() == configs);
  CHECK(ch06::peak::flops(1, 1) == 8.0 * ch06::peak::kChains * 2 * 16 * 8 * 16);
  CHECK(wb::gemm::min_bytes(4096, 4096, 4096, ch06::kElemBytes, false) == 2.0 * 3 * 4096 * 4096);
}

TEST_CASE("the tolerance is gamma_{K+2} with u = 2^-23, plus the 16-bit rounding of C",
          "[ch06][cpu]") {
  const double u = std::ldexp(1.0, -23);
  for (std::int64_t K : {1, 16, 513, 4099, 8192}) {
    const double k = static_cast<double>(K + 2), gamma = k * u / (1 - k * u);
    const wb::Tolerance h = wb::gemm::tolerance<__half>(K);
    const wb::Tolerance b = wb::gemm::tolerance<__nv_bfloat16>(K);
    CHECK(std::fabs(h.rel - gamma * (1 + std::ldexp(1.0, -11))) < 1e-18);
    CHECK(std::fabs(b.rel - gamma * (1 + std::ldexp(1.0, -8))) < 1e-18);
    CHECK(h.rel_ref == std::ldexp(1.0, -11));
    CHECK(b.rel_ref == std::ldexp(1.0, -8));
    CHECK(h.abs == std::ldexp(1.0, -25));
    CHECK(b.abs == 0.0);
  }
}

TEST_CASE("the checker fails an fp16 result one rounding step off", "[ch06][cpu]") {
  // The exact answer rounded once to fp16 passes; moving one entry by 4 fp16 ulps does not.
  const wb::gemm::Problem<__half> p =
      wb::gemm::make_problem<__half>({5, 6, 7, "small"}, 42, 1.0f, 0.0f);
  std::vector<__half> C = p.C;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 6; ++j)
      C[i * p.ldc + j] = __double2half(wb::gemm::reference_entry(p, i, j, nullptr));
  REQUIRE(wb::gemm::check_output(p, C, {}, 1).ok());
  const double ref = wb::gemm::reference_entry(p, 2, 3, nullptr);
  C[2 * p.ldc + 3] = __double2half(ref + 4 * std::ldexp(std::fabs(ref), -10));
  CHECK_FALSE(wb::gemm::check_output(p, C, {}, 1).ok());
}
