#include "benchmarks/plain_networks.h"

#include <cmath>
#include <vector>

namespace bench {
namespace nn = torch::nn;
namespace F = torch::nn::functional;

namespace {

nn::LayerNorm layer_norm(int64_t c, double eps = 1e-6) {
  return nn::LayerNorm(nn::LayerNormOptions({c}).eps(eps));
}

// LayerNorm over channels of an NCHW tensor (MMPretrain's LayerNorm2d).
torch::Tensor channel_norm(nn::LayerNorm norm, const torch::Tensor& x) {
  return norm->forward(x.permute({0, 2, 3, 1})).permute({0, 3, 1, 2});
}

// ---------------------------------------------------------------- ConvNeXt-T

struct ConvNeXtBlockImpl : nn::Module {
  explicit ConvNeXtBlockImpl(int64_t c)
      : dw(register_module("dw", nn::Conv2d(nn::Conv2dOptions(c, c, 7).padding(3).groups(c)))),
        norm(register_module("norm", layer_norm(c))),
        pw1(register_module("pw1", nn::Linear(c, 4 * c))),
        pw2(register_module("pw2", nn::Linear(4 * c, c))),
        gamma(register_parameter("gamma", torch::full({c}, 1e-6))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = dw->forward(x).permute({0, 2, 3, 1});
    y = pw2->forward(torch::gelu(pw1->forward(norm->forward(y))));
    return x + (y * gamma).permute({0, 3, 1, 2});
  }
  nn::Conv2d dw;
  nn::LayerNorm norm;
  nn::Linear pw1, pw2;
  torch::Tensor gamma;
};
TORCH_MODULE(ConvNeXtBlock);

struct ConvNeXtDownImpl : nn::Module {
  ConvNeXtDownImpl(int64_t in, int64_t out, int64_t k, bool norm_first)
      : norm_first(norm_first),
        norm(register_module("norm", layer_norm(norm_first ? in : out))),
        conv(register_module("conv", nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(k)))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    if (norm_first) return conv->forward(channel_norm(norm, x));
    return channel_norm(norm, conv->forward(x));
  }
  bool norm_first;
  nn::LayerNorm norm;
  nn::Conv2d conv;
};
TORCH_MODULE(ConvNeXtDown);

// ---------------------------------------------------------------- ViT-B/16

// Multi-head self-attention as MMPretrain's MultiheadAttention (one qkv
// Linear, softmax(q k^T / sqrt(d)) v, a projection); `bias` is added to the
// attention logits when defined (Swin's relative position bias + mask).
struct AttentionImpl : nn::Module {
  AttentionImpl(int64_t dim, int64_t heads)
      : heads(heads),
        qkv(register_module("qkv", nn::Linear(dim, 3 * dim))),
        proj(register_module("proj", nn::Linear(dim, dim))) {}
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias = {}) {
    const int64_t b = x.size(0), n = x.size(1), c = x.size(2);
    auto t = qkv->forward(x).reshape({b, n, 3, heads, c / heads}).permute({2, 0, 3, 1, 4});
    torch::Tensor q = t[0] * (1.0 / std::sqrt(static_cast<double>(c / heads))), k = t[1], v = t[2];
    torch::Tensor attn = torch::matmul(q, k.transpose(-2, -1));
    if (bias.defined()) attn = attn + bias;
    attn = attn.softmax(-1);
    return proj->forward(torch::matmul(attn, v).transpose(1, 2).reshape({b, n, c}));
  }
  int64_t heads;
  nn::Linear qkv, proj;
};
TORCH_MODULE(Attention);

struct MlpImpl : nn::Module {
  MlpImpl(int64_t dim, int64_t hidden)
      : fc1(register_module("fc1", nn::Linear(dim, hidden))),
        fc2(register_module("fc2", nn::Linear(hidden, dim))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return fc2->forward(torch::gelu(fc1->forward(x)));
  }
  nn::Linear fc1, fc2;
};
TORCH_MODULE(Mlp);

struct EncoderLayerImpl : nn::Module {
  EncoderLayerImpl(int64_t dim, int64_t heads)
      : ln1(register_module("ln1", layer_norm(dim))),
        ln2(register_module("ln2", layer_norm(dim))),
        attn(register_module("attn", Attention(dim, heads))),
        mlp(register_module("mlp", Mlp(dim, 4 * dim))) {}
  torch::Tensor forward(torch::Tensor x) {
    x = x + attn->forward(ln1->forward(x));
    return x + mlp->forward(ln2->forward(x));
  }
  nn::LayerNorm ln1, ln2;
  Attention attn;
  Mlp mlp;
};
TORCH_MODULE(EncoderLayer);

