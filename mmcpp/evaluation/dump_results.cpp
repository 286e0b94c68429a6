#include "mmcpp/evaluation/dump_results.h"

#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/io/pickle_writer.h"
#include "mmcpp/io/pth_reader.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::evaluation {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// _to_cpu(): a CPU copy whose tensors own compact storages.
data::DataSamplePtr cpu_copy(const data::DataSample& s) {
  auto out = std::make_shared<data::DataSample>();
  for (const auto& [k, v] : s.fields())
    out->set(k, v.defined() ? v.detach().to(torch::kCPU).clone() : v);
  out->metainfo() = s.metainfo().deep_copy();
  return out;
}

}  // namespace

DumpResults::DumpResults(std::string out_file_path, std::string collect_device,
                         std::optional<std::string> collect_dir, Env& env)
    : BaseMetric(std::move(collect_device), std::nullopt, "", "DumpResults"),
      out_file_path_(std::move(out_file_path)),
      env_(env) {
  if (!ends_with(out_file_path_, ".pkl") && !ends_with(out_file_path_, ".pickle"))
    throw Error("ValueError", "The output file must be a pkl file.");
  set_collect_dir(std::move(collect_dir));
}

std::shared_ptr<DumpResults> DumpResults::from_config(registry::BuildArgs& args) {
  std::string path = args.require_str("out_file_path");
  std::string device = args.get_str("collect_device", "cpu");
  std::optional<std::string> dir = args.get_opt_str("collect_dir");
  if (dir && device != "cpu")
    throw Error("ValueError", "`collec_dir` could only be configured when `collect_device='cpu'`");
  return std::make_shared<DumpResults>(path, device, dir);
}

void DumpResults::process(const data::DataBatch&, const data::DataSamples& predictions) {
  for (const auto& p : predictions) results_.push_back(cpu_copy(*p));
}

Metrics DumpResults::compute_metrics(const Results& results) {
  dump_results(results, out_file_path_, env_);
  log(LogLevel::Info, "Results has been saved to " + out_file_path_ + ".");
  return {};
}

io::PyObject data_sample_to_py(const data::DataSample& sample) {
  io::PyObject d = io::PyObject::dict();
  if (sample.metainfo().is_dict()) {
    for (const auto& [k, v] : sample.metainfo().as_dict().entries())
      d.as_dict().set(k.str(), engine::to_py(v));
  }
  for (const auto& [k, v] : sample.fields()) {
    if (!v.defined()) {
      d.as_dict().set(k, io::PyObject());
      continue;
    }
    d.as_dict().set(k, io::PyObject::tensor(v.detach().to(torch::kCPU)));
  }
  return d;
}

data::DataSamplePtr data_sample_from_py(const io::PyObject& obj) {
  if (!obj.is_dict()) {
    std::string what = obj.type_name();
    throw Error("TypeError",
                "a dumped prediction should be a dict (DataSample.to_dict()), got " + what);
  }
  auto s = std::make_shared<data::DataSample>();
  for (const auto& [k, v] : obj.as_dict().entries()) {
    if (!k.is_str()) throw Error("TypeError", "a dumped prediction has a non-str key " + k.repr());
    const std::string& key = k.as_str();
    if (v.is_tensor()) {
      s->set(key, v.as_tensor());
    } else if (v.is_numpy_array()) {
      s->set(key, v.as_numpy_array().to_tensor());
    } else {
      s->set_metainfo(key, engine::from_py(v));
    }
  }
  return s;
}

void dump_results(const data::DataSamples& samples, const std::string& path, Env& env) {
  io::PyObject::Items items;
  items.reserve(samples.size());
  for (const auto& s : samples) items.push_back(data_sample_to_py(*s));
  std::string bytes = io::pickle_dumps_with_tensors(io::PyObject::list(std::move(items)));
  std::string dir = path_dirname(path);
  if (!dir.empty()) env.make_dirs(dir);
  env.write_file_atomic(path, bytes);
}

data::DataSamples load_results(const std::string& path, Env& env) {
  if (!env.exists(path)) throw Error("FileNotFoundError", "No such file: '" + path + "'");
  std::string bytes = env.read_file(path);
  io::PyObject obj;
  try {
    obj = io::load_pickle(bytes, path);
  } catch (const Error& e) {
    throw Error(e.kind(), path + ": cannot read the predictions: " + e.what());
  }
  if (!obj.is_list() && !obj.is_tuple())
    throw Error("TypeError",
                path + ": expected a list of predictions (DumpResults), got a " + obj.type_name());
  data::DataSamples out;
  out.reserve(obj.items().size());
  for (std::size_t i = 0; i < obj.items().size(); ++i) {
    try {
      out.push_back(data_sample_from_py(obj.items()[i]));
    } catch (const Error& e) {
      throw Error(e.kind(), path + ": prediction " + std::to_string(i) + ": " + e.what());
    }
  }
  return out;
}

MMCPP_REGISTER(registry::METRICS, DumpResults,
               "dict(type='DumpResults', out_file_path='results.pkl')");

}  // namespace mmcpp::evaluation
