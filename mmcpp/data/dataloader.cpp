#include "mmcpp/data/dataloader.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <iostream>
#include <limits>

#include "mmcpp/core/error.h"
#include "mmcpp/core/suggest.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::data {

using config::Dict;
using config::Value;

namespace {

constexpr std::size_t kEndless = std::numeric_limits<std::size_t>::max();

// Keys of MMEngine's dataloader dict plus torch.utils.data.DataLoader's arguments.
const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = {"dataset",           "sampler",
                                                "batch_sampler",     "batch_size",
                                                "num_workers",       "persistent_workers",
                                                "pin_memory",        "drop_last",
                                                "collate_fn",        "num_batch_per_epoch",
                                                "prefetch_factor",   "shuffle",
                                                "worker_init_fn",    "generator",
                                                "timeout",           "multiprocessing_context",
                                                "pin_memory_device", "disable_subprocess_warning"};
  return keys;
}

[[noreturn]] void bad_key(const std::string& key) {
  std::string msg = "DataLoader got an unexpected keyword argument '" + key + "'";
  std::string near = closest_name(key, known_keys());
  if (!near.empty()) msg += ". Did you mean '" + near + "'?";
  msg += " Known keys: ";
  for (std::size_t i = 0; i < known_keys().size(); ++i) msg += (i ? ", " : "") + known_keys()[i];
  throw Error("TypeError", msg);
}

std::int64_t int_key(const Dict& cfg, const char* key, std::int64_t dflt, std::int64_t min) {
  const Value* v = cfg.find(key);
  if (!v || v->is_none()) return dflt;
  if (!v->is_int())
    throw Error("TypeError", std::string("DataLoader: '") + key + "' must be an int, got " +
                                 v->type_name() + " " + v->repr());
  if (v->as_int() < min)
    throw Error("ValueError", std::string("DataLoader: '") + key +
                                  "' must be >= " + std::to_string(min) + ", got " + v->repr());
  return v->as_int();
}

bool bool_key(const Dict& cfg, const char* key, bool dflt) {
  const Value* v = cfg.find(key);
  if (!v || v->is_none()) return dflt;
  if (!v->is_bool() && !v->is_int())
    throw Error("TypeError", std::string("DataLoader: '") + key + "' must be a bool, got " +
                                 v->type_name() + " " + v->repr());
  return v->as_int() != 0;
}

// A worker's failure, rethrown on the consuming thread with the batch named.
[[noreturn]] void rethrow_for_batch(std::exception_ptr error, std::int64_t epoch, std::size_t k) {
  std::string where =
      "DataLoader: building batch " + std::to_string(k) + " of epoch " + std::to_string(epoch);
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    throw Error(e.kind(), where + ": " + e.what());
  } catch (const c10::Error& e) {
    throw Error("RuntimeError", where + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Error("RuntimeError", where + ": " + e.what());
  } catch (...) {
    throw Error("RuntimeError", where + ": unknown exception");
  }
}

}  // namespace

std::uint64_t batch_seed(std::uint64_t seed, std::int64_t epoch, std::size_t k) {
  // Salted ("batchsee"), so batch k never shares a seed with sample index k.
  return sample_seed(seed ^ 0x6261746368736565ull, epoch, k);
}

DataLoader::DataLoader(std::shared_ptr<BaseDataset> dataset, std::shared_ptr<Sampler> sampler,
                       std::shared_ptr<CollateFunction> collate, DataLoaderOptions options,
                       std::uint64_t seed, bool training, int rank, int world_size)
    : dataset_(std::move(dataset)),
      sampler_(std::move(sampler)),
      collate_(std::move(collate)),
      options_(options),
      seed_(seed),
      training_(training) {
  if (!dataset_ || !sampler_ || !collate_)
    throw Error("ValueError", "DataLoader needs a dataset, a sampler and a collate function");
  if (options_.batch_size == 0) throw Error("ValueError", "DataLoader: batch_size must be >= 1");
  if (options_.num_workers < 0)
    throw Error("ValueError", "DataLoader: num_workers option should be non-negative, got " +
                                  std::to_string(options_.num_workers));
  if (options_.prefetch_factor == 0) options_.prefetch_factor = 1;
  dataset_size_ = dataset_->size();
  // MMEngine's _SlicedDataset: num_batch_per_epoch * batch_size * world_size samples.
  if (options_.num_batch_per_epoch >= 0) {
    std::size_t n = static_cast<std::size_t>(options_.num_batch_per_epoch) * options_.batch_size *
                    static_cast<std::size_t>(std::max(world_size, 1));
    dataset_size_ = std::min(dataset_size_, n);
  }
  sampler_->bind(dataset_size_, rank, world_size);
}

DataLoader::~DataLoader() { stop(); }