// ---------------------------------------------------------------- Swin-T

// (B, H, W, C) -> (B * nW, w * w, C)
torch::Tensor window_partition(const torch::Tensor& x, int64_t w) {
  const int64_t b = x.size(0), h = x.size(1), wd = x.size(2), c = x.size(3);
  return x.view({b, h / w, w, wd / w, w, c}).permute({0, 1, 3, 2, 4, 5}).reshape({-1, w * w, c});
}
torch::Tensor window_reverse(const torch::Tensor& windows, int64_t w, int64_t h, int64_t wd) {
  const int64_t c = windows.size(-1);
  const int64_t b = windows.size(0) / (h / w * (wd / w));
  return windows.view({b, h / w, wd / w, w, w, c})
      .permute({0, 1, 3, 2, 4, 5})
      .reshape({b, h, wd, c});
}

struct SwinBlockImpl : nn::Module {
  SwinBlockImpl(int64_t dim, int64_t heads, int64_t window, bool shift)
      : heads(heads),
        window(window),
        shift(shift),
        ln1(register_module("ln1", layer_norm(dim, 1e-5))),
        ln2(register_module("ln2", layer_norm(dim, 1e-5))),
        attn(register_module("attn", Attention(dim, heads))),
        mlp(register_module("mlp", Mlp(dim, 4 * dim))) {
    table = register_parameter("relative_position_bias_table",
                               torch::zeros({(2 * window - 1) * (2 * window - 1), heads}));
    // index[i, j] of two positions of a window into the table
    auto coords = torch::stack(torch::meshgrid({torch::arange(window), torch::arange(window)},
                                               "ij"))
                      .flatten(1);  // (2, w*w)
    auto rel = coords.unsqueeze(2) - coords.unsqueeze(1);
    rel = rel + (window - 1);
    index = register_buffer("index", (rel[0] * (2 * window - 1) + rel[1]).flatten());
  }
  torch::Tensor forward(torch::Tensor x, int64_t h, int64_t w) {
    const int64_t b = x.size(0), c = x.size(2);
    torch::Tensor shortcut = x;
    x = ln1->forward(x).view({b, h, w, c});
    const int64_t s = shift ? window / 2 : 0;
    torch::Tensor bias = table.index_select(0, index)
                             .view({window * window, window * window, heads})
                             .permute({2, 0, 1})
                             .unsqueeze(0);  // (1, heads, N, N)
    if (s > 0) {
      x = torch::roll(x, {-s, -s}, {1, 2});
      // The shifted-window mask: positions from different regions never attend.
      auto img = torch::zeros({1, h, w, 1});
      int64_t cnt = 0;
      for (auto hs : {std::pair<int64_t, int64_t>{0, h - window}, {h - window, h - s}, {h - s, h}})
        for (auto ws :
             {std::pair<int64_t, int64_t>{0, w - window}, {w - window, w - s}, {w - s, w}})
          img.index_put_({torch::indexing::Slice(), torch::indexing::Slice(hs.first, hs.second),
                          torch::indexing::Slice(ws.first, ws.second)},
                         static_cast<double>(cnt++));
      auto mw = window_partition(img, window).squeeze(-1);  // (nW, N)
      auto mask = (mw.unsqueeze(1) - mw.unsqueeze(2)).ne(0).to(torch::kFloat) * -100.0;
      const int64_t n_windows = mask.size(0);
      auto windows = window_partition(x, window);
      auto logits_bias = (bias + mask.unsqueeze(1)).unsqueeze(0);  // (1, nW, heads, N, N)
      // attention per window with its mask: fold windows into the batch
      auto out = attn_with_bias(windows, logits_bias, n_windows);
      x = window_reverse(out, window, h, w);
      x = torch::roll(x, {s, s}, {1, 2});
    } else {
      auto windows = window_partition(x, window);
      x = window_reverse(attn->forward(windows, bias), window, h, w);
    }
    x = shortcut + x.reshape({b, h * w, c});
    return x + mlp->forward(ln2->forward(x));
  }
  // Windows (B*nW, N, C) with a per-window bias (1, nW, heads, N, N).
  torch::Tensor attn_with_bias(const torch::Tensor& windows, const torch::Tensor& bias,
                               int64_t n_windows) {
    const int64_t bw = windows.size(0), n = windows.size(1), c = windows.size(2);
    auto t =
        attn->qkv->forward(windows).reshape({bw, n, 3, heads, c / heads}).permute({2, 0, 3, 1, 4});
    auto q = t[0] * (1.0 / std::sqrt(static_cast<double>(c / heads)));
    auto a = torch::matmul(q, t[1].transpose(-2, -1));  // (B*nW, heads, N, N)
    a = (a.view({bw / n_windows, n_windows, heads, n, n}) + bias).view({bw, heads, n, n});
    a = a.softmax(-1);
    return attn->proj->forward(torch::matmul(a, t[2]).transpose(1, 2).reshape({bw, n, c}));
  }
  int64_t heads, window;
  bool shift;
  nn::LayerNorm ln1, ln2;
  Attention attn;
  Mlp mlp;
  torch::Tensor table, index;
};
TORCH_MODULE(SwinBlock);

