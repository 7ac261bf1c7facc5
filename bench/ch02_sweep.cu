// Chapter 02 design sweep (not part of the ladder): which tile shape, threads per block, tile
// order and cache hints close the gap between step 3 (padded 32 x 32 tile, 91% of the copy
// ceiling at 8192^2) and cublasSgeam (94%)? Every variant is one templated kernel:
//
//   tile TR x TC floats of the input (padded to TC + 1 in shared memory: conflict-free columns),
//   a block of 32 x BY threads (each thread moves TR/BY x TC/32 floats in and TC/BY x TR/32 out),
//   tile order: row-major (consecutive blocks walk along an input row of tiles), column-major,
//   or grouped (8 tile rows at a time, column-major inside the group),
//   hints: loads plain (ld.global.nc) or with the L2::256B prefetch qualifier (the L2 fetches
//   the whole 256-byte block around the requested sector), stores plain or st.global.cs
//   (evict-first).
//
// Sizes must be multiples of 128 (no edge code: this is a design probe). Each variant's output is
// checked bit for bit against cuBLAS's. Timing: bench/sweep_timing.h ("dirty" = the ladder's
// L2 flush, "clean" = no dirty lines left for the timed kernel to write back). Prints a table.
#include "sweep_timing.h"
#include "transpose.h"

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/random.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

enum Order { kRowMajor = 0, kColMajor = 1, kGrouped = 2 };
enum Hint { kPlain = 0, kPrefetch = 1, kStreamStore = 2, kBoth = 3 };

template <int kHint>
__device__ __forceinline__ float load(const float* p) {
  if constexpr (kHint == kPrefetch || kHint == kBoth) {
    float v;
    asm volatile("ld.global.nc.L2::256B.f32 %0, [%1];" : "=f"(v) : "l"(p));
    return v;
  } else {
    return __ldg(p);
  }
}

template <int kHint>
__device__ __forceinline__ void store(float* p, float v) {
  if constexpr (kHint == kStreamStore || kHint == kBoth)
    __stcs(p, v);
  else
    *p = v;
}

template <int TR, int TC, int BY, int kOrder, int kHint>
__global__ void __launch_bounds__(32 * BY)
    tile_kernel(const float* __restrict__ gIn, float* __restrict__ gOut, std::int64_t rows,
                std::int64_t cols) {
  static_assert(TR % 32 == 0 && TC % 32 == 0 && TR % BY == 0 && TC % BY == 0, "tile shape");
  __shared__ float sTile[TR][TC + 1];
  const std::int64_t across = cols / TC, down = rows / TR, b = blockIdx.x;
  std::int64_t tr, tc;
  if constexpr (kOrder == kRowMajor) {
    tr = b / across;
    tc = b % across;
  } else if constexpr (kOrder == kColMajor) {
    tc = b / down;
    tr = b % down;
  } else {  // groups of 8 tile rows (down % 8 == 0), column-major inside a group
    const std::int64_t group = b / (8 * across), in = b % (8 * across);
    tr = group * 8 + in % 8;
    tc = in / 8;
  }
  const std::int64_t r0 = tr * TR, c0 = tc * TC;
  const int tx = threadIdx.x, ty = threadIdx.y;

  float rX[TR / BY][TC / 32];  // every load is issued before the first shared-memory store
#pragma unroll
  for (int i = 0; i < TR / BY; ++i)
#pragma unroll
    for (int j = 0; j < TC / 32; ++j)
      rX[i][j] = load<kHint>(gIn + (r0 + ty + i * BY) * cols + c0 + j * 32 + tx);
#pragma unroll
  for (int i = 0; i < TR / BY; ++i)
#pragma unroll
    for (int j = 0; j < TC / 32; ++j)
      sTile[ty + i * BY][j * 32 + tx] = rX[i][j];
  __syncthreads();
#pragma unroll
  for (int i = 0; i < TC / BY; ++i)
#pragma unroll
    for (int j = 0; j < TR / 32; ++j)
      store<kHint>(gOut + (c0 + ty + i * BY) * rows + r0 + j * 32 + tx,
                   sTile[j * 32 + tx][ty + i * BY]);
}

struct Variant {
  std::string name;
  std::function<void(const float*, float*, std::int64_t, std::int64_t, cudaStream_t)> launch;
};

template <int TR, int TC, int BY, int kOrder, int kHint>
Variant variant(const char* name) {
  return {name,
          [](const float* in, float* out, std::int64_t rows, std::int64_t cols, cudaStream_t s) {
            const std::int64_t blocks = (rows / TR) * (cols / TC);
            tile_kernel<TR, TC, BY, kOrder, kHint>
                <<<static_cast<unsigned>(blocks), dim3(32, BY), 0, s>>>(in, out, rows, cols);
            WB_CHECK_LAUNCH();
          }};
}

}  // namespace

