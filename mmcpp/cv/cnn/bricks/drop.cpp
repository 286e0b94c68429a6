#include "mmcpp/cv/cnn/bricks/drop.h"

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {

using config::Value;
using registry::BuildArgs;

torch::Tensor drop_path(const torch::Tensor& x, double drop_prob, bool training) {
  if (drop_prob == 0. || !training) return x;
  double keep_prob = 1 - drop_prob;
  std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  torch::Tensor random = keep_prob + torch::rand(shape, x.options());
  return x.div(keep_prob) * random.floor();
}

engine::Layer build_dropout(const Value& cfg, const Value& default_args) {
  return engine::Layer(registry::MODELS().build(cfg, default_args));
}

namespace {

const bool kRegistered = [] {
  registry::MODELS().add_factory(
      "DropPath",
      [](BuildArgs& a) -> std::shared_ptr<torch::nn::Module> {
        double p = to_float(positional_or_key(a, 0, "drop_prob", Value(0.1)), a, "drop_prob");
        check_positional_count(a, 1);
        return std::make_shared<DropPathImpl>(p);
      },
      "dict(type='DropPath', drop_prob=0.1)", __FILE__);
  registry::MODELS().add_factory(
      "Dropout",
      [](BuildArgs& a) -> std::shared_ptr<torch::nn::Module> {
        double p = to_float(positional_or_key(a, 0, "drop_prob", Value(0.5)), a, "drop_prob");
        bool inplace = to_bool(positional_or_key(a, 1, "inplace", Value(false)), a, "inplace");
        check_positional_count(a, 2);
        if (p < 0 || p > 1)
          throw Error("ValueError", "dropout probability has to be between 0 and 1, but got " +
                                        std::to_string(p));
        return std::make_shared<DropoutImpl>(p, inplace);
      },
      "dict(type='Dropout', drop_prob=0.5)", __FILE__);
  return true;
}();

}  // namespace

}  // namespace mmcpp::mmcv
