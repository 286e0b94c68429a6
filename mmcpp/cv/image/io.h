// mmcv.image.io: decoding images (mmcv/image/io.py) with OpenCV's codecs, as
// mmcv's default 'cv2' backend does.
#pragma once

#include <opencv2/core.hpp>

#include <string>

namespace mmcpp {
class Env;
}

namespace mmcpp::mmcv {

// mmcv's imread_flags: color, grayscale, unchanged, color_ignore_orientation,
// grayscale_ignore_orientation -> cv::IMREAD_* (else ValueError).
int imread_flag(const std::string& flag);

// mmcv.imfrombytes with backend 'cv2': cv::imdecode of the bytes. Returns an
// empty Mat when OpenCV cannot decode them (cv2.imdecode returns None).
// channel_order 'rgb' converts a colour image. Empty `content` is a ValueError
// (cv2 raises on an empty buffer); other backends ('turbojpeg', 'pillow',
// 'tifffile') are a ValueError saying only 'cv2' is available.
cv::Mat imfrombytes(const std::string& content, const std::string& flag = "color",
                    const std::string& channel_order = "bgr", const std::string& backend = "cv2");

// mmcv.imread of a path: the bytes through `env` (FileNotFoundError naming the
// path when missing), then imfrombytes.
cv::Mat imread(const std::string& path, const std::string& flag = "color",
               const std::string& channel_order = "bgr", const std::string& backend = "cv2",
               Env* env = nullptr);

}  // namespace mmcpp::mmcv
