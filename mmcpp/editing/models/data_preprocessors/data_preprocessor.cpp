#include "mmcpp/editing/models/data_preprocessors/data_preprocessor.h"

#include <torch/torch.h>

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;
namespace F = torch::nn::functional;

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// MMagic's channel_index_mapping {2: 1, 3: 0, 4: 1, 5: 2}.
std::int64_t channel_index(const torch::Tensor& t) {
  switch (t.dim()) {
    case 2:
      return 1;
    case 3:
      return 0;
    case 4:
      return 1;
    case 5:
      return 2;
    default:
      throw Error("AssertionError",
                  "Only support (H*W, C), (C, H, W), (N, C, H, W) or (N, t, C, H, W) inputs. "
                  "But received a tensor of " +
                      std::to_string(t.dim()) + " dimensions.");
  }
}

std::optional<std::vector<double>> numbers_or_none(registry::BuildArgs& args, const char* key,
                                                   double dflt) {
  Value v = args.value_or(key, Value(dflt));
  if (v.is_none()) return std::nullopt;
  if (v.is_number() && !v.is_bool()) return std::vector<double>{v.as_number()};
  if (v.is_sequence()) {
    std::vector<double> out;
    for (const auto& x : v.items()) {
      if (!x.is_number() || x.is_bool())
        throw Error("TypeError",
                    std::string("DataPreprocessor: ") + key + " must be numbers, got " + v.repr());
      out.push_back(x.as_number());
    }
    return out;
  }
  throw Error("TypeError", std::string("DataPreprocessor: ") + key +
                               " must be a number or a list of numbers, got " + v.repr());
}

std::vector<std::string> str_or_list(const Value& v, const char* key) {
  std::vector<std::string> out;
  if (v.is_none()) return out;
  if (v.is_str()) return {v.as_str()};
  if (v.is_sequence()) {
    for (const auto& x : v.items()) {
      if (!x.is_str())
        throw Error("TypeError",
                    std::string("DataPreprocessor: ") + key + " must be str or a list of str");
      out.push_back(x.as_str());
    }
    return out;
  }
  throw Error("TypeError", std::string("DataPreprocessor: ") + key +
                               " must be str or a list of str, got " + v.repr());
}

std::optional<std::vector<std::int64_t>> view_of(const Value& v, const char* key) {
  if (v.is_none()) return std::nullopt;
  if (!v.is_sequence())
    throw Error("TypeError", std::string("DataPreprocessor: ") + key + " must be a tuple");
  std::vector<std::int64_t> out;
  for (const auto& x : v.items()) out.push_back(x.as_int());
  return out;
}

Value float_list(const torch::Tensor& t) {
  Value out = Value::list();
  torch::Tensor c = t.to(torch::kCPU, torch::kDouble).contiguous().view(-1);
  for (std::int64_t i = 0; i < c.numel(); ++i) out.items().emplace_back(c[i].item<double>());
  return out;
}

// metainfo[key] of a sample, or nullptr.
const Value* meta(const DataSample* s, const std::string& key) {
  if (!s) return nullptr;
  const Value* v = s->metainfo().as_dict().find(key);
  return v && !v->is_none() ? v : nullptr;
}

}  // namespace

DataPreprocessor::DataPreprocessor(DataPreprocessorOptions o) : o_(std::move(o)) {
  if (o_.mean.has_value() != o_.std_.has_value())
    throw Error("AssertionError", "mean and std should be both None or tuple");
  if (o_.mean) {
    if (o_.mean->size() != 3 && o_.mean->size() != 1)
      throw Error("AssertionError",
                  "`mean` should have 1 or 3 values, to be compatible with RGB or gray image, "
                  "but got " +
                      std::to_string(o_.mean->size()) + " values");
    if (o_.std_->size() != 3 && o_.std_->size() != 1)
      throw Error("AssertionError",
                  "`std` should have 1 or 3 values, to be compatible with RGB or gray image, "
                  "but got " +
                      std::to_string(o_.std_->size()) + " values");
    mean_ = torch::tensor(std::vector<float>(o_.mean->begin(), o_.mean->end())).view({-1, 1, 1});
    std_ = torch::tensor(std::vector<float>(o_.std_->begin(), o_.std_->end())).view({-1, 1, 1});
  }
  if (o_.output_channel_order && *o_.output_channel_order != "RGB" &&
      *o_.output_channel_order != "BGR")
    throw Error("AssertionError",
                "Only support 'RGB', 'BGR' or None for 'output_channel_order', but receive '" +
                    *o_.output_channel_order + "'.");
  if (o_.pad_size_divisor < 1)
    throw Error("ValueError", "DataPreprocessor: pad_size_divisor must be >= 1");
  if (o_.pad_mode != "constant" && o_.pad_mode != "reflect" && o_.pad_mode != "replicate" &&
      o_.pad_mode != "circular")
    throw Error("NotImplementedError",
                "Padding mode \"" + o_.pad_mode + "\" doesn't take in value argument");
}

