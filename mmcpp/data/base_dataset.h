// BaseDataset: what the DataLoader reads from, and MMEngine's BaseDataset
// (mmengine/dataset/base_dataset.py).
//
// The DataLoader only needs size() and get(index, ctx). get() returns the sample
// after the dataset's pipeline. Random transforms must draw from `ctx.seed` (a
// function of run seed, epoch and sample index), so a batch's content does not
// depend on worker threads or timing and a resumed run can jump straight to any
// batch. get() is called concurrently from the loader's worker threads, so it
// must not mutate shared state unguarded.
//
// Two kinds of subclasses:
//  - plain ones (default constructor) override size() and get() themselves;
//  - MMEngine-style ones are constructed with BaseDatasetOptions and fill a data
//    list: load_data_list() (default: the OpenMMLab 2.0 annotation file, JSON /
//    YAML / pickle with `metainfo` + `data_list`), parse_data_info(),
//    filter_data(), then `indices`. get(i) is then get_data_info(i) -> the
//    pipeline (built from `pipeline` through TRANSFORMS) with an Rng seeded by
//    ctx.seed -> the Sample PackInputs put in Results::packed.
// C++ cannot call virtual functions from a base constructor, so construction has
// two steps: the constructor, then init(), which runs full_init() unless
// lazy_init. Every from_config() does both; so does any code that constructs a
// dataset directly (see make_dataset below).
//
// Differences from MMEngine, on purpose:
//  - serialize_data is accepted and has no effect: workers are threads sharing
//    one data list (the copy-on-write problem it solves does not exist);
//  - as in MMEngine, only a sample the pipeline drops (a transform returns
//    None / false) is replaced, by a random other index, up to max_refetch
//    times, in training; a transform that throws is an error naming the sample
//    (its img_path) and the transform (TransformError), its cause nested. An
//    unreadable image is skipped only when the user opts in
//    (LoadImageFromFile(ignore_empty=True), which warns naming the file). Unlike
//    MMEngine, the val and test loaders (SampleContext::training false) never
//    substitute a sample, whatever test_mode says;
//  - an empty data list (after filter_data and indices) is a ValueError at
//    full_init() (Python fails later, or inside numpy when serializing);
//  - dataset_meta dict values of type dict and ConfigDict compare as one type.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/rng.h"
#include "mmcpp/data/data_sample.h"
#include "mmcpp/data/transform.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::data {

struct SampleContext {
  std::uint64_t seed = 0;  // per-sample RNG seed
  std::int64_t epoch = 0;
  bool training = false;
};

// One data info (MMEngine's data_info dict): plain values in `info` (img_path,
// gt_label, sample_idx, ...), arrays in `arrays` (CIFAR's "img", HWC uint8).
using DataInfo = Results;

// MMEngine's BaseDataset.__init__ arguments with their defaults.
struct BaseDatasetOptions {
  std::string ann_file;
  config::Value metainfo;  // None or a dict
  std::string data_root;
  config::Value data_prefix;   // dict of str; None means dict(img_path='')
  config::Value filter_cfg;    // None or a dict, for filter_data()
  config::Value indices;       // None, int (first/last N) or a list of ints
  bool serialize_data = true;  // accepted, no effect (see above)
  config::Value pipeline;      // list of transform dicts (None: empty)
  bool test_mode = false;
  bool lazy_init = false;
  std::int64_t max_refetch = 1000;
  // A pipeline built already (MMPretrain builds its transforms from its own
  // registry); when set, `pipeline` is ignored.
  std::shared_ptr<Compose> built_pipeline;

  // Reads the arguments above from `args` by MMEngine's names and defaults.
  static BaseDatasetOptions from_args(registry::BuildArgs& args);
};

class BaseDataset {
 public:
  // A plain dataset: the subclass overrides size() and get().
  BaseDataset() = default;
  // MMEngine's BaseDataset. `class_metainfo` is the class's METAINFO (a dict;
  // None: empty). Metainfo priority: the `metainfo` argument > METAINFO > the
  // annotation file's `metainfo` (which only fills keys still missing).
  BaseDataset(BaseDatasetOptions options, config::Value class_metainfo);
  // Copies share the (immutable) data list until one replaces it.
  BaseDataset(const BaseDataset& other);
  BaseDataset& operator=(const BaseDataset&) = delete;
  virtual ~BaseDataset() = default;

  // The second construction step: full_init() unless lazy_init.
  void init();

  // len(dataset); runs full_init() first if needed.
  virtual std::size_t size() const;
  virtual Sample get(std::size_t index, const SampleContext& ctx);
  // `metainfo` (e.g. dict(classes=[...])), saved in checkpoints as dataset_meta.
  // A deep copy.
  virtual config::Value metainfo() const;

