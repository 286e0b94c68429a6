// `mmcpp analyze-logs plot-curve LOG... [--keys loss accuracy/top1] [--title T]
//      [--legend L...] [--style whitegrid] [--out curve.png] [--window-size 12*7]`
// `mmcpp analyze-logs cal-train-time LOG... [--include-outliers]`
// MMPretrain's tools/analysis_tools/analyze_logs.py (plot_curve / cal_train_time,
// also accepted with underscores). LOG: a scalars JSON file (vis_data/scalars.json
// or vis_data/<timestamp>.json, from mmcpp or MMEngine) or a text log
// (<timestamp>.log); see mmcpp/pretrain/utils/analyze.h.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/utils/analyze.h"
#include "mmcpp/visualization/line_plot.h"
#include "tools/subcommand.h"

namespace {

using mmcpp::pretrain::LogDict;
using mmcpp::pretrain::LogRecord;

struct PlotArgs {
  std::vector<std::string> logs;
  std::vector<std::string> keys{"loss"};
  std::string title;
  std::vector<std::string> legend;
  std::string style = "whitegrid";
  std::string out;
  std::string window_size = "12*7";
};

struct TimeArgs {
  std::vector<std::string> logs;
  bool include_outliers = false;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// get_legends: "<file name without .json (and .log)>_<key>".
std::vector<std::string> legends(const PlotArgs& a) {
  if (!a.legend.empty()) {
    if (a.legend.size() != a.logs.size() * a.keys.size())
      throw mmcpp::Error("AssertionError", "--legend needs " +
                                               std::to_string(a.logs.size() * a.keys.size()) +
                                               " entries (one per log and key), got " +
                                               std::to_string(a.legend.size()));
    return a.legend;
  }
  std::vector<std::string> out;
  for (const std::string& log : a.logs) {
    for (const std::string& key : a.keys) {
      std::string base = mmcpp::path_basename(log);
      for (const char* ext : {".json", ".log"})
        if (ends_with(base, ext)) base = base.substr(0, base.size() - std::string(ext).size());
      out.push_back(base + "_" + key);
    }
  }
  return out;
}

int plot_curve(const PlotArgs& a) {
  std::smatch m;
  static const std::regex size_re(R"((\d+)\*(\d+))");
  if (!std::regex_match(a.window_size, m, size_re))
    throw mmcpp::Error("AssertionError", "'window-size' must be in format 'W*H'.");
  if (a.out.empty())
    throw mmcpp::Error("ValueError",
                       "mmcpp cannot show a window: give --out FILE.png to save the curve");
  std::vector<std::string> names = legends(a);
  mmcpp::visualization::LinePlotOptions o;
  o.width = std::stoi(m[1]) * 100;  // matplotlib figsize in inches at 100 dpi
  o.height = std::stoi(m[2]) * 100;
  o.style = a.style;
  o.title = a.title;
  std::vector<mmcpp::visualization::LineSeries> series;
  for (std::size_t i = 0; i < a.logs.size(); ++i) {
    LogDict log = mmcpp::pretrain::load_log(a.logs[i]);
    for (std::size_t j = 0; j < a.keys.size(); ++j) {
      const std::string& key = a.keys[j];
      std::cout << "plot curve of " << a.logs[i] << ", metric is " << key << "\n";
      std::set<std::string> train_keys, val_keys;
      if (!log.train.empty())
        for (const auto& [k, v] : log.train.front().fields)
          if (k != "step" && k != "epoch") train_keys.insert(k);
      if (!log.val.empty())
        for (const auto& [k, v] : log.val.front().fields)
          if (k != "step") val_keys.insert(k);
      mmcpp::visualization::LineSeries s;
      s.label = names[i * a.keys.size() + j];
      if (val_keys.count(key)) {
        for (const LogRecord& r : log.val) {
          s.x.push_back(r.get("step"));
          s.y.push_back(r.get(key));
        }
        o.x_label = "Steps";
      } else if (train_keys.count(key)) {
        const bool by_epoch = log.train.front().has("epoch");
        const double scale =
            by_epoch ? log.train.back().get("step") / log.train.back().get("epoch") : 1.0;
        for (const LogRecord& r : log.train) {
          s.x.push_back(r.get("step") / scale);
          s.y.push_back(r.get(key));
        }
        o.x_label = by_epoch ? "Epochs" : "Iters";
      } else {
        std::set<std::string> all(train_keys);
        all.insert(val_keys.begin(), val_keys.end());
        std::string known;
        for (const auto& k : all) known += (known.empty() ? "'" : ", '") + k + "'";
        throw mmcpp::Error("ValueError",
                           "Invalid key \"" + key + "\", please choose from {" + known + "}.");
      }
      series.push_back(std::move(s));
    }
  }
  std::cout << "save curve to: " << a.out << "\n";
  mmcpp::visualization::save_line_plot(series, o, a.out);
  return 0;
}

int cal_train_time(const TimeArgs& a) {
  char buf[256];
  for (const std::string& path : a.logs) {
    LogDict log = mmcpp::pretrain::load_log(path);
    std::cout << "-----Analyze train time of " << path << "-----\n";
    if (log.train.empty())
      throw mmcpp::Error("IndexError", path + ": no training record (list index out of range)");
    if (log.train.front().has("epoch")) {
      std::vector<double> means;
      std::size_t i = 0;
      while (i < log.train.size()) {  // itertools.groupby on consecutive epochs
        const double epoch = log.train[i].get("epoch");
        std::vector<double> times;
        for (; i < log.train.size() && log.train[i].get("epoch") == epoch; ++i)
          times.push_back(log.train[i].get("time"));
        if (!a.include_outliers) times.erase(times.begin());
        double sum = 0;
        for (double t : times) sum += t;
        means.push_back(times.empty() ? NAN : sum / static_cast<double>(times.size()));
      }
      // numpy's argmax/argmin: the first of equal values; NaN wins.
      auto first_nan =
          std::find_if(means.begin(), means.end(), [](double v) { return std::isnan(v); });
      std::size_t slowest = first_nan != means.end()
                                ? static_cast<std::size_t>(first_nan - means.begin())
                                : static_cast<std::size_t>(
                                      std::max_element(means.begin(), means.end()) - means.begin());
      std::size_t fastest = first_nan != means.end()
                                ? slowest
                                : static_cast<std::size_t>(
                                      std::min_element(means.begin(), means.end()) - means.begin());
      double mean = 0;
      for (double v : means) mean += v;
      mean /= static_cast<double>(means.size());
      double var = 0;
      for (double v : means) var += (v - mean) * (v - mean);
      const double std_over_epoch = std::sqrt(var / static_cast<double>(means.size()));
      std::snprintf(buf, sizeof buf, "slowest epoch %zu, average time is %.4f\n", slowest + 1,
                    means[slowest]);
      std::cout << buf;
      std::snprintf(buf, sizeof buf, "fastest epoch %zu, average time is %.4f\n", fastest + 1,
                    means[fastest]);
      std::cout << buf;
      std::snprintf(buf, sizeof buf, "time std over epochs is %.4f\n", std_over_epoch);
      std::cout << buf;
    }
    double sum = 0;
    for (const LogRecord& r : log.train) sum += r.get("time");
    std::snprintf(buf, sizeof buf, "average iter time: %.4f s/iter\n",
                  sum / static_cast<double>(log.train.size()));
    std::cout << buf << "\n";
  }
  return 0;
}

mmcpp::tools::RunFn setup_analyze_logs(CLI::App& sub) {
  sub.description("Analyze training logs (MMPretrain's tools/analysis_tools/analyze_logs.py)");
  sub.require_subcommand(1);
  auto plot = std::make_shared<PlotArgs>();
  auto time = std::make_shared<TimeArgs>();
  CLI::App* p = sub.add_subcommand("plot-curve", "plot curves of logged values (PNG)");
  p->alias("plot_curve");
  p->add_option("json_logs", plot->logs, "scalars JSON files or text logs")->required();
  p->add_option("--keys", plot->keys, "the metric that you want to plot")->expected(1, -1);
  p->add_option("--title", plot->title, "title of figure");
  p->add_option("--legend", plot->legend, "legend of each plot")->expected(1, -1);
  p->add_option("--style", plot->style, "style of the figure (seaborn's set_style names)");
  p->add_option("--out", plot->out, "the PNG file to save the curve to");
  p->add_option("--window-size", plot->window_size, "figure size in inches, \"W*H\" (100 dpi)");
  CLI::App* t =
      sub.add_subcommand("cal-train-time", "compute the average time per training iteration");
  t->alias("cal_train_time");
  t->add_option("json_logs", time->logs, "scalars JSON files or text logs")->required();
  t->add_flag("--include-outliers", time->include_outliers,
              "include the first value of every epoch when computing the average time");
  return [p, plot, time]() -> int {
    if (p->parsed()) return plot_curve(*plot);
    return cal_train_time(*time);
  };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("analyze-logs", setup_analyze_logs);
