// CUDA memory helpers for LogProcessor (`memory: N`) and EmptyCacheHook.
//
// They use nothing CUDA-specific at compile time: the caching allocator's
// functions are looked up at run time in the already-loaded LibTorch CUDA
// library (libc10_cuda), so a CPU-only build compiles and simply reports
// "no CUDA".
#pragma once

#include <cstdint>
#include <optional>

namespace mmcpp::engine {

// mmengine.device.get_max_cuda_memory: the peak memory allocated by tensors on
// CUDA device `device_index` (-1: the current device) since the last call, in
// MB (integer division), and resets the peak. nullopt without CUDA.
std::optional<std::int64_t> cuda_max_memory_mb(int device_index = -1);

// torch.cuda.empty_cache(). Returns false (and does nothing) without CUDA.
bool cuda_empty_cache();

}  // namespace mmcpp::engine
