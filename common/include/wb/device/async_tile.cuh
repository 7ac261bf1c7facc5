/// @file async_tile.cuh
/// @brief The asynchronous twin of wb::tile::copy_tile (device code only): a tile of a row-major
/// matrix copied into a shared-memory layout by `cp.async`, 16 bytes per chunk, zero outside the
/// matrix, without passing through registers; the copy completes later, at a `wait` of its group.
///
/// Taught in chapter 07 (step 2: the copy made asynchronous; steps 3-7 keep several tiles in
/// flight). The PTX wrappers are `wb/device/cp_async.cuh`; the synchronous copy, used here for
/// views whose rows are not 16-byte aligned, is `wb/device/gemm_tile.cuh`.
#pragma once

#include "wb/device/cp_async.cuh"
#include "wb/chunks.h"
#include "wb/device/gemm_tile.cuh"

#include <cstdint>

namespace wb::tile {

/// Starts the copy of the kRows x kCols tile whose top-left element is g[row0 * ld + col0] into
/// the shared tile `s` laid out by `Layout` (16-bit elements as raw bits), as kRows * kCols / 8
/// chunks of 8 elements shared round-robin by the block's kThreads threads. Elements at or past
/// row `rows` or column `cols` are never read and become 0 (cp.async's zero-fill: a chunk that
/// straddles column `cols` copies its first 2 (cols - gc) bytes).
///
/// With kVec (every row of g starts 16-byte aligned: ld % 8 == 0 and g aligned, checked by the
/// launcher) every chunk is one `cp.async.cg` of 16 bytes: nothing is in `s` until the calling
/// thread has committed the copies (wb::async::commit) and waited for their group
/// (wb::async::wait), and no other thread may read them before a barrier after that wait.
/// Without kVec a 16-byte cp.async is not allowed (its source must be 16-byte aligned), so the
/// tile is copied synchronously by wb::tile::copy_tile: the data are in `s` when this returns,
/// which satisfies every later wait, and the same barriers make it visible. Either way the caller
/// commits exactly as often, so the group arithmetic of a pipeline does not depend on the path.
template <class Layout, int kRows, int kCols, int kThreads, bool kVec>
__device__ __forceinline__ void async_copy_tile(std::uint16_t* s,
                                                const std::uint16_t* __restrict__ g, int ld,
                                                int row0, int col0, int rows, int cols) {
  if constexpr (!kVec) {
    copy_tile<Layout, kRows, kCols, kThreads, false>(s, g, ld, row0, col0, rows, cols);
  } else {
    constexpr int kChunkElems = 8;
    constexpr int kRowChunks = kCols / kChunkElems;
    constexpr int kChunks = kRows * kRowChunks;
    static_assert(kCols % kChunkElems == 0, "a tile row is whole 16-byte chunks");
#pragma unroll
    for (int i = 0; i < (kChunks + kThreads - 1) / kThreads; ++i) {
      const int c = static_cast<int>(threadIdx.x) + i * kThreads;  // this thread's i-th chunk
      if (kChunks % kThreads != 0 && c >= kChunks) break;
      const int r = c / kRowChunks, cc = (c % kRowChunks) * kChunkElems;  // (kRows, kCols) place
      const std::int64_t gr = std::int64_t{row0} + r, gc = std::int64_t{col0} + cc;  // in g
      const int bytes = chunk_bytes_inside(gr, gc, rows, cols);
      // A chunk with nothing inside reads nothing; its source is then the matrix's first element,
      // an address inside the allocation, so no tool ever sees an out-of-range pointer.
      const std::uint16_t* src = bytes > 0 ? g + gr * ld + gc : g;
      async::copy16_zfill(s + Layout::offset(r, cc), src, bytes);
    }
  }
}

}  // namespace wb::tile