  // Loads the data list (load_data_list, filter_data, indices) once; thread-safe.
  // A no-op for plain datasets.
  virtual void full_init();
  bool fully_initialized() const { return fully_initialized_.load(); }

  // The idx-th data info (a copy), with `sample_idx` = idx.
  virtual DataInfo get_data_info(std::size_t idx) const;
  // The categories of sample idx (ClassBalancedDataset needs it).
  virtual std::vector<std::int64_t> get_cat_ids(std::size_t idx) const;
  // Runs the pipeline on data info `idx`; false when a transform dropped it.
  virtual bool prepare_data(std::size_t idx, Rng& rng, Results& results) const;

  // In place / as a copy: `indices` is an int (first N, or last -N) or a list.
  virtual void get_subset_(const config::Value& indices);
  virtual std::shared_ptr<BaseDataset> get_subset(const config::Value& indices) const;

  // The class name ("CIFAR10"), for messages and repr.
  virtual std::string class_name() const;
  virtual std::string repr() const;

  const std::string& ann_file() const { return ann_file_; }
  const std::string& data_root() const { return data_root_; }
  const config::Value& data_prefix() const { return data_prefix_; }
  const config::Value& filter_cfg() const { return filter_cfg_; }
  bool test_mode() const { return test_mode_; }
  bool serialize_data() const { return serialize_data_; }
  std::int64_t max_refetch() const { return max_refetch_; }
  const std::shared_ptr<Compose>& pipeline() const { return pipeline_; }
  // True for datasets constructed with BaseDatasetOptions.
  bool has_data_list() const { return annotated_; }

 protected:
  virtual std::vector<DataInfo> load_data_list();
  // One raw item of the annotation file -> data infos: prefixes of data_prefix
  // joined onto the item's values of the same keys.
  virtual std::vector<DataInfo> parse_data_info(config::Value raw_data_info);
  // Default: the data list unchanged (filter_cfg is for subclasses).
  virtual std::vector<DataInfo> filter_data();
  // A copy of this dataset for get_subset (subclasses: make_shared<T>(*this)).
  virtual std::shared_ptr<BaseDataset> copy() const;

  // Mutable metainfo for subclasses while loading (e.g. classes from a file).
  config::Value& metainfo_ref() { return metainfo_; }
  const config::Value& metainfo_ref() const { return metainfo_; }
  const std::vector<DataInfo>& data_list() const;
  void set_data_list(std::vector<DataInfo> list);
  // A name for sample idx in messages: its img_path when it has one.
  std::string describe_sample(std::size_t idx) const;

 private:
  void ensure_init() const;
  std::vector<DataInfo> subset_of(const std::vector<DataInfo>& list, const config::Value& indices,
                                  bool serialized_checks) const;

  bool annotated_ = false;
  std::string ann_file_;
  config::Value metainfo_ = config::Value::dict(false);
  std::string data_root_;
  config::Value data_prefix_;
  config::Value filter_cfg_;
  config::Value indices_;
  bool serialize_data_ = true;
  bool test_mode_ = false;
  bool lazy_init_ = false;
  std::int64_t max_refetch_ = 1000;
  std::shared_ptr<Compose> pipeline_;
  std::shared_ptr<const std::vector<DataInfo>> data_list_;
  std::atomic<bool> fully_initialized_{false};
  std::mutex init_mutex_;
};

// Constructs T(args...) and runs init(): the C++ form of calling a dataset class.
template <class T, class... A>
std::shared_ptr<T> make_dataset(A&&... args) {
  auto ds = std::make_shared<T>(std::forward<A>(args)...);
  ds->init();
  return ds;
}

// A deterministic 64-bit mix of (seed, epoch, index) for SampleContext::seed
// (chained splitmix64 finalisers, so nearby triples give unrelated seeds).
std::uint64_t sample_seed(std::uint64_t run_seed, std::int64_t epoch, std::size_t index);

// mmengine.fileio helpers for local paths.
// join_path(a, b): os.path.join.
std::string join_path(const std::string& a, const std::string& b);
bool is_abs(const std::string& path);
// `~` / `~/...` expanded with $HOME (os.path.expanduser).
std::string expanduser(const std::string& path);
// list_from_file: the file's lines (universal newlines), without line ends.
// FileNotFoundError naming the file when it cannot be read.
std::vector<std::string> list_from_file(const std::string& path);
// mmengine.fileio.load for annotation files: .json, .yaml/.yml, .pkl/.pickle
// (through the safe unpickler; plain Python values only: a pickled array or
// object is a TypeError naming the file).
config::Value load_annotation_file(const std::string& path);

}  // namespace mmcpp::data
