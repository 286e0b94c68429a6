// OpenCV's pool goes serial while a DataLoader's worker threads run and gets
// its previous size back when they stop.
#include <gtest/gtest.h>

#include "mmcpp/core/threads.h"
#include "mmcpp/pretrain/utils/opencv_threads.h"

namespace mmcpp::pretrain {
namespace {

TEST(OpenCVThreads, SerialWhileWorkerThreadsRun) {
  const int saved = opencv_num_threads();
  set_opencv_num_threads(3);
  {
    WorkerThreadsScope scope;
    EXPECT_EQ(opencv_num_threads(), kOpenCVThreadsDuringWorkers);
    {
      WorkerThreadsScope nested;
      EXPECT_EQ(opencv_num_threads(), kOpenCVThreadsDuringWorkers);
    }
    EXPECT_EQ(opencv_num_threads(), kOpenCVThreadsDuringWorkers);
  }
  EXPECT_EQ(opencv_num_threads(), 3);
  set_opencv_num_threads(saved);
}

}  // namespace
}  // namespace mmcpp::pretrain
