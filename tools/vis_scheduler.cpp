// `mmcpp vis-scheduler CONFIG [-p lr|momentum|wd] [-d N] [-n N] [-s PNG] [--json F]
// [--title T] [--style S] [--window-size 12*7|WxH] [--log-interval N] [--not-show]
// [--log-level L] [--cfg-options k=v ...]`: MMPretrain's
// tools/visualization/vis_scheduler.py. Simulates the training schedule of the
// config (engine::simulate_schedule: no data, no training) and plots the chosen
// hyper-parameter of every param group per iteration as a PNG, and/or writes the
// values as JSON.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/config/dump.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/engine/schedulers/schedule_simulation.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/line_plot.h"
#include "tools/subcommand.h"

namespace {

using mmcpp::Error;
using mmcpp::config::Config;
using mmcpp::config::Value;

struct VisSchedulerArgs {
  std::string config;
  std::string parameter = "lr";
  std::int64_t dataset_size = -1;  // -1: not given
  std::int64_t ngpus = 1;
  std::int64_t log_interval = 0;
  std::string save_path;
  std::string json_path;
  std::string log_level = "WARNING";
  std::string title;
  bool title_given = false;
  std::string style = "whitegrid";
  bool not_show = false;
  std::string window_size = "12*7";
  std::vector<std::string> cfg_options;
};

// MMPretrain's "W*H" is matplotlib's figsize in inches (saved at 100 dpi);
// "WxH" gives pixels; '' is matplotlib's default figure (6.4 x 4.8 inches).
std::pair<int, int> parse_window_size(const std::string& s) {
  if (s.empty()) return {640, 480};
  std::smatch m;
  if (std::regex_match(s, m, std::regex(R"((\d+)\*(\d+))")))
    return {std::stoi(m[1]) * 100, std::stoi(m[2]) * 100};
  if (std::regex_match(s, m, std::regex(R"((\d+)x(\d+))")))
    return {std::stoi(m[1]), std::stoi(m[2])};
  throw Error("AssertionError",
              "'window-size' must be in format 'W*H' (inches) or 'WxH' "
              "(pixels), got '" +
                  s + "'");
}

const Value& require(const Value& dict, const std::string& key, const std::string& where) {
  const Value* v = dict.is_dict() ? dict.as_dict().find(key) : nullptr;
  if (!v) throw Error("KeyError", "'" + key + "' is not in " + where);
  return *v;
}

void check_parent_exists(const std::string& path) {
  std::string dir = mmcpp::path_dirname(path);
  if (dir.empty()) dir = ".";
  if (!mmcpp::Env::system().is_dir(dir))
    throw Error("FileNotFoundError",
                "The save path is " + path + ", and directory '" + dir + "' do not exist.");
}

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4e", v);
  return buf;
}

void write_json(const std::string& path, const std::string& parameter,
                const mmcpp::engine::SimulatedSchedule& s) {
  std::ostringstream o;
  o << "{\"parameter\": " << mmcpp::config::json_quote(parameter)
    << ", \"iters_per_epoch\": " << s.iters_per_epoch << ", \"num_iters\": " << s.num_iters
    << ", \"by_epoch\": " << (s.by_epoch ? "true" : "false") << ", \"groups\": [";
  for (std::size_t g = 0; g < s.groups.size(); ++g) {
    o << (g ? ", [" : "[");
    for (std::size_t i = 0; i < s.groups[g].size(); ++i)
      o << (i ? ", " : "") << mmcpp::config::json_float_text(s.groups[g][i]);
    o << "]";
  }
  o << "]}\n";
  std::ofstream f(path, std::ios::binary);
  f << o.str();
  f.close();
  if (!f) throw Error("OSError", "cannot write " + path);
}

