#include "mmcpp/pretrain/transforms/wrappers.h"

#include <algorithm>
#include <optional>

#include "mmcpp/core/error.h"
#include "mmcpp/data/tta_views.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/flip.h"
#include "mmcpp/pretrain/transforms/transform_utils.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

constexpr const char* kBranchesKey = "tta_branches";

// MMCV's Compose(transforms): one transform dict or a list of them.
std::shared_ptr<data::Compose> compose_of(const Value& v) {
  if (v.is_dict()) return data::Compose::from_list(Value::list({v}));
  return data::Compose::from_list(v);
}

std::string compose_list_repr(const std::vector<std::shared_ptr<data::Compose>>& list) {
  std::string s = "[";
  for (std::size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + list[i]->repr();
  return s + "]";
}

// Holds TestTimeAug's branch results inside results.info: config values can
// carry an opaque object only as a Callable, which this one refuses to be.
class BranchResults : public config::Callable {
 public:
  explicit BranchResults(std::vector<data::Results> r) : results(std::move(r)) {}
  std::string name() const override { return "TestTimeAug branches"; }
  Value call(Args&) override { throw Error("TypeError", "TestTimeAug branches are not callable"); }
  std::vector<data::Results> results;
};

}  // namespace

data::Results deep_copy_results(const data::Results& results) {
  data::Results copy;
  copy.info = results.info.deep_copy();
  for (const auto& [k, t] : results.arrays) copy.arrays[k] = t.defined() ? t.clone() : t;
  if (results.packed) {
    data::Sample s;
    s.inputs = results.packed->inputs.defined() ? results.packed->inputs.clone() : torch::Tensor();
    if (results.packed->data_sample) {
      s.data_sample = std::make_shared<data::DataSample>(*results.packed->data_sample);
    }
    copy.packed = s;
  }
  return copy;
}

// ---- RandomApply ----

RandomApply::RandomApply(std::shared_ptr<data::Compose> transforms, double prob)
    : transforms_(std::move(transforms)), prob_(prob) {}

std::shared_ptr<RandomApply> RandomApply::from_config(registry::BuildArgs& args) {
  auto transforms = compose_of(args.require("transforms"));
  return std::make_shared<RandomApply>(std::move(transforms), args.get_float("prob", 0.5));
}

bool RandomApply::transform(data::Results& results, Rng& rng) const {
  const Value apply =
      rng.cached("RandomApply.random_apply", [&] { return Value(rng.uniform() < prob_); });
  if (apply.truthy()) return transforms_->transform(results, rng);
  return true;
}

std::string RandomApply::repr() const {
  return "RandomApply(transforms = " + transforms_->repr() + ", prob = " + py_float(prob_) + ")";
}

// ---- RandomChoice ----

RandomChoice::RandomChoice(std::vector<std::shared_ptr<data::Compose>> transforms,
                           std::vector<double> prob, Value prob_value)
    : transforms_(std::move(transforms)),
      prob_(std::move(prob)),
      prob_value_(std::move(prob_value)) {
  check(!transforms_.empty(), "RandomChoice: transforms must not be empty");
  if (!prob_.empty()) {
    check(transforms_.size() == prob_.size(),
          "``transforms`` and ``prob`` must have same lengths. Got " +
              std::to_string(transforms_.size()) + " vs " + std::to_string(prob_.size()) + ".");
    double sum = 0;
    for (double p : prob_) sum += p;  // left to right, as Python's sum()
    check(sum == 1, "RandomChoice: sum(prob) == 1 must hold exactly, got " + py_float(sum));
  }
}

std::shared_ptr<RandomChoice> RandomChoice::from_config(registry::BuildArgs& args) {
  const Value t = args.require("transforms");
  if (!t.is_sequence()) throw Error("TypeError", "RandomChoice: transforms must be a list");
  std::vector<std::shared_ptr<data::Compose>> list;
  for (const Value& item : t.items()) list.push_back(compose_of(item));
  const Value p = args.value("prob");
  std::vector<double> prob;
  if (!p.is_none()) prob = numbers_of(p, "RandomChoice: prob");
  return std::make_shared<RandomChoice>(std::move(list), std::move(prob), p);
}

std::size_t RandomChoice::random_pipeline_index(Rng& rng) const {
  const Value v = rng.cached("RandomChoice.random_pipeline_index", [&]() -> Value {
    if (prob_.empty()) {
      return Value(rng.randint(0, static_cast<std::int64_t>(transforms_.size())));
    }
    return Value(static_cast<std::int64_t>(choice_index(prob_, rng)));
  });
  const std::int64_t i = v.as_int();
  if (i < 0 || i >= static_cast<std::int64_t>(transforms_.size())) {
    throw Error("IndexError",
                "RandomChoice: pipeline index " + std::to_string(i) + " out of range");
  }
  return static_cast<std::size_t>(i);
}

bool RandomChoice::transform(data::Results& results, Rng& rng) const {
  return transforms_[random_pipeline_index(rng)]->transform(results, rng);
}

