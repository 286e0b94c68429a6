// OpenCV's thread pool while data-loader workers run.
//
// MMEngine makes OpenCV serial for the whole run (env_cfg.mp_cfg.opencv_num_threads,
// default 0), because its DataLoader workers are processes that each decode in
// parallel. Our workers are threads of one process, and OpenCV's pool (TBB in
// Debian's build) is shared by all of them and competes with LibTorch's intra-op
// pool on the main thread. This library registers a WorkerThreadsHook
// (mmcpp/core/threads.h) at load time: while any DataLoader iterates with
// num_workers > 0, cv::setNumThreads(1) (each worker decodes serially; the
// workers are the parallelism); when the last one stops, the previous count is
// restored, so a loader with num_workers=0 (decoding on the main thread) keeps
// the count set outside loaders: the Runner sets that from
// env_cfg.mp_cfg.opencv_num_threads (default 0, serial, as MMEngine), through the
// "opencv" library-threads setter registered here.
#pragma once

namespace mmcpp::pretrain {

// OpenCV's thread count while worker threads run (cv::setNumThreads argument).
constexpr int kOpenCVThreadsDuringWorkers = 1;

// cv::getNumThreads() / cv::setNumThreads(n), for code that does not include
// OpenCV (it is a private dependency of this library).
int opencv_num_threads();
void set_opencv_num_threads(int n);

}  // namespace mmcpp::pretrain