int vis_scheduler(const VisSchedulerArgs& a) {
  Config cfg = Config::fromfile(a.config);
  if (!a.cfg_options.empty())
    cfg.merge_from_dict(mmcpp::config::parse_cfg_options(a.cfg_options), /*allow_list_keys=*/true);
  if (a.ngpus < 1) throw Error("ValueError", "--ngpus must be >= 1");
  if (!a.save_path.empty()) check_parent_exists(a.save_path);
  if (!a.json_path.empty()) check_parent_exists(a.json_path);
  auto [width, height] = parse_window_size(a.window_size);

  // Components resolve in the config's scope, as the Runner sets it.
  const Value* scope = cfg.get("default_scope");
  mmcpp::registry::ScopeGuard guard(scope && scope->is_str() ? scope->str() : "mmengine");

  const Value* param_scheduler = cfg.get("param_scheduler");
  std::cout << "Param_scheduler :\n"
            << mmcpp::config::dump_json(param_scheduler ? *param_scheduler : Value()) << "\n";

  const Value* loader = cfg.get("train_dataloader");
  if (!loader) throw Error("KeyError", "the config has no train_dataloader");
  const Value& bs = require(*loader, "batch_size", "train_dataloader");
  if (!bs.is_int() || bs.as_int() < 1)
    throw Error("ValueError",
                "train_dataloader.batch_size must be a positive int, got " + bs.repr());
  const std::int64_t batch_size = bs.as_int() * a.ngpus;
  const Value* train_cfg = cfg.get("train_cfg");
  if (!train_cfg || !train_cfg->is_dict()) throw Error("ValueError", "please set `train_cfg`.");
  const bool by_epoch = mmcpp::engine::train_cfg_by_epoch(*train_cfg);

  std::int64_t dataset_size = a.dataset_size;
  if (dataset_size < 0 && by_epoch) {
    auto dataset =
        mmcpp::registry::DATASETS().build(require(*loader, "dataset", "train_dataloader"));
    dataset_size = static_cast<std::int64_t>(dataset->size());
  } else if (dataset_size <= 0) {
    dataset_size = batch_size;  // `args.dataset_size or batch_size`
  }
  const std::int64_t iters_per_epoch = dataset_size / batch_size;  // drop_last, as the tool
  std::cout << "\nDataset infos:\n - Dataset size: " << dataset_size
            << "\n - Batch size per GPU: " << bs.as_int() << "\n - Number of GPUs: " << a.ngpus
            << "\n - Total batch size: " << batch_size;
  if (by_epoch) std::cout << "\n - Iterations per epoch: " << iters_per_epoch;
  std::cout << "\n\n";

  const Value* optim_wrapper = cfg.get("optim_wrapper");
  if (!optim_wrapper) throw Error("KeyError", "the config has no optim_wrapper");
  mmcpp::engine::SimulatedSchedule s =
      mmcpp::engine::simulate_schedule(*optim_wrapper, param_scheduler ? *param_scheduler : Value(),
                                       *train_cfg, iters_per_epoch, a.parameter);

  const std::string param_name = a.parameter == "lr"         ? "Learning Rate"
                                 : a.parameter == "momentum" ? "Momentum"
                                                             : "Weight Decay";
  if (a.log_interval > 0) {
    for (std::int64_t i = 0; i < s.num_iters; ++i) {
      if ((i + 1) % a.log_interval != 0) continue;
      std::cout << "Iter [" << (i + 1) << "/" << s.num_iters << "]";
      if (by_epoch && iters_per_epoch > 0)
        std::cout << "  Epoch(" << (i / iters_per_epoch + 1) << ") [" << (i % iters_per_epoch + 1)
                  << "/" << iters_per_epoch << "]";
      std::cout << "  " << a.parameter << ":";
      for (const auto& g : s.groups)
        std::cout << " " << format_value(g[static_cast<std::size_t>(i)]);
      std::cout << "\n";
    }
  }
  if (!a.json_path.empty()) {
    write_json(a.json_path, a.parameter, s);
    std::cout << "The " << param_name << " values are saved at " << a.json_path << "\n";
  }
  if (!a.save_path.empty()) {
    std::vector<mmcpp::visualization::LineSeries> series;
    for (std::size_t g = 0; g < s.groups.size(); ++g) {
      mmcpp::visualization::LineSeries line;
      line.y = s.groups[g];
      for (std::size_t i = 0; i < line.y.size(); ++i) line.x.push_back(static_cast<double>(i));
      // With several groups the last one is MMEngine's base_param_settings.
      line.label =
          s.groups.size() > 1 && g + 1 == s.groups.size() ? "base" : "group " + std::to_string(g);
      series.push_back(std::move(line));
    }
    mmcpp::visualization::LinePlotOptions o;
    o.title =
        a.title_given ? a.title : mmcpp::path_basename(a.config) + " " + param_name + " curve";
    o.x_label = "Iters";
    o.y_label = param_name;
    o.width = width;
    o.height = height;
    o.style = a.style;
    if (by_epoch && iters_per_epoch > 0) {
      o.secondary_x_label = "Epochs";
      o.secondary_x_divisor = static_cast<double>(iters_per_epoch);
    }
    mmcpp::visualization::save_line_plot(series, o, a.save_path);
    std::cout << "\nThe " << param_name << " graph is saved at " << a.save_path << "\n";
  }
  if (!a.not_show)
    std::cout << (a.save_path.empty()
                      ? "(mmcpp opens no window: --save-path writes the plot; --not-show "
                        "silences this note)\n"
                      : "(mmcpp opens no window; --not-show silences this note)\n");
  return 0;
}

mmcpp::tools::RunFn setup_vis_scheduler(CLI::App& sub) {
  auto a = std::make_shared<VisSchedulerArgs>();
  sub.description(
      "Visualize a config's learning rate / momentum / weight decay schedule "
      "(MMPretrain's tools/visualization/vis_scheduler.py)");
  sub.add_option("config", a->config, "config file path")->required();
  sub.add_option("-p,--parameter", a->parameter,
                 "the parameter to visualize its change curve (default: lr)")
      ->check(CLI::IsMember({"lr", "momentum", "wd"}));
  sub.add_option("-d,--dataset-size", a->dataset_size,
                 "the size of the dataset; if given, the dataset is not built");
  sub.add_option("-n,--ngpus", a->ngpus, "the number of GPUs used in training (default: 1)");
  sub.add_option("-s,--save-path", a->save_path, "save the curve as this PNG file");
  sub.add_option("--json", a->json_path,
                 "write the values as JSON: {\"parameter\", \"iters_per_epoch\", \"num_iters\", "
                 "\"by_epoch\", \"groups\": [[value per iteration] per param group]}");
  sub.add_option("--log-interval", a->log_interval,
                 "print the values of every N-th iteration (default: 0, none)");
  sub.add_option("--log-level", a->log_level, "accepted for compatibility (default: WARNING)");
  sub.add_option("--title", a->title, "title of the figure");
  sub.add_option("--style", a->style,
                 "style of the figure, as seaborn's: whitegrid (default), darkgrid, white, dark, "
                 "ticks");
  sub.add_flag("--not-show", a->not_show, "do not show the figure (mmcpp never opens a window)");
  sub.add_option("--window-size", a->window_size,
                 "figure size: 'W*H' in inches at 100 dpi as MMPretrain (default: 12*7), or "
                 "'WxH' in pixels");
  sub.add_option("--cfg-options", a->cfg_options, "override settings in the config: key=value ...")
      ->expected(1, -1);
  return [a, &sub] {
    a->title_given = sub.get_option("--title")->count() > 0;
    return vis_scheduler(*a);
  };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("vis-scheduler", setup_vis_scheduler);
