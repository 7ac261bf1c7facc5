#include "wb/timing.h"

#include "wb/buffer.h"
#include "wb/check.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

namespace wb {

double median(std::vector<double> values) {
  WB_REQUIRE_ARG(!values.empty(), "wb::median", "needs at least one value");
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

namespace {

int env_int(const char* name, int fallback, int min_value) {
  const char* v = std::getenv(name);
  if (v == nullptr || v[0] == '\0') return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  WB_REQUIRE_ARG(
      end != v && *end == '\0' && x >= min_value && x <= 100000, name,
      std::string("must be an integer >= ") + std::to_string(min_value) + ", got '" + v + "'");
  return static_cast<int>(x);
}

// Writing a buffer twice the L2 size evicts whatever the previous repetition left in L2. With
// `clean`, reading a second such buffer then replaces those dirty lines with clean ones.
class L2Flusher {
 public:
  explicit L2Flusher(bool clean) {
    int dev = 0, l2 = 0;
    WB_CUDA_CHECK(cudaGetDevice(&dev));
    WB_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev));
    const std::size_t bytes = 2 * static_cast<std::size_t>(l2 > 0 ? l2 : 1 << 20);
    buffer_ = std::make_unique<DeviceAllocation>(bytes);
    if (clean) {
      clean_ = std::make_unique<DeviceAllocation>(bytes);
      sink_ = std::make_unique<DeviceAllocation>(sizeof(float));
      WB_CUDA_CHECK(cudaMemset(clean_->get(), 0, bytes));
    }
  }
  void flush(cudaStream_t stream, int round) {
    WB_CUDA_CHECK(cudaMemsetAsync(buffer_->get(), round & 0xFF, buffer_->bytes(), stream));
    if (clean_) detail::read_through_l2(clean_->get(), clean_->bytes(), sink_->get(), stream);
  }

 private:
  std::unique_ptr<DeviceAllocation> buffer_, clean_, sink_;
};

class Event {
 public:
  Event() { WB_CUDA_CHECK(cudaEventCreate(&event_)); }
  ~Event() { cudaEventDestroy(event_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace

TimingOptions options_from_env(TimingOptions options) {
  options.warmup = env_int("WB_WARMUP", options.warmup, 0);
  options.reps = env_int("WB_REPS", options.reps, 1);
  return options;
}

TimingResult time_on_stream(const std::function<void(cudaStream_t)>& work, TimingOptions options,
                            cudaStream_t stream) {
  options = options_from_env(options);
  std::unique_ptr<L2Flusher> flusher;
  if (options.flush_l2) flusher = std::make_unique<L2Flusher>(options.clean_l2);
  for (int i = 0; i < options.warmup; ++i)
    work(stream);

  std::vector<Event> start(options.reps), stop(options.reps);
  for (int i = 0; i < options.reps; ++i) {
    if (flusher) flusher->flush(stream, i);
    WB_CUDA_CHECK(cudaEventRecord(start[i].get(), stream));
    work(stream);
    WB_CUDA_CHECK(cudaEventRecord(stop[i].get(), stream));
  }
  WB_CUDA_CHECK(cudaStreamSynchronize(stream));

  TimingResult result;
  for (int i = 0; i < options.reps; ++i) {
    float ms = 0.0f;
    WB_CUDA_CHECK(cudaEventElapsedTime(&ms, start[i].get(), stop[i].get()));
    result.ms.push_back(ms);
  }
  result.median_ms = median(result.ms);
  result.min_ms = *std::min_element(result.ms.begin(), result.ms.end());
  result.max_ms = *std::max_element(result.ms.begin(), result.ms.end());
  return result;
}

}  // namespace wb
