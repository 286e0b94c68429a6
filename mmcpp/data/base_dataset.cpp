#include "mmcpp/data/base_dataset.h"

#include <cxxabi.h>

#include <c10/util/Exception.h>

#include <cstdlib>
#include <typeinfo>

#include "mmcpp/config/dump.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/io/pickle_reader.h"

namespace mmcpp::data {

using config::Value;

namespace {

// splitmix64's finaliser: a bijective 64-bit mix with full avalanche.
std::uint64_t mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string file_extension(const std::string& path) {
  std::string base = path_basename(path);
  std::size_t dot = base.rfind('.');
  return dot == std::string::npos ? "" : base.substr(dot + 1);
}

// Plain Python values of a pickled annotation file as config values.
Value py_to_value(const io::PyObject& o, const std::string& file, int depth = 0) {
  if (depth > config::NestingGuard::kMaxDepth)
    throw Error("RecursionError", file + ": annotation data nested too deeply");
  switch (o.kind()) {
    case io::PyKind::None:
      return Value();
    case io::PyKind::Bool:
      return Value(o.as_bool());
    case io::PyKind::Int:
      return Value(o.as_int());
    case io::PyKind::Float:
      return Value(o.as_float());
    case io::PyKind::Str:
      return Value(o.as_str());
    case io::PyKind::List:
    case io::PyKind::Tuple: {
      Value::Items items;
      for (const auto& x : o.items()) items.push_back(py_to_value(x, file, depth + 1));
      return o.is_list() ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case io::PyKind::Dict: {
      Value d = Value::dict(false);
      for (const auto& [k, v] : o.as_dict().entries())
        d.as_dict().set(py_to_value(k, file, depth + 1), py_to_value(v, file, depth + 1));
      return d;
    }
    case io::PyKind::NumpyScalar: {
      const auto& s = o.as_numpy_scalar();
      char kind = s.dtype.size() > 1 ? s.dtype[1] : 'f';
      if (kind == 'f') return Value(s.to_double());
      if (kind == 'b') return Value(s.to_int() != 0);
      return Value(s.to_int());
    }
    default:
      throw Error("TypeError", file + ": a " + o.type_name() +
                                   " in a pickled annotation file is not supported (only "
                                   "dict/list/tuple/str/int/float/bool/None values)");
  }
}

std::string value_to_text(const Value& v) { return v.is_str() ? v.as_str() : v.repr(); }

}  // namespace

std::uint64_t sample_seed(std::uint64_t run_seed, std::int64_t epoch, std::size_t index) {
  // Chained, so (seed, epoch, index) triples that sum or xor alike still differ.
  std::uint64_t h = mix64(run_seed);
  h = mix64(h ^ static_cast<std::uint64_t>(epoch));
  return mix64(h ^ static_cast<std::uint64_t>(index));
}

// ---- mmengine.fileio helpers ----

std::string join_path(const std::string& a, const std::string& b) { return path_join(a, b); }

bool is_abs(const std::string& path) { return !path.empty() && path[0] == '/'; }

std::string expanduser(const std::string& path) {
  if (path.empty() || path[0] != '~') return path;
  std::size_t slash = path.find('/');
  if (slash != 1 && path.size() != 1) return path;  // ~user: left alone
  const char* home = std::getenv("HOME");
  if (!home) return path;
  return std::string(home) + path.substr(1);
}

std::vector<std::string> list_from_file(const std::string& path) {
  std::string text = Env::system().read_file(path);
  std::vector<std::string> lines;
  std::string cur;
  bool pending = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') {  // Python's universal newlines: \n, \r\n, \r
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      lines.push_back(std::move(cur));
      cur.clear();
      pending = false;
    } else {
      cur += c;
      pending = true;
    }
  }
  if (pending) lines.push_back(std::move(cur));
  return lines;
}

Value load_annotation_file(const std::string& path) {
  std::string ext = file_extension(path);
  if (ext != "json" && ext != "yaml" && ext != "yml" && ext != "pkl" && ext != "pickle")
    throw Error("TypeError", "Unsupported format: " + ext + " (annotation file " + path +
                                 "; use .json, .yaml/.yml or .pkl)");
  std::string text = Env::system().read_file(path);
  if (ext == "json") return config::parse_json(text, path);
  if (ext == "yaml" || ext == "yml") return config::parse_yaml(text, path);
  return py_to_value(io::unpickle(text, path), path);
}

