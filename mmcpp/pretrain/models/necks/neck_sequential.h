// A list of necks, as MMEngine builds a list config (build_model_from_cfg:
// `Sequential(*modules)`, an mmengine.model.Sequential): children "0", "1",
// ..., each neck fed the previous one's outputs. HRNet's configs use
// neck=[dict(type='HRFuseScales', ...), dict(type='GlobalAveragePooling')].
#pragma once

#include <memory>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"

namespace mmcpp::pretrain {

class NeckSequentialImpl : public engine::BaseModule, public NeckInterface {
 public:
  MMCPP_PYTHON_CLASS("Sequential", "BaseModule", "Sequential")
  // Builds every config of `cfgs` (a list) from MODELS; TypeError when one is
  // not a neck.
  explicit NeckSequentialImpl(const config::Value& cfgs);
  Feats forward(const Feats& inputs) override;

 private:
  std::vector<NeckInterface*> necks_;
};
TORCH_MODULE(NeckSequential);

}  // namespace mmcpp::pretrain
