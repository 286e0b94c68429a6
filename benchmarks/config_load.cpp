// config_load: how fast Config::fromfile loads MMPretrain's configs, against
// MMEngine's own per-file load times.
//
// Loads every .py/.json/.yaml/.yml file under <oracle>/config/trees/mmpretrain
// (the 1033 files of <oracle>/config/expected/mmpretrain.index.json), once as a
// warm-up and then --repeat more times. A file's time is the median of its
// repetitions; the table gives the median, mean and p90 over files, wall and CPU,
// per kind (classic / lazy / metafile) as the index classifies them, and the
// speed-up against MMEngine's figures, recomputed here from the index's per-file
// `load_ms` / `load_cpu_ms` for exactly the same files. Load errors are counted
// and compared with MMEngine's (the index's `ok`), never fatal.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"

#ifndef MMCPP_ORACLE_DIR
#define MMCPP_ORACLE_DIR "../shared/oracle"
#endif

namespace fs = std::filesystem;

namespace {

struct Reference {   // one entry of mmpretrain.index.json
  std::string kind;  // classic, lazy, metafile
  bool ok = true;
  double load_ms = 0;
  double load_cpu_ms = 0;
};

struct FileResult {
  std::string path;  // relative to trees/mmpretrain
  std::optional<Reference> ref;
  bool ok = false;
  std::string error;
  std::vector<double> wall_ms, cpu_ms;  // one per repetition
  double wall = 0, cpu = 0;             // medians of the repetitions
};

double cpu_now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

// The "lower" percentile, sorted[floor(p * (n - 1))]: the definition that
// reproduces the p90 figures stored in the index.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * (v.size() - 1))];
}

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

