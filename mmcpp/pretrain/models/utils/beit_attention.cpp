#include "mmcpp/pretrain/models/utils/beit_attention.h"

#include <torch/torch.h>

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/weight_init.h"

namespace mmcpp::pretrain {

using config::Value;

torch::Tensor beit_relative_position_index(std::int64_t wh, std::int64_t ww, bool with_cls_token) {
  auto opts = torch::TensorOptions().dtype(torch::kInt64);
  auto grid = torch::meshgrid({torch::arange(wh, opts), torch::arange(ww, opts)}, "ij");
  torch::Tensor coords = torch::stack({grid[0], grid[1]}).flatten(1);  // 2, Wh*Ww
  torch::Tensor rel = (coords.unsqueeze(2) - coords.unsqueeze(1)).permute({1, 2, 0}).contiguous();
  rel.select(2, 0).add_(wh - 1).mul_(2 * ww - 1);
  rel.select(2, 1).add_(ww - 1);
  torch::Tensor sum = rel.sum(-1);
  if (!with_cls_token) return sum;
  const std::int64_t n = wh * ww + 1;
  const std::int64_t num_relative_distance = (2 * wh - 1) * (2 * ww - 1) + 3;
  torch::Tensor index = torch::zeros({n, n}, opts);
  index.slice(0, 1).slice(1, 1).copy_(sum);
  index.select(0, 0).fill_(num_relative_distance - 3);
  index.select(1, 0).fill_(num_relative_distance - 2);
  index[0][0] = num_relative_distance - 1;
  return index;
}

BEiTAttentionOptions BEiTAttentionOptions::from_dict(const Value& cfg) {
  BEiTAttentionOptions o;
  const auto& d = cfg.as_dict();
  auto need = [&](const char* key) -> const Value& {
    const Value* v = d.find(key);
    if (!v)
      throw Error("TypeError",
                  std::string("BEiTAttention: missing required argument '") + key + "'");
    return *v;
  };
  o.embed_dims = need("embed_dims").as_int();
  o.num_heads = need("num_heads").as_int();
  const Value& ws = need("window_size");
  if (!ws.is_none()) {
    if (!ws.is_sequence() || ws.items().size() != 2)
      throw Error("AssertionError", "BEiTAttention: window_size must be a tuple (Wh, Ww)");
    o.window_size = std::make_pair(ws.items()[0].as_int(), ws.items()[1].as_int());
  }
  o.use_rel_pos_bias = need("use_rel_pos_bias").truthy();
  if (const Value* v = d.find("bias")) o.bias = *v;
  if (const Value* v = d.find("qk_scale"); v && !v->is_none()) o.qk_scale = v->as_number();
  if (const Value* v = d.find("attn_drop_rate")) o.attn_drop_rate = v->as_number();
  if (const Value* v = d.find("proj_drop_rate")) o.proj_drop_rate = v->as_number();
  if (const Value* v = d.find("init_cfg")) o.init_cfg = *v;
  return o;
}

BEiTAttentionImpl::BEiTAttentionImpl(BEiTAttentionOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  auto& op = options_;
  const std::int64_t head_dims = op.embed_dims / op.num_heads;
  // Python's `qk_scale or head_dims ** -0.5`.
  scale_ = op.qk_scale && *op.qk_scale != 0. ? *op.qk_scale
                                             : std::pow(static_cast<double>(head_dims), -0.5);
  bool qkv_bias = op.bias.truthy();
  if (op.bias.is_str() && op.bias.as_str() == "qv_bias") {
    qv_bias_ = true;
    qkv_bias = false;
    q_bias = register_parameter("q_bias", torch::zeros({op.embed_dims}));
    v_bias = register_parameter("v_bias", torch::zeros({op.embed_dims}));
  }
  if (!op.window_size && op.use_rel_pos_bias)
    throw Error("AssertionError", "BEiTAttention: use_rel_pos_bias needs a window_size");
  if (op.use_rel_pos_bias) {
    const auto [wh, ww] = *op.window_size;
    relative_position_bias_table =
        register_parameter("relative_position_bias_table",
                           torch::zeros({(2 * wh - 1) * (2 * ww - 1) + 3, op.num_heads}));
    relative_position_index =
        register_buffer("relative_position_index", beit_relative_position_index(wh, ww));
  } else {
    op.window_size.reset();
  }
  qkv_ = register_module(
      "qkv",
      torch::nn::Linear(torch::nn::LinearOptions(op.embed_dims, op.embed_dims * 3).bias(qkv_bias)));
  attn_drop_ = register_module("attn_drop", torch::nn::Dropout(op.attn_drop_rate));
  proj_ = register_module("proj", torch::nn::Linear(op.embed_dims, op.embed_dims));
  proj_drop_ = register_module("proj_drop", torch::nn::Dropout(op.proj_drop_rate));
}

void BEiTAttentionImpl::init_weights() {
  engine::BaseModule::init_weights();
  if (options_.use_rel_pos_bias) {
    torch::NoGradGuard no_grad;
    engine::trunc_normal_(relative_position_bias_table, 0, 0.02);
  }
}

torch::Tensor BEiTAttentionImpl::forward(const torch::Tensor& x,
                                         const torch::Tensor& rel_pos_bias) {
  const std::int64_t B = x.size(0), N = x.size(1), C = x.size(2);
  torch::Tensor qkv;
  if (qv_bias_) {
    torch::Tensor bias = torch::cat({q_bias, torch::zeros_like(v_bias), v_bias});
    qkv = torch::nn::functional::linear(x, qkv_->weight, bias);
  } else {
    qkv = qkv_->forward(x);
  }
  qkv = qkv.reshape({B, N, 3, options_.num_heads, -1}).permute({2, 0, 3, 1, 4});
  torch::Tensor q = qkv[0] * scale_, k = qkv[1], v = qkv[2];
  torch::Tensor attn = torch::matmul(q, k.transpose(-2, -1));
  if (relative_position_bias_table.defined()) {
    const auto [wh, ww] = *options_.window_size;
    const std::int64_t n = wh * ww + 1;
    torch::Tensor bias =
        relative_position_bias_table.index_select(0, relative_position_index.view(-1))
            .view({n, n, -1})
            .permute({2, 0, 1})
            .contiguous();
    attn = attn + bias.unsqueeze(0);
  }
  if (rel_pos_bias.defined()) attn = attn + rel_pos_bias;
  attn = attn_drop_->forward(attn.softmax(-1));
  torch::Tensor out = torch::matmul(attn, v).transpose(1, 2).reshape({B, N, C});
  return proj_drop_->forward(proj_->forward(out));
}

}  // namespace mmcpp::pretrain
