#include "mmcpp/engine/analysis/zoo_report.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <set>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/engine/analysis/model_analysis.h"
#include "mmcpp/registry/config_check.h"

namespace mmcpp::engine::analysis {
namespace {

bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

void collect(Env& env, const std::string& dir, const std::string& rel,
             std::vector<std::string>& out) {
  std::vector<std::string> names = env.list_dir(dir);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::string path = path_join(dir, n);
    std::string r = rel.empty() ? n : rel + "/" + n;
    if (env.is_dir(path)) {
      if (n != "_base_") collect(env, path, r, out);
    } else if (ends_with(n, ".py")) {
      out.push_back(r);
    }
  }
}

std::vector<std::string> missing_of(const registry::ConfigCheck& c) {
  std::vector<std::string> out;
  for (const auto& s : c.missing()) {
    std::string t = (s.type.empty() ? std::string("<no type>") : s.type) + " (" + s.kind + ")";
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

const char* status_name(TrainProbeResult::Status s) {
  switch (s) {
    case TrainProbeResult::Status::kTrained:
      return "trained";
    case TrainProbeResult::Status::kFailed:
      return "failed";
    case TrainProbeResult::Status::kNotTrainable:
      return "not_trainable";
    case TrainProbeResult::Status::kSkipped:
      return "skipped";
    case TrainProbeResult::Status::kUnsupported:
      return "unsupported";
  }
  return "failed";
}

}  // namespace

std::size_t ZooReport::loaded() const {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [](const ZooEntry& e) { return e.loaded; }));
}
std::size_t ZooReport::selected() const {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [](const ZooEntry& e) { return e.selected; }));
}
std::size_t ZooReport::built() const {
  return static_cast<std::size_t>(std::count_if(
      entries.begin(), entries.end(), [](const ZooEntry& e) { return e.selected && e.built; }));
}

std::size_t ZooReport::in_shard() const {
  return static_cast<std::size_t>(std::count_if(
      entries.begin(), entries.end(), [](const ZooEntry& e) { return e.selected && e.in_shard; }));
}
std::size_t ZooReport::trained() const {
  return static_cast<std::size_t>(std::count_if(
      entries.begin(), entries.end(),
      [](const ZooEntry& e) { return e.selected && e.built && e.probe && e.probe->trained(); }));
}

