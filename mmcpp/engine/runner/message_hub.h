// MessageHub and HistoryBuffer (mmengine/logging/message_hub.py,
// history_buffer.py): the scalars logged during training (train/loss,
// train/lr, val/accuracy...) with their history, and runtime information
// (epoch, iter, best scores, kept checkpoints) that survives resume.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"

namespace mmcpp::engine {

class HistoryBuffer {
 public:
  explicit HistoryBuffer(std::size_t max_length = 1000000) : max_length_(max_length) {}
  void update(double value, std::int64_t count = 1);
  // Statistics over the last `window` entries (0: all), as MMEngine's.
  double mean(std::size_t window = 0) const;  // sum(values)/sum(counts)
  double max(std::size_t window = 0) const;
  double min(std::size_t window = 0) const;
  double current() const;
  std::size_t size() const { return values_.size(); }
  const std::vector<double>& values() const { return values_; }
  const std::vector<std::int64_t>& counts() const { return counts_; }

  config::Value state_dict() const;
  void load_state_dict(const config::Value& state);

 private:
  std::size_t max_length_;
  std::vector<double> values_;
  std::vector<std::int64_t> counts_;
};

class MessageHub {
 public:
  void update_scalar(const std::string& key, double value, std::int64_t count = 1,
                     bool resumed = true);
  void update_info(const std::string& key, config::Value value, bool resumed = true);
  bool has_scalar(const std::string& key) const;
  // Throws KeyError naming the known scalars.
  const HistoryBuffer& get_scalar(const std::string& key) const;
  // None when absent.
  config::Value get_info(const std::string& key, config::Value dflt = config::Value()) const;
  bool has_info(const std::string& key) const;
  void pop_info(const std::string& key);
  // Keys in insertion order.
  std::vector<std::string> scalar_keys() const;
  std::vector<std::string> info_keys() const;

  // dict(log_scalars=..., runtime_info=..., resumed_keys=...) with only the keys
  // marked resumed; HistoryBuffers as plain dicts (torch.load needs no mmengine).
  config::Value state_dict() const;
  void load_state_dict(const config::Value& state);

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> scalar_order_, info_order_;
  std::map<std::string, HistoryBuffer> scalars_;
  std::map<std::string, config::Value> info_;
  std::map<std::string, bool> resumed_;
};

}  // namespace mmcpp::engine
