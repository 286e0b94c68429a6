#include "mmcpp/editing/structures/data_sample.h"

#include "mmcpp/core/error.h"

namespace mmcpp::editing {

namespace {

constexpr const char* kOutput = "output.";
constexpr const char* kInputs = "inputs.";

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

const std::map<std::string, std::string>& meta_keys() {
  static const std::map<std::string, std::string> keys = {
      {"img_path", "img_path"},
      {"gt_path", "gt_path"},
      {"merged_path", "merged_path"},
      {"trimap_path", "trimap_path"},
      {"ori_shape", "ori_shape"},
      {"img_shape", "img_shape"},
      {"ori_merged_shape", "ori_merged_shape"},
      {"ori_trimap_shape", "ori_trimap_shape"},
      {"trimap_channel_order", "trimap_channel_order"},
      {"empty_box", "empty_box"},
      {"ori_img_shape", "ori_img_shape"},
      {"ori_gt_shape", "ori_gt_shape"},
      {"img_channel_order", "img_channel_order"},
      {"gt_channel_order", "gt_channel_order"},
      {"gt_color_type", "gt_color_type"},
      {"img_color_type", "img_color_type"},
      {"sample_idx", "sample_idx"},
      {"num_input_frames", "num_input_frames"},
      {"num_output_frames", "num_output_frames"},
      {"mask_bbox", "mask_bbox"},
      {"coord", "coord"},
      {"cell", "cell"},
  };
  return keys;
}

const std::map<std::string, std::string>& data_keys() {
  static const std::map<std::string, std::string> keys = {
      {"gt", "gt_img"},
      {"gt_label", "gt_label"},
      {"gt_heatmap", "gt_heatmap"},
      {"gt_unsharp", "gt_unsharp"},
      {"merged", "gt_merged"},
      {"ori_alpha", "ori_alpha"},
      {"fg", "gt_fg"},
      {"bg", "gt_bg"},
      {"gt_rgb", "gt_rgb"},
      {"alpha", "gt_alpha"},
      {"img_lq", "img_lq"},
      {"ref", "ref_img"},
      {"ref_lq", "ref_lq"},
      {"mask", "mask"},
      {"trimap", "trimap"},
      {"gray", "gray"},
      {"cropped_img", "cropped_img"},
      {"pred_img", "pred_img"},
      {"ori_trimap", "ori_trimap"},
      {"prompt", "prompt"},
      {"latent", "latent"},
      {"feats", "feats"},
  };
  return keys;
}

bool has_output(const DataSample& s) {
  for (const auto& [k, v] : s.fields())
    if (starts_with(k, kOutput)) return true;
  return false;
}

bool has_output_field(const DataSample& s, const std::string& key) { return s.has(kOutput + key); }

const torch::Tensor& output_field(const DataSample& s, const std::string& key) {
  if (!has_output(s)) throw Error("KeyError", "'output': the data sample has no output");
  if (!s.has(kOutput + key)) {
    std::string present;
    for (const auto& k : output_keys(s)) present += (present.empty() ? "" : ", ") + k;
    throw Error("KeyError",
                "Mapping key was not found: '" + key + "' (the output has: " + present + ")");
  }
  return s.get(kOutput + key);
}

void set_output_field(DataSample& s, const std::string& key, torch::Tensor value) {
  s.set(kOutput + key, std::move(value));
}

std::vector<std::string> output_keys(const DataSample& s) {
  std::vector<std::string> out;
  for (const auto& [k, v] : s.fields())
    if (starts_with(k, kOutput)) out.push_back(k.substr(std::string(kOutput).size()));
  return out;
}

std::map<std::string, torch::Tensor> inputs_dict(const DataSample& s) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [k, v] : s.fields())
    if (starts_with(k, kInputs)) out[k.substr(std::string(kInputs).size())] = v;
  return out;
}

void set_inputs_dict(DataSample& s, const std::map<std::string, torch::Tensor>& inputs) {
  for (const auto& [k, v] : inputs) s.set(kInputs + k, v);
}

std::vector<std::string> data_field_keys(const DataSample& s) {
  std::vector<std::string> out;
  for (const auto& [k, v] : s.fields())
    if (!starts_with(k, kOutput) && !starts_with(k, kInputs)) out.push_back(k);
  return out;
}

}  // namespace mmcpp::editing
