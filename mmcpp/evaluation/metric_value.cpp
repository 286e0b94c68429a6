#include "mmcpp/evaluation/metric_value.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "mmcpp/core/error.h"
#include "mmcpp/io/py_object.h"

namespace mmcpp::evaluation {

MetricValue MetricValue::integer(std::int64_t v) {
  MetricValue m;
  m.kind_ = Kind::Int;
  m.int_ = v;
  m.scalar_ = static_cast<double>(v);
  return m;
}

MetricValue MetricValue::float_list(std::vector<double> values) {
  MetricValue m;
  m.kind_ = Kind::FloatList;
  m.floats_ = std::move(values);
  return m;
}

MetricValue MetricValue::int_list(std::vector<std::int64_t> values) {
  MetricValue m;
  m.kind_ = Kind::IntList;
  m.ints_ = std::move(values);
  return m;
}

MetricValue MetricValue::tensor(at::Tensor t) {
  if (!t.defined()) throw Error("ValueError", "a metric value tensor is undefined");
  MetricValue m;
  m.kind_ = Kind::Tensor;
  m.tensor_ = t.detach().cpu();
  return m;
}

MetricValue MetricValue::from_tolist(const at::Tensor& t) {
  at::Tensor c = t.detach().cpu().contiguous();
  const bool is_float = at::isFloatingType(c.scalar_type());
  if (c.dim() == 0)
    return is_float ? MetricValue(c.item<double>()) : integer(c.item<std::int64_t>());
  if (c.dim() != 1) return tensor(c);
  if (is_float) {
    at::Tensor d = c.to(at::kDouble);
    const double* p = d.data_ptr<double>();
    return float_list(std::vector<double>(p, p + d.numel()));
  }
  at::Tensor l = c.to(at::kLong);
  const std::int64_t* p = l.data_ptr<std::int64_t>();
  return int_list(std::vector<std::int64_t>(p, p + l.numel()));
}

bool MetricValue::is_scalar() const {
  return kind_ == Kind::Float || kind_ == Kind::Int ||
         (kind_ == Kind::Tensor && tensor_.numel() == 1);
}

double MetricValue::scalar() const {
  switch (kind_) {
    case Kind::Float:
    case Kind::Int:
      return scalar_;
    case Kind::Tensor:
      if (tensor_.numel() == 1) return tensor_.item<double>();
      break;
    default:
      break;
  }
  throw Error("TypeError", "the metric value " + repr() + " is not a scalar");
}

config::Value MetricValue::to_value() const {
  switch (kind_) {
    case Kind::Float:
      return config::Value(scalar_);
    case Kind::Int:
      return config::Value(int_);
    case Kind::FloatList: {
      config::Value::Items items;
      for (double v : floats_) items.emplace_back(v);
      return config::Value::list(std::move(items));
    }
    case Kind::IntList: {
      config::Value::Items items;
      for (std::int64_t v : ints_) items.emplace_back(v);
      return config::Value::list(std::move(items));
    }
    case Kind::Tensor: {
      // tensor.tolist(): nested lists, Python ints for integer dtypes.
      const bool is_float = at::isFloatingType(tensor_.scalar_type());
      at::Tensor c = tensor_.contiguous().to(is_float ? at::kDouble : at::kLong);
      std::function<config::Value(std::int64_t, std::int64_t)> build =
          [&](std::int64_t dim, std::int64_t offset) -> config::Value {
        if (dim == c.dim()) {
          return is_float ? config::Value(c.data_ptr<double>()[offset])
                          : config::Value(c.data_ptr<std::int64_t>()[offset]);
        }
        config::Value::Items items;
        for (std::int64_t i = 0; i < c.size(dim); ++i)
          items.push_back(build(dim + 1, offset + i * c.stride(dim)));
        return config::Value::list(std::move(items));
      };
      return build(0, 0);
    }
  }
  return config::Value();
}

io::PyObject MetricValue::to_py() const {
  switch (kind_) {
    case Kind::Float:
      return io::PyObject::from_float(scalar_);
    case Kind::Int:
      return io::PyObject::from_int(int_);
    case Kind::FloatList: {
      io::PyObject::Items items;
      for (double v : floats_) items.push_back(io::PyObject::from_float(v));
      return io::PyObject::list(std::move(items));
    }
    case Kind::IntList: {
      io::PyObject::Items items;
      for (std::int64_t v : ints_) items.push_back(io::PyObject::from_int(v));
      return io::PyObject::list(std::move(items));
    }
    case Kind::Tensor:
      return io::PyObject::tensor(tensor_.contiguous().clone());
  }
  return io::PyObject();
}

std::string MetricValue::repr() const {
  switch (kind_) {
    case Kind::Float:
      return config::float_repr(scalar_);
    case Kind::Int:
      return std::to_string(int_);
    case Kind::FloatList:
    case Kind::IntList:
      return to_value().repr();
    case Kind::Tensor:
      return tensor_repr(tensor_);
  }
  return "";
}

bool MetricValue::equals(const MetricValue& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::Float:
      return scalar_ == other.scalar_ || (std::isnan(scalar_) && std::isnan(other.scalar_));
    case Kind::Int:
      return int_ == other.int_;
    case Kind::FloatList:
      return floats_ == other.floats_;
    case Kind::IntList:
      return ints_ == other.ints_;
    case Kind::Tensor:
      return tensor_.scalar_type() == other.tensor_.scalar_type() &&
             tensor_.sizes() == other.tensor_.sizes() && tensor_.equal(other.tensor_);
  }
  return false;
}

