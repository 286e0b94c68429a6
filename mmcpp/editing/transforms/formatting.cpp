#include "mmcpp/editing/transforms/formatting.h"

#include <torch/torch.h>

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/editing/transforms/results_arrays.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;

torch::Tensor image_to_tensor(const torch::Tensor& img) {
  torch::Tensor t = img.dim() < 3 ? img.unsqueeze(-1) : img;
  return t.permute({2, 0, 1}).contiguous();
}

namespace {

bool contains(const std::vector<std::string>& v, const std::string& k) {
  return std::find(v.begin(), v.end(), k) != v.end();
}

// mmcv's to_tensor of a plain value: int -> LongTensor([v]), float ->
// FloatTensor([v]), a list of numbers -> torch.tensor(list).
torch::Tensor value_to_tensor(const Value& v, const std::string& key) {
  if (v.is_int() && !v.is_bool()) return torch::tensor({v.as_int()}, torch::kLong);
  if (v.is_float()) return torch::tensor({static_cast<float>(v.as_float())}, torch::kFloat);
  if (v.is_sequence()) {
    bool all_int = true;
    std::vector<double> values;
    for (const auto& x : v.items()) {
      if (!x.is_number() || x.is_bool())
        throw Error("TypeError",
                    "PackInputs: '" + key + "' (" + v.repr() + ") cannot be converted to a tensor");
      all_int = all_int && x.is_int();
      values.push_back(x.as_number());
    }
    torch::Tensor t = torch::tensor(values, torch::kDouble);
    return all_int ? t.to(torch::kLong) : t.to(torch::kFloat);
  }
  throw Error("NotImplementedError", "PackInputs: '" + key + "' (" + v.repr() +
                                         ") is not an array and cannot be a tensor field in mmcpp");
}

std::vector<std::string> list_arg(registry::BuildArgs& args, const std::string& key,
                                  std::vector<std::string> dflt) {
  Value v = args.value(key);
  if (v.is_none()) {
    if (args.has(key)) throw Error("AssertionError", key + " in PackInputs can not be None.");
    return dflt;
  }
  return keys_of(v, key);
}

}  // namespace

PackInputs::PackInputs(std::vector<std::string> keys, std::vector<std::string> meta_keys,
                       std::vector<std::string> data_keys)
    : keys_(std::move(keys)), meta_keys_(std::move(meta_keys)), data_keys_(std::move(data_keys)) {}

std::shared_ptr<PackInputs> PackInputs::from_config(registry::BuildArgs& args) {
  auto keys = list_arg(args, "keys", {"merged", "img"});
  auto meta = list_arg(args, "meta_keys", {});
  auto data_keys = list_arg(args, "data_keys", {});
  return std::make_shared<PackInputs>(keys, meta, data_keys);
}

bool PackInputs::transform(data::Results& results, Rng&) const {
  std::map<std::string, torch::Tensor> inputs;
  std::vector<std::string> input_order;
  for (const std::string& k : keys_) {
    if (!has_array(results, k)) continue;
    if (!inputs.count(k)) input_order.push_back(k);
    inputs[k] = image_to_tensor(array_of(results, k));
  }
  auto sample = std::make_shared<DataSample>();
  const auto& meta_map = meta_keys();
  const auto& data_map = data_keys();
  auto excluded = [&](const std::string& k) {
    return contains(data_keys_, k) || contains(meta_keys_, k);
  };
  // Predefined metainfo and data, in results order.
  for (const auto& [kv, v] : results.info.as_dict().entries()) {
    const std::string k = kv.str();
    if (excluded(k)) continue;
    if (auto it = meta_map.find(k); it != meta_map.end())
      sample->set_metainfo(it->second, v.deep_copy());
    if (auto it = data_map.find(k); it != data_map.end())
      sample->set(it->second, value_to_tensor(v, k));
  }
  for (const auto& [k, arr] : results.arrays) {
    if (excluded(k)) continue;
    if (auto it = data_map.find(k); it != data_map.end())
      sample->set(it->second, image_to_tensor(arr));
    if (meta_map.count(k))
      throw Error("NotImplementedError", "PackInputs: metainfo '" + k +
                                             "' is an array, which mmcpp's metainfo cannot hold");
  }
  // User meta_keys, then data_keys.
  for (const auto& [kv, v] : results.info.as_dict().entries())
    if (contains(meta_keys_, kv.str())) sample->set_metainfo(kv.str(), v.deep_copy());
  for (const std::string& k : meta_keys_)
    if (has_array(results, k))
      throw Error("NotImplementedError", "PackInputs: meta key '" + k +
                                             "' is an array, which mmcpp's metainfo cannot hold");
  for (const auto& [kv, v] : results.info.as_dict().entries())
    if (contains(data_keys_, kv.str())) sample->set(kv.str(), value_to_tensor(v, kv.str()));
  for (const auto& [k, arr] : results.arrays)
    if (contains(data_keys_, k)) sample->set(k, image_to_tensor(arr));

  data::Sample packed;
  if (inputs.size() == 1) {
    packed.inputs = inputs.begin()->second;
  } else if (inputs.size() > 1) {
    set_inputs_dict(*sample, inputs);
  }
  packed.data_sample = sample;
  results.packed = std::move(packed);
  return true;
}

MMCPP_REGISTER(TRANSFORMS, PackInputs, "dict(type='PackInputs')");

}  // namespace mmcpp::editing
