// Step 2 — a fixture for the stub-drift check's own test.
#include "fixture.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO("fixture",
                 "a hint long enough that clang-format wraps it over two lines, as it does in "
                 "the real stubs");

namespace fixture {

__global__ void kernel(float* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  // WB_EXERCISE_BEGIN
  // TODO: double out[i] when i < n.
  (void)i;
  // WB_EXERCISE_END
}

void launch(float* out, int n) {
  kernel<<<(n + 255) / 256, 256>>>(out, n);
}

}  // namespace fixture
