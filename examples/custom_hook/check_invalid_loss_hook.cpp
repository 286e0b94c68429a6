// CheckInvalidLossHook (seed 003, section 7.5): stop with an error when the
// training loss becomes NaN or infinite, checked every `interval` iterations.
//
// Built as a plugin (libcustom_hook.so) and loaded by the config:
//   custom_imports = dict(imports=['libcustom_hook.so'], allow_failed_imports=False)
//   custom_hooks = [dict(type='CheckInvalidLossHook', interval=50)]
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace custom_hook {

class CheckInvalidLossHook : public mmcpp::engine::Hook {
 public:
  explicit CheckInvalidLossHook(std::int64_t interval) : interval_(interval) {}

  static std::shared_ptr<CheckInvalidLossHook> from_config(mmcpp::registry::BuildArgs& args) {
    return std::make_shared<CheckInvalidLossHook>(args.get_int("interval", 50));
  }

  std::string name() const override { return "CheckInvalidLossHook"; }
  std::vector<std::string> stages() const override { return {"after_train_iter"}; }

  void after_train_iter(mmcpp::engine::Runner& runner, std::int64_t, const mmcpp::data::DataBatch*,
                        const mmcpp::engine::NamedTensors& outputs) override {
    if (!every_n_train_iters(runner, interval_)) return;
    for (const auto& [name, value] : outputs) {
      if (name != "loss") continue;
      if (!torch::isfinite(value).all().item<bool>()) {
        runner.logger().info("loss become infinite or NaN!");
        throw mmcpp::Error("AssertionError", "loss become infinite or NaN! (iteration " +
                                                 std::to_string(runner.iter() + 1) + ")");
      }
    }
  }

 private:
  std::int64_t interval_;
};

}  // namespace custom_hook

MMCPP_REGISTER(mmcpp::registry::HOOKS, custom_hook::CheckInvalidLossHook,
               "dict(type='CheckInvalidLossHook', interval=50)");
