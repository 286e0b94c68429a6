#include "mmcpp/pretrain/model_converters/model_converters.h"

#include <utility>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/io/pth_writer.h"

namespace mmcpp::pretrain::model_converters {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// `s` with its prefix `from` replaced by `to` (s must start with `from`).
std::string swap_prefix(const std::string& s, const std::string& from, const std::string& to) {
  return to + s.substr(from.size());
}

// A key below `blocks.<i>.` (the part after it).
std::string block_part(const std::string& rest) {
  static const std::pair<const char*, const char*> kRules[] = {
      {"norm1.", "ln1."},
      {"norm2.", "ln2."},
      {"mlp.fc1.", "ffn.layers.0.0."},
      {"mlp.fc2.", "ffn.layers.1."},
  };
  for (const auto& [from, to] : kRules)
    if (starts_with(rest, from)) return swap_prefix(rest, from, to);
  if (rest == "gamma_1" || rest == "ls1.gamma") return "attn.gamma1.weight";
  if (rest == "gamma_2" || rest == "ls2.gamma") return "ffn.gamma2.weight";
  return rest;
}

}  // namespace

StateDict convert_torchvision_resnet(const StateDict& src) {
  StateDict out;
  out.reserve(src.size());
  for (const auto& [key, value] : src)
    out.emplace_back(starts_with(key, "fc") ? "head." + key : "backbone." + key, value);
  return out;
}

StateDict convert_timm_vit(const StateDict& src) {
  StateDict out;
  out.reserve(src.size());
  for (const auto& [key, value] : src) {
    std::string k;
    if (starts_with(key, "head.")) {
      k = swap_prefix(key, "head.", "head.layers.head.");
    } else if (starts_with(key, "head_dist.")) {
      k = swap_prefix(key, "head_dist.", "head.layers.head_dist.");
    } else if (starts_with(key, "pre_logits.fc.")) {
      k = swap_prefix(key, "pre_logits.fc.", "head.layers.pre_logits.");
    } else {
      if (starts_with(key, "patch_embed.proj.")) {
        k = swap_prefix(key, "patch_embed.proj.", "patch_embed.projection.");
      } else if (starts_with(key, "blocks.")) {
        std::size_t dot = key.find('.', 7);
        if (dot == std::string::npos) {
          k = "layers." + key.substr(7);
        } else {
          k = "layers." + key.substr(7, dot - 7) + "." + block_part(key.substr(dot + 1));
        }
      } else if (starts_with(key, "norm_pre.")) {
        k = swap_prefix(key, "norm_pre.", "pre_norm.");
      } else if (starts_with(key, "fc_norm.")) {
        k = swap_prefix(key, "fc_norm.", "ln2.");
      } else if (starts_with(key, "norm.")) {
        k = swap_prefix(key, "norm.", "ln1.");
      } else {
        k = key;
      }
      k = "backbone." + k;
    }
    out.emplace_back(std::move(k), value);
  }
  return out;
}

StateDict weights_of(const io::PyObject& checkpoint, const std::string& file) {
  if (!checkpoint.is_dict())
    throw Error("TypeError", file + ": expected a state dict (a dict of tensors), got a " +
                                 checkpoint.type_name());
  const io::PyObject* sd = &checkpoint;
  for (const char* wrapper : {"model", "state_dict"}) {
    const io::PyObject* inner = checkpoint.find(wrapper);
    if (inner && inner->is_dict()) {
      sd = inner;
      break;
    }
  }
  StateDict out;
  for (const auto& [k, v] : sd->as_dict().entries()) {
    if (!k.is_str())
      throw Error("TypeError", file + ": state dict key " + k.repr() + " is not a str");
    if (!v.is_tensor())
      throw Error("TypeError", file + ": state dict entry '" + k.as_str() + "' is a " +
                                   v.type_name() + ", not a tensor");
    out.emplace_back(k.as_str(), v.as_tensor());
  }
  if (out.empty()) throw Error("ValueError", file + ": the state dict is empty");
  return out;
}

ConvertResult convert_checkpoint(const std::string& src, const std::string& dst,
                                 const ConvertFn& convert) {
  io::PyObject checkpoint;
  try {
    checkpoint = io::load_pth(src);
  } catch (const Error& e) {
    std::string what = e.what();
    if (what.find(src) == std::string::npos) what = src + ": " + what;
    throw Error(e.kind(), what);
  }
  StateDict converted = convert(weights_of(checkpoint, src));
  io::PyObject out = io::PyObject::dict(io::DictType::OrderedDict);
  for (const auto& [k, v] : converted) {
    if (out.as_dict().find(k)) throw Error("KeyError", src + ": two keys convert to '" + k + "'");
    out.as_dict().set(k, io::PyObject::tensor(v));
  }
  std::string dir = path_dirname(dst);
  if (!dir.empty()) Env::system().make_dirs(dir);
  io::save_pth(out, dst);
  return {converted.size()};
}

}  // namespace mmcpp::pretrain::model_converters
