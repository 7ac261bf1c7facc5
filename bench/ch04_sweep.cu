// Chapter 04 design sweep (not part of the ladder): how should step 7 spread 2^28 floats over the
// GPU, and which load flavour should it use? (Recorded when steps 7 and 8 were numbered 6 and 7:
// chapter-04.sweep.txt's "step 6" is today's step 7.) Times a float4 sum kernel in many layouts
// next to CUB, in one run on one input, and checks every result against the fp64 reference
// (tolerance as the tests use it). Prints a table.
//
//   interleaved: thread t of a grid of G threads reads float4s t, t + G, t + 2G, ...
//   contiguous:  block b reads its own contiguous chunk, its threads striding by blockDim inside
//   blocked:     CUB's layout: block b owns a contiguous run of tiles of blockDim x U float4s,
//                each thread reads U neighbouring float4s (64 bytes for U = 4) of a tile; full
//                tiles unpredicated, as CUB does
//   waves:       grid = waves x (blocks resident per SM) x SMs
//   loads:       plain ld.global.nc.v4 (what the ladder uses), or with the L2::256B prefetch
//                qualifier (the L2 fetches the whole 256-byte block around the requested
//                sector from DRAM), or L1::no_allocate + L2::256B
//   passes:      "2" = the kernel plus a one-block finish kernel over its partials (step 7);
//                "1" = the last block to take a ticket folds the partials (step 8)
//
// Timing: bench/sweep_timing.h, "dirty" (the ladder's L2 flush) and "clean" (no dirty lines
// left in L2 for the timed kernel to write back).
#include "reduction.h"
#include "sweep_timing.h"

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/random.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace {

using ch04::kThreads;
using ch04::kWarps;

enum Layout { kInterleaved = 0, kContiguous = 1, kBlocked = 2, kTiles = 3 };
enum Load { kPlain = 0, kL2Prefetch = 1, kNoAllocPrefetch = 2 };

template <int kLoad>
__device__ __forceinline__ float4 load4(const float4* p) {
  if constexpr (kLoad == kPlain) {
    return __ldg(p);
  } else if constexpr (kLoad == kL2Prefetch) {
    float4 v;
    asm volatile("ld.global.nc.L2::256B.v4.f32 {%0, %1, %2, %3}, [%4];"
                 : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w)
                 : "l"(p));
    return v;
  } else {
    float4 v;
    asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v4.f32 {%0, %1, %2, %3}, [%4];"
                 : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w)
                 : "l"(p));
    return v;
  }
}

__device__ float block_sum(float v, float* sWarp) {  // sWarp: one float per warp of the block
  const ch04::SumOp op;
  v = wb::warp_reduce(v, op);
  if (threadIdx.x % 32 == 0) sWarp[threadIdx.x / 32] = v;
  __syncthreads();
  v = threadIdx.x < blockDim.x / 32 ? sWarp[threadIdx.x % 32] : 0.0f;
  return wb::warp_reduce(v, op);  // thread 0: the block's sum
}

// This thread's share of count partials (16-byte aligned), 16 float4 loads in flight at a time:
// with 1024 threads, 65536 partials are one round of loads, not 64 dependent ones.
__device__ float fold_partials(const float* gPartials, int count) {
  constexpr int kIn = 16;
  const float4* gVec = reinterpret_cast<const float4*>(gPartials);
  const int vectors = count / 4;
  float v = 0.0f;
  for (int base = 0; base < vectors; base += kIn * blockDim.x) {
    float4 r[kIn];
#pragma unroll
    for (int u = 0; u < kIn; ++u) {
      const int i = base + u * blockDim.x + threadIdx.x;
      r[u] = i < vectors ? __ldcg(gVec + i) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }
#pragma unroll
    for (int u = 0; u < kIn; ++u)
      v += (r[u].x + r[u].y) + (r[u].z + r[u].w);
  }
  for (int i = 4 * vectors + threadIdx.x; i < count; i += blockDim.x)
    v += __ldcg(gPartials + i);
  return v;
}

