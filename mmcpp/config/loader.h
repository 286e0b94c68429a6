// ConfigLoader: the file-level half of MMEngine's Config.fromfile.
//
// Classic configs (`_base_ = [...]`): text substitutions ({{ fileDirname }},
// {{$ENV:default}}, {{_base_.x}}), bases loaded recursively and merged, the file
// evaluated with `_base_` bound, then merged into its bases.
// Pure-Python configs (`with read_base(): from .x import *`): bases imported as
// names, other imports become LazyRefs, no implicit merge.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/config/parser.h"

namespace mmcpp::config {

class ConfigLoader {
 public:
  explicit ConfigLoader(LoadOptions options) : options_(std::move(options)) {}

  // `text` given: use it instead of reading `filename` (Config::fromstring).
  Config load(const std::string& filename, const std::string* text = nullptr);

 private:
  struct Loaded {
    Value dict;  // plain dict of top-level keys
    std::string text;
    std::map<std::string, std::string> env;
  };
  struct LazyLoaded {
    Value dict;  // ConfigDict
    std::set<std::string> imported;
  };
  // Where a base was named, for "included from" notes and missing-file errors.
  struct Site {
    const SourceText* source = nullptr;
    Loc loc;
  };

  Loaded file2dict(const std::string& filename, const Site& site, const std::string* text);
  LazyLoaded parse_lazy(const std::string& filename, const Site& site);
  std::vector<std::pair<std::string, Loc>> base_files(const std::string& ext, const SourceText& src,
                                                      const Module* module, const Value* data);
  std::string read(const std::string& path, const Site& site);
  void enter(const std::string& path, const Site& site);
  void leave() { chain_.pop_back(); }

  LoadOptions options_;
  std::vector<std::string> chain_;  // files being loaded, outermost first (cycle check)
};

// MMEngine's Config._is_lazy_import on a parsed `.py` file.
bool is_lazy_import_module(const Module& module, const SourceText& source);

// `abspath(expanduser(path))` with `.`/`..` folded.
std::string absolute_path(const std::string& path);

}  // namespace mmcpp::config
