// DumpResults (mmengine/evaluator/metric.py): dumps the model's predictions to a
// pickle for offline evaluation (tools/test.py --out, eval_metric.py).
//
// The file is what MMEngine writes: `mmengine.dump(results, 'x.pkl')`, a
// protocol-2 pickle of a list with one dict per sample (DataSample.to_dict():
// metainfo such as img_path, ori_shape, num_classes, then the tensors gt_label,
// pred_label, pred_score, ...), tensors pickled by value as Python's pickle
// does. Python's `pickle.load` (with torch) and MMPretrain's eval_metric.py
// read it; load_results() reads it back, and MMPretrain's dumps too.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "mmcpp/core/env.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/io/py_object.h"

namespace mmcpp::evaluation {

class DumpResults : public BaseMetric {
 public:
  // ValueError unless `out_file_path` ends with .pkl or .pickle.
  explicit DumpResults(std::string out_file_path, std::string collect_device = "cpu",
                       std::optional<std::string> collect_dir = std::nullopt,
                       Env& env = Env::system());
  static std::shared_ptr<DumpResults> from_config(registry::BuildArgs& args);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions) override;
  // Writes the file and returns no metric.
  Metrics compute_metrics(const Results& results) override;
  const std::string& out_file_path() const { return out_file_path_; }

 private:
  std::string out_file_path_;
  Env& env_;
};

// DataSample.to_dict(): metainfo entries, then the tensor fields (CPU copies).
io::PyObject data_sample_to_py(const data::DataSample& sample);
// A dict of a dumped sample back into a DataSample: tensors and numpy arrays
// become fields, everything else metainfo. TypeError for anything but a dict
// (or an MMEngine data element pickled as an object, which is refused by name).
data::DataSamplePtr data_sample_from_py(const io::PyObject& dict);

// Writes `samples` as DumpResults does (atomically).
void dump_results(const data::DataSamples& samples, const std::string& path,
                  Env& env = Env::system());
// Reads a predictions pickle (ours or MMPretrain's): a list (or tuple) of
// sample dicts. Errors name the file.
data::DataSamples load_results(const std::string& path, Env& env = Env::system());

}  // namespace mmcpp::evaluation