std::shared_ptr<DataPreprocessor> DataPreprocessor::from_config(registry::BuildArgs& args) {
  DataPreprocessorOptions o;
  o.mean = numbers_or_none(args, "mean", 127.5);
  o.std_ = numbers_or_none(args, "std", 127.5);
  o.pad_size_divisor = args.get_int("pad_size_divisor", 1);
  o.pad_value = args.get_float("pad_value", 0);
  o.pad_mode = args.get_str("pad_mode", "constant");
  o.non_image_keys = str_or_list(args.value("non_image_keys"), "non_image_keys");
  o.non_concentate_keys = str_or_list(args.value("non_concentate_keys"), "non_concentate_keys");
  o.output_channel_order = args.get_opt_str("output_channel_order");
  Value dk = args.value_or("data_keys", Value("gt_img"));
  o.data_keys = str_or_list(dk, "data_keys");
  o.input_view = view_of(args.value("input_view"), "input_view");
  o.output_view = view_of(args.value("output_view"), "output_view");
  o.stack_data_sample = args.get_bool("stack_data_sample", true);
  return std::make_shared<DataPreprocessor>(std::move(o));
}

std::string DataPreprocessor::parse_channel_order(const std::string& key,
                                                  const torch::Tensor& inputs,
                                                  std::int64_t channel_idx,
                                                  const DataSample* sample) const {
  const std::int64_t num_color_channels = inputs.size(channel_idx);
  if (!sample) return num_color_channels == 1 ? "single" : "BGR";
  const std::string order_key = key == "gt_img" ? "gt_channel_order" : key + "_channel_order";
  const std::string color_key = key == "gt_img" ? "gt_color_type" : key + "_color_type";
  const Value* color = meta(sample, color_key);
  const Value* order = meta(sample, order_key);
  const std::string color_flag = color ? color->str() : "";
  if (color_flag == "grayscale") {
    if (num_color_channels != 1)
      throw Error("AssertionError", "a grayscale '" + key + "' must have 1 channel");
    return "single";
  }
  if (color_flag == "unchanged") return num_color_channels == 1 ? "single" : "BGR";
  if (order && order->truthy()) return order->str();
  return num_color_channels == 1 ? "single" : "BGR";
}

std::string DataPreprocessor::parse_batch_channel_order(
    const std::string& key, const std::vector<torch::Tensor>& per_sample,
    const std::vector<DataSamplePtr>& samples) const {
  if (per_sample.size() != samples.size())
    throw Error("AssertionError", "DataPreprocessor: " + std::to_string(per_sample.size()) +
                                      " inputs but " + std::to_string(samples.size()) +
                                      " data samples");
  std::string first;
  for (std::size_t i = 0; i < per_sample.size(); ++i) {
    std::string o =
        parse_channel_order(key, per_sample[i], channel_index(per_sample[i]), samples[i].get());
    if (i == 0)
      first = o;
    else if (o != first)
      throw Error("AssertionError",
                  "Channel order of input targets ('" + key + "') are inconsistent.");
  }
  return first;
}

std::pair<torch::Tensor, std::string> DataPreprocessor::do_conversion(
    const torch::Tensor& inputs, const std::string& inputs_order,
    const std::optional<std::string>& target) const {
  if (!target || upper(inputs_order) == upper(*target)) return {inputs, inputs_order};
  const std::string u = upper(inputs_order);
  if (u == "RGB" || u == "BGR") {
    const std::int64_t ci = channel_index(inputs);
    std::vector<std::int64_t> index = inputs.size(ci) == 4 ? std::vector<std::int64_t>{2, 1, 0, 3}
                                                           : std::vector<std::int64_t>{2, 1, 0};
    torch::Tensor idx = torch::tensor(index, torch::kLong).to(inputs.device());
    return {torch::index_select(inputs, ci, idx), *target};
  }
  if (u == "SINGLE") return {inputs, inputs_order};
  throw Error("ValueError", "Unsupported inputs order '" + inputs_order + "'.");
}

