#include "mmcpp/data/transform.h"

#include <c10/util/Exception.h>

#include <exception>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::data {

using config::Value;

namespace {

std::string array_keys(const Results& r) {
  std::string keys;
  for (const auto& [k, v] : r.arrays) keys += (keys.empty() ? "" : ", ") + k;
  return keys.empty() ? "none" : keys;
}

}  // namespace

torch::Tensor& Results::img() {
  auto it = arrays.find("img");
  if (it == arrays.end()) {
    throw Error("KeyError", "'img': the results hold no image (arrays: " + array_keys(*this) +
                                "); is LoadImageFromFile missing from the pipeline?");
  }
  return it->second;
}

const torch::Tensor& Results::img() const { return const_cast<Results*>(this)->img(); }

void Results::set_img(torch::Tensor img) {
  info.as_dict().set(Value("img_shape"), Value::tuple({Value(img.size(0)), Value(img.size(1))}));
  arrays["img"] = std::move(img);
}

TransformPtr build_transform(const config::Value& cfg) { return registry::TRANSFORMS().build(cfg); }

std::shared_ptr<Compose> Compose::from_list(const config::Value& pipeline) {
  std::vector<TransformPtr> transforms;
  if (pipeline.is_none()) return std::make_shared<Compose>(std::move(transforms));
  if (!pipeline.is_list() && !pipeline.is_tuple()) {
    throw Error("TypeError",
                "pipeline must be a list of transform dicts, got " + pipeline.type_name());
  }
  for (const Value& cfg : pipeline.items()) {
    if (!cfg.is_dict()) {
      throw Error("TypeError", "transform must be a dict with a 'type', got " + cfg.repr());
    }
    transforms.push_back(build_transform(cfg));
  }
  return std::make_shared<Compose>(std::move(transforms));
}

std::shared_ptr<Compose> Compose::from_config(registry::BuildArgs& args) {
  return from_list(args.value("transforms"));
}

namespace {

// "RandomResizedCrop" of "RandomResizedCrop(scale=224, ...)".
std::string class_name_of(const Transform& t) {
  std::string r = t.repr();
  std::size_t paren = r.find('(');
  return paren == std::string::npos ? r : r.substr(0, paren);
}

}  // namespace

bool Compose::transform(Results& results, Rng& rng) const {
  for (const auto& t : transforms_) {
    try {
      if (!t->transform(results, rng)) return false;
    } catch (const TransformError&) {
      throw;  // an inner pipeline named it already
    } catch (const Error& e) {
      std::throw_with_nested(TransformError(e.kind(), class_name_of(*t), e.what()));
    } catch (const c10::Error& e) {
      std::throw_with_nested(
          TransformError("RuntimeError", class_name_of(*t), e.what_without_backtrace()));
    } catch (const std::exception& e) {
      std::throw_with_nested(TransformError("RuntimeError", class_name_of(*t), e.what()));
    }
  }
  return true;
}

std::string Compose::repr() const {
  std::string s = "Compose(";
  for (const auto& t : transforms_) s += "\n    " + t->repr();
  return s + "\n)";
}

}  // namespace mmcpp::data

namespace mmcpp::data {
// mmcv.transforms.Compose is registered, so pipelines may nest it.
MMCPP_REGISTER(registry::TRANSFORMS, Compose, "dict(type='Compose', transforms=[])");
}  // namespace mmcpp::data
