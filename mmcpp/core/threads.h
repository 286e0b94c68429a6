// Thread settings of the LibTorch backend.
#pragma once

namespace mmcpp {

// Sets LibTorch's intra-op thread count to every core this process may run on
// (its CPU affinity mask, else std::thread::hardware_concurrency()), unless the
// user chose a count with OMP_NUM_THREADS, which LibTorch already honours.
// Returns the intra-op thread count in effect afterwards.
int configure_threads();

}  // namespace mmcpp