std::shared_ptr<DataLoader> DataLoader::from_config(const Value& cfg_in, std::uint64_t seed,
                                                    bool training, int rank, int world_size) {
  if (!cfg_in.is_dict())
    throw Error("TypeError", "dataloader config must be a dict, got " + cfg_in.type_name() + " " +
                                 cfg_in.repr());
  const Dict& cfg = cfg_in.as_dict();
  for (const auto& [k, v] : cfg.entries()) {
    if (!k.is_str()) bad_key(k.repr());
    const auto& keys = known_keys();
    if (std::find(keys.begin(), keys.end(), k.as_str()) == keys.end()) bad_key(k.as_str());
  }

  DataLoaderOptions opt;
  opt.batch_size = static_cast<std::size_t>(int_key(cfg, "batch_size", 1, 1));
  opt.num_workers = static_cast<int>(int_key(cfg, "num_workers", 0, 0));
  opt.persistent_workers = bool_key(cfg, "persistent_workers", false);
  opt.pin_memory = bool_key(cfg, "pin_memory", false);
  opt.drop_last = bool_key(cfg, "drop_last", false);
  opt.num_batch_per_epoch = int_key(cfg, "num_batch_per_epoch", -1, 0);
  opt.prefetch_factor = static_cast<std::size_t>(int_key(cfg, "prefetch_factor", 2, 1));
  bool shuffle = bool_key(cfg, "shuffle", false);
  if (const Value* bs = cfg.find("batch_sampler"); bs && !bs->is_none())
    throw Error("NotImplementedError",
                "DataLoader: batch_sampler is not supported yet, got " + bs->repr());
  if (const Value* f = cfg.find("worker_init_fn"); f && !f->is_none())
    std::cerr << "DataLoader: worker_init_fn " << f->repr()
              << " is ignored: workers are threads, and every sample's RNG is seeded from "
                 "(seed, epoch, index)\n";

  const Value* dataset_cfg = cfg.find("dataset");
  if (!dataset_cfg) throw Error("KeyError", "dataloader config has no 'dataset' key");
  if (!dataset_cfg->is_dict())
    throw Error("TypeError", "dataloader 'dataset' must be a dict, got " +
                                 dataset_cfg->type_name() + " " + dataset_cfg->repr());
  std::shared_ptr<BaseDataset> dataset = registry::DATASETS().build(*dataset_cfg);

  std::shared_ptr<Sampler> sampler;
  const Value* sampler_cfg = cfg.find("sampler");
  if (sampler_cfg && !sampler_cfg->is_none()) {
    if (!sampler_cfg->is_dict())
      throw Error("TypeError", "dataloader 'sampler' must be a dict, got " +
                                   sampler_cfg->type_name() + " " + sampler_cfg->repr());
    if (shuffle)
      throw Error("ValueError", "DataLoader: sampler option is mutually exclusive with shuffle");
    Value defaults = Value::dict(false);
    defaults.as_dict().set("seed", Value(static_cast<std::int64_t>(seed)));
    sampler = registry::DATA_SAMPLERS().build(*sampler_cfg, defaults);
  } else {
    // MMEngine requires `sampler`; torch would use a sequential (or random) sampler.
    std::cerr << "DataLoader: the dataloader config has no 'sampler'; using "
              << "DefaultSampler(shuffle=" << (shuffle ? "True" : "False") << ")\n";
    sampler = std::make_shared<DefaultSampler>(shuffle, seed, true);
  }

  std::shared_ptr<CollateFunction> collate;
  const Value* collate_cfg = cfg.find("collate_fn");
  if (collate_cfg && !collate_cfg->is_none()) {
    if (!collate_cfg->is_dict())
      throw Error("TypeError", "collate_fn should be a dict, but got " + collate_cfg->repr());
    collate = registry::FUNCTIONS().build(*collate_cfg);
  } else {
    collate = std::make_shared<pseudo_collate>();
  }
  return std::make_shared<DataLoader>(std::move(dataset), std::move(sampler), std::move(collate),
                                      opt, seed, training, rank, world_size);
}

