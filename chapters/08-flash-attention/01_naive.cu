// Chapter 08, step 1 — naive: three kernels, the score matrix in global memory.
//
// The idea: write attention as the formula reads. Kernel 1 writes S = scale * Q K^T (with -inf
// where the mask hides a key) as fp32 into global memory, one thread per score; kernel 2 is
// chapter 05's softmax-naive on the rows of S, called through chapter 05's library (its step 1,
// which every copy of the workbook has finished); kernel 3 reads P back and forms O = P V, one
// block per query row, and the row's lse = m + log(l) from S with the online softmax of
// wb/online.h reduced over the block (wb::block_allreduce, chapter 04).
//
// Prediction at B4 H16 S4096 d128 fp16 (0.55 TFLOP; Q, K, V, O 268 MB): S and P are each
// 4 H B Sq Sk = 4.3 GB of fp32. Kernel 1 writes S once, the softmax reads it three times and
// writes P, kernel 3 reads P and S: ~30 GB of traffic, ~10 ms at ~3 TB/s before any arithmetic.
// Kernel 1 also reads a key row per score (128 x 2 bytes, strided by d across a warp: L1 and L2
// serve it) and does its FMAs on the CUDA cores. Expect 40-100 ms, 5-15 TFLOP/s, and
// the score matrix's memory (B H Sq Sk x 8 bytes) limiting the sizes it can run at all.
// Nsight Compute: dram__bytes_read.sum in the tens of GB; sm__pipe_tensor_op_hmma at 0.
#include "attention.h"
#include "attention_device.cuh"

#include "softmax_layernorm.h"

#include "wb/device/vec.cuh"

namespace ch08 {
namespace {

constexpr int kScoreThreads = 256;

// (B H Sq, Sk) scores, flat index e = row * Sk + j with row = (b H + h) Sq + i: one thread per
// score, consecutive threads along the keys of one query row (a grid-stride loop, chapter 04).
template <class T>
__global__ void naive_scores_kernel(const Params<T> p, int d, float* __restrict__ gS) {
  const std::int64_t rows = static_cast<std::int64_t>(p.B) * p.H * p.Sq;
  const std::int64_t n = rows * p.Sk;
  for (std::int64_t e = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; e < n;
       e += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t row = e / p.Sk, j = e % p.Sk;
    const std::int64_t i = row % p.Sq, bh = row / p.Sq;
    const std::int64_t bhk = bh / p.H * (p.H / p.group) + bh % p.H / p.group;  // (b, h / group)
    if (!visible(i, j, p.Sq, p.Sk, p.causal)) {
      gS[e] = -INFINITY;
      continue;
    }
    const T* q = p.Q + row * d;               // (d)
    const T* k = p.K + (bhk * p.Sk + j) * d;  // (d)
    float acc = 0.0f;
    for (int c = 0; c < d; ++c)
      acc += wb::load_f32(q + c) * wb::load_f32(k + c);
    gS[e] = acc * p.scale;
  }
}

// One block of d threads per query row: thread c forms O[row][c] = sum_j P[row][j] V[j][c] (P is
// one broadcast address per j, V a coalesced row), and the block reduces the row of S to its
// online-softmax state (m, l) for lse.
template <class T>
__global__ void naive_pv_kernel(const Params<T> p, int d, const float* __restrict__ gS,
                                const float* __restrict__ gP) {
  __shared__ wb::OnlineSoftmax sPart[wb::kWarpSize];
  const std::int64_t row = blockIdx.x;  // (b H + h) Sq + i
  const int c = threadIdx.x;
  const std::int64_t bh = row / p.Sq;
  const std::int64_t bhk = bh / p.H * (p.H / p.group) + bh % p.H / p.group;
  const float* s = gS + row * p.Sk;   // (Sk)
  const float* pr = gP + row * p.Sk;  // (Sk)
  const T* v = p.V + bhk * p.Sk * d;  // (Sk, d)
  float acc = 0.0f;
  wb::OnlineSoftmax stat = wb::online_identity();
  for (std::int64_t j = 0; j < p.Sk; ++j)
    acc += pr[j] * wb::load_f32(v + j * d + c);
  for (std::int64_t j = c; j < p.Sk; j += d)
    stat = wb::online_push(stat, s[j]);
  stat = wb::block_allreduce(stat, wb::OnlineMerge{}, wb::online_identity(), sPart);
  wb::store_f32(p.O + row * d + c, acc);
  if (c == 0) p.lse[row] = stat.l > 0.0f ? stat.m + logf(stat.l) : INFINITY;
}

}  // namespace

template <class T>
void launch_naive(const Args<T>& a, cudaStream_t stream) {
  const std::string where = where_of<T>("naive");
  validate(a, where.c_str());
  WB_REQUIRE_ARG(a.workspace != nullptr, where.c_str(),
                 "workspace is a null pointer: the naive step keeps S and P in global memory and "
                 "needs naive_workspace_floats(B, H, Sq, Sk) floats");
  const std::int64_t rows = a.B * a.H * a.Sq;
  WB_REQUIRE_ARG(rows <= wb::kMaxGridX, where.c_str(),
                 "B H Sq must be at most 2^31 - 1 (one block per query row)");
  float* gS = a.workspace;                 // (rows, Sk)
  float* gP = gS + rows * a.Sk;            // (rows, Sk)
  float* gSoftmaxWork = gP + rows * a.Sk;  // (2 rows): chapter 05's max and sum
  const Params<T> p = params_of(a);
  const std::int64_t blocks = std::min<std::int64_t>(
      (rows * a.Sk + kScoreThreads - 1) / kScoreThreads, std::int64_t{1} << 20);
  naive_scores_kernel<T><<<static_cast<unsigned>(blocks), kScoreThreads, 0, stream>>>(p, a.d, gS);
  WB_CHECK_LAUNCH();
  ch05::SoftmaxArgs soft;
  soft.in = gS;
  soft.out = gP;
  soft.rows = rows;
  soft.cols = a.Sk;
  soft.dtype = ch05::DType::f32;
  soft.workspace = gSoftmaxWork;
  ch05::launch_softmax_naive(soft, stream);
  naive_pv_kernel<T><<<static_cast<unsigned>(rows), a.d, 0, stream>>>(p, a.d, gS, gP);
  WB_CHECK_LAUNCH();
}

template void launch_naive<__half>(const Args<__half>&, cudaStream_t);
template void launch_naive<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