std::vector<std::pair<std::string, std::size_t>> ZooReport::ranking(bool whole_config) const {
  std::map<std::string, std::size_t> counts;
  for (const auto& e : entries) {
    if (!e.selected) continue;
    for (const auto& t : whole_config ? e.missing_all : e.missing_model) ++counts[t];
  }
  std::vector<std::pair<std::string, std::size_t>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

std::string ZooReport::text() const {
  const std::string& type = options.model_type;
  std::size_t total = entries.size();
  std::string s = dir + ": " + std::to_string(total) + " configs (outside _base_), " +
                  std::to_string(loaded()) + " load, " + std::to_string(selected()) + " are " +
                  type + " configs\n";
  const bool sharded = options.shard_count > 1;
  const std::string shard = " in shard " + std::to_string(options.shard_index) + "/" +
                            std::to_string(options.shard_count);
  s += std::to_string(built()) + " of " + std::to_string(sharded ? in_shard() : selected()) + " " +
       type + " configs build" + (sharded ? shard : "") + "\n";
  if (options.train_steps > 0 && options.build) {
    std::size_t not_trainable = 0, skipped = 0, unsupported = 0;
    for (const auto& e : entries) {
      if (e.probe && e.probe->status == TrainProbeResult::Status::kNotTrainable) ++not_trainable;
      if (e.probe && e.probe->status == TrainProbeResult::Status::kSkipped) ++skipped;
      if (e.probe && e.probe->status == TrainProbeResult::Status::kUnsupported) ++unsupported;
    }
    s += std::to_string(trained()) + " of " + std::to_string(built()) + " built configs train (" +
         std::to_string(options.train_steps) +
         " SGD steps on 2 random images through the config's train pipeline lower the loss, "
         "predict gives finite scores)";
    if (not_trainable > 0) s += "; " + std::to_string(not_trainable) + " cannot train by design";
    if (skipped > 0) s += "; " + std::to_string(skipped) + " skipped, over the cost budget";
    if (unsupported > 0)
      s += "; " + std::to_string(unsupported) + " need pipeline transforms mmcpp lacks";
    s += "\n";
  }
  std::size_t checked_only = 0;
  for (const auto& e : entries)
    if (e.selected && e.missing_model.empty() && !e.built) ++checked_only;
  if (checked_only > 0 && !options.build)
    s += "(models not built: " + std::to_string(checked_only) + " pass the check)\n";
  auto table = [&](bool whole, const std::string& title) {
    auto r = ranking(whole);
    s += "\n" + title + " (" + std::to_string(r.size()) + " types):\n";
    for (const auto& [t, n] : r) {
      std::string count = std::to_string(n);
      s += "  " + std::string(count.size() < 5 ? 5 - count.size() : 0, ' ') + count + "  " + t +
           "\n";
    }
  };
  table(false, "Unsupported model components, by the number of " + type +
                   " configs whose model needs them");
  table(true, "Unsupported components of the whole configs (train/test also build them)");
  std::vector<const ZooEntry*> failed_build;
  for (const auto& e : entries)
    if (e.selected && e.in_shard && e.missing_model.empty() && options.build && !e.built)
      failed_build.push_back(&e);
  if (!failed_build.empty()) {
    s += "\nSupported but failed to build (" + std::to_string(failed_build.size()) + "):\n";
    for (const auto* e : failed_build) s += "  " + e->file + ": " + e->error + "\n";
  }
  std::vector<const ZooEntry*> no_train, failed_train, skipped_train, unsupported_train;
  for (const auto& e : entries) {
    if (!e.probe || e.probe->trained()) continue;
    switch (e.probe->status) {
      case TrainProbeResult::Status::kNotTrainable:
        no_train.push_back(&e);
        break;
      case TrainProbeResult::Status::kSkipped:
        skipped_train.push_back(&e);
        break;
      case TrainProbeResult::Status::kUnsupported:
        unsupported_train.push_back(&e);
        break;
      default:
        failed_train.push_back(&e);
    }
  }
  if (!skipped_train.empty()) {
    s += "\nBuilt, not trained: over the cost budget (" + std::to_string(skipped_train.size()) +
         "):\n";
    for (const auto* e : skipped_train) s += "  " + e->file + ": " + e->probe->message + "\n";
  }
  if (!unsupported_train.empty()) {
    s += "\nBuilt, not trained: the pipeline needs transforms mmcpp lacks (" +
         std::to_string(unsupported_train.size()) + "):\n";
    for (const auto* e : unsupported_train) s += "  " + e->file + ": " + e->probe->message + "\n";
  }
  if (!no_train.empty()) {
    s += "\nBuilt, but cannot train by design (" + std::to_string(no_train.size()) + "):\n";
    for (const auto* e : no_train) s += "  " + e->file + ": " + e->probe->message + "\n";
  }
  if (!failed_train.empty()) {
    s += "\nBuilt, but FAILED to train (" + std::to_string(failed_train.size()) + "):\n";
    for (const auto* e : failed_train) s += "  " + e->file + ": " + e->probe->message + "\n";
  }
  std::vector<const ZooEntry*> not_loaded;
  for (const auto& e : entries)
    if (!e.loaded) not_loaded.push_back(&e);
  if (!not_loaded.empty()) {
    s += "\nConfigs that do not load (" + std::to_string(not_loaded.size()) + "):\n";
    for (const auto* e : not_loaded) {
      std::string first_line = e->error.substr(0, e->error.find('\n'));
      s += "  " + e->file + ": " + first_line + "\n";
    }
  }
  return s;
}

nlohmann::ordered_json ZooReport::json() const {
  nlohmann::ordered_json j;
  j["dir"] = dir;
  j["model_type"] = options.model_type;
  j["configs"] = entries.size();
  j["loaded"] = loaded();
  j["selected"] = selected();
  j["built"] = built();
  if (options.shard_count > 1) j["shard"] = {options.shard_index, options.shard_count};
  if (options.train_steps > 0) j["trained"] = trained();
  auto rank = [&](bool whole) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& [t, n] : ranking(whole)) a.push_back({{"type", t}, {"configs", n}});
    return a;
  };
  j["unsupported_model_types"] = rank(false);
  j["unsupported_types"] = rank(true);
  j["entries"] = nlohmann::ordered_json::array();
  for (const auto& e : entries) {
    nlohmann::ordered_json x = {
        {"file", e.file},          {"loaded", e.loaded}, {"model_type", e.model_type},
        {"selected", e.selected},  {"built", e.built},   {"missing_model", e.missing_model},
        {"missing", e.missing_all}};
    if (!e.error.empty()) x["error"] = e.error;
    if (e.built) x["params"] = e.params;
    if (e.flops) x["flops"] = *e.flops;
    if (e.probe) {
      const auto& p = *e.probe;
      x["train"] = {{"status", status_name(p.status)},
                    {"cost", p.cost},
                    {"losses", p.losses},
                    {"input_shape", p.input_shape}};
      if (!p.message.empty()) x["train"]["message"] = p.message;
    }
    j["entries"].push_back(std::move(x));
  }
  return j;
}