struct PatchMergingImpl : nn::Module {
  explicit PatchMergingImpl(int64_t dim)
      : norm(register_module("norm", layer_norm(4 * dim, 1e-5))),
        reduction(register_module("reduction",
                                  nn::Linear(nn::LinearOptions(4 * dim, 2 * dim).bias(false)))) {}
  torch::Tensor forward(const torch::Tensor& x, int64_t h, int64_t w) {
    const int64_t b = x.size(0), c = x.size(2);
    auto y = x.view({b, h / 2, 2, w / 2, 2, c})
                 .permute({0, 1, 3, 4, 2, 5})
                 .reshape({b, h / 2 * (w / 2), 4 * c});
    return reduction->forward(norm->forward(y));
  }
  nn::LayerNorm norm;
  nn::Linear reduction;
};
TORCH_MODULE(PatchMerging);

// ---------------------------------------------------------------- EfficientNet-B0

// Conv + BN (eps 1e-3) + Swish (or none), 'same' padding as
// Conv2dAdaptivePadding: output size ceil(in / stride).
struct ConvBNImpl : nn::Module {
  ConvBNImpl(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t groups, bool act)
      : k(k),
        stride(stride),
        act(act),
        conv(register_module(
            "conv",
            nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).groups(groups).bias(false)))),
        bn(register_module("bn", nn::BatchNorm2d(nn::BatchNorm2dOptions(out).eps(1e-3)))) {}
  torch::Tensor forward(torch::Tensor x) {
    auto pad = [&](int64_t size) {
      const int64_t out = (size + stride - 1) / stride;
      return std::max<int64_t>((out - 1) * stride + k - size, 0);
    };
    const int64_t ph = pad(x.size(2)), pw = pad(x.size(3));
    if (ph > 0 || pw > 0)
      x = F::pad(x, F::PadFuncOptions({pw / 2, pw - pw / 2, ph / 2, ph - ph / 2}));
    x = bn->forward(conv->forward(x));
    return act ? torch::silu(x) : x;
  }
  int64_t k, stride;
  bool act;
  nn::Conv2d conv;
  nn::BatchNorm2d bn;
};
TORCH_MODULE(ConvBN);

struct MBConvImpl : nn::Module {
  MBConvImpl(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t expand)
      : residual(stride == 1 && in == out) {
    const int64_t mid = in * expand;
    if (expand != 1) expand_conv = register_module("expand", ConvBN(in, mid, 1, 1, 1, true));
    dw = register_module("dw", ConvBN(mid, mid, k, stride, mid, true));
    const int64_t squeeze = std::max<int64_t>(1, in / 4);
    se1 = register_module("se1", nn::Conv2d(nn::Conv2dOptions(mid, squeeze, 1)));
    se2 = register_module("se2", nn::Conv2d(nn::Conv2dOptions(squeeze, mid, 1)));
    project = register_module("project", ConvBN(mid, out, 1, 1, 1, false));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = expand_conv ? expand_conv->forward(x) : x;
    y = dw->forward(y);
    auto s = torch::sigmoid(se2->forward(torch::silu(se1->forward(y.mean({2, 3}, true)))));
    y = project->forward(y * s);
    return residual ? x + y : y;
  }
  bool residual;
  ConvBN expand_conv{nullptr}, dw{nullptr}, project{nullptr};
  nn::Conv2d se1{nullptr}, se2{nullptr};
};
TORCH_MODULE(MBConv);

}  // namespace

PlainConvNeXtImpl::PlainConvNeXtImpl() {
  const std::vector<int64_t> depths = {3, 3, 9, 3}, dims = {96, 192, 384, 768};
  for (std::size_t i = 0; i < 4; ++i) {
    downsample->push_back(i == 0 ? ConvNeXtDown(3, dims[0], 4, false)
                                 : ConvNeXtDown(dims[i - 1], dims[i], 2, true));
    nn::Sequential stage;
    for (int64_t d = 0; d < depths[i]; ++d) stage->push_back(ConvNeXtBlock(dims[i]));
    stages->push_back(stage);
  }
  register_module("downsample", downsample);
  register_module("stages", stages);
  norm = register_module("norm", layer_norm(768));
  head = register_module("head", nn::Linear(768, 10));
}

