#include "wb/random.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace wb {

std::uint64_t base_seed() {
  static std::once_flag once;
  static std::uint64_t seed = 0;
  std::call_once(once, [] {
    if (const char* env = std::getenv("WB_SEED"); env != nullptr && env[0] != '\0') {
      char* end = nullptr;
      seed = std::strtoull(env, &end, 10);
      if (end == env || *end != '\0') {
        throw std::invalid_argument(std::string("WB_SEED must be a decimal integer, got '") + env +
                                    "'");
      }
    } else {
      std::random_device device;
      seed = (std::uint64_t{device()} << 32) ^ device();
    }
    std::fprintf(stderr, "[wb] seed %llu (reproduce with WB_SEED=%llu)\n",
                 static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  });
  return seed;
}

std::uint64_t derive_seed(std::uint64_t base, const std::string& label) {
  // FNV-1a over the label, then a splitmix64 finaliser to spread the bits.
  std::uint64_t h = 1469598103934665603ull ^ base;
  for (unsigned char c : label)
    h = (h ^ c) * 1099511628211ull;
  h += 0x9E3779B97F4A7C15ull;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

}  // namespace wb