// Single-pass ending (step 8's): publish the partial, take a ticket, the last block folds.
__device__ void finish_in_last_block(float v, float* sWarp, float* gPartials, unsigned* gCounter,
                                     float* gOut) {
  __shared__ bool sIsLast;
  if (threadIdx.x == 0) {
    gPartials[blockIdx.x] = v;
    __threadfence();
    sIsLast = atomicInc(gCounter, gridDim.x - 1) == gridDim.x - 1;
  }
  __syncthreads();
  if (!sIsLast) return;
  __threadfence();
  v = fold_partials(gPartials, static_cast<int>(gridDim.x));
  __syncthreads();
  v = block_sum(v, sWarp);
  if (threadIdx.x == 0) gOut[0] = v;
}

template <int kU, int kLayout, int kLoad, bool kOnePass>
__global__ void __launch_bounds__(kThreads)
    sweep_kernel(const float4* __restrict__ gVec, std::int64_t vectors, std::int64_t chunk,
                 float* __restrict__ gPartials, unsigned* __restrict__ gCounter,
                 float* __restrict__ gOut) {
  __shared__ float sWarp[kWarps];
  float v = 0.0f;
  if constexpr (kLayout == kTiles) {  // chunk = kC tiles; float4 j + u * blockDim of each tile
    const std::int64_t tile = static_cast<std::int64_t>(blockDim.x) * kU;
    const std::int64_t begin = static_cast<std::int64_t>(blockIdx.x) * chunk;
    const std::int64_t end = begin + chunk < vectors ? begin + chunk : vectors;
    for (std::int64_t t0 = begin; t0 < end; t0 += tile) {
      float4 r[kU];
#pragma unroll
      for (int u = 0; u < kU; ++u) {
        const std::int64_t j = t0 + u * blockDim.x + threadIdx.x;
        r[u] = j < end ? load4<kLoad>(gVec + j) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
      }
#pragma unroll
      for (int u = 0; u < kU; ++u)
        v += (r[u].x + r[u].y) + (r[u].z + r[u].w);
    }
  } else if constexpr (kLayout == kBlocked) {
    const std::int64_t tile = static_cast<std::int64_t>(blockDim.x) * kU;
    const std::int64_t begin = static_cast<std::int64_t>(blockIdx.x) * chunk;
    const std::int64_t end = begin + chunk < vectors ? begin + chunk : vectors;
    std::int64_t t0 = begin;
    for (; t0 + tile <= end; t0 += tile) {  // full tiles: no predication
      const std::int64_t j = t0 + static_cast<std::int64_t>(threadIdx.x) * kU;
      float4 r[kU];
#pragma unroll
      for (int u = 0; u < kU; ++u)
        r[u] = load4<kLoad>(gVec + j + u);
#pragma unroll
      for (int u = 0; u < kU; ++u)
        v += (r[u].x + r[u].y) + (r[u].z + r[u].w);
    }
    for (std::int64_t j = t0 + threadIdx.x; j < end; j += blockDim.x) {  // partial last tile
      const float4 x = load4<kLoad>(gVec + j);
      v += (x.x + x.y) + (x.z + x.w);
    }
  } else {
    std::int64_t begin, end, stride;
    if constexpr (kLayout == kContiguous) {
      begin = static_cast<std::int64_t>(blockIdx.x) * chunk + threadIdx.x;
      end = static_cast<std::int64_t>(blockIdx.x + 1) * chunk;
      end = end < vectors ? end : vectors;
      stride = blockDim.x;
    } else {
      begin = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
      end = vectors;
      stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    }
    std::int64_t j = begin;
    for (; j + (kU - 1) * stride < end; j += kU * stride) {
      float4 r[kU];
#pragma unroll
      for (int u = 0; u < kU; ++u)
        r[u] = load4<kLoad>(gVec + j + u * stride);
#pragma unroll
      for (int u = 0; u < kU; ++u)
        v += (r[u].x + r[u].y) + (r[u].z + r[u].w);
    }
    for (; j < end; j += stride) {
      const float4 x = load4<kLoad>(gVec + j);
      v += (x.x + x.y) + (x.z + x.w);
    }
  }
  v = block_sum(v, sWarp);
  if constexpr (kOnePass) {
    finish_in_last_block(v, sWarp, gPartials, gCounter, gOut);
  } else {
    if (threadIdx.x == 0) gPartials[blockIdx.x] = v;
  }
}