torch::Tensor DataPreprocessor::do_norm(const torch::Tensor& inputs, bool norm) const {
  if (!norm || !mean_.defined()) return inputs;
  std::vector<std::int64_t> shape;
  if (o_.input_view) {
    shape = *o_.input_view;
  } else if (inputs.dim() == 2) {
    shape = {1, -1};
  } else {
    shape.assign(static_cast<std::size_t>(inputs.dim() - 3), 1);
    shape.insert(shape.end(), {-1, 1, 1});
  }
  torch::Tensor mean = mean_.to(inputs.device()).view(shape);
  torch::Tensor std = std_.to(inputs.device()).view(shape);
  const std::int64_t ci = channel_index(inputs);
  const std::int64_t c = inputs.size(ci);
  if ((mean.size(ci) != 1 && mean.size(ci) != c) || (std.size(ci) != 1 && std.size(ci) != c))
    throw Error("AssertionError", "DataPreprocessor: mean/std have " +
                                      std::to_string(mean.size(ci)) +
                                      " channels but the inputs have " + std::to_string(c));
  return (inputs - mean) / std;
}

torch::Tensor DataPreprocessor::pad(const torch::Tensor& t, std::int64_t pad_h,
                                    std::int64_t pad_w) const {
  if (pad_h == 0 && pad_w == 0 && o_.pad_mode == "constant") return t;
  F::PadFuncOptions::mode_t mode = torch::kConstant;
  if (o_.pad_mode == "reflect") mode = torch::kReflect;
  if (o_.pad_mode == "replicate") mode = torch::kReplicate;
  if (o_.pad_mode == "circular") mode = torch::kCircular;
  auto opts = F::PadFuncOptions({0, pad_w, 0, pad_h}).mode(mode);
  if (o_.pad_mode == "constant") opts = opts.value(o_.pad_value);
  return F::pad(t, opts);
}

torch::Tensor DataPreprocessor::preprocess_image_tensor(const torch::Tensor& inputs_in,
                                                        std::vector<DataSamplePtr>& samples,
                                                        const std::string& key) const {
  if (inputs_in.dim() < 3 || inputs_in.dim() > 5)
    throw Error("AssertionError",
                "The input of `_preprocess_image_tensor` should be a (C, H, W), (N, C, H, W) or "
                "(N, t, C, H, W)tensor, but got a tensor with " +
                    std::to_string(inputs_in.dim()) + " dimensions");
  if (samples.empty())
    for (std::int64_t i = 0; i < inputs_in.size(0); ++i)
      samples.push_back(std::make_shared<DataSample>());
  std::vector<torch::Tensor> per_sample;
  for (std::int64_t i = 0; i < inputs_in.size(0); ++i) per_sample.push_back(inputs_in[i]);
  const std::string order = parse_batch_channel_order(key, per_sample, samples);
  auto [inputs, out_order] = do_conversion(inputs_in, order, o_.output_channel_order);
  inputs = do_norm(inputs, true);
  const std::int64_t h = inputs.size(-2), w = inputs.size(-1);
  const std::int64_t d = o_.pad_size_divisor;
  const std::int64_t pad_h = (h + d - 1) / d * d - h;
  const std::int64_t pad_w = (w + d - 1) / d * d - w;
  torch::Tensor batch = pad(inputs, pad_h, pad_w);
  for (auto& s : samples) {
    s->set_metainfo("padding_size", Value::list({Value(0.0), Value(static_cast<double>(pad_h)),
                                                 Value(static_cast<double>(pad_w))}));
    s->set_metainfo(key + "_output_channel_order", Value(out_order));
  }
  return batch;
}

