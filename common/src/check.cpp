#include "wb/check.h"

#include <cstdlib>
#include <sstream>

namespace wb {

void throw_cuda_error(cudaError_t code, const char* expr, const char* file, int line) {
  std::ostringstream what;
  what << expr << " failed at " << file << ":" << line << ": " << cudaGetErrorName(code) << " ("
       << cudaGetErrorString(code) << ")";
  throw CudaError(code, what.str());
}

void throw_invalid_argument(const char* where, const std::string& message) {
  throw std::invalid_argument(std::string(where) + ": " + message);
}

bool sync_after_launches() {
  static const bool on = [] {
    const char* v = std::getenv("WB_SYNC_LAUNCHES");
    return v != nullptr && v[0] != '\0' && v[0] != '0';
  }();
  return on;
}

}  // namespace wb
