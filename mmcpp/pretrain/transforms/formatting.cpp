#include "mmcpp/pretrain/transforms/formatting.h"

#include <torch/torch.h>

#include <functional>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/transform_utils.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

std::vector<std::string> str_items(const Value& v, const std::string& what) {
  std::vector<std::string> out;
  if (v.is_str()) {
    // A str is a sequence of characters in Python; nobody means that.
    throw Error("TypeError", what + " must be a list or tuple of str, got " + v.repr());
  }
  if (!v.is_sequence()) throw Error("TypeError", what + " must be a list or tuple of str");
  for (const Value& x : v.items()) {
    if (!x.is_str()) throw Error("TypeError", what + " must hold str, got " + x.repr());
    out.push_back(x.as_str());
  }
  return out;
}

Value default_meta_keys() {
  Value::Items keys;
  for (const char* k : {"sample_idx", "img_path", "ori_shape", "img_shape", "scale_factor", "flip",
                        "flip_direction"}) {
    keys.emplace_back(k);
  }
  return Value::tuple(std::move(keys));
}

// A nested list of numbers as a double tensor (torch.tensor(list)).
torch::Tensor tensor_of_sequence(const Value& v, const char* what) {
  std::vector<double> flat;
  std::vector<std::int64_t> shape;
  std::function<void(const Value&, std::size_t)> walk = [&](const Value& x, std::size_t depth) {
    if (x.is_sequence()) {
      if (shape.size() <= depth) shape.push_back(static_cast<std::int64_t>(x.items().size()));
      for (const Value& e : x.items()) walk(e, depth + 1);
    } else if (x.is_number() || x.is_bool()) {
      flat.push_back(x.as_number());
    } else {
      throw Error("TypeError", std::string(what) + ": cannot make a tensor of " + x.repr());
    }
  };
  walk(v, 0);
  return torch::tensor(flat, torch::kFloat64).reshape(shape);
}

}  // namespace

torch::Tensor format_label(const Value& value) {
  torch::Tensor t;
  if (value.is_sequence()) {
    t = tensor_of_sequence(value, "gt_label").to(torch::kInt64);
  } else if (value.is_int()) {
    t = torch::tensor({value.as_int()}, torch::kInt64);
  } else {
    throw Error("TypeError", "Type " + value.type_name() + " is not an available label type.");
  }
  check(t.dim() == 1, "The dims of value should be 1, but got " + std::to_string(t.dim()) + ".");
  return t;
}

torch::Tensor format_score(const Value& value) {
  if (!value.is_sequence()) {
    throw Error("TypeError", "Type " + value.type_name() + " is not an available label type.");
  }
  torch::Tensor t = tensor_of_sequence(value, "gt_score").to(torch::kFloat32);
  check(t.dim() == 1, "The dims of value should be 1, but got " + std::to_string(t.dim()) + ".");
  return t;
}

PackInputs::PackInputs(Options options) : o_(std::move(options)) {
  if (o_.meta_keys.is_none()) o_.meta_keys = default_meta_keys();
  algorithm_keys_ = str_items(o_.algorithm_keys, "PackInputs: algorithm_keys");
  meta_keys_ = str_items(o_.meta_keys, "PackInputs: meta_keys");
}

std::shared_ptr<PackInputs> PackInputs::from_config(registry::BuildArgs& args) {
  Options o;
  o.input_key = args.get_str("input_key", o.input_key);
  o.algorithm_keys = args.value_or("algorithm_keys", o.algorithm_keys);
  o.meta_keys = args.value("meta_keys");
  return std::make_shared<PackInputs>(std::move(o));
}

torch::Tensor PackInputs::format_input(const torch::Tensor& input) {
  torch::Tensor t = input;
  if (t.dim() == 2) t = t.unsqueeze(-1);
  if (t.dim() == 3) return t.permute({2, 0, 1}).contiguous();
  return t;
}

bool PackInputs::transform(data::Results& results, Rng&) const {
  data::Sample sample;
  if (auto it = results.arrays.find(o_.input_key); it != results.arrays.end()) {
    sample.inputs = format_input(it->second);
  }
  auto ds = std::make_shared<data::DataSample>();
  const auto& info = results.info.as_dict();
  const auto array = [&](const std::string& key) -> const torch::Tensor* {
    auto it = results.arrays.find(key);
    return it == results.arrays.end() ? nullptr : &it->second;
  };

  if (const torch::Tensor* t = array("gt_label")) {
    torch::Tensor label = t->dim() == 0 ? t->reshape({1}) : *t;
    check(label.dim() == 1,
          "The dims of value should be 1, but got " + std::to_string(label.dim()) + ".");
    ds->set_gt_label(label.to(torch::kInt64));
  } else if (const Value* v = info.find("gt_label")) {
    ds->set_gt_label(format_label(*v));
  }
  torch::Tensor score;
  if (const torch::Tensor* t = array("gt_score")) {
    score = t->to(torch::kFloat32);
  } else if (const Value* v = info.find("gt_score")) {
    score = format_score(*v);
  }
  if (score.defined()) {
    ds->set("gt_score", score);
    ds->set_metainfo("num_classes", Value(static_cast<std::int64_t>(score.size(0))));
  }
  if (const torch::Tensor* t = array("mask")) ds->set("mask", *t);
  for (const auto& key : algorithm_keys_) {
    if (const torch::Tensor* t = array(key)) {
      ds->set(key, *t);
    } else if (const Value* v = info.find(key)) {
      ds->set_metainfo(key, *v);
    }
  }
  for (const auto& key : meta_keys_) {
    if (const Value* v = info.find(key)) ds->set_metainfo(key, *v);
  }
  sample.data_sample = ds;
  results.arrays.clear();
  results.info = Value::dict(false);
  results.packed = std::move(sample);
  return true;
}

std::string PackInputs::repr() const {
  return "PackInputs(input_key='" + o_.input_key + "', algorithm_keys=" + o_.algorithm_keys.str() +
         ", meta_keys=" + o_.meta_keys.str() + ")";
}

MMCPP_REGISTER(TRANSFORMS, PackInputs, "dict(type='PackInputs')");

}  // namespace mmcpp::pretrain
