#include "mmcpp/editing/transforms/values.h"

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/transforms/results_arrays.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;

SetValues::SetValues(Value dictionary) : dictionary_(std::move(dictionary)) {
  if (!dictionary_.is_dict())
    throw Error("TypeError", "SetValues: dictionary must be a dict, got " + dictionary_.repr());
}

std::shared_ptr<SetValues> SetValues::from_config(registry::BuildArgs& args) {
  return std::make_shared<SetValues>(args.require("dictionary"));
}

bool SetValues::transform(data::Results& results, Rng&) const {
  for (const auto& [k, v] : dictionary_.as_dict().entries()) {
    // A value replaces an image of the same name, as dict.update does.
    if (k.is_str()) results.arrays.erase(k.as_str());
    results.info.as_dict().set(k, v.deep_copy());
  }
  return true;
}

std::string SetValues::repr() const { return "SetValues(dictionary=" + dictionary_.repr() + ")"; }

CopyValues::CopyValues(std::vector<std::string> src_keys, std::vector<std::string> dst_keys)
    : src_keys_(std::move(src_keys)), dst_keys_(std::move(dst_keys)) {
  if (src_keys_.size() != dst_keys_.size())
    throw Error("ValueError",
                "\"src_keys\" and \"dst_keys\" should have the samenumber of elements.");
}

std::shared_ptr<CopyValues> CopyValues::from_config(registry::BuildArgs& args) {
  Value src = args.require("src_keys"), dst = args.require("dst_keys");
  if (!src.is_list() || !dst.is_list())
    throw Error("AssertionError", "\"src_keys\" and \"dst_keys\" must be lists.");
  return std::make_shared<CopyValues>(keys_of(src, "src_keys"), keys_of(dst, "dst_keys"));
}

bool CopyValues::transform(data::Results& results, Rng&) const {
  for (std::size_t i = 0; i < src_keys_.size(); ++i) {
    const std::string& src = src_keys_[i];
    const std::string& dst = dst_keys_[i];
    if (has_array(results, src)) {
      torch::Tensor copy = array_of(results, src).clone();
      results.info.as_dict().erase(dst);
      results.arrays[dst] = copy;
    } else if (const Value* v = results.info.as_dict().find(src)) {
      Value copy = v->deep_copy();
      results.arrays.erase(dst);
      results.info.as_dict().set(Value(dst), copy);
    } else {
      throw Error("KeyError", "'" + src + "': CopyValues found no results['" + src + "']");
    }
  }
  return true;
}

std::string CopyValues::repr() const {
  return "CopyValues(src_keys=" + py_str_list(src_keys_) + ")(dst_keys=" + py_str_list(dst_keys_) +
         ")";
}

MMCPP_REGISTER(TRANSFORMS, SetValues, "dict(type='SetValues', dictionary=dict(scale=2))");
MMCPP_REGISTER(TRANSFORMS, CopyValues,
               "dict(type='CopyValues', src_keys=['gt'], dst_keys=['img'])");

}  // namespace mmcpp::editing
