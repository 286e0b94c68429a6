#include "mmcpp/cv/image/io.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"

namespace mmcpp::mmcv {

int imread_flag(const std::string& flag) {
  if (flag == "color") return cv::IMREAD_COLOR;
  if (flag == "grayscale") return cv::IMREAD_GRAYSCALE;
  if (flag == "unchanged") return cv::IMREAD_UNCHANGED;
  if (flag == "color_ignore_orientation") return cv::IMREAD_IGNORE_ORIENTATION | cv::IMREAD_COLOR;
  if (flag == "grayscale_ignore_orientation") {
    return cv::IMREAD_IGNORE_ORIENTATION | cv::IMREAD_GRAYSCALE;
  }
  throw Error("ValueError",
              "flag must be \"color\", \"grayscale\", \"unchanged\", "
              "\"color_ignore_orientation\" or \"grayscale_ignore_orientation\" "
              "but got " +
                  flag);
}

cv::Mat imfrombytes(const std::string& content, const std::string& flag,
                    const std::string& channel_order, const std::string& backend) {
  if (backend == "turbojpeg" || backend == "pillow" || backend == "tifffile") {
    throw Error("ValueError", "imdecode backend '" + backend +
                                  "' is not available in mmcpp; use imdecode_backend='cv2'");
  }
  if (backend != "cv2") {
    throw Error("ValueError", "backend: " + backend +
                                  " is not supported. Supported backends are 'cv2', "
                                  "'turbojpeg', 'pillow', 'tifffile'");
  }
  if (channel_order != "bgr" && channel_order != "rgb") {
    throw Error("ValueError", "channel order must be either \"rgb\" or \"bgr\"");
  }
  const int cv_flag = imread_flag(flag);
  if (content.empty()) throw Error("ValueError", "imfrombytes: the image content is empty");
  const cv::Mat buf(1, static_cast<int>(content.size()), CV_8U, const_cast<char*>(content.data()));
  cv::Mat img;
  try {
    img = cv::imdecode(buf, cv_flag);
  } catch (const cv::Exception& e) {
    return cv::Mat();  // a decoder that throws on garbage: treat as undecodable
  }
  if (!img.empty() && cv_flag == cv::IMREAD_COLOR && channel_order == "rgb") {
    cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
  }
  return img;
}

cv::Mat imread(const std::string& path, const std::string& flag, const std::string& channel_order,
               const std::string& backend, Env* env) {
  Env& e = env ? *env : Env::system();
  if (!e.exists(path) || e.is_dir(path)) {
    throw Error("FileNotFoundError", "[Errno 2] No such file or directory: '" + path + "'");
  }
  return imfrombytes(e.read_file(path), flag, channel_order, backend);
}

}  // namespace mmcpp::mmcv
