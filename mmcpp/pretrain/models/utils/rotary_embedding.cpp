#include "mmcpp/pretrain/models/utils/rotary_embedding.h"

#include <torch/torch.h>

namespace mmcpp::pretrain {

RotaryEmbeddingFastImpl::RotaryEmbeddingFastImpl(std::int64_t embed_dims,
                                                 mmcv::Size2 patch_resolution, double theta,
                                                 config::Value init_cfg)
    : engine::BaseModule(std::move(init_cfg)),
      half_dim_(embed_dims / 2),
      patch_resolution_(patch_resolution),
      theta_(theta) {
  auto [cos, sin] = compute_position_embedding(patch_resolution_);
  freqs_cos = register_buffer("freqs_cos", cos);
  freqs_sin = register_buffer("freqs_sin", sin);
}

std::pair<torch::Tensor, torch::Tensor> RotaryEmbeddingFastImpl::compute_position_embedding(
    mmcv::Size2 hw) const {
  const auto half = static_cast<double>(half_dim_);
  torch::Tensor frequency =
      torch::pow(theta_, torch::arange(0, half_dim_, 2, torch::kLong).to(torch::kFloat) / half);
  frequency = 1. / frequency;
  const auto [h, w] = hw;
  torch::Tensor th = torch::arange(h, torch::kLong) / h * half;
  torch::Tensor tw = torch::arange(w, torch::kLong) / w * half;
  torch::Tensor position_h = torch::matmul(th.unsqueeze(1), frequency.unsqueeze(0)).repeat({1, 2});
  torch::Tensor position_w = torch::matmul(tw.unsqueeze(1), frequency.unsqueeze(0)).repeat({1, 2});
  const std::int64_t d = position_h.size(1);
  torch::Tensor height = position_h.unsqueeze(1).expand({h, w, d});
  torch::Tensor width = position_w.unsqueeze(0).expand({h, w, d});
  torch::Tensor position = torch::cat({height, width}, -1);
  return {position.cos().reshape({-1, position.size(-1)}),
          position.sin().reshape({-1, position.size(-1)})};
}

torch::Tensor RotaryEmbeddingFastImpl::forward(const torch::Tensor& x,
                                               mmcv::Size2 patch_resolution) {
  if (patch_resolution != patch_resolution_) {
    patch_resolution_ = patch_resolution;
    auto [cos, sin] = compute_position_embedding(patch_resolution);
    torch::NoGradGuard no_grad;
    freqs_cos.set_(cos.to(x.device()));
    freqs_sin.set_(sin.to(x.device()));
  }
  const std::int64_t B = x.size(0), H = x.size(1), N = x.size(2), D = x.size(3);
  auto pairs = x.reshape({B, H, N, -1, 2}).unbind(-1);
  torch::Tensor rotated = torch::stack({-pairs[1], pairs[0]}, -1).reshape({B, H, N, D});
  return x * freqs_cos + rotated * freqs_sin;
}

}  // namespace mmcpp::pretrain
