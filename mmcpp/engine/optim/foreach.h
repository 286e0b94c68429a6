// SGD, Adam and AdamW with PyTorch's `foreach` argument: multi-tensor updates.
//
// LibTorch's step() runs 4 (SGD with momentum) to 9 (Adam) elementwise ops per
// parameter, each a full pass over memory, plus one dispatch per op and tensor.
// The multi-tensor path runs one fused loop per group over all its tensors at
// once (at::parallel_for over the concatenated elements): one read of param,
// grad and state and one write of param and state per element. It computes the
// same expressions in the same order and dtype as LibTorch's kernels; results
// can differ from them in the last bit only where LibTorch's vectorised kernels
// fuse a multiply-add (add_(x, alpha)) into one rounding.
//
// foreach: True = the fused path where it applies, False = LibTorch's
// per-tensor step, None (nullopt) = the faster of the two on CPU as measured by
// benchmarks/optimizer_step: fused for SGD (~2.4x), per-tensor for Adam/AdamW
// (their fused loop is not vectorised yet -- sqrt's errno branch -- and only
// beats LibTorch when the machine is loaded). The fused
// path applies to dense, contiguous float32/float64 CPU tensors; anything else
// falls back to the per-tensor step. The state (SGDParamState, AdamParamState,
// AdamWParamState) is LibTorch's, so both paths continue each other's state and
// checkpoints are unchanged.
#pragma once

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <optional>
#include <vector>

namespace mmcpp::engine {

// Whether a group's params (those with a gradient) can take the fused path.
bool fused_update_applies(const std::vector<torch::Tensor>& params);

class ForeachSGD : public torch::optim::SGD {
 public:
  ForeachSGD(std::vector<torch::optim::OptimizerParamGroup> groups,
             torch::optim::SGDOptions defaults, std::optional<bool> foreach)
      : torch::optim::SGD(std::move(groups), defaults), foreach_(foreach) {}
  torch::Tensor step(LossClosure closure = nullptr) override;
  std::optional<bool> foreach () const { return foreach_; }

 private:
  std::optional<bool> foreach_;
};

class ForeachAdam : public torch::optim::Adam {
 public:
  ForeachAdam(std::vector<torch::optim::OptimizerParamGroup> groups,
              torch::optim::AdamOptions defaults, std::optional<bool> foreach)
      : torch::optim::Adam(std::move(groups), defaults), foreach_(foreach) {}
  torch::Tensor step(LossClosure closure = nullptr) override;
  std::optional<bool> foreach () const { return foreach_; }

 private:
  std::optional<bool> foreach_;
};

class ForeachAdamW : public torch::optim::AdamW {
 public:
  ForeachAdamW(std::vector<torch::optim::OptimizerParamGroup> groups,
               torch::optim::AdamWOptions defaults, std::optional<bool> foreach)
      : torch::optim::AdamW(std::move(groups), defaults), foreach_(foreach) {}
  torch::Tensor step(LossClosure closure = nullptr) override;
  std::optional<bool> foreach () const { return foreach_; }

 private:
  std::optional<bool> foreach_;
};

}  // namespace mmcpp::engine