torch::Tensor PlainConvNeXtImpl::forward(torch::Tensor x) {
  for (std::size_t i = 0; i < 4; ++i) {
    x = downsample[i]->as<ConvNeXtDown>()->forward(x);
    x = stages[i]->as<nn::Sequential>()->forward(x);
  }
  return head->forward(norm->forward(x.mean({2, 3})));  // gap_before_final_norm
}

PlainViTImpl::PlainViTImpl() {
  patch = register_module("patch", nn::Conv2d(nn::Conv2dOptions(3, 768, 16).stride(16)));
  cls_token = register_parameter("cls_token", torch::zeros({1, 1, 768}));
  pos_embed = register_parameter("pos_embed", torch::randn({1, 197, 768}) * 0.02);
  for (int i = 0; i < 12; ++i) layers->push_back(EncoderLayer(768, 12));
  register_module("layers", layers);
  norm = register_module("norm", layer_norm(768));
  head = register_module("head", nn::Linear(768, 10));
}

torch::Tensor PlainViTImpl::forward(torch::Tensor x) {
  x = patch->forward(x).flatten(2).transpose(1, 2);
  x = torch::cat({cls_token.expand({x.size(0), -1, -1}), x}, 1) + pos_embed;
  for (const auto& l : *layers) x = l->as<EncoderLayer>()->forward(x);
  return head->forward(norm->forward(x).select(1, 0));
}

PlainSwinImpl::PlainSwinImpl() {
  const std::vector<int64_t> depths = {2, 2, 6, 2}, heads = {3, 6, 12, 24};
  patch = register_module("patch", nn::Conv2d(nn::Conv2dOptions(3, 96, 4).stride(4)));
  patch_norm = register_module("patch_norm", layer_norm(96, 1e-5));
  int64_t dim = 96;
  for (std::size_t i = 0; i < 4; ++i) {
    nn::ModuleList blocks;
    for (int64_t d = 0; d < depths[i]; ++d)
      blocks->push_back(SwinBlock(dim, heads[i], 7, d % 2 == 1));
    stages->push_back(blocks);
    if (i < 3) {
      merges->push_back(PatchMerging(dim));
      dim *= 2;
    }
  }
  register_module("stages", stages);
  register_module("merges", merges);
  norm = register_module("norm", layer_norm(768, 1e-5));
  head = register_module("head", nn::Linear(768, 10));
}

torch::Tensor PlainSwinImpl::forward(torch::Tensor x) {
  x = patch->forward(x);
  int64_t h = x.size(2), w = x.size(3);
  x = patch_norm->forward(x.flatten(2).transpose(1, 2));
  for (std::size_t i = 0; i < 4; ++i) {
    for (const auto& b : *stages[i]->as<nn::ModuleList>()) x = b->as<SwinBlock>()->forward(x, h, w);
    if (i < 3) {
      x = merges[i]->as<PatchMerging>()->forward(x, h, w);
      h /= 2;
      w /= 2;
    }
  }
  return head->forward(norm->forward(x).mean(1));
}

PlainEfficientNetImpl::PlainEfficientNetImpl() {
  stem = register_module("stem", nn::Sequential(ConvBN(3, 32, 3, 2, 1, true)));
  // (kernel, out channels, repeats, first stride, expand ratio) of B0
  const std::vector<std::vector<int64_t>> stages = {
      {3, 16, 1, 1, 1},  {3, 24, 2, 2, 6},  {5, 40, 2, 2, 6}, {3, 80, 3, 2, 6},
      {5, 112, 3, 1, 6}, {5, 192, 4, 2, 6}, {3, 320, 1, 1, 6}};
  int64_t in = 32;
  for (const auto& s : stages)
    for (int64_t r = 0; r < s[2]; ++r) {
      blocks->push_back(MBConv(in, s[1], s[0], r == 0 ? s[3] : 1, s[4]));
      in = s[1];
    }
  register_module("blocks", blocks);
  top = register_module("top", nn::Sequential(ConvBN(320, 1280, 1, 1, 1, true)));
  head = register_module("head", nn::Linear(1280, 10));
}

torch::Tensor PlainEfficientNetImpl::forward(torch::Tensor x) {
  x = stem->forward(x);
  for (const auto& b : *blocks) x = b->as<MBConv>()->forward(x);
  return head->forward(top->forward(x).mean({2, 3}));
}

}  // namespace bench
