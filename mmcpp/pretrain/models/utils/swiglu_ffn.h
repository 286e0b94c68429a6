// SwiGLUFFN and SwiGLUFFNFused (mmpretrain/models/utils/swiglu_ffn.py).
//
// SwiGLUFFN(embed_dims, feedforward_channels=None, out_dims=None,
//   layer_scale_init_value=0., bias=True, dropout_layer=None, norm_cfg=None,
//   add_identity=True): `w12` Linear(embed_dims, 2*hidden), `norm`
//   (MMPretrain's build_norm_layer, or Identity), `w3` Linear(hidden, out),
//   `gamma2` (LayerScale or Identity), `dropout_layer`; out = w3(norm(silu(x1) * x2))
//   plus the identity when out_dims == embed_dims and add_identity.
// SwiGLUFFNFused(embed_dims, feedforward_channels=None, out_dims=None,
//   layer_scale_init_value=0., bias=True): hidden = (int(ffn * 2 / 3) + 7) // 8 * 8.
// Neither is registered in MODELS (as in MMPretrain).
#pragma once

#include <torch/nn/modules/linear.h>

#include <optional>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::pretrain {

struct SwiGLUFFNOptions {
  std::int64_t embed_dims = 0;
  std::optional<std::int64_t> feedforward_channels, out_dims;
  double layer_scale_init_value = 0.;
  bool bias = true;
  config::Value dropout_layer;  // None: Identity
  config::Value norm_cfg;       // None: Identity
  bool add_identity = true;
  bool fused = false;  // SwiGLUFFNFused: the hidden width rule above
};

class SwiGLUFFNImpl : public torch::nn::Module,
                      public engine::TensorForward,
                      public engine::DeclaresPythonClass {
 public:
  explicit SwiGLUFFNImpl(SwiGLUFFNOptions options);
  engine::PythonClass python_class() const override {
    return options_.fused ? engine::PythonClass{"SwiGLUFFNFused", {"SwiGLUFFN"}}
                          : engine::PythonClass{"SwiGLUFFN", {"Module"}};
  }
  torch::Tensor forward(const torch::Tensor& x) override { return forward(x, torch::Tensor()); }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& identity);

 private:
  SwiGLUFFNOptions options_;
  std::int64_t out_dims_;
  torch::nn::Linear w12_{nullptr}, w3_{nullptr};
  engine::Layer norm_, gamma2_, dropout_layer_;
};
TORCH_MODULE(SwiGLUFFN);

}  // namespace mmcpp::pretrain
