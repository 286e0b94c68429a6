// Stand-in for a header Debian's libtorch-dev (1.13) leaves out although
// c10d/reducer.hpp includes it: reducer.hpp needs only the ContextPtr type
// (a shared_ptr, so the Reducer's layout is unchanged) and the
// DistAutogradContext::GradCallback alias (checked in a static_assert). Nothing
// here is ever constructed or called: the Reducer's code lives in libtorch.
// CMake puts this folder on the include path of the files that include
// reducer.hpp only when LibTorch's own copy is missing.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};
using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
