#include "mmcpp/pretrain/models/utils/data_preprocessor.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>

#include <mutex>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

MMCPP_REGISTER(MODELS, ClsDataPreprocessor,
               "dict(type='ClsDataPreprocessor', mean=[123.675, 116.28, 103.53], "
               "std=[58.395, 57.12, 57.375], to_rgb=True)");

namespace {

// None, a number or a sequence of numbers (torch.tensor(mean) takes either).
std::optional<std::vector<double>> read_numbers(registry::BuildArgs& args, const std::string& key) {
  config::Value v = args.value(key);
  if (v.is_none()) return std::nullopt;
  if (v.is_number() && !v.is_bool()) return std::vector<double>{v.as_number()};
  if (!v.is_sequence())
    throw Error("TypeError", "ClsDataPreprocessor: `" + key +
                                 "` must be a sequence of numbers, got " + v.repr());
  std::vector<double> out;
  for (const config::Value& x : v.items()) {
    if (!x.is_number())
      throw Error("TypeError",
                  "ClsDataPreprocessor: `" + key + "` must hold numbers, got " + v.repr());
    out.push_back(x.as_number());
  }
  return out;
}

// A (C, 1, 1) float32 tensor, as torch.tensor(values).view(-1, 1, 1).
torch::Tensor channel_tensor(const std::vector<double>& values) {
  return torch::tensor(values, torch::kDouble).to(torch::kFloat).view({-1, 1, 1});
}

std::int64_t round_up(std::int64_t v, std::int64_t divisor) {
  return (v + divisor - 1) / divisor * divisor;
}

// A seed for a batch the DataLoader did not stamp: one draw of torch's default
// CPU generator (seeded by the Runner from randomness.seed).
std::uint64_t seed_from_default_generator() {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get<at::CPUGeneratorImpl>()->random64();
}

std::string shape_str(const torch::Tensor& t) {
  std::string s = "(";
  for (std::int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + ")";
}

}  // namespace

ClsDataPreprocessor::ClsDataPreprocessor(ClsDataPreprocessorOptions options)
    : options_(std::move(options)), to_onehot_(options_.to_onehot) {
  if (options_.mean) {
    if (!options_.std_)
      throw Error("AssertionError",
                  "To enable the normalization in preprocessing, please specify both `mean` and "
                  "`std`.");
    mean_ = channel_tensor(*options_.mean);
    std_ = channel_tensor(*options_.std_);
  }
  // Python: `if batch_augments:` (None and {} mean none).
  if (options_.batch_augments.truthy()) {
    batch_augments_ = RandomBatchAugment::from_dict(options_.batch_augments);
    // MMPretrain logs that it turns to_onehot on; the option itself is the record.
    to_onehot_ = true;
  }
}

std::shared_ptr<ClsDataPreprocessor> ClsDataPreprocessor::from_config(registry::BuildArgs& args) {
  ClsDataPreprocessorOptions o;
  o.mean = read_numbers(args, "mean");
  o.std_ = read_numbers(args, "std");
  o.pad_size_divisor = args.get_int("pad_size_divisor", 1);
  o.pad_value = args.get_float("pad_value", 0);
  o.to_rgb = args.get_bool("to_rgb", false);
  o.to_onehot = args.get_bool("to_onehot", false);
  o.num_classes = args.get_opt_int("num_classes");
  o.batch_augments = args.value("batch_augments");
  return std::make_shared<ClsDataPreprocessor>(std::move(o));
}

torch::Tensor ClsDataPreprocessor::convert(torch::Tensor x, std::int64_t channel_dim) {
  if (x.dim() <= channel_dim)
    throw Error("ValueError", "ClsDataPreprocessor: inputs of shape " + shape_str(x) +
                                  " have no channel dimension " + std::to_string(channel_dim));
  if (options_.to_rgb && x.size(channel_dim) == 3) x = x.flip(channel_dim);
  x = x.to(torch::kFloat);
  if (mean_.defined()) {
    if (!mean_dev_.defined() || mean_dev_.device() != device_) {
      mean_dev_ = mean_.to(device_);
      std_dev_ = std_.to(device_);
    }
    x = (x - mean_dev_) / std_dev_;
  }
  return x;
}

torch::Tensor ClsDataPreprocessor::stack_batch(const std::vector<torch::Tensor>& tensors) const {
  // mmengine.model.stack_batch: pad every dim but the first (channels) at its
  // end to the batch's largest size, rounded up to pad_size_divisor.
  if (tensors.empty()) throw Error("AssertionError", "`tensor_list` could not be an empty list");
  const std::int64_t dim = tensors[0].dim();
  for (const auto& t : tensors)
    if (t.dim() != dim)
      throw Error("AssertionError",
                  "Expected the dimensions of all tensors must be the same, but got " +
                      std::to_string(dim) + " and " + std::to_string(t.dim()));
  if (options_.pad_size_divisor < 1)
    throw Error("ValueError",
                "ClsDataPreprocessor: pad_size_divisor must be >= 1 to stack "
                "differently sized inputs, got " +
                    std::to_string(options_.pad_size_divisor));
  std::vector<std::int64_t> target(static_cast<std::size_t>(dim), 0);
  for (const auto& t : tensors)
    for (std::int64_t d = 0; d < dim; ++d) target[d] = std::max(target[d], t.size(d));
  for (std::int64_t d = 1; d < dim; ++d) target[d] = round_up(target[d], options_.pad_size_divisor);
  std::vector<torch::Tensor> padded;
  padded.reserve(tensors.size());
  for (const auto& t : tensors) {
    std::vector<std::int64_t> pad;  // F.pad order: last dim first, (before, after) each
    bool any = false;
    for (std::int64_t d = dim - 1; d >= 0; --d) {
      const std::int64_t after = d == 0 ? 0 : target[d] - t.size(d);
      any = any || after > 0;
      pad.push_back(0);
      pad.push_back(after);
    }
    padded.push_back(any ? at::constant_pad_nd(t, pad, options_.pad_value) : t);
  }
  return torch::stack(padded);
}

data::DataBatch ClsDataPreprocessor::forward(const data::DataBatch& batch, bool training) {
  data::DataBatch out;
  out.seed = batch.seed;
  torch::Tensor inputs;
  if (batch.inputs.defined()) {
    // default_collate: one (N, C, H, W) tensor.
    inputs = convert(batch.inputs.to(device_), 1);
    if (options_.pad_size_divisor > 1) {
      const std::int64_t h = inputs.size(-2), w = inputs.size(-1);
      const std::int64_t pad_h = round_up(h, options_.pad_size_divisor) - h;
      const std::int64_t pad_w = round_up(w, options_.pad_size_divisor) - w;
      inputs = at::constant_pad_nd(inputs, {0, pad_w, 0, pad_h}, options_.pad_value);
    }
  } else if (!batch.input_list.empty()) {
    // pseudo_collate: a list of (C, H, W) tensors, sizes may differ.
    std::vector<torch::Tensor> processed;
    processed.reserve(batch.input_list.size());
    for (const torch::Tensor& t : batch.input_list) processed.push_back(convert(t.to(device_), 0));
    inputs = stack_batch(processed);
  } else {
    throw Error("KeyError", "ClsDataPreprocessor: the batch has no inputs");
  }

  out.data_samples.reserve(batch.data_samples.size());
  for (const auto& s : batch.data_samples) out.data_samples.push_back(s ? s->to(device_) : s);
  if (out.data_samples.empty() || !out.data_samples[0]) {
    out.inputs = inputs;
    return out;
  }
  data::DataSamples& samples = out.data_samples;
  const data::DataSample& first = *samples[0];

  torch::Tensor batch_label, batch_score;
  std::vector<std::int64_t> splits;  // where each sample's labels end
  if (first.has("gt_label")) {
    std::vector<torch::Tensor> labels;
    std::int64_t end = 0;
    for (const auto& s : samples) {
      torch::Tensor l = s->gt_label();
      if (l.dim() == 0) l = l.reshape({1});  // format_label: a number is a 1-element label
      labels.push_back(l);
      splits.push_back(end += l.size(0));
    }
    batch_label = torch::cat(labels).to(device_);
  }
  if (first.has("gt_score")) {
    std::vector<torch::Tensor> scores;
    for (const auto& s : samples) scores.push_back(s->get("gt_score"));
    batch_score = torch::stack(scores).to(device_);
  } else if (to_onehot_ && batch_label.defined()) {
    std::optional<std::int64_t> num_classes = options_.num_classes;
    if (!num_classes || *num_classes == 0) {  // Python: self.num_classes or sample.num_classes
      num_classes.reset();
      const config::Value& meta = first.metainfo();
      if (const config::Value* n = meta.is_dict() ? meta.as_dict().find("num_classes") : nullptr;
          n && n->is_int())
        num_classes = n->as_int();
    }
    if (!num_classes)
      throw Error("AssertionError",
                  "Cannot generate one-hot format labels because not set `num_classes` in "
                  "`data_preprocessor`.");
    try {
      // batch_label_to_onehot: each sample's labels one-hot, summed (multi-hot).
      torch::Tensor hot = at::one_hot(batch_label.to(torch::kLong), *num_classes);
      std::vector<torch::Tensor> rows;
      std::int64_t begin = 0;
      for (std::int64_t end : splits) {
        rows.push_back(hot.slice(0, begin, end).sum(0));
        begin = end;
      }
      batch_score = torch::stack(rows);
    } catch (const c10::Error& e) {
      throw Error("RuntimeError", "ClsDataPreprocessor: one-hot labels with num_classes=" +
                                      std::to_string(*num_classes) + ": " +
                                      e.what_without_backtrace());
    }
  }

  if (training && batch_augments_ && batch_score.defined()) {
    // CutMix pastes in place: never into the caller's tensor.
    if (batch.inputs.defined() && inputs.is_same(batch.inputs)) inputs = inputs.clone();
    Rng rng(batch.seed ? *batch.seed : seed_from_default_generator());
    std::tie(inputs, batch_score) = (*batch_augments_)(inputs, batch_score, rng);
  }

  if (batch_label.defined()) {
    std::int64_t begin = 0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      samples[i]->set_gt_label(batch_label.slice(0, begin, splits[i]));
      begin = splits[i];
    }
  }
  if (batch_score.defined()) {
    for (std::size_t i = 0; i < samples.size(); ++i) {
      torch::Tensor score = batch_score[static_cast<std::int64_t>(i)];
      // DataSample.set_gt_score: records num_classes in the metainfo, or checks it.
      config::Value& meta = samples[i]->metainfo();
      if (const config::Value* n = meta.as_dict().find("num_classes"); n && n->is_int()) {
        if (n->as_int() != score.size(0))
          throw Error("AssertionError", "The length of score " + std::to_string(score.size(0)) +
                                            " should be equal to the num_classes " +
                                            std::to_string(n->as_int()) + ".");
      } else {
        samples[i]->set_metainfo("num_classes", config::Value(score.size(0)));
      }
      samples[i]->set("gt_score", score);
    }
  }
  out.inputs = inputs;
  return out;
}

}  // namespace mmcpp::pretrain
