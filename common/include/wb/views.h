/// @file views.h
/// @brief One run of a float-in, float-out launcher on views offset inside their device buffers,
/// with the guard zones and the skipped prefix of the output checked (chapters 01 and 02).
///
/// Header-only; needs the CUDA runtime, which every chapter links.
#pragma once

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/numeric.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace wb {

/// Copies `in` to the device `in_offset` floats into its buffer (the prefix holds 1.0f), poisons
/// an output buffer of `out_elements + out_offset` floats, calls `launch(in_view, out_view)` (the
/// views start at the offsets; the guards stay around the whole buffers), waits for the device,
/// and returns the `out_elements` floats of the output view. `*guards_ok` (if not null) says
/// whether nothing was written outside the output view: the guard zones are intact and the
/// skipped prefix is still poison.
template <class Launch>
std::vector<float> run_on_views(const std::vector<float>& in, std::size_t out_elements,
                                int in_offset, int out_offset, bool* guards_ok, Launch&& launch) {
  DeviceBuffer<float> in_buffer(in.size() + in_offset), out_buffer(out_elements + out_offset);
  std::vector<float> staged(in.size() + in_offset, 1.0f);
  std::copy(in.begin(), in.end(), staged.begin() + in_offset);
  in_buffer.upload(staged);
  out_buffer.poison();

  launch(static_cast<const float*>(in_buffer.data() + in_offset), out_buffer.data() + out_offset);
  WB_CUDA_CHECK(cudaDeviceSynchronize());

  std::vector<float> all = out_buffer.download();
  bool ok = out_buffer.guards_intact();
  for (int i = 0; i < out_offset; ++i)
    ok = ok && is_poison(all[i]);  // the skipped prefix is outside the view
  if (guards_ok != nullptr) *guards_ok = ok;
  return std::vector<float>(all.begin() + out_offset, all.end());
}

}  // namespace wb