// ---- options ----

BaseDatasetOptions BaseDatasetOptions::from_args(registry::BuildArgs& args) {
  BaseDatasetOptions o;
  o.ann_file = args.value("ann_file").is_none() ? "" : args.get_str("ann_file", "");
  o.metainfo = args.value("metainfo");
  o.data_root = args.value("data_root").is_none() ? "" : args.get_str("data_root", "");
  o.data_prefix = args.value("data_prefix");
  o.filter_cfg = args.value("filter_cfg");
  o.indices = args.value("indices");
  o.serialize_data = args.get_bool("serialize_data", true);
  o.pipeline = args.value("pipeline");
  o.test_mode = args.get_bool("test_mode", false);
  o.lazy_init = args.get_bool("lazy_init", false);
  o.max_refetch = args.get_int("max_refetch", 1000);
  return o;
}

// ---- BaseDataset ----

BaseDataset::BaseDataset(BaseDatasetOptions o, Value class_metainfo)
    : annotated_(true),
      ann_file_(std::move(o.ann_file)),
      data_root_(std::move(o.data_root)),
      filter_cfg_(o.filter_cfg.deep_copy()),
      indices_(std::move(o.indices)),
      serialize_data_(o.serialize_data),
      test_mode_(o.test_mode),
      lazy_init_(o.lazy_init),
      max_refetch_(o.max_refetch) {
  // _load_metainfo: METAINFO, then the metainfo argument; a str value naming a
  // readable file becomes its lines.
  metainfo_ = class_metainfo.is_none() ? Value::dict(false) : class_metainfo.deep_copy();
  if (!metainfo_.is_dict())
    throw Error("TypeError", "METAINFO should be a dict, got " + metainfo_.type_name());
  if (!o.metainfo.is_none()) {
    if (!o.metainfo.is_dict())
      throw Error("TypeError",
                  "metainfo should be a Mapping or Config, but got " + o.metainfo.type_name());
    for (const auto& [k, v] : o.metainfo.as_dict().entries()) {
      if (v.is_str()) {
        try {
          Value lines = Value::list();
          for (auto& l : list_from_file(v.as_str())) lines.items().emplace_back(std::move(l));
          metainfo_.as_dict().set(k, lines);
          continue;
        } catch (const Error&) {
          print_log(v.as_str() + " is not a meta file, simply parsed as meta information",
                    LogLevel::Warning);
        }
      }
      metainfo_.as_dict().set(k, v.deep_copy());
    }
  }
  // _join_prefix.
  if (!ann_file_.empty() && !is_abs(ann_file_) && !data_root_.empty())
    ann_file_ = join_path(data_root_, ann_file_);
  Value prefix = o.data_prefix.is_none() ? Value::dict(false) : o.data_prefix;
  if (o.data_prefix.is_none()) prefix.as_dict().set("img_path", Value(""));
  if (!prefix.is_dict())
    throw Error("TypeError", "data_prefix should be a dict, but got " + prefix.type_name() + " " +
                                 prefix.repr());
  data_prefix_ = Value::dict(false);
  for (const auto& [k, v] : prefix.as_dict().entries()) {
    if (!v.is_str())
      throw Error("TypeError", "prefix should be a string, but got " + v.type_name() + " (" +
                                   value_to_text(k) + "=" + v.repr() + ")");
    std::string p = v.as_str();
    if (!is_abs(p) && !data_root_.empty()) p = join_path(data_root_, p);
    data_prefix_.as_dict().set(k, Value(p));
  }
  pipeline_ = o.built_pipeline ? o.built_pipeline : Compose::from_list(o.pipeline);
  if (max_refetch_ < 0)
    throw Error("ValueError", "max_refetch must be >= 0, got " + std::to_string(max_refetch_));
}

