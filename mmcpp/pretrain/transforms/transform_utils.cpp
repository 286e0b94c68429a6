#include "mmcpp/pretrain/transforms/transform_utils.h"

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/mat_tensor.h"

namespace mmcpp::pretrain {

using config::Value;

cv::Mat image_mat(data::Results& results) {
  torch::Tensor& img = results.img();
  const bool rows_packed =
      img.dim() == 2 ? img.stride(1) == 1
                     : img.dim() == 3 && img.stride(2) == 1 && img.stride(1) == img.size(2);
  if (!rows_packed || img.stride(0) < 0) img = img.contiguous();
  return mmcv::as_mat(img);
}

torch::Tensor tensor_of(const cv::Mat& m, const torch::Tensor& source) {
  if (m.u != nullptr || m.empty()) return mmcv::as_tensor(m);  // owns (or shares) its buffer
  if (source.defined() && source.dim() >= 2 && source.stride(1) > 0) {
    const auto* base = static_cast<const std::uint8_t*>(source.data_ptr());
    const std::int64_t elem = source.element_size();
    const std::int64_t row_bytes = source.stride(0) * elem, col_bytes = source.stride(1) * elem;
    const std::int64_t offset = m.data - base;
    if (offset >= 0 && row_bytes > 0 && static_cast<std::int64_t>(m.step[0]) == row_bytes) {
      const std::int64_t row = offset / row_bytes, col_bytes_in = offset % row_bytes;
      if (col_bytes_in % col_bytes == 0) {
        const std::int64_t col = col_bytes_in / col_bytes;
        if (row + m.rows <= source.size(0) && col + m.cols <= source.size(1)) {
          return source.slice(0, row, row + m.rows).slice(1, col, col + m.cols);
        }
      }
    }
  }
  return mmcv::as_tensor(m.clone());
}

void store_image(data::Results& results, const cv::Mat& m, bool full_shape) {
  torch::Tensor t = tensor_of(m, results.has_img() ? results.img() : torch::Tensor());
  results.set_img(t);
  if (full_shape) results.info.as_dict().set(Value("img_shape"), shape_of(t));
}

config::Value shape_of(const torch::Tensor& img) {
  Value::Items dims;
  for (auto s : img.sizes()) dims.emplace_back(static_cast<std::int64_t>(s));
  return Value::tuple(std::move(dims));
}

config::Value hw_of(const torch::Tensor& img) {
  return Value::tuple({Value(static_cast<std::int64_t>(img.size(0))),
                       Value(static_cast<std::int64_t>(img.size(1)))});
}

std::string py_float(double d) { return config::float_repr(d); }

std::pair<long long, long long> int_or_pair(const Value& value, const std::string& what) {
  if (value.is_int() && !value.is_bool()) return {value.as_int(), value.as_int()};
  if (value.is_sequence() && value.items().size() == 2 && value.items()[0].is_int() &&
      value.items()[1].is_int()) {
    return {value.items()[0].as_int(), value.items()[1].as_int()};
  }
  throw Error("AssertionError",
              what + " must be an int or a sequence of two ints, got " + value.repr());
}

std::vector<double> numbers_of(const Value& value, const std::string& what) {
  if (value.is_number()) return {value.as_number()};
  if (value.is_sequence()) {
    std::vector<double> out;
    for (const Value& v : value.items()) {
      if (!v.is_number()) {
        throw Error("TypeError", what + " must hold numbers, got " + value.repr());
      }
      out.push_back(v.as_number());
    }
    return out;
  }
  throw Error("TypeError",
              what + " must be a number or a sequence of numbers, got " + value.repr());
}

mmcv::PadVal pad_val_of(const Value& value, const std::string& what) {
  if (value.is_number() && !value.is_bool()) return mmcv::PadVal::number(value.as_number());
  if (value.is_sequence()) return mmcv::PadVal::tuple(numbers_of(value, what));
  throw Error("TypeError", what + " must be a int or a tuple. But received " + value.type_name());
}

void check(bool ok, const std::string& message) {
  if (!ok) throw Error("AssertionError", message);
}

}  // namespace mmcpp::pretrain
