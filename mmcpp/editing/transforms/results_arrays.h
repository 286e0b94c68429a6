// Helpers of MMagic's transforms: images of the results by key (MMagic's
// pipelines carry several images: 'img' (LQ), 'gt', ...), numpy-style shape
// tuples, OpenCV's layout rule for arrays it writes into, Python reprs.
//
// An image is a tensor in numpy's layout (H, W, C); crops and transposes are
// views, as numpy's slicing and transpose are.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/data/transform.h"

namespace mmcpp::editing {

// results[key] as an array. KeyError naming the key and the keys present.
torch::Tensor& array_of(data::Results& results, const std::string& key);
const torch::Tensor& array_of(const data::Results& results, const std::string& key);
bool has_array(const data::Results& results, const std::string& key);

// numpy's arr.shape as a tuple.
config::Value shape_tuple(const torch::Tensor& t);

// Whether cv2 accepts `t` as an output array (dst) without a copy: the
// pyopencv_to layout rule (last axis contiguous, strides non-increasing, pixels
// of a multi-channel image contiguous). A transposed view fails it.
bool cv_output_layout_ok(const torch::Tensor& t);

// `keys`: a str or a list of str (MMagic: `keys if isinstance(keys, list) else [keys]`).
std::vector<std::string> keys_of(const config::Value& keys, const std::string& what);

// Python's repr of a list of str: ['img', 'gt'].
std::string py_str_list(const std::vector<std::string>& v);
inline std::string py_bool(bool b) { return b ? "True" : "False"; }

}  // namespace mmcpp::editing