BaseDataset::BaseDataset(const BaseDataset& other)
    : annotated_(other.annotated_),
      ann_file_(other.ann_file_),
      metainfo_(other.metainfo_.deep_copy()),
      data_root_(other.data_root_),
      data_prefix_(other.data_prefix_.deep_copy()),
      filter_cfg_(other.filter_cfg_.deep_copy()),
      indices_(other.indices_),
      serialize_data_(other.serialize_data_),
      test_mode_(other.test_mode_),
      lazy_init_(other.lazy_init_),
      max_refetch_(other.max_refetch_),
      pipeline_(other.pipeline_),
      data_list_(other.data_list_),
      fully_initialized_(other.fully_initialized_.load()) {}

void BaseDataset::init() {
  if (annotated_ && !lazy_init_) full_init();
}

void BaseDataset::ensure_init() const {
  if (!fully_initialized_.load()) const_cast<BaseDataset*>(this)->full_init();
}

void BaseDataset::full_init() {
  if (!annotated_ || fully_initialized_.load()) return;
  std::lock_guard<std::mutex> lock(init_mutex_);
  if (fully_initialized_.load()) return;
  data_list_ = std::make_shared<const std::vector<DataInfo>>(load_data_list());
  data_list_ = std::make_shared<const std::vector<DataInfo>>(filter_data());
  if (!indices_.is_none())
    data_list_ =
        std::make_shared<const std::vector<DataInfo>>(subset_of(*data_list_, indices_, false));
  if (data_list_->empty()) {
    std::string where = ann_file_.empty() ? "" : " (annotation file " + ann_file_ + ")";
    std::string prefix;
    for (const auto& [k, v] : data_prefix_.as_dict().entries())
      prefix += (prefix.empty() ? "" : ", ") + value_to_text(k) + "=" + v.repr();
    throw Error("ValueError", class_name() + " is empty: no samples were found" + where +
                                  " with data_prefix {" + prefix + "}" +
                                  (indices_.is_none() ? "" : " and indices=" + indices_.repr()));
  }
  fully_initialized_.store(true);
}

const std::vector<DataInfo>& BaseDataset::data_list() const {
  static const std::vector<DataInfo> empty;
  return data_list_ ? *data_list_ : empty;
}

void BaseDataset::set_data_list(std::vector<DataInfo> list) {
  data_list_ = std::make_shared<const std::vector<DataInfo>>(std::move(list));
}

std::size_t BaseDataset::size() const {
  if (!annotated_)
    throw Error("NotImplementedError", class_name() + " must override size() and get()");
  ensure_init();
  return data_list().size();
}

Value BaseDataset::metainfo() const { return metainfo_.deep_copy(); }

std::vector<DataInfo> BaseDataset::load_data_list() {
  Value annotations = load_annotation_file(ann_file_);
  if (!annotations.is_dict())
    throw Error("TypeError",
                "The annotations loaded from annotation file should be a dict, but got " +
                    annotations.type_name() + " (" + ann_file_ + ")");
  const Value* meta = annotations.as_dict().find("metainfo");
  const Value* raw_list = annotations.as_dict().find("data_list");
  if (!meta || !raw_list)
    throw Error("ValueError",
                "Annotation must have data_list and metainfo keys (" + ann_file_ + ")");
  if (!meta->is_dict())
    throw Error("TypeError",
                "metainfo of " + ann_file_ + " should be a dict, got " + meta->type_name());
  if (!raw_list->is_sequence())
    throw Error("TypeError",
                "data_list of " + ann_file_ + " should be a list, got " + raw_list->type_name());
  for (const auto& [k, v] : meta->as_dict().entries())
    if (!metainfo_.as_dict().contains(k)) metainfo_.as_dict().set(k, v);
  std::vector<DataInfo> out;
  out.reserve(raw_list->items().size());
  for (const Value& raw : raw_list->items()) {
    if (!raw.is_dict())
      throw Error("TypeError", "items of data_list in " + ann_file_ + " should be dicts, got " +
                                   raw.type_name() + " " + raw.repr());
    for (DataInfo& info : parse_data_info(raw)) out.push_back(std::move(info));
  }
  return out;
}

