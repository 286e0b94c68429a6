// EmptyCacheHook (mmengine/hooks/empty_cache_hook.py).
#include "mmcpp/engine/hooks/empty_cache_hook.h"

#include "mmcpp/engine/hooks/cuda_memory.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

EmptyCacheHook::EmptyCacheHook(bool before_epoch, bool after_epoch, bool after_iter)
    : do_before_epoch_(before_epoch), do_after_epoch_(after_epoch), do_after_iter_(after_iter) {
  priority_ = NORMAL;
}

std::shared_ptr<EmptyCacheHook> EmptyCacheHook::from_config(registry::BuildArgs& args) {
  bool before_epoch = args.get_bool("before_epoch", false);
  bool after_epoch = args.get_bool("after_epoch", true);
  bool after_iter = args.get_bool("after_iter", false);
  return std::make_shared<EmptyCacheHook>(before_epoch, after_epoch, after_iter);
}

std::vector<std::string> EmptyCacheHook::stages() const {
  // MMEngine overrides _before_epoch/_after_epoch/_after_iter: every mode's stage.
  return {"before_train_epoch", "after_train_iter", "after_train_epoch",
          "before_val_epoch",   "after_val_iter",   "after_val_epoch",
          "before_test_epoch",  "after_test_iter",  "after_test_epoch"};
}

void EmptyCacheHook::before_epoch() {
  if (do_before_epoch_) cuda_empty_cache();
}
void EmptyCacheHook::after_epoch() {
  if (do_after_epoch_) cuda_empty_cache();
}
void EmptyCacheHook::after_iter() {
  if (do_after_iter_) cuda_empty_cache();
}

MMCPP_REGISTER(registry::HOOKS, EmptyCacheHook, "dict(type='EmptyCacheHook', after_epoch=True)");

}  // namespace mmcpp::engine
