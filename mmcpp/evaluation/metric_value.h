// MetricValue: one value of a metric's result dict. MMEngine metrics return any
// Python value; MMPretrain's return a float (`tensor.item()`), an int (support),
// a list (`tensor.tolist()` of the `*_classwise` keys) or a tensor
// (ConfusionMatrix). Scalars (float and int) are what MMEngine's `_is_scalar`
// accepts: they go to the message hub's scalars, the others to its runtime info.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "mmcpp/config/value.h"

namespace mmcpp::io {
class PyObject;
}

namespace mmcpp::evaluation {

class MetricValue {
 public:
  enum class Kind { Float, Int, FloatList, IntList, Tensor };

  // A float (Python float). Implicit, so scalar metrics read as doubles.
  MetricValue(double v = 0.0) : kind_(Kind::Float), scalar_(v) {}  // NOLINT
  static MetricValue integer(std::int64_t v);
  static MetricValue float_list(std::vector<double> values);
  static MetricValue int_list(std::vector<std::int64_t> values);
  // A tensor result (kept on the CPU as is). A one-element tensor is still a
  // tensor here, but counts as a scalar (MMEngine's _is_scalar).
  static MetricValue tensor(at::Tensor t);
  // `t.tolist()` for a 1-D tensor (float or int list); `t.item()` for 0-dim.
  static MetricValue from_tolist(const at::Tensor& t);

  Kind kind() const { return kind_; }
  bool is_scalar() const;
  bool is_int() const { return kind_ == Kind::Int; }
  // The scalar value; TypeError for lists and tensors of more than one element.
  double scalar() const;
  operator double() const { return scalar(); }  // NOLINT
  const std::vector<double>& float_values() const { return floats_; }
  const std::vector<std::int64_t>& int_values() const { return ints_; }
  const at::Tensor& tensor_value() const { return tensor_; }

  // As a config value (what MMEngine's LoggerHook._process_tags makes JSON of):
  // tensors become nested lists (`tolist()`).
  config::Value to_value() const;
  // As a Python object for pickles (tensors stay tensors).
  io::PyObject to_py() const;
  // Python's repr: 92.5, 200, [1.0, 2.5], tensor([[2, 1], [0, 3]]).
  std::string repr() const;
  // Equal kind and value (tensors: same dtype, shape and elements).
  bool equals(const MetricValue& other) const;

 private:
  Kind kind_;
  double scalar_ = 0.0;
  std::int64_t int_ = 0;
  std::vector<double> floats_;
  std::vector<std::int64_t> ints_;
  at::Tensor tensor_;
};

// Metric values by name, in the order the metrics produce them.
using Metrics = std::vector<std::pair<std::string, MetricValue>>;

// torch's repr of a tensor ("tensor([[2, 1],\n        [0, 3]])"), for logs.
std::string tensor_repr(const at::Tensor& t);

}  // namespace mmcpp::evaluation
