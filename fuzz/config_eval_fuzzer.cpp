// libFuzzer target for the config interpreter.
//
// The input is the text of a `.py` config: it is loaded (lexer, parser,
// evaluator, merge), converted with to_dict() and dumped. The same bytes are also
// parsed as one `--cfg-options` value and, split into lines, as a list of
// `key=value` arguments merged into a small config. Invalid input must end in an
// mmcpp::Error; any other exception, a crash, a sanitizer report, a hang or
// runaway memory is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"

namespace {

using mmcpp::config::Config;
using mmcpp::config::Value;

// A small config to merge options into: nested dicts, a list of dicts, a tuple.
Config make_target() {
  Value cfg = Value::dict(true);
  Value model = Value::dict(true);
  Value backbone = Value::dict(true);
  backbone.as_dict().set("type", "ResNet");
  backbone.as_dict().set("depth", 50);
  model.as_dict().set("backbone", backbone);
  model.as_dict().set("topk", Value::tuple({1, 5}));
  cfg.as_dict().set("model", model);
  Value step = Value::dict(true);
  step.as_dict().set("type", "RandomCrop");
  step.as_dict().set("crop_size", 32);
  cfg.as_dict().set("train_pipeline", Value::list({step, Value::dict(true)}));
  cfg.as_dict().set("lr", 0.1);
  return Config(cfg);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string::size_type start = 0;
  while (start <= text.size() && lines.size() < 64) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  try {
    Config cfg = Config::fromstring(text, ".py");
    (void)cfg.to_dict();
    (void)cfg.pretty_text();
    (void)cfg.dump("json");
  } catch (const mmcpp::Error&) {
  }

  try {
    (void)mmcpp::config::parse_cfg_option_value(text);
  } catch (const mmcpp::Error&) {
  }

  try {
    const auto options = mmcpp::config::parse_cfg_options(split_lines(text));
    Config target = make_target();
    target.merge_from_dict(options, /*allow_list_keys=*/true);
    (void)target.to_dict();
  } catch (const mmcpp::Error&) {
  }
  return 0;
}