std::size_t DataLoader::num_batches() const {
  std::size_t n = sampler_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::shared_ptr<const std::vector<std::size_t>> DataLoader::order(std::int64_t epoch) const {
  std::lock_guard<std::mutex> lock(order_mutex_);
  if (!order_ || order_epoch_ != epoch) {
    order_ = std::make_shared<const std::vector<std::size_t>>(sampler_->epoch_indices(epoch));
    order_epoch_ = epoch;
  }
  return order_;
}

std::vector<DataLoader::Item> DataLoader::batch_items(std::int64_t epoch, std::size_t k) const {
  const std::size_t b = options_.batch_size;
  std::vector<Item> items;
  if (sampler_->infinite()) {
    std::size_t g = static_cast<std::size_t>(epoch) * num_batches() + k;
    for (const Sampler::StreamItem& s : sampler_->stream(g * b, b))
      items.push_back({s.index, s.cycle});
    return items;
  }
  if (k >= num_batches())
    throw Error("IndexError", "DataLoader: batch " + std::to_string(k) + " out of range; epoch " +
                                  std::to_string(epoch) + " has " + std::to_string(num_batches()) +
                                  " batches");
  auto indices = order(epoch);
  std::size_t end = std::min(indices->size(), (k + 1) * b);
  for (std::size_t i = k * b; i < end; ++i) items.push_back({(*indices)[i], epoch});
  return items;
}

DataBatch DataLoader::build(std::int64_t epoch, std::size_t k) const {
  std::vector<Item> items = batch_items(epoch, k);
  std::vector<Sample> samples;
  samples.reserve(items.size());
  for (const Item& item : items) {
    SampleContext ctx;
    ctx.seed = sample_seed(seed_, item.epoch, item.index);
    ctx.epoch = item.epoch;
    ctx.training = training_;
    samples.push_back(dataset_->get(item.index, ctx));
  }
  DataBatch out = (*collate_)(samples);
  // An infinite stream's batch has one identity however (epoch, k) names it.
  std::int64_t seed_epoch = epoch;
  std::size_t seed_k = k;
  if (sampler_->infinite() && num_batches() > 0) {
    const std::size_t n = num_batches(), g = static_cast<std::size_t>(epoch) * n + k;
    seed_epoch = static_cast<std::int64_t>(g / n);
    seed_k = g % n;
  }
  out.seed = batch_seed(seed_, seed_epoch, seed_k);
  if (options_.pin_memory && out.inputs.defined() && at::hasCUDA())
    out.inputs = out.inputs.pin_memory();
  return out;
}

DataBatch DataLoader::batch(std::int64_t epoch, std::size_t k) const {
  try {
    return build(epoch, k);
  } catch (...) {
    rethrow_for_batch(std::current_exception(), epoch, k);
  }
}

void DataLoader::start_epoch(std::int64_t epoch, std::size_t start) {
  stop();
  std::lock_guard<std::mutex> lock(mutex_);
  epoch_ = epoch;
  end_ = sampler_->infinite() ? kEndless : num_batches();
  next_to_deliver_ = next_to_schedule_ = std::min(start, end_);
  if (!sampler_->infinite()) order(epoch);  // once, before the workers race for it
  if (options_.num_workers > 0) threads_scope_ = std::make_unique<WorkerThreadsScope>();
  for (int i = 0; i < options_.num_workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void DataLoader::worker_loop() {
  use_one_intra_op_thread();  // the workers already use the cores in parallel
  const std::size_t in_flight =
      static_cast<std::size_t>(options_.num_workers) * options_.prefetch_factor;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    cv_work_.wait(lock, [&] {
      return stopping_ ||
             (next_to_schedule_ < end_ && next_to_schedule_ < next_to_deliver_ + in_flight);
    });
    if (stopping_) return;
    const std::size_t k = next_to_schedule_++;
    const std::int64_t epoch = epoch_;
    lock.unlock();
    DataBatch built;
    std::exception_ptr error;
    try {
      built = build(epoch, k);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (error)
      failed_[k] = error;
    else
      ready_[k] = std::move(built);
    cv_ready_.notify_all();
  }
}

bool DataLoader::next(DataBatch& out) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_to_deliver_ >= end_) {
    // The epoch is over: release the idle workers and their WorkerThreadsScope.
    const bool idle_workers = !workers_.empty();
    lock.unlock();
    if (idle_workers) stop();
    return false;
  }
  const std::size_t k = next_to_deliver_;
  if (workers_.empty()) {
    ++next_to_deliver_;
    const std::int64_t epoch = epoch_;
    lock.unlock();
    try {
      out = build(epoch, k);
    } catch (...) {
      stop();
      rethrow_for_batch(std::current_exception(), epoch, k);
    }
    return true;
  }
  cv_ready_.wait(lock, [&] { return ready_.count(k) || failed_.count(k); });
  if (auto it = failed_.find(k); it != failed_.end()) {
    std::exception_ptr error = it->second;
    const std::int64_t epoch = epoch_;
    lock.unlock();
    stop();
    rethrow_for_batch(error, epoch, k);
  }
  auto it = ready_.find(k);
  out = std::move(it->second);
  ready_.erase(it);
  ++next_to_deliver_;
  cv_work_.notify_all();
  return true;
}

void DataLoader::stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    workers.swap(workers_);
  }
  cv_work_.notify_all();
  for (std::thread& t : workers) t.join();
  threads_scope_.reset();
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = false;
  ready_.clear();
  failed_.clear();
  next_to_deliver_ = next_to_schedule_ = end_ = 0;
}

}  // namespace mmcpp::data
