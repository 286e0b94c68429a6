#include "mmcpp/config/loader.h"

#include <unistd.h>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>

#include "mmcpp/config/dump.h"
#include "mmcpp/config/interpreter.h"
#include "mmcpp/config/stdlib_module_names.h"
#include "mmcpp/config/substitutions.h"

namespace mmcpp::config {
namespace {

const char* const kBaseKey = "_base_";
const char* const kMixedModes =
    "The configuration file type in the inheritance chain must match the current configuration "
    "file type, either \"lazy_import\" or non-\"lazy_import\". ";

std::string extension(const std::string& path) {
  std::string base =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  std::size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? "" : base.substr(dot);
}

std::string dirname(const std::string& path) {
  std::size_t s = path.find_last_of('/');
  return s == std::string::npos ? "" : path.substr(0, s);
}

std::string join(const std::string& dir, const std::string& rel) {
  if (!rel.empty() && rel[0] == '/') return rel;
  if (dir.empty()) return rel;
  return dir + "/" + rel;
}

// MMEngine's _is_builtin_module: stdlib modules and mmengine.config.
bool is_builtin_module(const std::string& module) {
  if (module.empty() || module[0] == '.') return false;
  if (module.rfind("mmengine.config", 0) == 0) return true;
  return is_python_stdlib_module(module);
}

bool is_base_assign(const Stmt& s) {
  return s.kind == StmtKind::Assign && s.targets[0]->kind == ExprKind::Name &&
         s.targets[0]->name == kBaseKey;
}

// Remove every `_base_ = ...` statement (MMEngine's RemoveAssignFromAST).
void remove_base_assignments(Body& body) {
  Body kept;
  for (auto& s : body) {
    if (is_base_assign(*s)) continue;
    remove_base_assignments(s->body);
    remove_base_assignments(s->orelse);
    kept.push_back(std::move(s));
  }
  body = std::move(kept);
}

Value lazy_object(const std::string& module, const std::string& imported) {
  // LazyObject(module, imported): str() is the imported name (or the module), and
  // attributes hang off "module.imported" (or off the module itself).
  if (imported.empty()) return Value::lazy(LazyRef{module, module, module});
  return Value::lazy(LazyRef{module, imported, module + "." + imported});
}

// Imports a classic (or pure-Python, for builtin modules) config may execute.
void bind_builtin_import(const Stmt& s, Interpreter& in) {
  auto refuse = [&](const std::string& module) {
    in.fail("ImportError",
            "import of '" + module +
                "' is not available in mmcpp configs (a config is data; the standard-library "
                "helpers available are copy, math and os.path)",
            s.loc);
  };
  if (s.kind == StmtKind::Import) {
    for (const auto& n : s.names) {
      Value mod;
      if (!n.asname.empty()) {
        if (!stdlib_module(n.name, mod)) refuse(n.name);
        in.bind(n.asname, mod);
      } else {
        std::string top = n.name.substr(0, n.name.find('.'));
        if (!stdlib_module(n.name, mod) || !stdlib_module(top, mod)) refuse(n.name);
        in.bind(top, mod);
      }
    }
    return;
  }
  std::string module = std::string(static_cast<std::size_t>(s.level), '.') + s.module;
  Value mod;
  if (!stdlib_module(module, mod)) refuse(module);
  for (const auto& n : s.names) {
    if (n.name == "*") in.fail("ConfigParsingError", "Cannot import * from non-base config", n.loc);
    const Value* attr = mod.as_callable().attribute(n.name);
    if (!attr)
      in.fail("ImportError", "cannot import name '" + n.name + "' from '" + module + "'", n.loc);
    in.bind(n.asname.empty() ? n.name : n.asname, *attr);
  }
}

}  // namespace

std::string absolute_path(const std::string& path) {
  std::string p = path;
  if (!p.empty() && p[0] == '~') {
    const char* home = std::getenv("HOME");
    if (home && (p.size() == 1 || p[1] == '/')) p = std::string(home) + p.substr(1);
  }
  if (p.empty() || p[0] != '/') {
    const char* pwd = std::getenv("PWD");
    std::string cwd;
    char buf[4096];
    if (getcwd(buf, sizeof buf))
      cwd = buf;
    else if (pwd)
      cwd = pwd;
    p = cwd + "/" + p;
  }
  std::vector<std::string> parts;
  std::size_t b = 0;
  while (b <= p.size()) {
    std::size_t e = p.find('/', b);
    if (e == std::string::npos) e = p.size();
    std::string part = p.substr(b, e - b);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    b = e + 1;
  }
  std::string out;
  for (const auto& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

bool is_lazy_import_module(const Module& module, const SourceText& source) {
  std::deque<const Stmt*> todo;
  for (const auto& s : module.body) todo.push_back(s.get());
  while (!todo.empty()) {
    const Stmt* s = todo.front();
    todo.pop_front();
    for (const auto& c : s->body) todo.push_back(c.get());
    for (const auto& c : s->orelse) todo.push_back(c.get());
    if (is_base_assign(*s)) return false;
    if (s->kind == StmtKind::With) {
      const Expr& ctx = *s->targets[0];
      if (ctx.kind != ExprKind::Call || ctx.a->kind != ExprKind::Name || ctx.a->name != "read_base")
        source.fail("ConfigParsingError",
                    "Only `read_base` context manager can be used in the config", s->loc.line,
                    s->loc.column);
      return true;
    }
    if (s->kind == StmtKind::ImportFrom) {
      if (s->level != 0) return true;
      if (s->module == "mmengine" && s->names.size() == 1 && s->names[0].name == "Config") continue;
      if (!is_builtin_module(s->module)) return true;
    }
    if (s->kind == StmtKind::Import)
      for (const auto& n : s->names)
        if (!is_builtin_module(n.name)) return true;
  }
  return false;
}

std::string ConfigLoader::read(const std::string& path, const Site& site) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string msg = "file \"" + path + "\" does not exist";
    if (site.source)
      site.source->fail("FileNotFoundError", "base config " + msg, site.loc.line, site.loc.column);
    throw Error("FileNotFoundError", msg);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // UTF-8 BOM
  return text;
}

void ConfigLoader::enter(const std::string& path, const Site& site) {
  for (const auto& f : chain_) {
    if (f != path) continue;
    std::string cycle;
    for (const auto& c : chain_) cycle += c + " -> ";
    cycle += path;
    std::string msg = "cycle in the _base_ chain: " + cycle;
    if (site.source) site.source->fail("RecursionError", msg, site.loc.line, site.loc.column);
    throw Error("RecursionError", msg);
  }
  if (chain_.size() > 64) throw Error("RecursionError", "_base_ chain deeper than 64 files");
  chain_.push_back(path);
}

std::vector<std::pair<std::string, Loc>> ConfigLoader::base_files(const std::string& ext,
                                                                  const SourceText& src,
                                                                  const Module* module,
                                                                  const Value* data) {
  Value bases;
  Loc where;
  if (ext == ".py") {
    for (const auto& s : module->body) {
      if (!is_base_assign(*s)) continue;
      // Only the right-hand side is evaluated, with nothing in scope.
      Interpreter in(src, Value::dict(false), [](const Stmt& st, Interpreter& i) {
        i.fail("SyntaxError", "imports cannot be used in `_base_ = ...`", st.loc);
      });
      bases = in.eval(*s->value);
      where = s->loc;
      break;
    }
  } else if (data && data->is_dict()) {
    if (const Value* b = data->as_dict().find(kBaseKey)) bases = *b;
  }
  std::vector<std::pair<std::string, Loc>> out;
  if (bases.is_none()) return out;
  if (bases.is_str()) {
    out.emplace_back(bases.as_str(), where);
  } else if (bases.is_list()) {
    for (const auto& b : bases.items()) {
      if (!b.is_str())
        src.fail("TypeError",
                 "`_base_` entries must be file paths (str), got " + b.type_name() + " " + b.repr(),
                 where.line, where.column);
      out.emplace_back(b.as_str(), where);
    }
  } else {
    src.fail("TypeError", "`_base_` must be a str or a list of str, got " + bases.type_name(),
             where.line, where.column);
  }
  return out;
}

namespace {

// Resolve `pkg::path` bases as MMEngine does, which needs the package installed.
[[noreturn]] void external_base(const std::string& cfg_path, const SourceText& src, Loc where) {
  static const std::map<std::string, std::string> packages = {
      {"mmcls", "mmcls"},          {"mmdet", "mmdet"},         {"mmdet3d", "mmdet3d"},
      {"mmseg", "mmsegmentation"}, {"mmaction", "mmaction2"},  {"mmtrack", "mmtrack"},
      {"mmpose", "mmpose"},        {"mmedit", "mmedit"},       {"mmocr", "mmocr"},
      {"mmgen", "mmgen"},          {"mmfewshot", "mmfewshot"}, {"mmrazor", "mmrazor"},
      {"mmflow", "mmflow"},        {"mmhuman3d", "mmhuman3d"}, {"mmrotate", "mmrotate"},
      {"mmselfsup", "mmselfsup"},  {"mmyolo", "mmyolo"},       {"mmpretrain", "mmpretrain"},
      {"mmagic", "mmagic"}};
  std::string pkg = cfg_path.substr(0, cfg_path.find("::"));
  auto it = packages.find(pkg);
  if (it == packages.end())
    src.fail("AssertionError", "mmengine does not support to load " + pkg + " config.", where.line,
             where.column);
  src.fail("ModuleNotFoundError",
           it->second + " is not installed, please install " + it->second +
               " manually (base config '" + cfg_path +
               "' lives in another OpenMMLab package; mmcpp resolves `package::` bases only "
               "when that package's configs are installed)",
           where.line, where.column);
}

}  // namespace

ConfigLoader::Loaded ConfigLoader::file2dict(const std::string& filename_in, const Site& site,
                                             const std::string* given_text) {
  std::string filename = given_text ? filename_in : absolute_path(filename_in);
  std::string ext = extension(filename);
  if (ext != ".py" && ext != ".json" && ext != ".yaml" && ext != ".yml") {
    std::string msg = "Only py/yml/yaml/json type are supported now! Got '" + filename + "'";
    if (site.source) site.source->fail("OSError", msg, site.loc.line, site.loc.column);
    throw Error("OSError", msg);
  }
  enter(filename, site);
  std::string original = given_text ? *given_text : read(filename, site);

  // A classic chain must not contain pure-Python files.
  std::unique_ptr<Module> original_module;
  if (ext == ".py") {
    SourceText src(filename, original);
    original_module = std::make_unique<Module>(parse_module(src));
    if (!options_.lazy_import.has_value() && is_lazy_import_module(*original_module, src)) {
      std::string msg = std::string(kMixedModes) +
                        "You got this error since you use the syntax like `with read_base(): ...` "
                        "or import non-builtin module in " +
                        filename + ".";
      if (site.source) site.source->fail("RuntimeError", msg, site.loc.line, site.loc.column);
      throw Error("RuntimeError", msg);
    }
  }

  Loaded out;
  std::string text = original;
  if (options_.use_predefined_variables) text = substitute_predefined_vars(text, filename);
  if (options_.use_environment_variables) text = substitute_env_vars(text, out.env);
  std::map<std::string, std::string> placeholders;
  text = pre_substitute_base_vars(text, placeholders);

  SourceText src(filename, text);
  std::unique_ptr<Module> module;
  Value data;
  if (ext == ".py") {
    module =
        text == original ? std::move(original_module) : std::make_unique<Module>(parse_module(src));
  } else if (ext == ".json") {
    data = parse_json(text, filename);
  } else {
    data = parse_yaml(text, filename);
  }
  if (ext != ".py" && !data.is_dict() && !data.is_none())
    throw Error(
        "TypeError",
        filename + ": a config file must hold a mapping at the top level, got " + data.type_name());

  // Bases, in order; their top-level keys must not overlap.
  Value base_cfg = Value::dict(true);
  std::vector<std::string> texts;
  for (const auto& [path, where] : base_files(ext, src, module.get(), &data)) {
    if (path.find("::") != std::string::npos) external_base(path, src, where);
    Site here{&src, where};
    Loaded base;
    try {
      base = file2dict(join(dirname(filename), path), here, nullptr);
    } catch (const SourceError& e) {
      if (e.where().file == filename) throw;
      throw Error(e.kind(), std::string(e.what()) + "\n  (in base config '" + path + "' of " +
                                filename + ":" + std::to_string(where.line) + ")");
    }
    texts.push_back(base.text);
    for (const auto& [k, v] : base.env) out.env[k] = v;
    std::string dup;
    for (const auto& [k, v] : base.dict.as_dict().entries())
      if (base_cfg.as_dict().contains(k)) dup += (dup.empty() ? "" : ", ") + k.repr();
    if (!dup.empty())
      src.fail("KeyError",
               "Duplicate key is not allowed among bases. Duplicate keys: {" + dup + "}",
               where.line, where.column);
    for (const auto& [k, v] : base.dict.as_dict().entries())
      base_cfg.as_dict().set(k, config_dict_tree(v));
  }

  Value cfg = Value::dict(false);
  if (ext == ".py") {
    remove_base_assignments(module->body);
    Value globals = Value::dict(false);
    globals.as_dict().set(Value(kBaseKey), base_cfg);
    Interpreter in(src, globals, bind_builtin_import);
    in.run(*module);
    for (const auto& [k, v] : in.globals().as_dict().entries()) {
      const std::string& key = k.as_str();
      if (key == kBaseKey || key.rfind("__", 0) == 0) continue;
      if (v.is_callable()) continue;  // modules and functions are not config
      cfg.as_dict().set(k, v);
    }
  } else if (data.is_dict()) {
    cfg = data;
  }

  if (const Value* dep = cfg.as_dict().find("_deprecation_")) {
    std::string msg = "The config file " + filename + " will be deprecated in the future.";
    if (dep->is_dict()) {
      if (const Value* e = dep->as_dict().find("expected"))
        msg += " Please use " + e->str() + " instead.";
      if (const Value* r = dep->as_dict().find("reference"))
        msg += " More information can be found at " + r->str();
    }
    std::fprintf(stderr, "DeprecationWarning: %s\n", msg.c_str());
    cfg.as_dict().erase("_deprecation_");
  }

  // Deep copy (MMEngine deep-copies here too), then the {{_base_.x}} values.
  cfg.as_dict().erase(kBaseKey);
  try {
    cfg = substitute_base_vars(cfg.deep_copy(), placeholders, base_cfg);
    cfg = merge_a_into_b(cfg, base_cfg);
  } catch (const SourceError&) {
    throw;
  } catch (const Error& e) {
    throw Error(e.kind(), filename + ": " + e.what());
  }
  Value result = Value::dict(false);
  for (const auto& [k, v] : cfg.as_dict().entries())
    if (!(k.is_str() && k.as_str().rfind("__", 0) == 0)) result.as_dict().set(k, v);
  out.dict = result;
  texts.push_back(filename + "\n" + original);
  for (std::size_t i = 0; i < texts.size(); ++i) out.text += (i ? "\n" : "") + texts[i];
  leave();
  return out;
}

ConfigLoader::LazyLoaded ConfigLoader::parse_lazy(const std::string& filename, const Site& site) {
  enter(filename, site);
  SourceText src(filename, read(filename, site));
  Module module = parse_module(src);

  // The first `with read_base():` block names the bases; it is replaced by its body.
  std::vector<std::string> base_modules;
  for (std::size_t i = 0; i < module.body.size(); ++i) {
    Stmt& s = *module.body[i];
    if (is_base_assign(s))
      src.fail(
          "ConfigParsingError",
          std::string(kMixedModes) +
              "You got this error since you use the syntax like `_base_ = \"_base_\"` in your "
              "config. You should use `with read_base(): ...` to mark the inherited config file.",
          s.loc.line, s.loc.column);
    if (s.kind != StmtKind::With) continue;
    const Expr& ctx = *s.targets[0];
    if (ctx.kind != ExprKind::Call || ctx.a->kind != ExprKind::Name || ctx.a->name != "read_base" ||
        s.targets.size() > 1)
      src.fail("ConfigParsingError", "Only `read_base` context manager can be used in the config",
               s.loc.line, s.loc.column);
    Body inner = std::move(s.body);
    for (const auto& b : inner) {
      if (b->kind != StmtKind::ImportFrom)
        src.fail("AssertionError",
                 "Illegal syntax in config! Only `from ... import ...` could be implemented` in "
                 "`with read_base()`",
                 b->loc.line, b->loc.column);
      if (b->module.empty())
        src.fail(
            "AssertionError",
            "Illegal syntax in config! Syntax like `from . import xxx` is not allowed in `with "
            "read_base()`",
            b->loc.line, b->loc.column);
      base_modules.push_back(std::string(static_cast<std::size_t>(b->level), '.') + b->module);
    }
    module.body.erase(module.body.begin() + static_cast<std::ptrdiff_t>(i));
    for (std::size_t k = 0; k < inner.size(); ++k)
      module.body.insert(module.body.begin() + static_cast<std::ptrdiff_t>(i + k),
                         std::move(inner[k]));
    break;
  }

  LazyLoaded out;
  std::map<std::string, Value> base_dict;
  for (const auto& bm : base_modules) {
    std::size_t level = bm.find_first_not_of('.');
    Loc where;
    for (const auto& s : module.body)
      if (s->kind == StmtKind::ImportFrom &&
          std::string(static_cast<std::size_t>(s->level), '.') + s->module == bm)
        where = s->loc;
    std::string path;
    if (level > 0) {
      path = dirname(filename);
      for (std::size_t k = 1; k < level; ++k) path += "/..";
      std::string rel = bm.substr(level);
      for (auto& c : rel)
        if (c == '.') c = '/';
      path = absolute_path(path + "/" + rel + ".py");
    } else {
      if (bm.find('.') == std::string::npos)
        src.fail("ConfigParsingError",
                 "The imported configuration file should not be an independent package " + bm +
                     ". Here is an example: `with read_base(): from "
                     "mmdet.configs.retinanet_r50_fpn_1x_coco import *`",
                 where.line, where.column);
      std::string pkg = bm.substr(0, bm.find('.'));
      src.fail("ModuleNotFoundError",
               "base config module '" + bm + "' lives in the installed package '" + pkg +
                   "', which mmcpp cannot import; use a relative import (from ..x import *)",
               where.line, where.column);
    }
    std::ifstream probe(path);
    if (!probe)
      src.fail("ConfigParsingError",
               path +
                   " not found! It means that incorrect module is defined in `with read_base(): = "
                   "from " +
                   bm +
                   " import ...`, please make sure the base config module is valid and is "
                   "consistent with the prior import logic",
               where.line, where.column);
    LazyLoaded base = parse_lazy(path, Site{&src, where});
    out.imported.insert(base.imported.begin(), base.imported.end());
    base_dict[bm] = base.dict;
  }

  // Imports: base imports fill the namespace now (before any code runs, as
  // MMEngine's AST transform does); other non-builtin imports become LazyRefs.
  Value globals = Value::dict(false);
  std::function<void(Body&, bool)> transform = [&](Body& body, bool top) {
    Body kept;
    std::vector<StmtPtr> gathered;  // `import a.b` at top level: one LazyRef per package
    std::map<std::string, std::size_t> gathered_index;
    for (auto& sp : body) {
      Stmt& s = *sp;
      transform(s.body, false);
      transform(s.orelse, false);
      if (s.kind == StmtKind::ImportFrom) {
        std::string m = std::string(static_cast<std::size_t>(s.level), '.') + s.module;
        if (is_builtin_module(m)) {
          for (const auto& n : s.names) {
            if (n.name == "*")
              src.fail("ConfigParsingError", "Cannot import * from non-base config", n.loc.line,
                       n.loc.column);
            out.imported.insert(n.asname.empty() ? n.name : n.asname);
          }
          kept.push_back(std::move(sp));
          continue;
        }
        auto base = base_dict.find(m);
        if (base != base_dict.end()) {
          for (const auto& n : s.names) {
            if (n.name == "*") {
              for (const auto& [k, v] : base->second.as_dict().entries())
                globals.as_dict().set(k, v);
              break;
            }
            const Value* v = base->second.as_dict().find(n.name);
            if (!v)
              src.fail("KeyError", "'" + n.name + "' (not defined in base config " + m + ")",
                       n.loc.line, n.loc.column);
            globals.as_dict().set(Value(n.asname.empty() ? n.name : n.asname), *v);
          }
          continue;
        }
        for (const auto& n : s.names) {
          if (n.name == "*")
            src.fail("ConfigParsingError",
                     "Illegal syntax in config! `from xxx import *` is not allowed to appear "
                     "outside the `if base:` statement",
                     n.loc.line, n.loc.column);
          std::string as = n.asname.empty() ? n.name : n.asname;
          out.imported.insert(as);
          auto assign = std::make_unique<Stmt>(StmtKind::Assign, n.loc);
          auto target = std::make_unique<Expr>(ExprKind::Name, n.loc);
          target->name = as;
          assign->targets.push_back(std::move(target));
          assign->value = std::make_unique<Expr>(ExprKind::Constant, n.loc);
          assign->value->value = lazy_object(m, n.name);
          kept.push_back(std::move(assign));
        }
        continue;
      }
      if (s.kind == StmtKind::Import) {
        if (s.names.size() != 1)
          src.fail("AssertionError",
                   "Illegal syntax in config! import multiple modules in one line is not supported",
                   s.loc.line, s.loc.column);
        const ImportName& n = s.names[0];
        if (!n.asname.empty()) {
          out.imported.insert(n.asname);
          if (is_builtin_module(n.name.substr(0, n.name.find('.')))) {
            kept.push_back(std::move(sp));
            continue;
          }
          auto assign = std::make_unique<Stmt>(StmtKind::Assign, n.loc);
          auto target = std::make_unique<Expr>(ExprKind::Name, n.loc);
          target->name = n.asname;
          assign->targets.push_back(std::move(target));
          assign->value = std::make_unique<Expr>(ExprKind::Constant, n.loc);
          assign->value->value = lazy_object(n.name, "");
          kept.push_back(std::move(assign));
          continue;
        }
        if (top && !is_builtin_module(n.name)) {
          std::string key = n.name.substr(0, n.name.find('.'));
          out.imported.insert(key);
          if (!gathered_index.count(key)) {
            gathered_index[key] = gathered.size();
            auto assign = std::make_unique<Stmt>(StmtKind::Assign, n.loc);
            auto target = std::make_unique<Expr>(ExprKind::Name, n.loc);
            target->name = key;
            assign->targets.push_back(std::move(target));
            assign->value = std::make_unique<Expr>(ExprKind::Constant, n.loc);
            assign->value->value = lazy_object(key, "");
            gathered.push_back(std::move(assign));
          }
          continue;
        }
      }
      kept.push_back(std::move(sp));
    }
    // MMEngine inserts each gathered module at the front, so the last comes first.
    for (auto it = gathered.begin(); it != gathered.end(); ++it)
      kept.insert(kept.begin(), std::move(*it));
    body = std::move(kept);
  };
  transform(module.body, true);

  Interpreter in(src, globals, [](const Stmt& s, Interpreter& i) {
    // Only builtin imports are left after the transform (and plain `import x`
    // nested in blocks, which MMEngine would really import).
    std::string m = s.kind == StmtKind::Import ? s.names[0].name : s.module;
    if (s.level > 0 || !is_builtin_module(m))
      i.fail("ModuleNotFoundError",
             "cannot import '" + m +
                 "' here: pure-Python configs may import other modules only at the top level",
             s.loc);
    bind_builtin_import(s, i);
  });
  in.run(module);
  Value ret = Value::dict(false);
  for (const auto& [k, v] : in.globals().as_dict().entries()) {
    if (k.as_str().rfind("__", 0) == 0) continue;
    ret.as_dict().set(k, v);
  }
  out.dict = config_dict_tree(ret);
  leave();
  return out;
}

Config ConfigLoader::load(const std::string& filename_in, const std::string* text) {
  std::string filename = text ? filename_in : absolute_path(filename_in);
  bool lazy = false;
  if (options_.lazy_import.has_value()) {
    lazy = *options_.lazy_import;
  } else if (extension(filename) == ".py") {
    std::string t = text ? *text : read(filename, Site{});
    SourceText src(filename, t);
    lazy = is_lazy_import_module(parse_module(src), src);
  }
  Config cfg;
  if (!lazy) {
    Loaded l = file2dict(filename, Site{}, text);
    cfg = Config(l.dict, filename);
    cfg.text_ = l.text;
    cfg.env_variables_ = l.env;
  } else {
    if (text)
      throw Error(
          "ValueError",
          "pure-Python configs must be loaded from a file (their bases are relative imports)");
    LazyLoaded l = parse_lazy(filename, Site{});
    cfg = Config(l.dict, filename);
    cfg.imported_names_ = l.imported;
    cfg.text_ = filename + "\n" + read(filename, Site{});
  }
  return cfg;
}

}  // namespace mmcpp::config
