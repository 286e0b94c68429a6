#include "mmcpp/pretrain/models/utils/le_attention.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <map>

#include "mmcpp/core/error.h"

namespace mmcpp::pretrain {

LeAttentionImpl::LeAttentionImpl(std::int64_t dim, std::int64_t key_dim, std::int64_t num_heads,
                                 double attn_ratio,
                                 std::pair<std::int64_t, std::int64_t> resolution,
                                 config::Value init_cfg)
    : engine::BaseModule(std::move(init_cfg)),
      num_heads_(num_heads),
      key_dim_(key_dim),
      d_(static_cast<std::int64_t>(attn_ratio * static_cast<double>(key_dim))),
      scale_(std::pow(static_cast<double>(key_dim), -0.5)) {
  dh_ = d_ * num_heads;
  const std::int64_t nh_kd = key_dim * num_heads;
  // Offsets numbered in order of first appearance, as MMPretrain does.
  std::vector<std::pair<std::int64_t, std::int64_t>> points;
  for (std::int64_t i = 0; i < resolution.first; ++i)
    for (std::int64_t j = 0; j < resolution.second; ++j) points.emplace_back(i, j);
  const auto n = static_cast<std::int64_t>(points.size());
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> offsets;
  std::vector<std::int64_t> idxs;
  idxs.reserve(static_cast<std::size_t>(n * n));
  for (const auto& p1 : points)
    for (const auto& p2 : points) {
      const std::pair<std::int64_t, std::int64_t> off{std::abs(p1.first - p2.first),
                                                      std::abs(p1.second - p2.second)};
      auto it = offsets.find(off);
      if (it == offsets.end())
        it = offsets.emplace(off, static_cast<std::int64_t>(offsets.size())).first;
      idxs.push_back(it->second);
    }
  attention_biases_ = register_parameter(
      "attention_biases", torch::zeros({num_heads, static_cast<std::int64_t>(offsets.size())}));
  idxs_ = torch::tensor(idxs, torch::kLong).view({n, n});
  norm_ = engine::register_layer(
      *this, "norm", engine::Layer(torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})).ptr()));
  qkv_ = engine::register_layer(*this, "qkv",
                                engine::Layer(torch::nn::Linear(dim, dh_ + nh_kd * 2).ptr()));
  proj_ = engine::register_layer(*this, "proj", engine::Layer(torch::nn::Linear(dh_, dim).ptr()));
}

torch::Tensor LeAttentionImpl::forward(const torch::Tensor& input) {
  const auto b = input.size(0), n = input.size(1);
  if (idxs_.device() != attention_biases_.device()) idxs_ = idxs_.to(attention_biases_.device());
  if (idxs_.size(0) != n)
    throw Error("RuntimeError", "LeAttention: " + std::to_string(n) +
                                    " tokens, but the attention biases are for " +
                                    std::to_string(idxs_.size(0)));
  torch::Tensor qkv = qkv_(norm_(input)).view({b, n, num_heads_, -1});
  auto parts = qkv.split_with_sizes({key_dim_, key_dim_, d_}, 3);
  torch::Tensor q = parts[0].permute({0, 2, 1, 3});
  torch::Tensor k = parts[1].permute({0, 2, 1, 3});
  torch::Tensor v = parts[2].permute({0, 2, 1, 3});
  torch::Tensor bias = attention_biases_.index({torch::indexing::Slice(), idxs_});
  torch::Tensor attn = torch::matmul(q, k.transpose(-2, -1)) * scale_ + bias;
  attn = attn.softmax(-1);
  torch::Tensor x = torch::matmul(attn, v).transpose(1, 2).reshape({b, n, dh_});
  return proj_(x);
}

}  // namespace mmcpp::pretrain
