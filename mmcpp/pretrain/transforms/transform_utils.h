// Free functions shared by the transforms (geometric ones, loading, formatting,
// wrappers): the results' image as a cv::Mat view and back, numpy-style shape
// tuples, argument parsing and Python-style repr pieces. (The colour and
// auto-augment transforms view the image through the ResultsImage class of
// results_image.h instead, which keeps an (H, W, 1) image's channel axis.)
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/image/geometric.h"
#include "mmcpp/data/transform.h"

namespace mmcpp::pretrain {

// results['img'] as a Mat aliasing the tensor (made row-contiguous first if it
// is not, e.g. after a transpose). KeyError when there is no image.
cv::Mat image_mat(data::Results& results);

// results['img'] = m (no copy); img_shape = (H, W), or img.shape (H, W[, C])
// when `full_shape` (MMPretrain's crops write the whole shape). `m` may be a
// view into the current image (a crop of image_mat()): see tensor_of.
void store_image(data::Results& results, const cv::Mat& m, bool full_shape = false);

// A tensor holding `m` without copying. A Mat that owns its buffer is wrapped
// (as_tensor); a Mat that only aliases memory (as_mat's views and their ROIs)
// keeps nothing alive, so when it lies inside `source` it becomes a slice of
// `source` (sharing its storage), and otherwise a copy.
torch::Tensor tensor_of(const cv::Mat& m, const torch::Tensor& source);

// numpy's img.shape / img.shape[:2] of the results' image tensor.
config::Value shape_of(const torch::Tensor& img);
config::Value hw_of(const torch::Tensor& img);

// Python's str() of a bool / float, as f-strings print them.
inline std::string py_bool(bool b) { return b ? "True" : "False"; }
std::string py_float(double d);

// `value` is an int n (-> (n, n)) or a 2-sequence of ints (list or tuple).
// `what` names the argument in the AssertionError.
std::pair<long long, long long> int_or_pair(const config::Value& value, const std::string& what);
// A list/tuple of numbers, or one number (-> {n}).
std::vector<double> numbers_of(const config::Value& value, const std::string& what);

// PadVal from a config value: a number, or a list/tuple of numbers.
mmcv::PadVal pad_val_of(const config::Value& value, const std::string& what);

// Throws AssertionError(message) unless `ok` (Python's assert).
void check(bool ok, const std::string& message);

}  // namespace mmcpp::pretrain
