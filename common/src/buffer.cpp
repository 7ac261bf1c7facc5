#include "wb/buffer.h"

#include <utility>

namespace wb {

DeviceAllocation::DeviceAllocation(std::size_t bytes) : bytes_(bytes) {
  WB_CUDA_CHECK(cudaMalloc(&ptr_, bytes));
}

DeviceAllocation::~DeviceAllocation() {
  if (ptr_ != nullptr) cudaFree(ptr_);  // a destructor must not throw; a failed free is ignored
}

DeviceAllocation::DeviceAllocation(DeviceAllocation&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceAllocation& DeviceAllocation::operator=(DeviceAllocation&& other) noexcept {
  if (this != &other) {
    if (ptr_ != nullptr) cudaFree(ptr_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

}  // namespace wb