int main() {
  const std::vector<Variant> variants = {
      variant<32, 32, 8, kRowMajor, kPlain>("32x32 tile, 32x8 thr (step 3)"),
      variant<32, 32, 8, kColMajor, kPlain>("32x32 tile, 32x8, column-major order"),
      variant<32, 32, 8, kGrouped, kPlain>("32x32 tile, 32x8, grouped order"),
      variant<32, 32, 4, kRowMajor, kPlain>("32x32 tile, 32x4 thr"),
      variant<32, 32, 16, kRowMajor, kPlain>("32x32 tile, 32x16 thr"),
      variant<32, 32, 32, kRowMajor, kPlain>("32x32 tile, 32x32 thr"),
      variant<64, 64, 8, kRowMajor, kPlain>("64x64 tile, 32x8 thr"),
      variant<64, 64, 16, kRowMajor, kPlain>("64x64 tile, 32x16 thr"),
      variant<64, 64, 32, kRowMajor, kPlain>("64x64 tile, 32x32 thr"),
      variant<64, 64, 16, kColMajor, kPlain>("64x64 tile, 32x16, column-major"),
      variant<32, 64, 8, kRowMajor, kPlain>("32x64 tile, 32x8 thr"),
      variant<64, 32, 8, kRowMajor, kPlain>("64x32 tile, 32x8 thr"),
      variant<32, 128, 8, kRowMajor, kPlain>("32x128 tile, 32x8 thr"),
      variant<128, 32, 8, kRowMajor, kPlain>("128x32 tile, 32x8 thr"),
      variant<32, 32, 8, kRowMajor, kPrefetch>("32x32 tile, 32x8, L2::256B loads"),
      variant<32, 32, 8, kRowMajor, kStreamStore>("32x32 tile, 32x8, .cs stores"),
      variant<32, 32, 8, kRowMajor, kBoth>("32x32 tile, 32x8, 256B loads + .cs"),
      variant<64, 64, 16, kRowMajor, kPrefetch>("64x64 tile, 32x16, L2::256B loads"),
      variant<64, 64, 16, kRowMajor, kStreamStore>("64x64 tile, 32x16, .cs stores"),
      variant<64, 64, 16, kRowMajor, kBoth>("64x64 tile, 32x16, 256B loads + .cs"),
      variant<32, 64, 8, kRowMajor, kPrefetch>("32x64 tile, 32x8, L2::256B loads"),
      variant<64, 64, 8, kColMajor, kPlain>("64x64 tile, 32x8, column-major"),
      variant<64, 64, 16, kGrouped, kPlain>("64x64 tile, 32x16, grouped"),
      variant<64, 64, 16, kColMajor, kPrefetch>("64x64, 32x16, col-major, L2::256B"),
      variant<64, 64, 16, kColMajor, kStreamStore>("64x64, 32x16, col-major, .cs stores"),
      variant<64, 32, 8, kColMajor, kPlain>("64x32 tile, 32x8, column-major"),
      variant<64, 128, 16, kColMajor, kPlain>("64x128 tile, 32x16, column-major"),
      variant<128, 64, 16, kColMajor, kPlain>("128x64 tile, 32x16, column-major"),
  };

  std::printf("%-40s %6s %6s | %8s %6s %6s %6s | %8s %6s %6s\n", "variant", "", "", "dirty ms",
              "spread", "x cub", "x cpy", "clean ms", "x cub", "x cpy");
  for (const auto& shape : {std::pair<std::int64_t, std::int64_t>{8192, 8192},
                            {4096, 65536},
                            {65536, 4096},
                            {16384, 16384}}) {
    const std::int64_t rows = shape.first, cols = shape.second, n = rows * cols;
    std::vector<float> host(static_cast<std::size_t>(n));
    wb::fill_random(host, wb::derive_seed(wb::base_seed(), "ch02-sweep"));
    wb::DeviceBuffer<float> in(host), out(static_cast<std::size_t>(n)),
        ref(static_cast<std::size_t>(n));
    auto cublas = [&](float* dst, cudaStream_t s) {
      ch02::launch_cublas({in.data(), dst, rows, cols}, s);
    };
    cublas(ref.data(), nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    const std::vector<float> want = ref.download();
    // cuBLAS itself against the definition, on a sample of elements.
    for (std::int64_t k = 0; k < n; k += 9973) {
      const std::int64_t r = k / cols, c = k % cols;
      if (want[static_cast<std::size_t>(c * rows + r)] != host[static_cast<std::size_t>(k)]) {
        std::fprintf(stderr, "cublasSgeam's output is not the transpose at (%lld, %lld)\n",
                     static_cast<long long>(r), static_cast<long long>(c));
        return 1;
      }
    }
    const sweep::Timing tcub = sweep::time_both([&](cudaStream_t s) { cublas(out.data(), s); });
    const sweep::Timing tcpy = sweep::time_both([&](cudaStream_t s) {
      WB_CUDA_CHECK(
          cudaMemcpyAsync(out.data(), in.data(), n * sizeof(float), cudaMemcpyDeviceToDevice, s));
    });
    std::printf("-- %lld x %lld (%.0f MiB moved)\n", static_cast<long long>(rows),
                static_cast<long long>(cols), 8.0 * n / (1 << 20));
    auto row = [&](const std::string& name, const sweep::Timing& t, const char* ok) {
      std::printf("%-40s %6s %6s | %8.4f %5.1f%% %6.3f %6.3f | %8.4f %6.3f %6.3f\n", name.c_str(),
                  ok, "", t.dirty_ms, 100 * t.spread, tcub.dirty_ms / t.dirty_ms,
                  tcpy.dirty_ms / t.dirty_ms, t.clean_ms, tcub.clean_ms / t.clean_ms,
                  tcpy.clean_ms / t.clean_ms);
    };
    for (const Variant& v : variants) {
      WB_CUDA_CHECK(cudaMemset(out.data(), 0xFF, n * sizeof(float)));  // poison: NaN
      v.launch(in.data(), out.data(), rows, cols, nullptr);
      WB_CUDA_CHECK(cudaDeviceSynchronize());
      const std::vector<float> got = out.download();
      const bool same = std::memcmp(got.data(), want.data(), n * sizeof(float)) == 0;
      const sweep::Timing t =
          sweep::time_both([&](cudaStream_t s) { v.launch(in.data(), out.data(), rows, cols, s); });
      row(v.name, t, same ? "ok" : "WRONG");
    }
    row("cublasSgeam", tcub, "ref");
    row("cudaMemcpy (copy, not a transpose)", tcpy, "-");
  }
  return 0;
}