// ---- torch's tensor repr (torch/_tensor_str.py, default print options) ----

namespace {

constexpr std::int64_t kThreshold = 1000;  // summarize above this many elements
constexpr std::int64_t kEdgeItems = 3;
constexpr std::size_t kLineWidth = 80;

struct Formatter {
  bool floating = false;
  bool int_mode = true;  // floats that are all whole numbers
  bool sci_mode = false;
  std::size_t width = 1;

  std::string format(double v) const {
    char buf[64];
    if (!floating) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    } else if (!std::isfinite(v)) {
      std::snprintf(buf, sizeof buf, "%s", std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
    } else if (sci_mode) {
      std::snprintf(buf, sizeof buf, "%.4e", v);
    } else if (int_mode) {
      std::snprintf(buf, sizeof buf, "%.0f.", v);
    } else {
      std::snprintf(buf, sizeof buf, "%.4f", v);
    }
    return buf;
  }
};

// The values shown (all, or the edges when summarizing).
void shown_values(const at::Tensor& t, bool summarize, std::vector<double>& out) {
  if (t.dim() == 0) {
    out.push_back(t.item<double>());
    return;
  }
  const std::int64_t n = t.size(0);
  if (summarize && n > 2 * kEdgeItems) {
    for (std::int64_t i = 0; i < kEdgeItems; ++i) shown_values(t[i], summarize, out);
    for (std::int64_t i = n - kEdgeItems; i < n; ++i) shown_values(t[i], summarize, out);
  } else {
    for (std::int64_t i = 0; i < n; ++i) shown_values(t[i], summarize, out);
  }
}

std::string format_rec(const at::Tensor& t, const Formatter& f, std::size_t indent,
                       bool summarize) {
  if (t.dim() == 0) {
    std::string s = f.format(t.item<double>());
    return std::string(f.width > s.size() ? f.width - s.size() : 0, ' ') + s;
  }
  const std::int64_t n = t.size(0);
  std::vector<std::string> parts;
  bool dots = summarize && n > 2 * kEdgeItems;
  // torch's _vector_str puts " ..." among the elements, _tensor_str "..." among rows.
  auto range = [&](auto fn) {
    if (dots) {
      for (std::int64_t i = 0; i < kEdgeItems; ++i) fn(i);
      parts.push_back(t.dim() == 1 ? " ..." : "...");
      for (std::int64_t i = n - kEdgeItems; i < n; ++i) fn(i);
    } else {
      for (std::int64_t i = 0; i < n; ++i) fn(i);
    }
  };
  if (t.dim() == 1) {
    range([&](std::int64_t i) { parts.push_back(format_rec(t[i], f, indent + 1, summarize)); });
    // Wrap lines as torch's _vector_str.
    std::size_t element_length = f.width + 2;
    std::size_t per_line =
        std::max<std::size_t>(1, (kLineWidth > indent ? kLineWidth - indent : 1) / element_length);
    std::string out = "[";
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out += (i % per_line == 0) ? ",\n" + std::string(indent + 1, ' ') : ", ";
      out += parts[i];
    }
    return out + "]";
  }
  range([&](std::int64_t i) { parts.push_back(format_rec(t[i], f, indent + 1, summarize)); });
  std::string sep =
      "," + std::string(static_cast<std::size_t>(t.dim() - 1), '\n') + std::string(indent + 1, ' ');
  std::string out = "[";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out + "]";
}

std::string torch_dtype_name(at::ScalarType t) {
  switch (t) {
    case at::kByte:
      return "uint8";
    case at::kChar:
      return "int8";
    case at::kShort:
      return "int16";
    case at::kInt:
      return "int32";
    case at::kLong:
      return "int64";
    case at::kHalf:
      return "float16";
    case at::kBFloat16:
      return "bfloat16";
    case at::kFloat:
      return "float32";
    case at::kDouble:
      return "float64";
    case at::kBool:
      return "bool";
    default:
      return c10::toString(t);
  }
}

}  // namespace

std::string tensor_repr(const at::Tensor& tensor) {
  at::Tensor t = tensor.detach().cpu();
  Formatter f;
  f.floating = at::isFloatingType(t.scalar_type());
  const bool summarize = t.numel() > kThreshold;
  std::vector<double> values;
  if (t.numel() > 0) shown_values(t.to(at::kDouble), summarize, values);
  if (f.floating) {
    double lo = INFINITY, hi = 0;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      if (v != std::floor(v)) f.int_mode = false;
      double a = std::abs(v);
      if (a != 0) lo = std::min(lo, a), hi = std::max(hi, a);
    }
    if (hi > 0 && (hi / lo > 1000.0 || hi > 1e8 || (!f.int_mode && lo < 1e-4))) f.sci_mode = true;
    if (f.int_mode && hi > 1e8) f.sci_mode = true;
  }
  for (double v : values) f.width = std::max(f.width, f.format(v).size());
  std::string body =
      t.numel() == 0 && t.dim() > 0 ? "[]" : format_rec(t.to(at::kDouble), f, 7, summarize);
  std::string suffix;
  if (t.scalar_type() != at::kFloat && t.scalar_type() != at::kLong && t.scalar_type() != at::kBool)
    suffix = ", dtype=torch." + torch_dtype_name(t.scalar_type());
  return "tensor(" + body + suffix + ")";
}

}  // namespace mmcpp::evaluation
