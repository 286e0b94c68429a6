#include "mmcpp/pretrain/models/utils/embed.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <torch/nn/functional/upsampling.h>
#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/norm.h"

namespace mmcpp::pretrain {

torch::Tensor resize_pos_embed(const torch::Tensor& pos_embed, Size2 src_shape, Size2 dst_shape,
                               const std::string& mode, std::int64_t num_extra_tokens) {
  if (src_shape == dst_shape) return pos_embed;
  if (pos_embed.dim() != 3) throw Error("AssertionError", "shape of pos_embed must be [1, L, C]");
  const std::int64_t L = pos_embed.size(1), C = pos_embed.size(2);
  if (L != src_shape.first * src_shape.second + num_extra_tokens)
    throw Error("AssertionError",
                "The length of `pos_embed` (" + std::to_string(L) +
                    ") doesn't match the expected shape (" + std::to_string(src_shape.first) + "*" +
                    std::to_string(src_shape.second) + "+" + std::to_string(num_extra_tokens) +
                    "). Please check the`img_size` argument.");
  torch::Tensor extra = pos_embed.slice(1, 0, num_extra_tokens);
  torch::Tensor src = pos_embed.slice(1, num_extra_tokens)
                          .reshape({1, src_shape.first, src_shape.second, C})
                          .permute({0, 3, 1, 2});
  namespace F = torch::nn::functional;
  F::InterpolateFuncOptions opts;
  opts.size(std::vector<std::int64_t>{dst_shape.first, dst_shape.second});
  if (mode == "bicubic")
    opts.mode(torch::kBicubic).align_corners(false);
  else if (mode == "bilinear")
    opts.mode(torch::kBilinear).align_corners(false);
  else if (mode == "nearest" || mode == "area" || mode == "nearest-exact")
    // F.interpolate refuses align_corners for these modes.
    throw Error("ValueError",
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear");
  else
    throw Error("NotImplementedError", "resize_pos_embed: interpolation mode '" + mode +
                                           "' is not supported for 2-D position embeddings");
  torch::Tensor dst = F::interpolate(src.to(torch::kFloat), opts);
  dst = torch::flatten(dst, 2).transpose(1, 2).to(src.scalar_type());
  return torch::cat({extra, dst}, 1);
}

PatchMergingOptions PatchMergingOptions::from_dict(const config::Value& cfg) {
  registry::BuildArgs args("PatchMerging", cfg);
  PatchMergingOptions o;
  static_cast<mmcv::PatchMergingOptions&>(o) = mmcv::PatchMergingOptions::read(args);
  o.use_post_norm = args.get_bool("use_post_norm", false);
  args.check_all_used();
  return o;
}

PatchMergingImpl::PatchMergingImpl(PatchMergingOptions o)
    : engine::BaseModule(o.init_cfg), options_(std::move(o)) {
  const auto& op = options_;
  kernel_ = to_2tuple(op.kernel_size, "PatchMerging kernel_size");
  stride_ = (op.stride.is_none() || !op.stride.truthy())
                ? kernel_
                : to_2tuple(op.stride, "PatchMerging stride");
  dilation_ = to_2tuple(op.dilation, "PatchMerging dilation");
  padding_ = {0, 0};
  if (op.padding.is_str())
    adaptive_padding_ =
        register_module("adaptive_padding",
                        mmcv::AdaptivePadding(kernel_, stride_, dilation_, op.padding.as_str()));
  else
    padding_ = to_2tuple(op.padding, "PatchMerging padding");
  sampler_ = register_module(
      "sampler", torch::nn::Unfold(torch::nn::UnfoldOptions({kernel_.first, kernel_.second})
                                       .dilation({dilation_.first, dilation_.second})
                                       .padding({padding_.first, padding_.second})
                                       .stride({stride_.first, stride_.second})));
  const std::int64_t sample_dim = kernel_.first * kernel_.second * op.in_channels;
  reduction_ = register_module(
      "reduction",
      torch::nn::Linear(torch::nn::LinearOptions(sample_dim, op.out_channels).bias(op.bias)));
  if (!op.norm_cfg.is_none())
    norm_ = engine::register_layer(
        *this, "norm",
        mmcv::build_norm_layer(op.norm_cfg, op.use_post_norm ? op.out_channels : sample_dim)
            .second);
}

std::pair<torch::Tensor, Size2> PatchMergingImpl::forward(const torch::Tensor& input,
                                                          Size2 input_size) {
  const std::int64_t B = input.size(0), L = input.size(1), C = input.size(2);
  auto [H, W] = input_size;
  if (L != H * W) throw Error("AssertionError", "PatchMerging: input feature has wrong size");
  torch::Tensor x = input.view({B, H, W, C}).permute({0, 3, 1, 2});
  if (adaptive_padding_) {
    x = adaptive_padding_->forward(x);
    H = x.size(-2);
    W = x.size(-1);
  }
  x = sampler_(x);
  const std::int64_t out_h =
      (H + 2 * padding_.first - dilation_.first * (kernel_.first - 1) - 1) / stride_.first + 1;
  const std::int64_t out_w =
      (W + 2 * padding_.second - dilation_.second * (kernel_.second - 1) - 1) / stride_.second + 1;
  x = x.transpose(1, 2);
  if (options_.use_post_norm) {
    x = reduction_(x);
    if (norm_) x = norm_(x);
  } else {
    if (norm_) x = norm_(x);
    x = reduction_(x);
  }
  return {x, {out_h, out_w}};
}

namespace {

// The (n_out, n) matrix of a cubic spline interpolation through the points x
// (n >= 4, increasing) with not-a-knot ends, evaluated at u (clamped to
// [x0, x_{n-1}]): row r gives the weights of the n values.
torch::Tensor not_a_knot_spline_matrix(const std::vector<double>& x, const std::vector<double>& u) {
  const auto n = static_cast<std::int64_t>(x.size());
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  std::vector<double> h(static_cast<std::size_t>(n - 1));
  for (std::int64_t i = 0; i + 1 < n; ++i) h[i] = x[i + 1] - x[i];
  // A M = B y: M the second derivatives at the points.
  torch::Tensor A = torch::zeros({n, n}, opts), B = torch::zeros({n, n}, opts);
  auto a = A.accessor<double, 2>();
  auto b = B.accessor<double, 2>();
  // not-a-knot: the third derivative is continuous at x1 and at x_{n-2}
  a[0][0] = -1 / h[0];
  a[0][1] = 1 / h[0] + 1 / h[1];
  a[0][2] = -1 / h[1];
  a[n - 1][n - 3] = -1 / h[n - 3];
  a[n - 1][n - 2] = 1 / h[n - 3] + 1 / h[n - 2];
  a[n - 1][n - 1] = -1 / h[n - 2];
  for (std::int64_t i = 1; i + 1 < n; ++i) {
    a[i][i - 1] = h[i - 1];
    a[i][i] = 2 * (h[i - 1] + h[i]);
    a[i][i + 1] = h[i];
    b[i][i - 1] = 6 / h[i - 1];
    b[i][i] = -6 / h[i - 1] - 6 / h[i];
    b[i][i + 1] = 6 / h[i];
  }
  torch::Tensor M = torch::linalg::solve(A, B, true);  // M = S y
  auto m = M.accessor<double, 2>();
  const auto n_out = static_cast<std::int64_t>(u.size());
  torch::Tensor W = torch::zeros({n_out, n}, opts);
  auto w = W.accessor<double, 2>();
  for (std::int64_t r = 0; r < n_out; ++r) {
    const double v = std::clamp(u[r], x.front(), x.back());
    std::int64_t j = 0;
    while (j + 2 < n && v > x[j + 1]) ++j;
    const double hj = h[j], l = x[j + 1] - v, rgt = v - x[j];
    // S(v) = M_j l^3/6h + M_{j+1} rgt^3/6h + (y_j/h - M_j h/6) l + (y_{j+1}/h - M_{j+1} h/6) rgt
    w[r][j] += l / hj;
    w[r][j + 1] += rgt / hj;
    for (std::int64_t k = 0; k < n; ++k)
      w[r][k] += m[j][k] * (l * l * l / (6 * hj) - hj * l / 6) +
                 m[j + 1][k] * (rgt * rgt * rgt / (6 * hj) - hj * rgt / 6);
  }
  return W;
}

}  // namespace

torch::Tensor resize_relative_position_bias_table(std::int64_t src_shape, std::int64_t dst_shape,
                                                  const torch::Tensor& table,
                                                  std::int64_t num_head) {
  if (src_shape < 4)
    throw Error("ValueError", "resize_relative_position_bias_table: a table of " +
                                  std::to_string(src_shape) + "x" + std::to_string(src_shape) +
                                  " entries is too small for bicubic interpolation (scipy's "
                                  "interp2d needs at least 4 points a side)");
  if (table.dim() != 2 || table.size(0) != src_shape * src_shape || table.size(1) < num_head)
    throw Error("ValueError", "resize_relative_position_bias_table: expected a (" +
                                  std::to_string(src_shape * src_shape) + ", " +
                                  std::to_string(num_head) + ") table, got " +
                                  std::to_string(table.size(0)) + "x" +
                                  std::to_string(table.dim() == 2 ? table.size(1) : 0));
  auto geometric_progression = [](double a, double r, std::int64_t n) {
    return a * (1.0 - std::pow(r, static_cast<double>(n))) / (1.0 - r);
  };
  double left = 1.01, right = 1.5, q = 0;
  while (right - left > 1e-6) {
    q = (left + right) / 2.0;
    const double gp = geometric_progression(1, q, src_shape / 2);
    if (gp > static_cast<double>(dst_shape / 2))
      right = q;
    else
      left = q;
  }
  std::vector<double> dis;
  double cur = 1;
  for (std::int64_t i = 0; i < src_shape / 2; ++i) {
    dis.push_back(cur);
    cur += std::pow(q, static_cast<double>(i + 1));
  }
  std::vector<double> x;
  for (auto it = dis.rbegin(); it != dis.rend(); ++it) x.push_back(-*it);
  x.push_back(0);
  x.insert(x.end(), dis.begin(), dis.end());
  // np.arange(-t, t + 0.1, 1.0) with t = dst_shape // 2.0
  const double t = static_cast<double>(dst_shape / 2);
  std::vector<double> d;
  for (double v = -t; v < t + 0.1; v += 1.0) d.push_back(v);
  torch::Tensor W = not_a_knot_spline_matrix(x, d);  // (dst, src)
  std::vector<torch::Tensor> heads;
  for (std::int64_t i = 0; i < num_head; ++i) {
    torch::Tensor z = table.select(1, i)
                          .to(torch::kCPU, torch::kFloat32)
                          .to(torch::kFloat64)
                          .view({src_shape, src_shape});
    heads.push_back(torch::matmul(torch::matmul(W, z), W.t()).reshape({-1, 1}));
  }
  return torch::cat(heads, 1).to(torch::kFloat32).to(table.device());
}

}  // namespace mmcpp::pretrain