constexpr int kFinishThreads = 1024;

__global__ void __launch_bounds__(kFinishThreads)
    finish_kernel(const float* __restrict__ gPartials, int count, float* __restrict__ gOut) {
  __shared__ float sWarp[kFinishThreads / 32];
  float v = fold_partials(gPartials, count);
  v = block_sum(v, sWarp);
  if (threadIdx.x == 0) gOut[0] = v;
}

struct Row {
  std::string name;
  int blocks = 0;
  sweep::Timing t;
  double value = 0;
  bool ok = false;
  bool checked = true;
};

struct Setup {
  const float4* vec;
  std::int64_t vectors;
  wb::DeviceBuffer<float>* partials;
  wb::DeviceBuffer<unsigned>* counter;
  wb::DeviceBuffer<float>* out;
  const ch04::Problem* problem;  // the reference; nullptr: no check (a shifted view)
};

// Blocks for the kTiles layout: `tiles` tiles of kThreads x kU float4s per block.
int tile_blocks(std::int64_t vectors, int u, int tiles) {
  return static_cast<int>(wb::ceil_div(vectors, std::int64_t{kThreads} * u * tiles));
}

template <int kU, int kLayout, int kLoad, bool kOnePass>
Row run(const std::string& name, const Setup& s, int blocks) {
  std::int64_t chunk = wb::ceil_div(s.vectors, blocks);
  if (kLayout == kBlocked || kLayout == kTiles) {  // whole tiles per block, as CUB's even share
    const std::int64_t tile = kThreads * kU;
    chunk = wb::ceil_div(wb::ceil_div(s.vectors, tile), blocks) * tile;
  }
  auto work = [&](cudaStream_t st) {
    sweep_kernel<kU, kLayout, kLoad, kOnePass><<<blocks, kThreads, 0, st>>>(
        s.vec, s.vectors, chunk, s.partials->data(), s.counter->data(), s.out->data());
    WB_CHECK_LAUNCH();
    if (!kOnePass) {
      finish_kernel<<<1, kFinishThreads, 0, st>>>(s.partials->data(), blocks, s.out->data());
      WB_CHECK_LAUNCH();
    }
  };
  WB_CUDA_CHECK(cudaMemset(s.out->data(), 0xFF, sizeof(float)));  // poison: NaN
  work(nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  Row r{name, blocks, {}, s.out->download()[0], true};
  r.checked = s.problem != nullptr;
  if (r.checked)
    r.ok = ch04::compare_result(static_cast<float>(r.value), *s.problem, ch04::Op::kSum).ok();
  r.t = sweep::time_both(work);
  return r;
}

template <int kU, int kLayout, int kLoad, bool kOnePass>
int per_sm() {
  int n = 0;
  WB_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
      &n, sweep_kernel<kU, kLayout, kLoad, kOnePass>, kThreads, 0));
  return n;
}

}  // namespace

