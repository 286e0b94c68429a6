#include "mmcpp/editing/transforms/results_arrays.h"

#include "mmcpp/core/error.h"

namespace mmcpp::editing {

namespace {

[[noreturn]] void missing(const data::Results& results, const std::string& key) {
  std::string present;
  for (const auto& [k, v] : results.arrays) present += (present.empty() ? "" : ", ") + k;
  for (const auto& [k, v] : results.info.as_dict().entries())
    present += (present.empty() ? "" : ", ") + k.str();
  throw Error("KeyError", "'" + key + "': the results have no image '" + key +
                              "' (keys present: " + present + ")");
}

}  // namespace

torch::Tensor& array_of(data::Results& results, const std::string& key) {
  auto it = results.arrays.find(key);
  if (it == results.arrays.end()) missing(results, key);
  return it->second;
}

const torch::Tensor& array_of(const data::Results& results, const std::string& key) {
  auto it = results.arrays.find(key);
  if (it == results.arrays.end()) missing(results, key);
  return it->second;
}

bool has_array(const data::Results& results, const std::string& key) {
  return results.arrays.count(key) > 0;
}

config::Value shape_tuple(const torch::Tensor& t) {
  config::Value::Items items;
  for (std::int64_t d = 0; d < t.dim(); ++d)
    items.emplace_back(static_cast<std::int64_t>(t.size(d)));
  return config::Value::tuple(std::move(items));
}

bool cv_output_layout_ok(const torch::Tensor& t) {
  const std::int64_t ndims = t.dim();
  for (std::int64_t i = ndims - 1; i >= 0; --i) {
    if (i == ndims - 1 && t.size(i) > 1 && t.stride(i) != 1) return false;
    if (i < ndims - 1 && t.size(i) > 1 && t.stride(i) < t.stride(i + 1)) return false;
  }
  const bool multichannel = ndims == 3 && t.size(2) <= 512;
  if (multichannel && t.stride(1) != t.size(2)) return false;
  return true;
}

std::vector<std::string> keys_of(const config::Value& keys, const std::string& what) {
  if (keys.is_str()) return {keys.as_str()};
  if (keys.is_sequence()) {
    std::vector<std::string> out;
    for (const auto& k : keys.items()) {
      if (!k.is_str())
        throw Error("TypeError", what + " must be str or a list of str, got " + keys.repr());
      out.push_back(k.as_str());
    }
    return out;
  }
  throw Error("TypeError", what + " must be str or a list of str, got " + keys.repr());
}

std::string py_str_list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", '" : "'") + v[i] + "'";
  return s + "]";
}

}  // namespace mmcpp::editing
