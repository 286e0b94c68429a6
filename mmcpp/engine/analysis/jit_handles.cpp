// Counting rules of mmengine/analysis/jit_handles.py.
#include "mmcpp/engine/analysis/jit_handles.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "mmcpp/core/error.h"

namespace mmcpp::engine::analysis {
namespace {

std::int64_t prod(const std::vector<std::int64_t>& v, std::size_t from = 0) {
  std::int64_t p = 1;
  for (std::size_t i = from; i < v.size(); ++i) p *= v[i];
  return p;
}

std::string shape_str(const std::vector<std::int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

[[noreturn]] void bad(const OpCall& op, const std::string& what) {
  throw Error("AssertionError", op.name + ": " + what);
}

const std::vector<std::int64_t>& tensor_arg(const OpCall& op, std::size_t i) {
  if (i >= op.inputs.size() || !op.inputs[i].is_tensor())
    bad(op, "argument " + std::to_string(i) + " is not a tensor");
  return op.inputs[i].shape;
}

const std::vector<std::int64_t>& first_output(const OpCall& op) {
  if (op.outputs.empty() || !op.outputs[0].is_tensor()) bad(op, "no tensor output");
  return op.outputs[0].shape;
}

}  // namespace

std::int64_t conv_flop_count(const std::vector<std::int64_t>& x_shape,
                             const std::vector<std::int64_t>& w_shape,
                             const std::vector<std::int64_t>& out_shape, bool transposed) {
  std::int64_t batch_size = x_shape.at(0);
  const auto& conv_shape = transposed ? x_shape : out_shape;
  return batch_size * prod(w_shape) * prod(conv_shape, 2);
}

std::int64_t conv_flop(const OpCall& op) {
  // (input, weight, bias, stride, padding, dilation, transposed, ...)
  bool transposed =
      op.inputs.size() > 6 && op.inputs[6].kind == OpValue::Kind::Bool ? op.inputs[6].b : false;
  return conv_flop_count(tensor_arg(op, 0), tensor_arg(op, 1), first_output(op), transposed);
}

std::int64_t linear_flop(const OpCall& op) {
  const auto& x = tensor_arg(op, 0);
  const auto& w = tensor_arg(op, 1);
  if (x.empty() || w.empty() || x.back() != w.back())
    bad(op, "input " + shape_str(x) + " does not match weight " + shape_str(w));
  return prod(x) * w[0];
}

std::int64_t addmm_flop(const OpCall& op) {
  const auto& a = tensor_arg(op, 1);
  const auto& b = tensor_arg(op, 2);
  if (a.size() != 2 || b.size() != 2) bad(op, "expects 2-d operands");
  return a[0] * a[1] * b[1];
}

std::int64_t matmul_flop(const OpCall& op) {
  std::vector<std::int64_t> a = tensor_arg(op, 0);
  std::vector<std::int64_t> b = tensor_arg(op, 1);
  if (a.size() == 1) a = {1, a[0]};
  if (b.size() == 1) b = {b[0], 1};
  if (a.back() != b[b.size() - 2])
    bad(op, "operands " + shape_str(a) + " and " + shape_str(b) + " do not match");
  return prod(a) * b.back();
}

std::int64_t bmm_flop(const OpCall& op) {
  const auto& a = tensor_arg(op, 0);
  const auto& b = tensor_arg(op, 1);
  if (a.size() != 3) bad(op, "expects 3-d operands");
  return a[0] * a[1] * a[2] * b.back();
}

std::int64_t einsum_flop(const OpCall& op) {
  // (equation, tensors, path)
  if (op.inputs.size() < 2 || op.inputs[0].kind != OpValue::Kind::String ||
      op.inputs[1].kind != OpValue::Kind::TensorList)
    bad(op, "expects (equation, tensors)");
  std::string eq;
  for (char c : op.inputs[0].s)
    if (c != ' ') eq += c;
  const auto& shapes = op.inputs[1].shapes;
  std::size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (std::size_t start = 0;;) {
    std::size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != shapes.size()) bad(op, "equation '" + eq + "' does not match its operands");
  std::map<char, std::int64_t> size;
  for (std::size_t t = 0; t < terms.size(); ++t) {
    if (terms[t].find('.') != std::string::npos) bad(op, "ellipsis equations are not counted");
    if (terms[t].size() != shapes[t].size())
      bad(op, "term '" + terms[t] + "' does not match shape " + shape_str(shapes[t]));
    for (std::size_t i = 0; i < terms[t].size(); ++i) size[terms[t][i]] = shapes[t][i];
  }
  std::string out;
  if (arrow != std::string::npos) {
    out = eq.substr(arrow + 2);
  } else {
    // Implicit output: the letters that appear once, sorted.
    std::map<char, int> seen;
    for (const auto& t : terms)
      for (char c : t) ++seen[c];
    for (const auto& [c, n] : seen)
      if (n == 1) out += c;
  }
  if (terms.size() == 1) {
    // numpy's einsum_path: a reduction costs 2 * size, a copy 1 * size; / 2.
    std::int64_t p = 1;
    bool summed = false;
    for (const auto& [c, s] : size) {
      p *= s;
      summed = summed || out.find(c) == std::string::npos;
    }
    return summed ? p : p / 2;
  }
  // Pairwise, left to right: each contraction costs the product of the sizes of
  // every index involved (one multiply-add each), as numpy's einsum_path counts
  // a two-operand product with a summation.
  std::string acc = terms[0];
  std::int64_t flops = 0;
  for (std::size_t t = 1; t < terms.size(); ++t) {
    std::string involved = acc;
    for (char c : terms[t])
      if (involved.find(c) == std::string::npos) involved += c;
    std::int64_t p = 1;
    for (char c : involved) p *= size[c];
    // Indices still needed later (by other operands or the output) survive.
    std::string keep;
    for (char c : involved) {
      bool later = out.find(c) != std::string::npos;
      for (std::size_t u = t + 1; u < terms.size() && !later; ++u)
        later = terms[u].find(c) != std::string::npos;
      if (later) keep += c;
    }
    bool summed = keep.size() < involved.size();
    flops += summed ? p : p / 2;
    acc = keep;
  }
  return flops;
}

Handle norm_flop_counter(std::size_t affine_arg_index) {
  return [affine_arg_index](const OpCall& op) -> std::int64_t {
    const auto& x = tensor_arg(op, 0);
    bool has_affine =
        affine_arg_index < op.inputs.size() && op.inputs[affine_arg_index].is_tensor();
    if (x.size() < 2 || x.size() > 5) bad(op, "input " + shape_str(x) + " is not 2-5 d");
    return prod(x) * (has_affine ? 5 : 4);
  };
}

std::int64_t batchnorm_flop(const OpCall& op) {
  // (input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn)
  if (op.inputs.size() < 6 || op.inputs[5].kind != OpValue::Kind::Bool)
    bad(op, "signature of aten::batch_norm has changed");
  if (op.inputs[5].b) return norm_flop_counter(1)(op);
  bool has_affine = op.inputs[1].is_tensor();
  return prod(tensor_arg(op, 0)) * (has_affine ? 2 : 1);
}

Handle elementwise_flop_counter(std::int64_t input_scale, std::int64_t output_scale) {
  return [input_scale, output_scale](const OpCall& op) -> std::int64_t {
    std::int64_t r = 0;
    if (input_scale != 0) r += input_scale * prod(tensor_arg(op, 0));
    if (output_scale != 0) r += output_scale * prod(first_output(op));
    return r;
  };
}

std::int64_t output_size(const OpCall& op) { return prod(first_output(op)); }

const std::map<std::string, OpHandle>& default_flop_handles() {
  static const std::map<std::string, OpHandle> handles = {
      {"aten::addmm", {addmm_flop, ""}},
      {"aten::bmm", {bmm_flop, ""}},
      {"aten::_convolution", {conv_flop, "conv"}},
      // Eager dispatch enters convolution first (conv2d -> convolution ->
      // _convolution); counting the outer one counts each convolution once.
      {"aten::convolution", {conv_flop, "conv"}},
      {"aten::einsum", {einsum_flop, ""}},
      {"aten::matmul", {matmul_flop, ""}},
      {"aten::mm", {matmul_flop, ""}},
      {"aten::linear", {linear_flop, ""}},
      {"aten::batch_norm", {batchnorm_flop, ""}},
      {"aten::group_norm", {norm_flop_counter(2), ""}},
      {"aten::layer_norm", {norm_flop_counter(2), ""}},
      {"aten::instance_norm", {norm_flop_counter(1), ""}},
      {"aten::upsample_nearest2d", {elementwise_flop_counter(0, 1), ""}},
      {"aten::upsample_bilinear2d", {elementwise_flop_counter(0, 4), ""}},
      {"aten::adaptive_avg_pool2d", {elementwise_flop_counter(1, 0), ""}},
      {"aten::grid_sampler", {elementwise_flop_counter(0, 4), ""}},
  };
  return handles;
}

const std::map<std::string, OpHandle>& default_activation_handles() {
  static const std::map<std::string, OpHandle> handles = {
      {"aten::_convolution", {output_size, "conv"}},
      {"aten::convolution", {output_size, "conv"}},
      {"aten::addmm", {output_size, ""}},
      {"aten::bmm", {output_size, ""}},
      {"aten::einsum", {output_size, ""}},
      {"aten::matmul", {output_size, ""}},
      {"aten::linear", {output_size, ""}},
  };
  return handles;
}

const std::set<std::string>& ignored_ops() {
  static const std::set<std::string> ops = {
      "aten::Int",         "aten::ScalarImplicit",
      "aten::__and__",     "aten::arange",
      "aten::bitwise_not", "aten::cat",
      "aten::chunk",       "aten::clamp",
      "aten::clamp_",      "aten::constant_pad_nd",
      "aten::contiguous",  "aten::copy_",
      "aten::detach",      "aten::dropout",
      "aten::empty",       "aten::eq",
      "aten::expand",      "aten::flatten",
      "aten::floor",       "aten::floor_divide",
      "aten::full",        "aten::full_like",
      "aten::gather",      "aten::ge",
      "aten::gt",          "aten::index",
      "aten::index_put_",  "aten::masked_fill",
      "aten::max",         "aten::narrow",
      "aten::new_empty",   "aten::new_full",
      "aten::new_zeros",   "aten::nonzero",
      "aten::ones",        "aten::permute",
      "aten::relu",        "aten::relu_",
      "aten::remainder",   "aten::reshape",
      "aten::roll",        "aten::select",
      "aten::size",        "aten::slice",
      "aten::split",       "aten::split_with_sizes",
      "aten::squeeze",     "aten::stack",
      "aten::t",           "aten::to",
      "aten::transpose",   "aten::type_as",
      "aten::unbind",      "aten::unsqueeze",
      "aten::unsqueeze_",  "aten::view",
      "aten::zeros",       "aten::zeros_like",
  };
  return ops;
}

}  // namespace mmcpp::engine::analysis