torch::Tensor DataPreprocessor::preprocess_image_list(const std::vector<torch::Tensor>& list,
                                                      std::vector<DataSamplePtr>& samples,
                                                      const std::string& key) const {
  if (list.empty()) throw Error("ValueError", "DataPreprocessor: an empty list of inputs");
  if (samples.empty())
    for (std::size_t i = 0; i < list.size(); ++i) samples.push_back(std::make_shared<DataSample>());
  const std::string order = parse_batch_channel_order(key, list, samples);
  const std::int64_t dim = list[0].dim();
  for (const auto& t : list)
    if (t.dim() != dim)
      throw Error("AssertionError", "Expected the dimensions of all tensors must be the same");
  // Largest size per dim, rounded up to the divisor; only the last two dims pad.
  std::vector<std::int64_t> max_sizes(static_cast<std::size_t>(dim), 0);
  for (const auto& t : list)
    for (std::int64_t k = 0; k < dim; ++k) max_sizes[k] = std::max(max_sizes[k], t.size(k));
  const std::int64_t d = o_.pad_size_divisor;
  for (auto& m : max_sizes) m = (m + d - 1) / d * d;
  std::vector<std::vector<std::int64_t>> padding(list.size(), std::vector<std::int64_t>(dim, 0));
  bool any = false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    for (std::int64_t k = dim - 2; k < dim; ++k) {
      padding[i][k] = max_sizes[k] - list[i].size(k);
      any = any || padding[i][k] != 0;
    }
  }
  std::vector<torch::Tensor> padded;
  padded.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i)
    padded.push_back(any ? pad(list[i], padding[i][dim - 2], padding[i][dim - 1]) : list[i]);
  torch::Tensor stacked = torch::stack(padded);
  auto [converted, out_order] = do_conversion(stacked, order, o_.output_channel_order);
  torch::Tensor normed = do_norm(converted, true);
  for (std::size_t i = 0; i < list.size(); ++i) {
    Value ps = Value::list();
    for (std::int64_t k = 0; k < dim; ++k)
      ps.items().emplace_back(static_cast<double>(padding[i][k]));
    samples[i]->set_metainfo("padding_size", ps);
    samples[i]->set_metainfo(key + "_output_channel_order", Value(out_order));
  }
  return normed;
}

void DataPreprocessor::preprocess_data_sample(std::vector<DataSamplePtr>& samples,
                                              bool training) const {
  const std::optional<std::string> target =
      training ? o_.output_channel_order : std::optional<std::string>("BGR");
  const bool norm = training;
  for (auto& s : samples) {
    if (o_.data_keys.empty()) break;
    for (const std::string& key : o_.data_keys) {
      // MMagic logs "Cannot find key '<key>' in data sample." and moves on.
      if (!s->has(key)) break;
      torch::Tensor data = s->get(key);
      const std::string order = parse_channel_order(key, data, channel_index(data), s.get());
      auto [converted, out_order] = do_conversion(data, order, target);
      s->set(key, do_norm(converted, norm));
      s->set_metainfo(key + "_enable_norm", Value(enable_normalize()));
      s->set_metainfo(key + "_output_channel_order", Value(out_order));
      s->set_metainfo(key + "_mean", mean_.defined() ? float_list(mean_) : Value());
      s->set_metainfo(key + "_std", std_.defined() ? float_list(std_) : Value());
    }
  }
}

