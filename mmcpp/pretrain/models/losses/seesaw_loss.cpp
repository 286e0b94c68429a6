#include "mmcpp/pretrain/models/losses/seesaw_loss.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/losses/utils.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

torch::Tensor seesaw_ce_loss(const torch::Tensor& cls_score_in, const torch::Tensor& labels,
                             const torch::Tensor& weight, const torch::Tensor& cum_samples,
                             std::int64_t num_classes, double p, double q, double eps,
                             const std::string& reduction, std::optional<double> avg_factor) {
  if (cls_score_in.size(-1) != num_classes || cum_samples.size(0) != num_classes)
    throw Error("AssertionError", "seesaw_ce_loss: num_classes does not match the scores");
  torch::Tensor onehot = torch::one_hot(labels, num_classes);
  torch::Tensor seesaw_weights = torch::ones(onehot.sizes(), cls_score_in.options());
  if (p > 0) {
    torch::Tensor ratio =
        cum_samples.unsqueeze(0).clamp_min(1) / cum_samples.unsqueeze(1).clamp_min(1);
    torch::Tensor index = (ratio < 1.0).to(torch::kFloat);
    torch::Tensor sample_weights = ratio.pow(p) * index + (1 - index);
    seesaw_weights = seesaw_weights * sample_weights.index_select(0, labels.to(torch::kLong));
  }
  if (q > 0) {
    torch::Tensor scores = torch::softmax(cls_score_in.detach(), 1);
    torch::Tensor self_scores = scores.gather(1, labels.to(torch::kLong).view({-1, 1})).squeeze(1);
    torch::Tensor score_matrix = scores / self_scores.unsqueeze(1).clamp_min(eps);
    torch::Tensor index = (score_matrix > 1.0).to(torch::kFloat);
    torch::Tensor compensation = score_matrix.pow(q) * index + (1 - index);
    seesaw_weights = seesaw_weights * compensation;
  }
  torch::Tensor cls_score = cls_score_in + seesaw_weights.log() * (1 - onehot);
  torch::Tensor loss = at::cross_entropy_loss(cls_score, labels, {}, at::Reduction::None);
  return weight_reduce_loss(loss, weight.defined() ? weight.to(torch::kFloat) : weight, reduction,
                            avg_factor);
}

SeesawLossImpl::SeesawLossImpl(double p, double q, std::int64_t num_classes, double eps,
                               std::string reduction, double loss_weight)
    : p_(p),
      q_(q),
      num_classes_(num_classes),
      eps_(eps),
      reduction_(std::move(reduction)),
      loss_weight_(loss_weight) {
  cum_samples = register_buffer("cum_samples", torch::zeros({num_classes}, torch::kFloat));
}

torch::Tensor SeesawLossImpl::forward(const torch::Tensor& cls_score, const torch::Tensor& labels,
                                      const torch::Tensor& weight, std::optional<double> avg_factor,
                                      const std::optional<std::string>& reduction_override) {
  const std::string reduction = resolve_reduction(reduction_override, reduction_);
  if (cls_score.size(0) != labels.view(-1).size(0))
    throw Error("AssertionError", "Expected `labels` shape [" + std::to_string(cls_score.size(0)) +
                                      "], but got " + c10::str(labels.sizes()));
  if (cls_score.size(-1) != num_classes_)
    throw Error("AssertionError", "The channel number of output (" +
                                      std::to_string(cls_score.size(-1)) +
                                      ") does not match the `num_classes` of seesaw loss (" +
                                      std::to_string(num_classes_) + ").");
  {
    torch::NoGradGuard no_grad;
    torch::Tensor counts = torch::bincount(labels.view(-1).to(torch::kLong), {}, num_classes_);
    cum_samples.add_(counts.to(cum_samples.scalar_type()));
  }
  torch::Tensor w = weight.defined()
                        ? weight.to(torch::kFloat)
                        : torch::ones(labels.sizes(), labels.options().dtype(torch::kFloat));
  return loss_weight_ * seesaw_ce_loss(cls_score, labels, w, cum_samples, num_classes_, p_, q_,
                                       eps_, reduction, avg_factor);
}

std::shared_ptr<SeesawLossImpl> SeesawLossImpl::from_config(registry::BuildArgs& args) {
  if (args.get_bool("use_sigmoid", false))
    throw Error("AssertionError", "`use_sigmoid` is not supported");
  return std::make_shared<SeesawLossImpl>(
      args.get_float("p", 0.8), args.get_float("q", 2.0), args.get_int("num_classes", 1000),
      args.get_float("eps", 1e-2), args.get_str("reduction", "mean"),
      args.get_float("loss_weight", 1.0));
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::SeesawLossImpl, "SeesawLoss",
                  "dict(type='SeesawLoss', num_classes=10)");
