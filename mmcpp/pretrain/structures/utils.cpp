#include "mmcpp/pretrain/structures/utils.h"

#include <torch/torch.h>

#include <string>

#include "mmcpp/core/error.h"

namespace mmcpp::pretrain {

torch::Tensor label_to_onehot(const torch::Tensor& label, std::int64_t num_classes) {
  torch::Tensor l = label.to(torch::kLong);
  if (l.dim() == 0) l = l.reshape({1});
  if (l.dim() != 1)
    throw Error("AssertionError",
                "The dims of value should be 1, but got " + std::to_string(l.dim()) + ".");
  return torch::one_hot(l, num_classes).sum(0);
}

}  // namespace mmcpp::pretrain