std::string fmt(double x, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

std::string ratio(double reference, double ours) {
  return ours > 0 ? fmt(reference / ours, 1) + "x" : "-";
}

// One timed load; the Config is destroyed outside the timed region, as Python
// frees it later too.
void load_once(FileResult& r, const fs::path& file, bool record) {
  std::optional<mmcpp::config::Config> cfg;
  std::string error;
  const double c0 = cpu_now_ms();
  const auto t0 = std::chrono::steady_clock::now();
  try {
    cfg.emplace(mmcpp::config::Config::fromfile(file.string()));
  } catch (const mmcpp::SourceError& e) {
    error = e.what();  // already "file:line:col: Kind: message"
  } catch (const mmcpp::Error& e) {
    error = e.kind() + ": " + e.what();
  } catch (const std::exception& e) {
    error = std::string("unexpected C++ exception: ") + e.what();
  }
  const auto t1 = std::chrono::steady_clock::now();
  const double c1 = cpu_now_ms();
  cfg.reset();
  if (!record) {
    r.ok = error.empty();
    r.error = error.substr(0, error.find('\n'));
    return;
  }
  r.wall_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  r.cpu_ms.push_back(c1 - c0);
}

struct Group {
  std::string name;
  std::vector<const FileResult*> files;
};

void print_table(const std::vector<Group>& groups) {
  std::cout << "| files | n | median ms | mean ms | p90 ms | median CPU ms | total s "
               "| MMEngine median ms | MMEngine median CPU ms | MMEngine total s "
               "| speed-up, median wall | speed-up, median CPU | speed-up, total wall |\n"
            << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const Group& g : groups) {
    if (g.files.empty()) continue;
    std::vector<double> wall, cpu, ref_wall, ref_cpu;
    for (const FileResult* f : g.files) {
      wall.push_back(f->wall);
      cpu.push_back(f->cpu);
      if (f->ref) {
        ref_wall.push_back(f->ref->load_ms);
        ref_cpu.push_back(f->ref->load_cpu_ms);
      }
    }
    const bool comparable = ref_wall.size() == wall.size();
    std::cout << "| " << g.name << " | " << wall.size() << " | " << fmt(median(wall), 3) << " | "
              << fmt(mean(wall), 3) << " | " << fmt(percentile(wall, 0.9), 3) << " | "
              << fmt(median(cpu), 3) << " | " << fmt(sum(wall) / 1e3, 3) << " | ";
    if (comparable) {
      std::cout << fmt(median(ref_wall)) << " | " << fmt(median(ref_cpu)) << " | "
                << fmt(sum(ref_wall) / 1e3) << " | " << ratio(median(ref_wall), median(wall))
                << " | " << ratio(median(ref_cpu), median(cpu)) << " | "
                << ratio(sum(ref_wall), sum(wall)) << " |\n";
    } else {
      std::cout << "- | - | - | - | - | - |\n";
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Config::fromfile over MMPretrain's configs, compared with MMEngine", "config_load"};
  std::string oracle_dir = MMCPP_ORACLE_DIR;
  if (const char* env = std::getenv("MMCPP_ORACLE_DIR"); env && *env) oracle_dir = env;
  int repeat = 5;
  std::string filter;
  int slowest = 10;
  app.add_option(
      "--oracle-dir", oracle_dir,
      "oracle folder (default: $MMCPP_ORACLE_DIR or " + std::string(MMCPP_ORACLE_DIR) + ")");
  app.add_option("--repeat", repeat, "timed repetitions after the warm-up pass (default 5)")
      ->check(CLI::PositiveNumber);
  app.add_option("--filter", filter, "only files whose path contains this text");
  app.add_option("--slowest", slowest, "list the N slowest files (default 10, 0: none)");
  CLI11_PARSE(app, argc, argv);

  const fs::path config_dir = fs::path(oracle_dir) / "config";
  const fs::path tree = config_dir / "trees" / "mmpretrain";
  const fs::path index_file = config_dir / "expected" / "mmpretrain.index.json";
  std::cout << "### config_load: Config::fromfile over MMPretrain's configs\n\n";
  if (!fs::is_directory(tree) || !fs::is_regular_file(index_file)) {
    std::cout << "skipped: no oracle at " << config_dir
              << " (set MMCPP_ORACLE_DIR or --oracle-dir)\n";
    return 0;
  }

  // MMEngine's per-file figures.
  nlohmann::json index;
  {
    std::ifstream in(index_file);
    index = nlohmann::json::parse(in);
  }
  std::map<std::string, Reference> refs;
  for (const auto& f : index.at("files")) {
    Reference r;
    r.kind = f.at("kind").get<std::string>();
    r.ok = f.at("ok").get<bool>();
    r.load_ms = f.at("load_ms").get<double>();
    r.load_cpu_ms = f.at("load_cpu_ms").get<double>();
    refs[f.at("file").get<std::string>()] = r;
  }

  // Every config file of the tree (plus any indexed file the walk missed).
  std::vector<std::string> paths;
  for (const auto& entry : fs::recursive_directory_iterator(tree)) {
    if (!entry.is_regular_file()) continue;
    const std::string ext = entry.path().extension().string();
    if (ext != ".py" && ext != ".json" && ext != ".yaml" && ext != ".yml") continue;
    paths.push_back(fs::relative(entry.path(), tree).generic_string());
  }
  for (const auto& [path, ref] : refs) {
    if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
  }
  std::sort(paths.begin(), paths.end());
  std::vector<FileResult> results;
  for (const std::string& p : paths) {
    if (!filter.empty() && p.find(filter) == std::string::npos) continue;
    FileResult r;
    r.path = p;
    if (auto it = refs.find(p); it != refs.end()) r.ref = it->second;
    results.push_back(std::move(r));
  }
  if (results.empty()) {
    std::cout << "no config files matched\n";
    return 0;
  }

  for (FileResult& r : results) load_once(r, tree / r.path, /*record=*/false);
  for (int i = 0; i < repeat; ++i) {
    for (FileResult& r : results) load_once(r, tree / r.path, /*record=*/true);
  }
  for (FileResult& r : results) {
    r.wall = median(r.wall_ms);
    r.cpu = median(r.cpu_ms);
  }

  // Outcomes against MMEngine's.
  int ok = 0, failed = 0, expected_failures = 0, unindexed = 0;
  std::vector<const FileResult*> unexpected_failures, unexpected_successes;
  for (const FileResult& r : results) {
    (r.ok ? ok : failed)++;
    if (!r.ref) {
      ++unindexed;
    } else if (!r.ok && !r.ref->ok) {
      ++expected_failures;
    } else if (!r.ok) {
      unexpected_failures.push_back(&r);
    } else if (!r.ref->ok) {
      unexpected_successes.push_back(&r);
    }
  }

  std::vector<Group> groups{{"all", {}}, {"classic", {}}, {"lazy", {}}, {"metafile", {}}};
  Group other{"not in the index", {}};
  for (const FileResult& r : results) {
    groups[0].files.push_back(&r);
    if (!r.ref) {
      other.files.push_back(&r);
      continue;
    }
    for (Group& g : groups) {
      if (g.name == r.ref->kind) g.files.push_back(&r);
    }
  }
  if (!other.files.empty()) groups.push_back(other);

  std::cout << "oracle: " << config_dir.string() << "; " << results.size() << " files, " << repeat
            << " timed repetitions after a warm-up pass (a file's time is the median "
            << "of its repetitions)\n\n"
            << "loaded: " << ok << " ok, " << failed
            << " failed; as MMEngine: " << expected_failures << " expected failures, "
            << unexpected_failures.size() << " unexpected failures, " << unexpected_successes.size()
            << " unexpected successes";
  if (unindexed) std::cout << ", " << unindexed << " files not in the index";
  std::cout << "\n\n";

  print_table(groups);

  const auto& timing = index.at("timing");
  std::cout << "\nMMEngine (CPython 3.11, MMEngine 0.11.0rc0) figures are recomputed from the "
               "index's per-file times for the same files; the index's own summary for all "
            << timing.at("wall").at("all").at("n").get<int>() << " files: median wall "
            << fmt(timing.at("wall").at("all").at("median_ms").get<double>()) << " ms, median CPU "
            << fmt(timing.at("cpu").at("all").at("median_ms").get<double>())
            << " ms. Speed-up = MMEngine time / mmcpp time.\n";

  auto list = [](const char* title, const std::vector<const FileResult*>& files) {
    if (files.empty()) return;
    std::cout << "\n" << title << ":\n\n";
    for (std::size_t i = 0; i < files.size() && i < 20; ++i) {
      std::cout << "- `" << files[i]->path << "`";
      if (!files[i]->error.empty()) std::cout << ": " << files[i]->error;
      std::cout << "\n";
    }
    if (files.size() > 20) std::cout << "- ... and " << files.size() - 20 << " more\n";
  };
  list("Unexpected failures (MMEngine loads these)", unexpected_failures);
  list("Unexpected successes (MMEngine fails on these)", unexpected_successes);

  if (slowest > 0) {
    std::vector<const FileResult*> order;
    for (const FileResult& r : results) order.push_back(&r);
    std::sort(order.begin(), order.end(),
              [](const FileResult* a, const FileResult* b) { return a->wall > b->wall; });
    std::cout << "\nSlowest files:\n\n| file | kind | ms | CPU ms | MMEngine ms | speed-up |\n"
              << "|---|---|---:|---:|---:|---:|\n";
    for (int i = 0; i < slowest && i < static_cast<int>(order.size()); ++i) {
      const FileResult& r = *order[i];
      std::cout << "| `" << r.path << "` | " << (r.ref ? r.ref->kind : "-") << " | "
                << fmt(r.wall, 3) << " | " << fmt(r.cpu, 3) << " | "
                << (r.ref ? fmt(r.ref->load_ms) : "-") << " | "
                << (r.ref ? ratio(r.ref->load_ms, r.wall) : "-") << " |\n";
    }
  }
  return 0;
}
