#include "mmcpp/pretrain/transforms/flip.h"

#include <cmath>
#include <limits>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/geometric.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/transform_utils.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

std::size_t choice_index(const std::vector<double>& probs, Rng& rng) {
  double total = 0;
  for (double p : probs) {
    if (p < 0) throw Error("ValueError", "probabilities are not non-negative");
    total += p;
  }
  // numpy's check: |sum - 1| <= sqrt(eps).
  if (std::abs(total - 1.0) > std::sqrt(std::numeric_limits<double>::epsilon())) {
    throw Error("ValueError", "probabilities do not sum to 1");
  }
  std::vector<double> cdf(probs.size());
  double acc = 0;
  for (std::size_t i = 0; i < probs.size(); ++i) cdf[i] = acc += probs[i];
  for (double& c : cdf) c /= cdf.back();
  const double u = rng.uniform();
  for (std::size_t i = 0; i < cdf.size(); ++i) {
    if (cdf[i] > u) return i;  // searchsorted(side='right')
  }
  return cdf.size() - 1;
}

RandomFlip::RandomFlip(Options options) : o_(std::move(options)) {
  const auto is_valid = [](const std::string& d) {
    return d == "horizontal" || d == "vertical" || d == "diagonal";
  };
  if (o_.direction.is_str()) {
    check(is_valid(o_.direction.as_str()),
          "RandomFlip: direction must be horizontal, vertical or diagonal, got '" +
              o_.direction.as_str() + "'");
    directions_ = {o_.direction.as_str()};
  } else if (o_.direction.is_sequence()) {
    for (const Value& d : o_.direction.items()) {
      check(d.is_str() && is_valid(d.as_str()),
            "RandomFlip: direction must be a list of horizontal/vertical/diagonal, got " +
                o_.direction.repr());
      directions_.push_back(d.as_str());
    }
  } else {
    throw Error("ValueError", "direction must be either str or list of str, but got `" +
                                  o_.direction.type_name() + "`.");
  }
  if (o_.prob.is_sequence()) {
    double sum = 0;
    for (const Value& p : o_.prob.items()) {
      check(p.is_number(), "RandomFlip: prob must be a list of floats, got " + o_.prob.repr());
      probs_.push_back(p.as_number());
      sum += p.as_number();
    }
    check(0 <= sum && sum <= 1, "RandomFlip: the probabilities must sum to at most 1");
    check(probs_.size() == directions_.size(),
          "RandomFlip: prob and direction must have the same length");
    probs_.push_back(1 - sum);
  } else if (o_.prob.is_number()) {
    const double p = o_.prob.as_number();
    check(0 <= p && p <= 1, "RandomFlip: prob must be in [0, 1], got " + o_.prob.repr());
    const double each = p / static_cast<double>(directions_.size());
    probs_.assign(directions_.size(), each);
    probs_.push_back(1.0 - p);
  } else {
    throw Error("ValueError",
                "probs must be float or list of float, but got `" + o_.prob.type_name() + "`.");
  }
}

std::shared_ptr<RandomFlip> RandomFlip::from_config(registry::BuildArgs& args) {
  Options o;
  o.prob = args.value("prob");
  o.direction = args.value_or("direction", o.direction);
  o.swap_seg_labels = args.value("swap_seg_labels");
  return std::make_shared<RandomFlip>(std::move(o));
}

std::string RandomFlip::choose_direction(Rng& rng) const {
  const Value v = rng.cached("RandomFlip._choose_direction", [&]() -> Value {
    const std::size_t i = choice_index(probs_, rng);
    return i < directions_.size() ? Value(directions_[i]) : Value();
  });
  return v.is_none() ? std::string() : v.as_str();
}

namespace {

void flip_bboxes(torch::Tensor& boxes, double h, double w, const std::string& dir) {
  using torch::indexing::None;
  using torch::indexing::Slice;
  torch::Tensor b = boxes.to(torch::kFloat64);
  torch::Tensor f = b.clone();
  const auto cols = [&](int start) { return Slice(start, None, 4); };
  if (dir == "horizontal" || dir == "diagonal") {
    f.index_put_({"...", cols(0)}, w - b.index({"...", cols(2)}));
    f.index_put_({"...", cols(2)}, w - b.index({"...", cols(0)}));
  }
  if (dir == "vertical" || dir == "diagonal") {
    f.index_put_({"...", cols(1)}, h - b.index({"...", cols(3)}));
    f.index_put_({"...", cols(3)}, h - b.index({"...", cols(1)}));
  }
  boxes = f.to(boxes.scalar_type());
}

}  // namespace

bool RandomFlip::transform(data::Results& results, Rng& rng) const {
  const std::string dir = choose_direction(rng);
  auto& info = results.info.as_dict();
  if (dir.empty()) {
    info.set(Value("flip"), Value(false));
    info.set(Value("flip_direction"), Value());
    return true;
  }
  info.set(Value("flip"), Value(true));
  info.set(Value("flip_direction"), Value(dir));
  store_image(results, mmcv::imflip(image_mat(results), dir));
  const double h = static_cast<double>(results.img().size(0));
  const double w = static_cast<double>(results.img().size(1));
  if (auto it = results.arrays.find("gt_bboxes"); it != results.arrays.end()) {
    flip_bboxes(it->second, h, w, dir);
  }
  if (auto it = results.arrays.find("gt_seg_map"); it != results.arrays.end()) {
    torch::Tensor seg = mmcv::as_tensor(mmcv::imflip(mmcv::as_mat(it->second.contiguous()), dir));
    if (!o_.swap_seg_labels.is_none()) {
      const torch::Tensor original = seg.clone();
      for (const Value& pair : o_.swap_seg_labels.items()) {
        check(pair.is_sequence() && pair.items().size() == 2,
              "swap_seg_labels must be a sequence with pair, but got " + o_.swap_seg_labels.repr() +
                  ".");
        const auto a = pair.items()[0].as_int(), b = pair.items()[1].as_int();
        seg.masked_fill_(original == a, b);
        seg.masked_fill_(original == b, a);
      }
    }
    it->second = seg;
    info.set(Value("swap_seg_labels"), o_.swap_seg_labels);
  }
  return true;
}

std::string RandomFlip::repr() const {
  return "RandomFlip(prob=" + o_.prob.str() + ", direction=" + o_.direction.str() + ")";
}

MMCPP_REGISTER(TRANSFORMS, RandomFlip, "dict(type='RandomFlip', prob=0.5)");

}  // namespace mmcpp::pretrain
