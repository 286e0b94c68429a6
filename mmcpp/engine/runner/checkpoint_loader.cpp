#include "mmcpp/engine/runner/checkpoint_loader.h"

#include <torch/torch.h>

#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/engine/model/base_tta_model.h"
#include "mmcpp/io/pth_reader.h"

namespace mmcpp::engine {

using io::PyObject;

namespace {

std::string env_or(const char* name, const std::string& dflt) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : dflt;
}

std::string expand_user(const std::string& path) {
  if (path.empty() || path[0] != '~') return path;
  if (path.size() > 1 && path[1] != '/') return path;  // ~user: left alone
  return env_or("HOME", "~") + path.substr(1);
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// torch.Size([a, b]) as PyTorch prints it.
std::string torch_size(at::IntArrayRef sizes) {
  std::string s = "torch.Size([";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "])";
}

// Python's replacement syntax (\1, \g<1>, \g<name> unsupported) -> ECMAScript ($1).
std::string ecma_replacement(const std::string& repl) {
  std::string out;
  for (std::size_t i = 0; i < repl.size(); ++i) {
    char c = repl[i];
    if (c == '$') {
      out += "$$";
    } else if (c == '\\' && i + 1 < repl.size() &&
               std::isdigit(static_cast<unsigned char>(repl[i + 1]))) {
      out += '$';
      out += repl[++i];
    } else if (c == '\\' && i + 3 < repl.size() && repl[i + 1] == 'g' && repl[i + 2] == '<') {
      std::size_t close = repl.find('>', i + 3);
      if (close == std::string::npos) {
        out += c;
        continue;
      }
      out += "$" + repl.substr(i + 3, close - i - 3);
      i = close;
    } else if (c == '\\' && i + 1 < repl.size() && repl[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else {
      out += c;
    }
  }
  return out;
}

std::string scheme_of(const std::string& filename) {
  static const std::regex scheme(R"(^([A-Za-z][A-Za-z0-9+.-]*)://)");
  std::smatch m;
  if (std::regex_search(filename, m, scheme)) return m[1].str();
  return "";
}

// Own parameters and persistent buffers, in registration order (PyTorch's
// local_state). LibTorch keeps no non-persistent buffers in modules of ours.
std::vector<std::pair<std::string, torch::Tensor>> local_state(const torch::nn::Module& m) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : m.named_parameters(/*recurse=*/false)) out.emplace_back(p.key(), p.value());
  for (const auto& b : m.named_buffers(/*recurse=*/false)) out.emplace_back(b.key(), b.value());
  return out;
}

void load_module(torch::nn::Module& module, StateDict sd, const std::string& prefix,
                 IncompatibleKeys& out) {
  // As MMEngine's load(): a BaseTTAModel loads into the model it wraps, so a
  // classifier's checkpoint (backbone.*) loads into AverageClsScoreTTA(module=...).
  if (auto* tta = dynamic_cast<BaseTTAModel*>(&module)) {
    load_module(tta->module(), std::move(sd), prefix, out);
    return;
  }
  // torch's _register_load_state_dict_pre_hook: may rewrite the keys first.
  if (auto* hook = dynamic_cast<LoadStateDictPreHook*>(&module))
    hook->load_state_dict_pre_hook(sd, prefix);
  auto state = local_state(module);
  std::map<std::string, std::size_t> by_key;
  for (std::size_t i = 0; i < sd.size(); ++i) by_key.emplace(sd[i].first, i);
  std::set<std::string> local_names;
  for (auto& [name, param] : state) {
    local_names.insert(name);
    const std::string key = prefix + name;
    auto it = by_key.find(key);
    if (it == by_key.end()) {
      out.missing_keys.push_back(key);
      continue;
    }
    const PyObject& value = sd[it->second].second;
    if (!value.is_tensor()) {
      out.error_msgs.push_back("While copying the parameter named \"" + key +
                               "\", expected torch.Tensor or Tensor-like object from checkpoint "
                               "but received <class '" +
                               value.type_name() + "'>");
      continue;
    }
    torch::Tensor input = value.as_tensor();
    if (param.dim() == 0 && input.dim() == 1) input = input[0];
    if (input.sizes() != param.sizes()) {
      out.error_msgs.push_back(
          "size mismatch for " + key + ": copying a param with shape " + torch_size(input.sizes()) +
          " from checkpoint, the shape in current model is " + torch_size(param.sizes()) + ".");
      continue;
    }
    try {
      torch::NoGradGuard no_grad;
      param.copy_(input);
    } catch (const std::exception& e) {
      out.error_msgs.push_back(
          "While copying the parameter named \"" + key + "\", whose dimensions in the model are " +
          torch_size(param.sizes()) + " and whose dimensions in the checkpoint are " +
          torch_size(input.sizes()) + ", an exception occurred : " + e.what() + ".");
    }
  }
  std::set<std::string> children;
  for (const auto& c : module.named_children()) children.insert(c.key());
  for (const auto& [key, value] : sd) {
    std::string name = key.substr(prefix.size());
    name = name.substr(0, name.find('.'));
    if (!children.count(name) && !local_names.count(name)) out.unexpected_keys.push_back(key);
  }
  for (const auto& c : module.named_children()) {
    const std::string child_prefix = prefix + c.key() + ".";
    StateDict child;
    for (const auto& kv : sd)
      if (kv.first.compare(0, child_prefix.size(), child_prefix) == 0) child.push_back(kv);
    load_module(*c.value(), std::move(child), child_prefix, out);
  }
}

}  // namespace

std::string torch_hub_checkpoint_dir() {
  std::string torch_home =
      expand_user(env_or("TORCH_HOME", path_join(env_or("XDG_CACHE_HOME", "~/.cache"), "torch")));
  return path_join(path_join(torch_home, "hub"), "checkpoints");
}

bool is_url(const std::string& filename) {
  return filename.rfind("http://", 0) == 0 || filename.rfind("https://", 0) == 0;
}

std::string cached_path_of_url(const std::string& url) {
  // os.path.basename(urlparse(url).path): drop the query and fragment.
  std::string path = url.substr(url.find("://") + 3);
  std::size_t slash = path.find('/');
  path = slash == std::string::npos ? "" : path.substr(slash);
  path = path.substr(0, path.find_first_of("?#"));
  return path_join(torch_hub_checkpoint_dir(), path_basename(path));
}

c10::Device parse_map_location(const std::string& map_location) {
  if (map_location.empty() || map_location == "None" || map_location == "cpu") return c10::kCPU;
  try {
    return c10::Device(map_location);
  } catch (const std::exception& e) {
    throw Error("ValueError", "map_location '" + map_location + "' is not a device: " + e.what());
  }
}

PyObject load_checkpoint_file(const std::string& filename, const std::string& map_location,
                              Logger* logger) {
  c10::Device device = parse_map_location(map_location);
  std::string path;
  if (is_url(filename)) {
    if (logger) logger->info("Loads checkpoint by http backend from path: " + filename);
    path = cached_path_of_url(filename);
    if (!Env::system().exists(path))
      throw Error("FileNotFoundError",
                  "the checkpoint " + filename +
                      " is not in the torch.hub cache and mmcpp never downloads: fetch it and "
                      "save it as " +
                      path +
                      " (the cache is $TORCH_HOME/hub/checkpoints; TORCH_HOME defaults to "
                      "$XDG_CACHE_HOME/torch, then ~/.cache/torch)");
  } else {
    std::string scheme = scheme_of(filename);
    if (!scheme.empty())
      throw Error("NotImplementedError",
                  "checkpoint " + filename + ": the '" + scheme +
                      "://' scheme is not supported by mmcpp (it needs MMEngine's model-zoo "
                      "tables or a storage client); give a local path or an http(s) URL");
    if (logger) logger->info("Loads checkpoint by local backend from path: " + filename);
    path = expand_user(filename);
    if (!Env::system().exists(path) || Env::system().is_dir(path))
      throw Error("FileNotFoundError", filename + " can not be found.");
  }
  try {
    return io::load_pth(path, device);
  } catch (const Error& e) {
    std::string what = e.what();
    if (what.find(path) == std::string::npos)
      what = "cannot load checkpoint '" + path + "': " + what;
    throw Error(e.kind(), what);
  }
}

StateDict state_dict_of(const PyObject& checkpoint, const std::string& filename) {
  const std::string where = filename.empty() ? "" : " in " + filename;
  if (!checkpoint.is_dict())
    throw Error("RuntimeError", "No state_dict found in checkpoint file" + where + " (it holds a " +
                                    checkpoint.type_name() + ")");
  const PyObject* sd = checkpoint.find("state_dict");
  // Checkpoints of other codebases (DeiT, timm training scripts) wrap the
  // weights as {'model': state_dict}.
  if (!sd) {
    const PyObject* model = checkpoint.find("model");
    if (model && model->is_dict()) {
      bool tensors = model->as_dict().size() > 0;
      for (const auto& [k, v] : model->as_dict().entries()) tensors = tensors && v.is_tensor();
      if (tensors) sd = model;
    }
  }
  if (!sd) sd = &checkpoint;
  if (!sd->is_dict())
    throw Error("TypeError", "checkpoint['state_dict']" + where + " is a " + sd->type_name() +
                                 ", expected a dict");
  StateDict out;
  for (const auto& [k, v] : sd->as_dict().entries()) {
    if (!k.is_str())
      throw Error("TypeError", "state_dict key " + k.repr() + where + " is not a str");
    out.emplace_back(k.as_str(), v);
  }
  return out;
}

StateDict revise_state_dict_keys(const StateDict& state_dict, const KeyRevisions& revise_keys) {
  StateDict sd = state_dict;
  for (const auto& [pattern, repl] : revise_keys) {
    std::regex re;
    try {
      re = std::regex(pattern);
    } catch (const std::regex_error& e) {
      throw Error("ValueError", "invalid revise_keys pattern '" + pattern + "': " + e.what());
    }
    const std::string r = ecma_replacement(repl);
    // OrderedDict({re.sub(p, r, k): v}): a key produced twice keeps its first
    // position and its last value.
    StateDict next;
    std::map<std::string, std::size_t> pos;
    for (const auto& [k, v] : sd) {
      std::string key = std::regex_replace(k, re, r);
      auto it = pos.find(key);
      if (it != pos.end()) {
        next[it->second].second = v;
      } else {
        pos.emplace(key, next.size());
        next.emplace_back(key, v);
      }
    }
    sd = std::move(next);
  }
  return sd;
}

std::string IncompatibleKeys::message() const {
  std::vector<std::string> err = error_msgs;
  if (!unexpected_keys.empty())
    err.push_back("unexpected key in source state_dict: " + join(unexpected_keys, ", ") + "\n");
  if (!missing_keys.empty())
    err.push_back("missing keys in source state_dict: " + join(missing_keys, ", ") + "\n");
  if (err.empty()) return "";
  err.insert(err.begin(), "The model and loaded state dict do not match exactly\n");
  return join(err, "\n");
}

IncompatibleKeys load_state_dict(torch::nn::Module& module, const StateDict& state_dict,
                                 bool strict, Logger* logger) {
  IncompatibleKeys out;
  load_module(module, state_dict, "", out);
  std::vector<std::string> missing;
  for (auto& k : out.missing_keys)
    if (k.find("num_batches_tracked") == std::string::npos) missing.push_back(k);
  out.missing_keys = std::move(missing);
  std::string msg = out.message();
  if (!msg.empty()) {
    if (strict) throw Error("RuntimeError", msg);
    if (logger) logger->warning(msg);
  }
  return out;
}

PyObject load_checkpoint_to_model(torch::nn::Module& model, const PyObject& checkpoint, bool strict,
                                  Logger* logger, const KeyRevisions& revise_keys) {
  StateDict sd = revise_state_dict_keys(state_dict_of(checkpoint), revise_keys);
  load_state_dict(model, sd, strict, logger);
  return checkpoint;
}

PyObject load_checkpoint(torch::nn::Module& model, const std::string& filename,
                         const std::string& map_location, bool strict, Logger* logger,
                         const KeyRevisions& revise_keys) {
  PyObject checkpoint = load_checkpoint_file(filename, map_location, logger);
  if (!checkpoint.is_dict())
    throw Error("RuntimeError", "No state_dict found in checkpoint file " + filename);
  StateDict sd = revise_state_dict_keys(state_dict_of(checkpoint, filename), revise_keys);
  load_state_dict(model, sd, strict, logger);
  return checkpoint;
}

StateDict load_checkpoint_with_prefix(const std::string& prefix_in, const std::string& filename,
                                      const std::string& map_location) {
  PyObject checkpoint = load_checkpoint_file(filename, map_location);
  StateDict sd = state_dict_of(checkpoint, filename);
  std::string prefix = prefix_in;
  if (prefix.empty() || prefix.back() != '.') prefix += '.';
  StateDict out;
  for (const auto& [k, v] : sd)
    if (k.compare(0, prefix.size(), prefix) == 0) out.emplace_back(k.substr(prefix.size()), v);
  if (out.empty())
    throw Error("AssertionError", prefix + " is not in the pretrained model " + filename);
  return out;
}

}  // namespace mmcpp::engine