std::vector<DataInfo> BaseDataset::parse_data_info(Value raw) {
  for (const auto& [key, prefix] : data_prefix_.as_dict().entries()) {
    Value* v = raw.as_dict().find(key);
    if (!v)
      throw Error("AssertionError", "raw_data_info: " + raw.repr() +
                                        " dose not contain prefix key" + value_to_text(key) +
                                        ", please check your data_prefix.");
    if (!v->is_str())
      throw Error("TypeError", "raw_data_info['" + value_to_text(key) + "'] should be a str, got " +
                                   v->type_name() + " (" + ann_file_ + ")");
    *v = Value(join_path(prefix.as_str(), v->as_str()));
  }
  DataInfo info;
  info.info = raw;
  std::vector<DataInfo> out;
  out.push_back(std::move(info));
  return out;
}

std::vector<DataInfo> BaseDataset::filter_data() { return data_list(); }

std::vector<DataInfo> BaseDataset::subset_of(const std::vector<DataInfo>& list,
                                             const Value& indices, bool serialized_checks) const {
  const auto n = static_cast<std::int64_t>(list.size());
  std::vector<DataInfo> out;
  if (indices.is_int() && !indices.is_bool()) {
    std::int64_t k = indices.as_int();
    // MMEngine's serialized subset asserts these; its list slicing clamps.
    if (serialized_checks && (k >= 0 ? k >= n : -k > n))
      throw Error("AssertionError",
                  std::to_string(k) + " is out of dataset length(" + std::to_string(n) + ")");
    std::int64_t begin = k >= 0 ? 0 : std::max<std::int64_t>(0, n + k);
    std::int64_t end = k >= 0 ? std::min(k, n) : n;
    for (std::int64_t i = begin; i < end; ++i) out.push_back(list[static_cast<std::size_t>(i)]);
    return out;
  }
  if (indices.is_sequence()) {
    for (const Value& v : indices.items()) {
      if (!v.is_int())
        throw Error("TypeError", "indices should be a int or sequence of int, but got an item " +
                                     v.type_name() + " " + v.repr());
      std::int64_t i = v.as_int();
      if (i >= n || i < -n)
        throw Error(serialized_checks ? "AssertionError" : "IndexError",
                    "index " + std::to_string(i) + " of indices is out of range for " +
                        class_name() + " of length " + std::to_string(n));
      out.push_back(list[static_cast<std::size_t>(i < 0 ? i + n : i)]);
    }
    return out;
  }
  throw Error("TypeError",
              "indices should be a int or sequence of int, but got " + indices.type_name());
}

void BaseDataset::get_subset_(const Value& indices) {
  if (!annotated_)
    throw Error("NotImplementedError", class_name() + " does not support get_subset_");
  ensure_init();
  std::lock_guard<std::mutex> lock(init_mutex_);
  set_data_list(subset_of(data_list(), indices, serialize_data_));
}

std::shared_ptr<BaseDataset> BaseDataset::get_subset(const Value& indices) const {
  if (!annotated_)
    throw Error("NotImplementedError", class_name() + " does not support get_subset");
  ensure_init();
  std::shared_ptr<BaseDataset> sub = copy();
  sub->set_data_list(subset_of(data_list(), indices, serialize_data_));
  sub->fully_initialized_.store(true);
  return sub;
}

std::shared_ptr<BaseDataset> BaseDataset::copy() const {
  if (typeid(*this) == typeid(BaseDataset)) return std::make_shared<BaseDataset>(*this);
  throw Error("NotImplementedError",
              class_name() + " does not support get_subset: it does not override copy()");
}

DataInfo BaseDataset::get_data_info(std::size_t idx) const {
  if (!annotated_)
    throw Error("NotImplementedError",
                class_name() +
                    " has no data list (it overrides get()): get_data_info is not "
                    "available");
  ensure_init();
  const auto& list = data_list();
  if (idx >= list.size())
    throw Error("IndexError", class_name() + ": index " + std::to_string(idx) +
                                  " out of range for a dataset of length " +
                                  std::to_string(list.size()));
  // A deep copy, as pickle.loads / deepcopy give in Python: transforms may
  // change the info and arrays in place.
  DataInfo info;
  info.info = list[idx].info.deep_copy();
  for (const auto& [k, t] : list[idx].arrays) info.arrays[k] = t.clone();
  info.info.as_dict().set("sample_idx", Value(static_cast<std::int64_t>(idx)));
  return info;
}

