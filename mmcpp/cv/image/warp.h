// The affine warps and the cutout of mmcv/image/geometric.py that the
// auto-augment transforms use: imrotate, imshear, imtranslate (cv2.warpAffine
// with MMCV's matrices, so results equal MMCV's with the same OpenCV) and
// cutout. Images are uint8 (or any cv2 type for the warps) BGR Mats.
#pragma once

#include "mmcpp/cv/image/geometric.h"

#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mmcpp::mmcv {

// A fill value as MMCV receives it: one number (`integer` tells int from
// float) or a tuple of per-channel values. The form matters: cv2 turns a lone
// number into the scalar (v, 0, 0, 0), so imrotate(border_value=128) pads a BGR
// image with (128, 0, 0), while imshear/imtranslate repeat an int per channel.
struct FillValue {
  std::vector<double> values;  // one value unless `sequence`
  bool sequence = false;
  bool integer = true;

  static FillValue number(double v, bool integer) { return {{v}, false, integer}; }
  static FillValue tuple(std::vector<double> v) { return {std::move(v), true, false}; }
};

// cv2_interp_code (MMCV's interpolation names -> cv2 flags) is in geometric.h.

// mmcv.imrotate: positive angles rotate clockwise about `center` (w, h)
// (default: the image centre ((w-1)/2, (h-1)/2)); auto_bound grows the output
// to hold the whole rotated image.
cv::Mat imrotate(const cv::Mat& img, double angle, std::optional<cv::Point2d> center = std::nullopt,
                 double scale = 1.0, const FillValue& border_value = FillValue::number(0, true),
                 const std::string& interpolation = "bilinear", bool auto_bound = false,
                 const std::string& border_mode = "constant");

// mmcv.imshear: x' = x + magnitude * y ('horizontal') or y' = y + magnitude * x
// ('vertical'), the matrix in float32 as MMCV builds it.
cv::Mat imshear(const cv::Mat& img, double magnitude, const std::string& direction = "horizontal",
                const FillValue& border_value = FillValue::number(0, true),
                const std::string& interpolation = "bilinear");

// mmcv.imtranslate: shifts by `offset` pixels (float32 matrix, as MMCV).
cv::Mat imtranslate(const cv::Mat& img, double offset, const std::string& direction = "horizontal",
                    const FillValue& border_value = FillValue::number(0, true),
                    const std::string& interpolation = "bilinear");

// mmcv.cutout with its random centre given: (y0, x0) is what MMCV draws with
// np.random.uniform(img_h) / np.random.uniform(img_w) (values in (1, img_h]
// and (1, img_w]: numpy's low=img_h, high=1.0). Fills the (cut_h, cut_w)
// rectangle starting at (int(max(0, y0 - cut_h/2)), int(max(0, x0 - cut_w/2)))
// with pad_val cast to uint8.
cv::Mat cutout(const cv::Mat& img, int cut_h, int cut_w, const FillValue& pad_val, double y0,
               double x0);

}  // namespace mmcpp::mmcv
