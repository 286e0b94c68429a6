#include "mmcpp/engine/hooks/checkpoint_hook.h"

#include <cmath>
#include <limits>

#include "mmcpp/config/interpreter.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;

namespace {

// A sha256 of the checkpoint bytes names published files (<ckpt>-<sha[:8]>.pth).
std::string sha256_hex(const std::string& data);

}  // namespace

std::string CheckpointHook::infer_rule(const std::string& key,
                                       const std::vector<std::string>& greater_keys,
                                       const std::vector<std::string>& less_keys) {
  std::string rule = infer_metric_rule(key, greater_keys, less_keys);
  if (rule.empty())
    throw Error("ValueError", "Cannot infer the rule for key " + key +
                                  ", thus a specific rule must be specified.");
  return rule;
}

CheckpointHook::CheckpointHook(Options options) : o_(std::move(options)) {
  priority_ = VERY_LOW;
  filename_tmpl_ =
      o_.filename_tmpl ? *o_.filename_tmpl : (o_.by_epoch ? "epoch_{}.pth" : "iter_{}.pth");
  if (o_.save_begin < 0)
    throw Error("ValueError",
                "save_begin should not be less than 0, but got " + std::to_string(o_.save_begin));
  if (!o_.save_best.empty()) {
    bool has_auto = false;
    for (const auto& k : o_.save_best) has_auto = has_auto || k == "auto";
    if (has_auto && o_.save_best.size() != 1)
      throw Error("AssertionError", "Only support one \"auto\" in \"save_best\" list.");
    for (std::size_t i = 0; i < o_.save_best.size(); ++i)
      for (std::size_t j = i + 1; j < o_.save_best.size(); ++j)
        if (o_.save_best[i] == o_.save_best[j])
          throw Error("AssertionError", "Find duplicate element in \"save_best\".");
    if (o_.rule.size() > 1 && o_.rule.size() != o_.save_best.size())
      throw Error("AssertionError",
                  "Number of \"rule\" must be 1 or the same as number of \"save_best\", but got " +
                      std::to_string(o_.rule.size()) + ".");
    init_rules(o_.save_best);
  }
}

void CheckpointHook::init_rules(const std::vector<std::string>& keys) {
  std::vector<std::string> rules = o_.rule.empty() ? std::vector<std::string>{""} : o_.rule;
  if (rules.size() == 1) rules.assign(keys.size(), rules[0]);
  rules_.clear();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::string rule = rules[i];
    if (!rule.empty() && rule != "greater" && rule != "less")
      throw Error("KeyError", "rule must be greater, less or None, but got " + rule + ".");
    if (rule.empty() && keys[i] != "auto")
      rule = infer_rule(keys[i], o_.greater_keys, o_.less_keys);
    rules_.push_back(rule);
  }
  key_indicators_ = keys;
}

std::shared_ptr<CheckpointHook> CheckpointHook::from_config(registry::BuildArgs& a) {
  Options o;
  o.interval = a.get_int("interval", -1);
  o.by_epoch = a.get_bool("by_epoch", true);
  o.save_optimizer = a.get_bool("save_optimizer", true);
  o.save_param_scheduler = a.get_bool("save_param_scheduler", true);
  o.out_dir = a.get_opt_str("out_dir");
  o.max_keep_ckpts = a.get_int("max_keep_ckpts", -1);
  o.save_last = a.get_bool("save_last", true);
  o.save_best = a.get_str_or_list("save_best");
  for (const auto& r : a.get_str_or_list("rule")) o.rule.push_back(r);
  if (a.has("greater_keys") && !a.value("greater_keys").is_none())
    o.greater_keys = a.get_str_or_list("greater_keys");
  if (a.has("less_keys") && !a.value("less_keys").is_none())
    o.less_keys = a.get_str_or_list("less_keys");
  o.filename_tmpl = a.get_opt_str("filename_tmpl");
  o.published_keys = a.get_str_or_list("published_keys");
  o.save_begin = a.get_int("save_begin", 0);
  // Accepted for compatibility; storage backends other than the local disk are
  // not supported.
  for (const char* k : {"file_client_args", "backend_args"}) {
    Value v = a.value(k);
    if (!v.is_none())
      throw Error("NotImplementedError",
                  std::string("CheckpointHook: ") + k + " (remote storage) is not supported");
  }
  Value extra = a.take_rest();  // **kwargs forwarded to save_checkpoint in MMEngine
  if (!extra.as_dict().empty())
    throw Error("TypeError", "CheckpointHook got unsupported keyword arguments " + extra.repr());
  return std::make_shared<CheckpointHook>(std::move(o));
}

std::string CheckpointHook::filename_for(std::int64_t step) const {
  return config::str_format(filename_tmpl_, {Value(step)}, {});
}