data::DataBatch DataPreprocessor::forward(const data::DataBatch& batch, bool training) {
  data::DataBatch out;
  out.seed = batch.seed;
  std::vector<DataSamplePtr> samples;
  samples.reserve(batch.data_samples.size());
  // cast_data: BaseDataElement.to() builds new elements whose metainfo is a
  // deep copy, so the caller's samples keep theirs.
  for (const auto& s : batch.data_samples) {
    samples.push_back(s->to(device_));
    samples.back()->metainfo() = s->metainfo().deep_copy();
  }
  if (batch.inputs.defined()) {
    out.inputs = preprocess_image_tensor(batch.inputs.to(device_), samples, "img");
  } else if (!batch.input_list.empty()) {
    std::vector<torch::Tensor> list;
    for (const auto& t : batch.input_list) list.push_back(t.to(device_));
    out.inputs = preprocess_image_list(list, samples, "img");
  } else if (!samples.empty() && !inputs_dict(*samples[0]).empty()) {
    // dict inputs (PackInputs with several keys): every image key is padded,
    // converted and normalised; the model uses inputs['img'].
    std::vector<std::vector<double>> first_padding;
    std::string first_key;
    for (const auto& [k, v0] : inputs_dict(*samples[0])) {
      std::vector<torch::Tensor> list;
      for (const auto& s : samples) {
        const auto d = inputs_dict(*s);
        auto it = d.find(k);
        if (it == d.end())
          throw Error("KeyError", "'" + k + "': not every sample's inputs have it");
        list.push_back(it->second.to(device_));
      }
      bool non_image = k == "noise";
      for (const auto& n : o_.non_image_keys) non_image = non_image || n == k;
      torch::Tensor processed =
          non_image ? torch::stack(list) : preprocess_image_list(list, samples, k);
      if (!non_image) {
        std::vector<double> pads;
        for (const auto& s : samples)
          for (const auto& p : s->metainfo().as_dict().find("padding_size")->items())
            pads.push_back(p.as_number());
        if (first_key.empty()) {
          first_key = k;
          first_padding = {pads};
        } else if (pads != first_padding[0]) {
          throw Error("ValueError",
                      "All fields of a data sample should share the same padding "
                      "size, but got different size for '" +
                          k + "' and '" + first_key + "'. Please check your data carefully.");
        }
      }
      if (k == "img") out.inputs = processed;
    }
    if (!out.inputs.defined())
      throw Error(
          "NotImplementedError",
          "DataPreprocessor: dict inputs without an 'img' key cannot be fed to the model in mmcpp");
  } else {
    throw Error("ValueError",
                "Only support following inputs types: 'torch.Tensor', 'List[torch.Tensor]', "
                "'dict', 'List[dict]'. But receive an empty batch.");
  }
  if (!samples.empty()) preprocess_data_sample(samples, training);
  for (auto& s : samples) out.data_samples.push_back(s);
  return out;
}

torch::Tensor DataPreprocessor::destruct(const torch::Tensor& outputs,
                                         const data::DataSamples& samples_in,
                                         const std::string& key) const {
  const std::vector<DataSamplePtr>& samples = samples_in;
  const std::string output_key = key + "_output";
  const std::int64_t ci = channel_index(outputs);
  std::string order;
  if (samples.empty()) {
    order = parse_channel_order(output_key, outputs, ci, nullptr);
  } else {
    // Stacked metainfo: the first sample's order (MMagic asserts they agree).
    std::vector<torch::Tensor> per_sample;
    if (outputs.dim() >= 4 && outputs.size(0) == static_cast<std::int64_t>(samples.size())) {
      for (std::int64_t i = 0; i < outputs.size(0); ++i) per_sample.push_back(outputs[i]);
      order = parse_batch_channel_order(output_key, per_sample, samples);
    } else {
      order = parse_channel_order(output_key, outputs, ci, samples[0].get());
    }
  }
  torch::Tensor t = outputs;
  if (mean_.defined()) {
    std::vector<std::int64_t> shape;
    if (o_.output_view) {
      shape = *o_.output_view;
    } else if (t.dim() == 2) {
      shape = {1, -1};
    } else {
      shape.assign(static_cast<std::size_t>(t.dim() - 3), 1);
      shape.insert(shape.end(), {-1, 1, 1});
    }
    t = t * std_.to(t.device()).view(shape) + mean_.to(t.device()).view(shape);
  }
  t = do_conversion(t, order, std::string("BGR")).first;
  if (!samples.empty()) {
    const Value* ps = meta(samples[0].get(), "padding_size");
    if (ps && ps->is_sequence() && ps->items().size() >= 2) {
      const auto& items = ps->items();
      const auto pad_h = static_cast<std::int64_t>(items[items.size() - 2].as_number());
      const auto pad_w = static_cast<std::int64_t>(items[items.size() - 1].as_number());
      const std::int64_t h = t.size(-2), w = t.size(-1);
      t = t.narrow(-2, 0, h - pad_h).narrow(-1, 0, w - pad_w);
    }
  }
  return t.clamp(0, 255);
}

MMCPP_REGISTER(MODELS, DataPreprocessor,
               "dict(type='DataPreprocessor', mean=[0., 0., 0.], std=[255., 255., 255.])");

}  // namespace mmcpp::editing
