#include "mmcpp/engine/runner/message_hub.h"

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"

namespace mmcpp::engine {

using config::Value;

void HistoryBuffer::update(double value, std::int64_t count) {
  values_.push_back(value);
  counts_.push_back(count);
  if (values_.size() > max_length_) {
    values_.erase(values_.begin());
    counts_.erase(counts_.begin());
  }
}

namespace {
std::size_t start_of(std::size_t size, std::size_t window) {
  return window == 0 || window >= size ? 0 : size - window;
}
}  // namespace

double HistoryBuffer::mean(std::size_t window) const {
  if (values_.empty()) return std::nan("");
  double sum = 0;
  std::int64_t count = 0;
  for (std::size_t i = start_of(values_.size(), window); i < values_.size(); ++i) {
    sum += values_[i];
    count += counts_[i];
  }
  return count ? sum / static_cast<double>(count) : std::nan("");
}

double HistoryBuffer::max(std::size_t window) const {
  if (values_.empty()) return std::nan("");
  return *std::max_element(
      values_.begin() + static_cast<std::ptrdiff_t>(start_of(values_.size(), window)),
      values_.end());
}

double HistoryBuffer::min(std::size_t window) const {
  if (values_.empty()) return std::nan("");
  return *std::min_element(
      values_.begin() + static_cast<std::ptrdiff_t>(start_of(values_.size(), window)),
      values_.end());
}

double HistoryBuffer::current() const {
  if (values_.empty()) throw Error("ValueError", "HistoryBuffer is empty: no current value");
  return values_.back();
}

Value HistoryBuffer::state_dict() const {
  Value d = Value::dict(false);
  Value::Items v, c;
  for (double x : values_) v.emplace_back(x);
  for (auto x : counts_) c.emplace_back(x);
  d.as_dict().set(Value("log_history"), Value::list(std::move(v)));
  d.as_dict().set(Value("count_history"), Value::list(std::move(c)));
  d.as_dict().set(Value("max_length"), Value(static_cast<std::int64_t>(max_length_)));
  return d;
}

void HistoryBuffer::load_state_dict(const Value& state) {
  if (!state.is_dict())
    throw Error("TypeError", "HistoryBuffer state must be a dict, got " + state.type_name());
  values_.clear();
  counts_.clear();
  if (const Value* m = state.as_dict().find("max_length"))
    max_length_ = static_cast<std::size_t>(m->as_int());
  if (const Value* v = state.as_dict().find("log_history"))
    for (const auto& x : v->items()) values_.push_back(x.as_number());
  if (const Value* c = state.as_dict().find("count_history"))
    for (const auto& x : c->items()) counts_.push_back(x.as_int());
  if (counts_.size() != values_.size()) counts_.assign(values_.size(), 1);
}

void MessageHub::update_scalar(const std::string& key, double value, std::int64_t count,
                               bool resumed) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!scalars_.count(key)) scalar_order_.push_back(key);
  scalars_[key].update(value, count);
  resumed_[key] = resumed;
}

void MessageHub::update_info(const std::string& key, Value value, bool resumed) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!info_.count(key)) info_order_.push_back(key);
  info_[key] = std::move(value);
  resumed_[key] = resumed;
}

bool MessageHub::has_scalar(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return scalars_.count(key) > 0;
}

const HistoryBuffer& MessageHub::get_scalar(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = scalars_.find(key);
  if (it == scalars_.end()) {
    std::string known;
    for (const auto& k : scalar_order_) known += (known.empty() ? "" : ", ") + k;
    throw Error("KeyError",
                "'" + key + "' is not found in the message hub's scalars (known: " + known + ")");
  }
  return it->second;
}

Value MessageHub::get_info(const std::string& key, Value dflt) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = info_.find(key);
  return it == info_.end() ? dflt : it->second;
}

bool MessageHub::has_info(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return info_.count(key) > 0;
}

void MessageHub::pop_info(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  info_.erase(key);
  info_order_.erase(std::remove(info_order_.begin(), info_order_.end(), key), info_order_.end());
}

std::vector<std::string> MessageHub::scalar_keys() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return scalar_order_;
}

std::vector<std::string> MessageHub::info_keys() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return info_order_;
}

Value MessageHub::state_dict() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Value scalars = Value::dict(false), info = Value::dict(false), resumed = Value::dict(false);
  for (const auto& k : scalar_order_) {
    bool r = resumed_.count(k) ? resumed_.at(k) : true;
    resumed.as_dict().set(Value(k), Value(r));
    if (r) scalars.as_dict().set(Value(k), scalars_.at(k).state_dict());
  }
  for (const auto& k : info_order_) {
    bool r = resumed_.count(k) ? resumed_.at(k) : true;
    resumed.as_dict().set(Value(k), Value(r));
    if (r) info.as_dict().set(Value(k), info_.at(k));
  }
  Value out = Value::dict(false);
  out.as_dict().set(Value("log_scalars"), scalars);
  out.as_dict().set(Value("runtime_info"), info);
  out.as_dict().set(Value("resumed_keys"), resumed);
  return out;
}

void MessageHub::load_state_dict(const Value& state) {
  if (!state.is_dict())
    throw Error("TypeError", "message_hub state must be a dict, got " + state.type_name());
  if (const Value* s = state.as_dict().find("log_scalars")) {
    for (const auto& [k, v] : s->as_dict().entries()) {
      HistoryBuffer b;
      if (v.is_dict())
        b.load_state_dict(v);  // MMEngine's pickled HistoryBuffer objects are skipped
      std::lock_guard<std::mutex> lock(mutex_);
      if (!scalars_.count(k.str())) scalar_order_.push_back(k.str());
      scalars_[k.str()] = b;
      resumed_[k.str()] = true;
    }
  }
  if (const Value* s = state.as_dict().find("runtime_info"))
    for (const auto& [k, v] : s->as_dict().entries()) update_info(k.str(), v, true);
}

}  // namespace mmcpp::engine
