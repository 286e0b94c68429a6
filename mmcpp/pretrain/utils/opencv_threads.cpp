#include "mmcpp/pretrain/utils/opencv_threads.h"

#include <opencv2/core/utility.hpp>

#include <memory>

#include "mmcpp/core/threads.h"

namespace mmcpp::pretrain {
namespace {

const bool kOpenCVHookAdded = [] {
  auto saved = std::make_shared<int>(-1);  // cv::setNumThreads(-1): OpenCV's default
  add_worker_threads_hook({"opencv",
                           [saved] {
                             *saved = cv::getNumThreads();
                             cv::setNumThreads(kOpenCVThreadsDuringWorkers);
                           },
                           [saved] { cv::setNumThreads(*saved); }});
  // env_cfg.mp_cfg.opencv_num_threads (MMEngine's set_multi_processing).
  add_library_threads("opencv", [](int n) { cv::setNumThreads(n); });
  return true;
}();

}  // namespace

int opencv_num_threads() { return cv::getNumThreads(); }
void set_opencv_num_threads(int n) { cv::setNumThreads(n); }

}  // namespace mmcpp::pretrain