std::vector<std::int64_t> BaseDataset::get_cat_ids(std::size_t) const {
  throw Error("NotImplementedError", class_name() + " must implement `get_cat_ids` method");
}

bool BaseDataset::prepare_data(std::size_t idx, Rng& rng, Results& results) const {
  results = get_data_info(idx);
  return pipeline_->transform(results, rng);
}

std::string BaseDataset::describe_sample(std::size_t idx) const {
  std::string s = "sample " + std::to_string(idx) + " of " + class_name();
  if (annotated_ && idx < data_list().size()) {
    if (const Value* p = data_list()[idx].info.as_dict().find("img_path"); p && p->is_str())
      s += " (" + p->as_str() + ")";
  }
  return s;
}

Sample BaseDataset::get(std::size_t index, const SampleContext& ctx) {
  if (!annotated_)
    throw Error("NotImplementedError", class_name() + " must override size() and get()");
  ensure_init();
  Rng rng(ctx.seed);
  const std::size_t n = data_list().size();
  // As MMEngine: only a sample the pipeline dropped (a transform returned
  // None) is replaced by a random other one, and only in training; the val and
  // test loaders (ctx.training false) never substitute a sample.
  const bool may_refetch = ctx.training && !test_mode_;
  std::size_t idx = index;
  for (std::int64_t attempt = 0; attempt <= max_refetch_; ++attempt) {
    Results results;
    bool ok = false;
    try {
      ok = prepare_data(idx, rng, results);
    } catch (const Error& e) {
      // A failing transform is an error naming the sample (its file) and the
      // transform (TransformError), never a reason to take another sample.
      std::throw_with_nested(Error(e.kind(), describe_sample(idx) + ": " + e.what()));
    } catch (const c10::Error& e) {
      std::throw_with_nested(
          Error("RuntimeError", describe_sample(idx) + ": " + e.what_without_backtrace()));
    } catch (const std::exception& e) {
      std::throw_with_nested(Error("RuntimeError", describe_sample(idx) + ": " + e.what()));
    }
    if (ok) {
      if (!results.packed)
        throw Error(
            "ValueError",
            class_name() + ": the pipeline did not pack " + describe_sample(idx) +
                ": end it with a packing transform (PackInputs); pipeline: " + pipeline_->repr());
      return std::move(*results.packed);
    }
    if (test_mode_)
      throw Error("RuntimeError", "Test time pipline should not get `None` data_sample: " +
                                      describe_sample(idx) + " was dropped by the pipeline");
    if (!may_refetch)
      throw Error("RuntimeError", describe_sample(idx) +
                                      " was dropped by the pipeline; the val and test loaders "
                                      "never replace a sample by another");
    print_log(describe_sample(idx) + " was dropped by the pipeline; fetching a random other " +
                  "sample (" + std::to_string(attempt + 1) + " of " +
                  std::to_string(max_refetch_ + 1) + " tries)",
              LogLevel::Debug);
    idx = static_cast<std::size_t>(rng.randint(0, static_cast<std::int64_t>(n)));
  }
  throw Error("RuntimeError", "Cannot find valid image after " + std::to_string(max_refetch_) +
                                  "! Please check your image path and pipeline (" + class_name() +
                                  ", first index " + std::to_string(index) + ")");
}

std::string BaseDataset::class_name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* dem = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = (status == 0 && dem) ? dem : mangled;
  std::free(dem);
  std::size_t p = name.rfind("::");
  return p == std::string::npos ? name : name.substr(p + 2);
}

std::string BaseDataset::repr() const {
  std::string s = "Dataset " + class_name() + "\n";
  if (annotated_ && fully_initialized_.load())
    s += "    Number of samples: \t" + std::to_string(data_list().size()) + "\n";
  else if (annotated_)
    s += "    Haven't been initialized\n";
  if (annotated_) s += "    Annotation file: \t" + ann_file_ + "\n";
  return s;
}

}  // namespace mmcpp::data