void CheckpointHook::before_train(Runner& runner) {
  out_dir_ = o_.out_dir ? *o_.out_dir : runner.work_dir();
  if (out_dir_ != runner.work_dir()) {
    std::string wd = runner.work_dir();
    while (wd.size() > 1 && wd.back() == '/') wd.pop_back();
    out_dir_ = path_join(out_dir_, path_basename(wd));
  }
  runner.logger().info("Checkpoints will be saved to " + out_dir_ + ".");
  MessageHub& hub = runner.message_hub();
  for (const auto& k : key_indicators_) {
    std::string name = key_indicators_.size() == 1 ? "best_ckpt" : "best_ckpt_" + k;
    Value v = hub.get_info(name);
    if (v.is_str()) best_ckpt_path_[k] = v.as_str();
  }
  if (o_.max_keep_ckpts > 0) {
    keep_ckpt_ids_.clear();
    Value ids = hub.get_info("keep_ckpt_ids");
    if (ids.is_sequence())
      for (const auto& x : ids.items()) keep_ckpt_ids_.push_back(x.as_int());
    while (static_cast<std::int64_t>(keep_ckpt_ids_.size()) > o_.max_keep_ckpts) {
      runner.env().remove_file(path_join(out_dir_, filename_for(keep_ckpt_ids_.front())));
      keep_ckpt_ids_.pop_front();
    }
  }
}

void CheckpointHook::after_train_epoch(Runner& runner) {
  if (!o_.by_epoch) return;
  if (every_n_epochs(runner, o_.interval, o_.save_begin) ||
      (o_.save_last && is_last_train_epoch(runner))) {
    runner.logger().info("Saving checkpoint at " + std::to_string(runner.epoch() + 1) + " epochs");
    save(runner);
  }
}

void CheckpointHook::after_train_iter(Runner& runner, std::int64_t, const data::DataBatch*,
                                      const NamedTensors&) {
  if (o_.by_epoch) return;
  if (every_n_train_iters(runner, o_.interval, o_.save_begin) ||
      (o_.save_last && is_last_train_iter(runner))) {
    runner.logger().info("Saving checkpoint at " + std::to_string(runner.iter() + 1) +
                         " iterations");
    save(runner);
  }
}

void CheckpointHook::save(Runner& runner) {
  if (o_.by_epoch) {
    std::int64_t step = runner.epoch() + 1;
    save_with_step(runner, step, {step, runner.iter()});
  } else {
    std::int64_t step = runner.iter() + 1;
    save_with_step(runner, step, {runner.epoch(), step});
  }
}

void CheckpointHook::save_with_step(Runner& runner, std::int64_t step,
                                    std::pair<std::int64_t, std::int64_t> meta) {
  if (o_.max_keep_ckpts > 0 && !(!keep_ckpt_ids_.empty() && keep_ckpt_ids_.back() == step)) {
    if (static_cast<std::int64_t>(keep_ckpt_ids_.size()) == o_.max_keep_ckpts) {
      runner.env().remove_file(path_join(out_dir_, filename_for(keep_ckpt_ids_.front())));
      keep_ckpt_ids_.pop_front();
    }
    keep_ckpt_ids_.push_back(step);
    Value::Items ids;
    for (auto id : keep_ckpt_ids_) ids.emplace_back(id);
    runner.message_hub().update_info("keep_ckpt_ids", Value::list(std::move(ids)));
  }
  std::string filename = filename_for(step);
  last_ckpt_ = path_join(out_dir_, filename);
  runner.message_hub().update_info("last_ckpt", Value(*last_ckpt_));
  runner.save_checkpoint(out_dir_, filename, o_.save_optimizer, o_.save_param_scheduler,
                         o_.by_epoch, meta);
  // Only after the checkpoint is safely on disk does last_checkpoint point at it.
  runner.env().write_file_atomic(path_join(runner.work_dir(), "last_checkpoint"), *last_ckpt_);
}

void CheckpointHook::after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) {
  if (metrics.empty()) {
    runner.logger().warning(
        "Since `metrics` is an empty dict, the behavior to save the best checkpoint will be "
        "skipped in this "
        "evaluation.");
    return;
  }
  save_best(runner, metrics);
}

