#include "tools/progress_hook.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "mmcpp/engine/runner/runner.h"

namespace mmcpp::tools {

bool is_terminal(std::FILE* f) {
  const char* term = std::getenv("TERM");
  return isatty(fileno(f)) != 0 && !(term && std::string(term) == "dumb");
}

ProgressHook::ProgressHook(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {
  priority_ = engine::VERY_LOW;
}

std::vector<std::string> ProgressHook::stages() const {
  return {"before_test_epoch", "after_test_iter", "after_test_epoch"};
}

void ProgressHook::before_test_epoch(engine::Runner& runner) {
  data::DataLoader* loader = runner.test_dataloader();
  total_ = loader ? static_cast<std::int64_t>(loader->num_batches()) : 0;
  samples_ = 0;
  next_line_ = 0;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void ProgressHook::after_test_iter(engine::Runner&, std::int64_t batch_idx, const data::DataBatch*,
                                   const data::DataSamples& outputs) {
  samples_ += static_cast<std::int64_t>(outputs.size());
  report(batch_idx + 1, false);
}

void ProgressHook::after_test_epoch(engine::Runner&, const evaluation::Metrics&) {
  if (terminal_) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
  }
}

void ProgressHook::report(std::int64_t done, bool) {
  using namespace std::chrono;
  const auto now = steady_clock::now();
  const double elapsed = duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(samples_) / elapsed : 0;
  const double eta =
      done > 0 && total_ > done ? elapsed / static_cast<double>(done) * (total_ - done) : 0;
  char tail[160];
  std::snprintf(tail, sizeof tail, " %lld/%lld, %.1f images/s, elapsed: %.0fs, ETA: %.0fs",
                static_cast<long long>(done), static_cast<long long>(total_), rate, elapsed, eta);
  if (terminal_) {
    // Redraw at most 10 times a second, and always at the end.
    if (done < total_ && duration<double>(now - last_draw_).count() < 0.1) return;
    last_draw_ = now;
    const int width = 30;
    const int filled = total_ > 0 ? static_cast<int>(width * done / total_) : width;
    std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '>') +
                      std::string(static_cast<std::size_t>(width - filled), ' ') + "]";
    // The cursor goes back to the line start, so log lines overwrite the bar.
    std::fprintf(out_, "\r\033[K%s%s\r", bar.c_str(), tail);
    std::fflush(out_);
    return;
  }
  // Plain lines: at every 10% of the batches.
  if (total_ <= 0) return;
  const std::int64_t percent = 100 * done / total_;
  if (percent < next_line_ && done != total_) return;
  next_line_ = (percent / 10 + 1) * 10;
  std::fprintf(out_, "[test] %3lld%%%s\n", static_cast<long long>(percent), tail);
  std::fflush(out_);
}

std::string metrics_table(const evaluation::Metrics& metrics) {
  std::vector<std::pair<std::string, std::string>> rows;
  std::string tensors;
  for (const auto& [k, v] : metrics) {
    std::string text;
    using Kind = evaluation::MetricValue::Kind;
    switch (v.kind()) {
      case Kind::Float: {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.4f", v.scalar());
        text = buf;
        break;
      }
      case Kind::Int:
        text = v.repr();
        break;
      case Kind::FloatList:
      case Kind::IntList: {
        text = v.repr();
        if (text.size() > 60) text = text.substr(0, 56) + " ...]";
        break;
      }
      case Kind::Tensor:
        text = "tensor of shape " + std::string(c10::str(v.tensor_value().sizes())) + " (below)";
        tensors += k + ":\n" + v.repr() + "\n";
        break;
    }
    rows.emplace_back(k, text);
  }
  std::size_t w1 = 6, w2 = 5;  // "Metric", "Value"
  for (const auto& [k, t] : rows) w1 = std::max(w1, k.size()), w2 = std::max(w2, t.size());
  auto line = [&] {
    return "+" + std::string(w1 + 2, '-') + "+" + std::string(w2 + 2, '-') + "+\n";
  };
  auto row = [&](const std::string& a, const std::string& b) {
    return "| " + a + std::string(w1 - a.size(), ' ') + " | " + b +
           std::string(w2 - b.size(), ' ') + " |\n";
  };
  std::string out = line() + row("Metric", "Value") + line();
  for (const auto& [k, t] : rows) out += row(k, t);
  out += line();
  return out + tensors;
}

}  // namespace mmcpp::tools
