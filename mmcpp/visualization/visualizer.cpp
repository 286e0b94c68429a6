#include "mmcpp/visualization/visualizer.h"

#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/local_vis_backend.h"

namespace mmcpp::visualization {

using config::Value;

Visualizer::Visualizer(std::string name, std::optional<std::string> save_dir)
    : name_(std::move(name)) {
  if (save_dir) vis_save_dir_ = path_join(*save_dir, "vis_data");
}

void Visualizer::warn(const std::string& message) const {
  if (logger_ != nullptr) {
    logger_->warning(message);
    return;
  }
  Logger console("mmengine");
  console.warning(message);
}

void Visualizer::add_backend(std::shared_ptr<VisBackend> backend, const std::string& name) {
  if (!backend) throw Error("ValueError", "Visualizer: a vis backend is null");
  if (!backend->save_dir() && vis_save_dir_) backend->set_save_dir(*vis_save_dir_);
  if (backend->needs_save_dir() && !backend->save_dir()) {
    warn("Failed to add " + backend->type_name() + ", please provide the `save_dir` argument.");
    return;
  }
  std::string key = name.empty() ? backend->type_name() : name;
  for (const auto& [k, b] : backends_)
    if (k == key) throw Error("RuntimeError", "vis_backend name " + key + " already exists");
  backends_.emplace_back(key, std::move(backend));
}

std::shared_ptr<VisBackend> Visualizer::get_backend(const std::string& name) const {
  for (const auto& [k, b] : backends_)
    if (k == name) return b;
  return nullptr;
}

void Visualizer::set_env(Env& env) {
  for (auto& [k, b] : backends_) b->set_env(env);
}

void Visualizer::configure(Visualizer& v, registry::BuildArgs& args) {
  v.name_ = args.get_str("name", "visualizer");
  if (!args.value("image").is_none())
    throw Error("TypeError", args.component() +
                                 ": `image` must be None in a config (an image array cannot be "
                                 "written in one)");
  std::optional<std::string> save_dir = args.get_opt_str("save_dir");
  v.vis_save_dir_.reset();
  if (save_dir) v.vis_save_dir_ = path_join(*save_dir, "vis_data");
  // Matplotlib figure options: accepted, nothing draws with matplotlib here.
  args.value("fig_save_cfg");
  args.value("fig_show_cfg");
  Value backends = args.value("vis_backends");
  if (backends.is_none()) return;
  if (backends.is_dict()) backends = Value::list({backends});
  if (!backends.is_sequence())
    throw Error("TypeError",
                "vis_backends must be a list of dicts or a list of BaseBackend "
                "instances, got " +
                    backends.repr());
  for (const Value& item : backends.items()) {
    if (!item.is_dict())
      throw Error("TypeError",
                  "vis_backends must be a list of dicts or a list of BaseBackend "
                  "instances, got " +
                      item.repr());
    Value cfg = item.deep_copy();
    std::string name;
    if (const Value* n = cfg.as_dict().find("name")) {
      name = n->str();
      cfg.as_dict().erase(Value("name"));
    }
    if (!cfg.as_dict().contains("save_dir"))
      cfg.as_dict().set(Value("save_dir"), v.vis_save_dir_ ? Value(*v.vis_save_dir_) : Value());
    v.add_backend(registry::VISBACKENDS().build(cfg), name);
  }
}

std::shared_ptr<Visualizer> Visualizer::from_config(registry::BuildArgs& args) {
  auto v = std::make_shared<Visualizer>();
  configure(*v, args);
  return v;
}

void Visualizer::add_config(const std::string& pretty_text) {
  for (auto& [k, b] : backends_) b->add_config(pretty_text);
}

void Visualizer::add_image(const std::string& name, const at::Tensor& image, std::int64_t step) {
  for (auto& [k, b] : backends_) b->add_image(name, image, step);
}

void Visualizer::add_scalar(const std::string& name, double value, std::int64_t step) {
  for (auto& [k, b] : backends_) b->add_scalar(name, value, step);
}

void Visualizer::add_scalars(const ScalarTags& tags, std::int64_t step, const IntTags& int_tags,
                             const std::string& file_path) {
  for (auto& [k, b] : backends_) b->add_scalars(tags, step, int_tags, file_path);
}

void Visualizer::close() {
  for (auto& [k, b] : backends_) b->close();
}

std::shared_ptr<Visualizer> build_visualizer(const Value& cfg, const std::string& name,
                                             const std::string& save_dir, Env& env,
                                             Logger* logger) {
  std::shared_ptr<Visualizer> v;
  if (cfg.is_none()) {
    v = std::make_shared<Visualizer>(name, save_dir);
    v->set_logger(logger);
    v->add_backend(std::make_shared<LocalVisBackend>());
  } else if (cfg.is_dict()) {
    Value c = cfg.deep_copy();
    if (!c.as_dict().contains("name")) c.as_dict().set(Value("name"), Value(name));
    if (!c.as_dict().contains("save_dir")) c.as_dict().set(Value("save_dir"), Value(save_dir));
    v = registry::VISUALIZERS().build(c);
    v->set_logger(logger);
  } else {
    throw Error("TypeError",
                "visualizer should be Visualizer object, a dict or None, but got " + cfg.repr());
  }
  v->set_env(env);
  return v;
}

MMCPP_REGISTER(registry::VISUALIZERS, Visualizer,
               "dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')], "
               "save_dir='work_dir')");

}  // namespace mmcpp::visualization