ZooReport zoo_report(const std::string& dir, const ZooOptions& options) {
  Env& env = Env::system();
  if (!env.is_dir(dir)) throw Error("FileNotFoundError", "no such directory: " + dir);
  ZooReport report;
  report.dir = dir;
  report.options = options;
  std::vector<std::string> files;
  collect(env, dir, "", files);
  if (options.shard_count == 0 || options.shard_index >= options.shard_count)
    throw Error("ValueError", "zoo_report: shard " + std::to_string(options.shard_index) + "/" +
                                  std::to_string(options.shard_count) + " does not exist");
  std::size_t selected_index = 0;
  for (const auto& rel : files) {
    ZooEntry e;
    e.file = rel;
    std::optional<config::Config> cfg;
    try {
      cfg = config::Config::fromfile(path_join(dir, rel));
      e.loaded = true;
    } catch (const std::exception& err) {
      e.error = err.what();
    }
    if (cfg) {
      const config::Value* model = cfg->get("model");
      if (model && model->is_dict()) {
        const config::Value* t = model->as_dict().find("type");
        if (t && t->is_str()) e.model_type = t->as_str();
        if (t && t->is_lazy()) e.model_type = t->as_lazy().name;
      }
      e.selected = e.model_type == options.model_type;
      try {
        registry::CheckOptions model_check;
        model_check.sections = registry::kCheckModel;
        model_check.scope = options.scope;
        model_check.init_cfg = false;  // as build_model_for_analysis
        e.missing_model = missing_of(registry::check_config(*cfg, model_check));
        e.missing_all = missing_of(registry::check_config(*cfg, registry::CheckOptions{}));
      } catch (const std::exception& err) {
        e.error = err.what();
        e.missing_model.push_back("<check failed>");
      }
      if (e.selected) e.in_shard = selected_index++ % options.shard_count == options.shard_index;
      if (e.selected && e.missing_model.empty() && options.build && e.in_shard) {
        const auto start = std::chrono::steady_clock::now();
        try {
          bool pipeline_missing = false;
          for (const auto& t : e.missing_all)
            if (t.find("(TRANSFORMS)") != std::string::npos) pipeline_missing = true;
          if (options.flops || options.train_steps <= 0 || pipeline_missing) {
            auto m = build_model_for_analysis(*cfg, options.scope);
            for (const auto& p : m->parameters(true)) e.params += p.numel();
            if (options.flops) e.flops = count_flops(*m, options.input_shape).stats.total_flops;
            e.built = true;
          }
          if (options.train_steps > 0) {
            // The probe builds its own model (initialised, Pretrained left out).
            TrainProbeOptions probe;
            probe.steps = options.train_steps;
            probe.scope = options.scope;
            probe.max_cost = options.max_train_cost;
            std::vector<std::string> missing_transforms;
            for (const auto& t : e.missing_all)
              if (t.find("(TRANSFORMS)") != std::string::npos) missing_transforms.push_back(t);
            if (!missing_transforms.empty()) {
              // Its own pipeline cannot run: a gap of mmcpp, listed as such.
              TrainProbeResult r;
              r.status = TrainProbeResult::Status::kUnsupported;
              r.built = e.built;
              r.params = e.params;
              r.message = "the pipeline needs";
              for (const auto& t : missing_transforms) r.message += " " + t;
              e.probe = r;
            } else {
              e.probe = probe_training(*cfg, probe);
            }
            if (!e.built) {
              e.built = e.probe->built;
              e.params = e.probe->params;
              if (!e.built) e.error = e.probe->message;
            }
            if (!e.built) e.probe.reset();  // a build failure, listed as such
          }
        } catch (const std::exception& err) {
          e.error = err.what();
        }
        if (options.on_built)
          options.on_built(
              e, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
    }
    report.entries.push_back(std::move(e));
  }
  return report;
}

}  // namespace mmcpp::engine::analysis
