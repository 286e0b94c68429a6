#include "mmcpp/pretrain/transforms/lighting.h"

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/photometric.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/results_image.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

std::string numbers_repr(const std::vector<double>& v, bool ints) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    s += ints ? Value(static_cast<std::int64_t>(v[i])).repr() : Value(v[i]).repr();
  }
  return s + "]";
}

}  // namespace

Lighting::Lighting(Options options) : o_(std::move(options)) {
  const std::size_t n = o_.eigval.size();
  for (const auto& row : o_.eigvec) {
    if (row.size() != o_.eigvec.at(0).size()) {
      throw Error("AssertionError", "eigvec must contains lists with equal length.");
    }
  }
  // mmcv.adjust_lighting's shape checks, made when building rather than per sample.
  if (o_.eigvec.size() != 3 || o_.eigvec[0].size() != n) {
    throw Error("AssertionError", "Lighting: eigvec must have shape (3, len(eigval)) = (3, " +
                                      std::to_string(n) + ")");
  }
}

std::shared_ptr<Lighting> Lighting::from_config(registry::BuildArgs& args) {
  Options o;
  const Value eigval = args.require("eigval");
  const Value eigvec = args.require("eigvec");
  if (!eigval.is_sequence()) {
    throw Error("AssertionError",
                "eigval must be Sequence, got " + eigval.type_name() + " instead.");
  }
  if (!eigvec.is_sequence()) {
    throw Error("AssertionError",
                "eigvec must be Sequence, got " + eigvec.type_name() + " instead.");
  }
  o.eigval_ints = true;
  for (const Value& v : eigval.items()) {
    if (!v.is_number())
      throw Error("TypeError", "Lighting: eigval must hold numbers, got " + v.repr());
    o.eigval.push_back(v.as_number());
    o.eigval_ints = o.eigval_ints && v.is_int();
  }
  o.eigvec_ints = true;
  for (const Value& row : eigvec.items()) {
    if (!row.is_sequence()) {
      throw Error("AssertionError", "eigvec must contains lists with equal length.");
    }
    std::vector<double> r;
    for (const Value& v : row.items()) {
      if (!v.is_number())
        throw Error("TypeError", "Lighting: eigvec must hold numbers, got " + v.repr());
      r.push_back(v.as_number());
      o.eigvec_ints = o.eigvec_ints && v.is_int();
    }
    o.eigvec.push_back(std::move(r));
  }
  o.alphastd_repr = args.value_or("alphastd", Value(0.1));
  if (!o.alphastd_repr.is_float()) {
    throw Error("AssertionError", "alphastd should be of type float or int, got " +
                                      o.alphastd_repr.type_name() + " instead.");
  }
  o.alphastd = o.alphastd_repr.as_float();
  o.to_rgb = args.get_bool("to_rgb", false);
  return std::make_shared<Lighting>(std::move(o));
}

std::vector<double> Lighting::draw_alpha(Rng& rng) const {
  const Value alpha = rng.cached("numpy.random.normal", [&] {
    Value out = Value::list();
    for (std::size_t i = 0; i < o_.eigval.size(); ++i)
      out.items().emplace_back(rng.normal(0, o_.alphastd));
    return out;
  });
  std::vector<double> a;
  for (const Value& v : alpha.items()) a.push_back(v.as_number());
  if (a.size() != o_.eigval.size()) {
    throw Error("ValueError", "Lighting: expected " + std::to_string(o_.eigval.size()) +
                                  " alpha values, got " + alpha.repr());
  }
  return a;
}

bool Lighting::transform(data::Results& results, Rng& rng) const {
  ResultsImage img(results, "Lighting");
  const std::vector<double> alpha = draw_alpha(rng);
  const cv::Mat adjusted = mmcv::adjust_lighting(img.mat(), o_.eigval, o_.eigvec, alpha, o_.to_rgb);
  if (!img.is_uint8()) {
    throw Error("TypeError",
                "Lighting: only uint8 images are supported (MMPretrain casts the "
                "result back to the input dtype)");
  }
  img.put(results, mmcv::wrap_to_u8(adjusted));
  return true;
}

std::string Lighting::repr() const {
  std::string vec = "[";
  for (std::size_t i = 0; i < o_.eigvec.size(); ++i) {
    if (i) vec += ", ";
    vec += numbers_repr(o_.eigvec[i], o_.eigvec_ints);
  }
  vec += "]";
  return "Lighting(eigval=" + numbers_repr(o_.eigval, o_.eigval_ints) + ", eigvec=" + vec +
         ", alphastd=" + o_.alphastd_repr.str() + ", to_rgb=" + (o_.to_rgb ? "True" : "False") +
         ")";
}

MMCPP_REGISTER(TRANSFORMS, Lighting,
               "dict(type='Lighting', eigval=[55.4625, 4.794, 1.1475], "
               "eigvec=[[-0.5836, -0.6948, 0.4203], [-0.5808, -0.0045, -0.814], "
               "[-0.5675, 0.7192, 0.4009]], alphastd=0.1, to_rgb=True)");

}  // namespace mmcpp::pretrain