void CheckpointHook::save_best(Runner& runner, const evaluation::Metrics& metrics) {
  if (key_indicators_.empty()) return;
  std::string cur_type = o_.by_epoch ? "epoch" : "iter";
  std::int64_t cur_time = o_.by_epoch ? runner.epoch() : runner.iter();
  std::string ckpt_filename = filename_for(cur_time);
  std::pair<std::int64_t, std::int64_t> meta{runner.epoch(), runner.iter()};
  if (key_indicators_.size() == 1 && key_indicators_[0] == "auto")
    init_rules({metrics.front().first});
  bool updated = false;
  MessageHub& hub = runner.message_hub();
  for (std::size_t i = 0; i < key_indicators_.size(); ++i) {
    const std::string& key = key_indicators_[i];
    const std::string& rule = rules_[i];
    std::optional<double> score;
    for (const auto& [k, v] : metrics)
      if (k == key) score = v.scalar();  // TypeError for a list/tensor metric
    if (!score) {
      std::string known;
      for (const auto& [k, v] : metrics) known += (known.empty() ? "" : ", ") + k;
      throw Error("KeyError", "CheckpointHook save_best: metric '" + key +
                                  "' is not among the evaluation results (" + known + ")");
    }
    bool single = key_indicators_.size() == 1;
    std::string score_key = single ? "best_score" : "best_score_" + key;
    std::string ckpt_key = single ? "best_ckpt" : "best_ckpt_" + key;
    double best = rule == "greater" ? -std::numeric_limits<double>::infinity()
                                    : std::numeric_limits<double>::infinity();
    Value stored = hub.get_info(score_key);
    if (stored.is_number()) best = stored.as_number();
    bool better = rule == "greater" ? *score > best : *score < best;
    if (!better) continue;
    updated = true;
    hub.update_info(score_key, Value(*score));
    auto prev = best_ckpt_path_.find(key);
    if (prev != best_ckpt_path_.end() && !prev->second.empty() &&
        runner.env().exists(prev->second)) {
      runner.env().remove_file(prev->second);
      runner.logger().info("The previous best checkpoint " + prev->second + " is removed");
    }
    std::string best_name = "best_" + key + "_" + ckpt_filename;
    for (auto& c : best_name)
      if (c == '/') c = '_';
    best_ckpt_path_[key] = path_join(out_dir_, best_name);
    hub.update_info(ckpt_key, Value(best_ckpt_path_[key]));
    runner.save_checkpoint(out_dir_, best_name, false, false, false, meta);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%0.4f", *score);
    runner.logger().info(std::string("The best checkpoint with ") + buf + " " + key + " at " +
                         std::to_string(cur_time) + " " + cur_type + " is saved to " + best_name +
                         ".");
  }
  // Save the latest checkpoint too, so resuming restores the best-score state.
  if (updated && last_ckpt_) save_with_step(runner, cur_time, meta);
}

void CheckpointHook::after_train(Runner& runner) {
  if (o_.published_keys.empty()) return;
  if (o_.save_last && last_ckpt_) publish(runner, *last_ckpt_);
  for (const auto& [k, p] : best_ckpt_path_)
    if (!p.empty()) publish(runner, p);
}

void CheckpointHook::publish(Runner& runner, const std::string& ckpt_path) {
  io::PyObject ckpt = read_checkpoint(ckpt_path);
  std::vector<std::string> removed;
  io::PyObject kept = io::PyObject::dict();
  for (const auto& [k, v] : ckpt.as_dict().entries()) {
    std::string key = k.is_str() ? k.as_str() : k.repr();
    bool keep = false;
    for (const auto& p : o_.published_keys) keep = keep || p == key;
    if (keep)
      kept.as_dict().set(k, v);
    else
      removed.push_back(key);
  }
  if (!removed.empty()) {
    std::string list;
    for (const auto& r : removed) list += (list.empty() ? "'" : ", '") + r + "'";
    runner.logger().info("Key [" + list +
                         "] will be removed because they are not found in published_keys.");
  }
  std::string tmp = ckpt_path + ".publish.tmp";
  write_checkpoint(runner.env(), kept, tmp);
  std::string sha = sha256_hex(runner.env().read_file(tmp));
  std::string stem = ckpt_path.size() > 4 && ckpt_path.substr(ckpt_path.size() - 4) == ".pth"
                         ? ckpt_path.substr(0, ckpt_path.size() - 4)
                         : ckpt_path;
  std::string final_path = stem + "-" + sha.substr(0, 8) + ".pth";
  runner.env().write_file_atomic(final_path, runner.env().read_file(tmp));
  runner.env().remove_file(tmp);
  runner.logger().info("The checkpoint (" + ckpt_path + ") is published to " + final_path + ".");
}

namespace {

// FIPS 180-4 SHA-256.
std::string sha256_hex(const std::string& data) {
  static const std::uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string msg = data;
  std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  msg += static_cast<char>(0x80);
  while (msg.size() % 64 != 56) msg += '\0';
  for (int i = 7; i >= 0; --i) msg += static_cast<char>((bits >> (8 * i)) & 0xff);
  auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (std::size_t off = 0; off < msg.size(); off += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = (static_cast<std::uint32_t>(static_cast<unsigned char>(msg[off + 4 * i])) << 24) |
             (static_cast<std::uint32_t>(static_cast<unsigned char>(msg[off + 4 * i + 1])) << 16) |
             (static_cast<std::uint32_t>(static_cast<unsigned char>(msg[off + 4 * i + 2])) << 8) |
             static_cast<std::uint32_t>(static_cast<unsigned char>(msg[off + 4 * i + 3]));
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      std::uint32_t ch = (e & f) ^ (~e & g);
      std::uint32_t t1 = hh + s1 + ch + k[i] + w[i];
      std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      std::uint32_t t2 = s0 + maj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
  }
  char out[65];
  for (int i = 0; i < 8; ++i) std::snprintf(out + 8 * i, 9, "%08x", h[i]);
  return std::string(out, 64);
}

}  // namespace

MMCPP_REGISTER(registry::HOOKS, CheckpointHook, "dict(type='CheckpointHook', interval=1)");

}  // namespace mmcpp::engine