int main() {
  const std::int64_t n = std::int64_t{1} << 28, vectors = n / 4;
  ch04::Problem p = ch04::make_problem(n, wb::derive_seed(wb::base_seed(), "sweep"));
  wb::DeviceBuffer<float> in(p.in);
  p.in.clear();
  p.in.shrink_to_fit();
  wb::DeviceBuffer<float> partials(1 << 20), out(1);
  wb::DeviceBuffer<unsigned> counter(1);
  WB_CUDA_CHECK(cudaMemset(counter.data(), 0, sizeof(unsigned)));
  const Setup s{reinterpret_cast<const float4*>(in.data()), vectors, &partials, &counter, &out, &p};
  int dev = 0, sms = 0;
  WB_CUDA_CHECK(cudaGetDevice(&dev));
  WB_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  const int r4 = per_sm<4, kInterleaved, kPlain, false>() * sms;
  const int r8 = per_sm<8, kInterleaved, kPlain, false>() * sms;
  std::printf("SMs %d, resident blocks: unroll 4 -> %d, unroll 8 -> %d\n", sms, r4, r8);

  std::vector<Row> rows;
  auto w = [](int waves) { return " waves " + std::to_string(waves); };
  for (int waves : {1, 2, 4, 8}) {
    rows.push_back(run<4, kInterleaved, kPlain, false>("interleaved u4" + w(waves), s, waves * r4));
    rows.push_back(run<8, kInterleaved, kPlain, false>("interleaved u8" + w(waves), s, waves * r8));
    rows.push_back(run<4, kContiguous, kPlain, false>("contiguous  u4" + w(waves), s, waves * r4));
    rows.push_back(run<8, kContiguous, kPlain, false>("contiguous  u8" + w(waves), s, waves * r8));
  }
  // The body starting 16 bytes past a 128-byte line: each warp's 512-byte load touches 5 lines.
  {
    Setup shifted = s;
    shifted.vec += 1;
    shifted.vectors -= 1;
    shifted.problem = nullptr;
    rows.push_back(
        run<4, kInterleaved, kPlain, false>("interleaved u4 waves 1, body +16 B", shifted, r4));
  }
  rows.push_back(run<4, kBlocked, kPlain, false>("blocked u4 waves 5 (CUB's layout)", s, 5 * r4));
  rows.push_back(run<4, kBlocked, kPlain, false>("blocked u4 waves 8", s, 8 * r4));
  rows.push_back(run<4, kContiguous, kPlain, false>("one 16 KB tile per block", s,
                                                    static_cast<int>(vectors / (kThreads * 4))));
  // Load flavours on the best plain layouts.
  rows.push_back(
      run<8, kInterleaved, kL2Prefetch, false>("interleaved u8 waves 8, L2::256B", s, 8 * r8));
  rows.push_back(
      run<4, kInterleaved, kL2Prefetch, false>("interleaved u4 waves 8, L2::256B", s, 8 * r4));
  rows.push_back(
      run<8, kInterleaved, kL2Prefetch, false>("interleaved u8 waves 1, L2::256B", s, r8));
  rows.push_back(run<8, kInterleaved, kNoAllocPrefetch, false>(
      "interleaved u8 waves 8, no_alloc+256B", s, 8 * r8));
  rows.push_back(
      run<4, kContiguous, kL2Prefetch, false>("contiguous  u4 waves 2, L2::256B", s, 2 * r4));
  rows.push_back(run<4, kBlocked, kL2Prefetch, false>("blocked u4 waves 5, L2::256B", s, 5 * r4));
  // One pass (step 8's ending) on the same layouts.
  rows.push_back(run<8, kInterleaved, kPlain, true>("1-pass interleaved u8 waves 8", s, 8 * r8));
  rows.push_back(run<8, kInterleaved, kPlain, true>("1-pass interleaved u8 waves 1", s, r8));
  rows.push_back(
      run<8, kInterleaved, kL2Prefetch, true>("1-pass interleaved u8 w8, L2::256B", s, 8 * r8));
  rows.push_back(
      run<8, kInterleaved, kL2Prefetch, true>("1-pass interleaved u8 w1, L2::256B", s, r8));

  // Narrow windows: consecutive blocks read consecutive tiles (the read ceiling's own layout is
  // one 4 KB tile per block), with a finish that keeps 16 float4 loads in flight per thread.
  rows.push_back(run<1, kTiles, kPlain, false>("tiles 4 KB/block", s, tile_blocks(vectors, 1, 1)));
  rows.push_back(run<2, kTiles, kPlain, false>("tiles 8 KB/block", s, tile_blocks(vectors, 2, 1)));
  rows.push_back(run<4, kTiles, kPlain, false>("tiles 16 KB/block", s, tile_blocks(vectors, 4, 1)));
  rows.push_back(run<8, kTiles, kPlain, false>("tiles 32 KB/block", s, tile_blocks(vectors, 8, 1)));
  rows.push_back(
      run<4, kTiles, kPlain, false>("tiles 4 x 16 KB/block", s, tile_blocks(vectors, 4, 4)));
  rows.push_back(
      run<4, kTiles, kPlain, false>("tiles 16 x 16 KB/block", s, tile_blocks(vectors, 4, 16)));
  rows.push_back(run<4, kTiles, kL2Prefetch, false>("tiles 16 KB/block, L2::256B", s,
                                                    tile_blocks(vectors, 4, 1)));
  rows.push_back(
      run<2, kTiles, kPlain, true>("1-pass tiles 8 KB/block", s, tile_blocks(vectors, 2, 1)));
  rows.push_back(
      run<4, kTiles, kPlain, true>("1-pass tiles 16 KB/block", s, tile_blocks(vectors, 4, 1)));
  rows.push_back(
      run<8, kTiles, kPlain, true>("1-pass tiles 32 KB/block", s, tile_blocks(vectors, 8, 1)));
  rows.push_back(
      run<4, kTiles, kPlain, true>("1-pass tiles 4 x 16 KB/block", s, tile_blocks(vectors, 4, 4)));

  const std::size_t temp_bytes = ch04::cub_sum_temp_bytes(n);
  wb::DeviceBuffer<unsigned char> temp(temp_bytes);
  auto cub = [&](cudaStream_t st) {
    ch04::cub_sum(in.data(), out.data(), n, temp.data(), temp_bytes, st);
  };
  WB_CUDA_CHECK(cudaMemset(out.data(), 0xFF, sizeof(float)));
  cub(nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  Row c{"cub::DeviceReduce::Sum", 0, {}, out.download()[0], false};
  c.ok = ch04::compare_result(static_cast<float>(c.value), p, ch04::Op::kSum).ok();
  c.t = sweep::time_both(cub);

  std::printf("n = 2^28 floats (1 GiB), medians of 25 reps; ref sum %.6f\n", p.ref_sum);
  std::printf("%-40s %6s | %8s %6s %6s %6s | %8s %6s | %s\n", "layout", "blocks", "dirty ms",
              "spread", "GB/s", "x cub", "clean ms", "x cub", "sum (check)");
  auto print = [&](const Row& r) {
    std::printf("%-40s %6d | %8.4f %5.1f%% %6.0f %6.3f | %8.4f %6.3f | %.3f %s\n", r.name.c_str(),
                r.blocks, r.t.dirty_ms, 100 * r.t.spread, 4.0 * n / r.t.dirty_ms / 1e6,
                c.t.dirty_ms / r.t.dirty_ms, r.t.clean_ms, c.t.clean_ms / r.t.clean_ms, r.value,
                !r.checked ? "(shifted view: not checked)"
                : r.ok     ? "ok"
                           : "WRONG");
  };
  for (const Row& r : rows)
    print(r);
  print(c);
  std::printf("read ceiling (as the ladder measures it): %.0f GB/s\n",
              ch04::measure_read_bandwidth_GBps());
  bool all_ok = c.ok;
  for (const Row& r : rows)
    all_ok = all_ok && r.ok;
  return all_ok ? 0 : 1;
}
