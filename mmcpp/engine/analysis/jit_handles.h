// Per-operator FLOP and activation counters (mmengine/analysis/jit_handles.py,
// itself fvcore's), applied to the ATen ops a forward pass dispatches.
//
// MMEngine traces the model with torch.jit and counts the ops of the graph; mmcpp
// observes the same ATen ops while the model runs (complexity_analysis.h), so the
// handles read the op's arguments (tensor shapes, scalars) and outputs as they
// were dispatched. One fused multiply-add counts as one flop. The counted ops and
// their rules are MMEngine's defaults:
//
//   op                          flops                                   name
//   aten::_convolution,         N * prod(weight) * prod(out spatial)   conv
//     aten::convolution         (transposed: prod(input spatial))
//   aten::linear                prod(input) * out_features              linear
//   aten::addmm                 N * in * out                            addmm
//   aten::matmul, aten::mm      prod(a) * b[-1] (1-d operands promoted)  matmul, mm
//   aten::bmm                   n * c * t * d                           bmm
//   aten::einsum                2 operands: product of every index size  einsum
//                               ('abc,abd->acd' and 'abc,adc->adb' as MMEngine);
//                               more: contracted pairwise left to right
//   aten::batch_norm            eval: prod(input) * (2 affine, else 1);  batch_norm
//                               train: prod(input) * (5 affine, else 4)
//   aten::group_norm,           prod(input) * (5 affine, else 4)        group_norm, ...
//     aten::layer_norm
//   aten::instance_norm         prod(input) * (5 affine, else 4)        instance_norm
//   aten::upsample_nearest2d    prod(output)                            upsample_nearest2d
//   aten::upsample_bilinear2d   4 * prod(output)                        upsample_bilinear2d
//   aten::adaptive_avg_pool2d   prod(input)                             adaptive_avg_pool2d
//   aten::grid_sampler          4 * prod(output)                        grid_sampler
//
// LibTorch's torch::nn::Linear runs addmm (2-d input) or matmul + add_ (others)
// where PyTorch's runs aten::linear; those ops count under the name `linear`
// (same figures), and the bias add_ is not reported as unsupported.
//
// Activations (MMEngine's ActivationAnalyzer): the output size of conv, linear,
// addmm, bmm, einsum and matmul. Ops outside these tables count zero; those not in
// MMEngine's list of zero-flop ops (shape, copy, integer ops) are reported as
// unsupported, as MMEngine warns about them (elementwise ops such as add, mul,
// gelu, softmax are among them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mmcpp::engine::analysis {

// One argument or result of a dispatched op, reduced to what the handles read.
struct OpValue {
  enum class Kind { None, Tensor, TensorList, Bool, Int, Double, String, IntList, Other };
  Kind kind = Kind::None;
  std::vector<std::int64_t> shape;                // Tensor
  std::vector<std::vector<std::int64_t>> shapes;  // TensorList
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<std::int64_t> ints;  // IntList

  bool is_tensor() const { return kind == Kind::Tensor; }
};

struct OpCall {
  std::string name;  // "aten::linear"
  std::vector<OpValue> inputs;
  std::vector<OpValue> outputs;
};

using Handle = std::function<std::int64_t(const OpCall&)>;

struct OpHandle {
  Handle count;
  // The operator's name in by-operator statistics; empty: the op name without
  // "aten::" (MMEngine's _simplify_op_name), "conv" for convolutions.
  std::string name;
};

// MMEngine's _DEFAULT_SUPPORTED_FLOP_OPS.
const std::map<std::string, OpHandle>& default_flop_handles();
// MMEngine's _DEFAULT_SUPPORTED_ACT_OPS.
const std::map<std::string, OpHandle>& default_activation_handles();
// MMEngine's _IGNORED_OPS: ops that are truly 0 flops (never reported as unsupported).
const std::set<std::string>& ignored_ops();

// The handles themselves (jit_handles.py names).
std::int64_t conv_flop_count(const std::vector<std::int64_t>& x_shape,
                             const std::vector<std::int64_t>& w_shape,
                             const std::vector<std::int64_t>& out_shape, bool transposed);
std::int64_t conv_flop(const OpCall& op);
std::int64_t linear_flop(const OpCall& op);
std::int64_t addmm_flop(const OpCall& op);
std::int64_t matmul_flop(const OpCall& op);
std::int64_t bmm_flop(const OpCall& op);
std::int64_t einsum_flop(const OpCall& op);
std::int64_t batchnorm_flop(const OpCall& op);
// norm_flop_counter(affine_arg_index).
Handle norm_flop_counter(std::size_t affine_arg_index);
// elementwise_flop_counter(input_scale, output_scale).
Handle elementwise_flop_counter(std::int64_t input_scale, std::int64_t output_scale);
// generic_activation_jit: the size of the first output.
std::int64_t output_size(const OpCall& op);

}  // namespace mmcpp::engine::analysis