std::string RandomChoice::repr() const {
  // MMCV's __repr__ (no separator before "prob").
  return "RandomChoice(transforms = " + compose_list_repr(transforms_) +
         "prob = " + prob_value_.str() + ")";
}

// ---- TestTimeAug ----

TestTimeAug::TestTimeAug(std::vector<std::vector<data::TransformPtr>> transforms) {
  // itertools.product: the last list varies fastest.
  std::vector<std::vector<data::TransformPtr>> combos = {{}};
  for (const auto& options : transforms) {
    std::vector<std::vector<data::TransformPtr>> next;
    for (const auto& prefix : combos) {
      for (const auto& t : options) {
        auto c = prefix;
        c.push_back(t);
        next.push_back(std::move(c));
      }
    }
    combos = std::move(next);
  }
  for (auto& c : combos) subroutines_.push_back(std::make_shared<data::Compose>(std::move(c)));
}

std::shared_ptr<TestTimeAug> TestTimeAug::from_config(registry::BuildArgs& args) {
  const Value t = args.require("transforms");
  if (!t.is_sequence()) throw Error("TypeError", "TestTimeAug: transforms must be a list of lists");
  std::vector<std::vector<data::TransformPtr>> lists;
  for (const Value& list : t.items()) {
    if (!list.is_sequence()) {
      throw Error("TypeError",
                  "TestTimeAug: each element of transforms must be a list, got " + list.repr());
    }
    std::vector<data::TransformPtr> built;
    for (const Value& cfg : list.items()) {
      if (!cfg.is_dict()) {
        throw Error("TypeError",
                    "transform must be callable or a dict, but got " + cfg.type_name());
      }
      built.push_back(data::build_transform(cfg));
    }
    lists.push_back(std::move(built));
  }
  return std::make_shared<TestTimeAug>(std::move(lists));
}

std::vector<data::Results> TestTimeAug::run_branches(const data::Results& results, Rng& rng) const {
  std::vector<data::Results> out;
  out.reserve(subroutines_.size());
  for (const auto& sub : subroutines_) {
    data::Results r = deep_copy_results(results);
    if (!sub->transform(r, rng)) {
      throw Error("AssertionError", "Data processed by " + sub->repr() +
                                        " in `TestTimeAug` should not be None! Please check "
                                        "your validation dataset and the transforms in it");
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool TestTimeAug::transform(data::Results& results, Rng& rng) const {
  std::vector<data::Results> branches = run_branches(results, rng);
  Value info = Value::dict(false);
  if (!branches.empty()) {
    for (const auto& [key, v] : branches[0].info.as_dict().entries()) {
      Value::Items values;
      for (const auto& b : branches) {
        const Value* x = b.info.as_dict().find(key);
        values.push_back(x ? *x : Value());
      }
      info.as_dict().set(key, Value::list(std::move(values)));
    }
  }
  // Branches that end with PackInputs make one test-time-augmented sample
  // (data/tta_views.h), which BaseTTAModel.test_step splits into one batch per
  // branch.
  std::optional<data::Sample> packed;
  const bool all_packed =
      !branches.empty() && std::all_of(branches.begin(), branches.end(),
                                       [](const data::Results& b) { return b.packed.has_value(); });
  if (all_packed) {
    std::vector<data::Sample> views;
    for (const auto& b : branches) views.push_back(*b.packed);
    packed = data::make_tta_sample(std::move(views));
  }
  info.as_dict().set(Value(kBranchesKey),
                     Value::callable(std::make_shared<BranchResults>(std::move(branches))));
  results.info = std::move(info);
  results.arrays.clear();
  results.packed = std::move(packed);
  return true;
}

std::string TestTimeAug::repr() const {
  std::string s = "TestTimeAugtransforms=\n";
  for (const auto& sub : subroutines_) s += sub->repr() + "\n";
  return s;
}

const std::vector<data::Results>* tta_branches(const data::Results& results) {
  const Value* v = results.info.as_dict().find(kBranchesKey);
  if (!v || !v->is_callable()) return nullptr;
  auto* holder = dynamic_cast<BranchResults*>(&v->as_callable());
  return holder ? &holder->results : nullptr;
}

MMCPP_REGISTER(TRANSFORMS, RandomApply,
               "dict(type='RandomApply', transforms=[dict(type='RandomFlip', prob=1.0)])");
MMCPP_REGISTER(TRANSFORMS, RandomChoice,
               "dict(type='RandomChoice', transforms=[[dict(type='RandomFlip', prob=1.0)], "
               "[dict(type='ResizeEdge', scale=32)]])");
MMCPP_REGISTER(TRANSFORMS, TestTimeAug,
               "dict(type='TestTimeAug', transforms=[[dict(type='RandomFlip', prob=0.0), "
               "dict(type='RandomFlip', prob=1.0)], [dict(type='PackInputs')]])");

}  // namespace mmcpp::pretrain
