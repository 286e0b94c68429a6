// dict(base, **update): how MMPretrain's backbones merge their per-part
// defaults with the user's patch_cfg / layer_cfgs / stage_cfgs / attn_cfgs.
#pragma once

#include <string>

#include "mmcpp/config/value.h"
#include "mmcpp/core/error.h"

namespace mmcpp::pretrain {

// A deep copy of the dict `base` with the entries of `update` (a dict or None)
// set on it; TypeError naming `what` when `update` is not a dict.
inline config::Value dict_updated(const config::Value& base, const config::Value& update,
                                  const std::string& what) {
  config::Value out = base.deep_copy();
  if (update.is_none()) return out;
  if (!update.is_dict()) throw Error("TypeError", what + " must be a dict, got " + update.repr());
  for (const auto& e : update.as_dict().entries()) out.as_dict().set(e.first, e.second.deep_copy());
  return out;
}

}  // namespace mmcpp::pretrain
