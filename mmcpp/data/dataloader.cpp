#include "mmcpp/data/dataloader.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <limits>
#include <map>
#include <mutex>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/core/suggest.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::data {

using config::Dict;
using config::Value;

namespace {

constexpr std::size_t kEndless = std::numeric_limits<std::size_t>::max();
// How often a waiting next() looks at the stop request.
constexpr std::chrono::milliseconds kStopPoll{50};
// How long stop() waits for busy workers once a stop was requested.
constexpr std::chrono::milliseconds kStopGrace{1000};

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
    std::throw_with_nested(Error(e.kind(), where + ": " + e.what()));
  } catch (const c10::Error& e) {
    std::throw_with_nested(Error("RuntimeError", where + ": " + e.what_without_backtrace()));
  } catch (const std::exception& e) {
    std::throw_with_nested(Error("RuntimeError", where + ": " + e.what()));
  } catch (...) {
    throw Error("RuntimeError", where + ": unknown exception");
  }
}

}  // namespace

std::uint64_t batch_seed(std::uint64_t seed, std::int64_t epoch, std::size_t k) {
  // Salted ("batchsee"), so batch k never shares a seed with sample index k.
  return sample_seed(seed ^ 0x6261746368736565ull, epoch, k);
}

struct DataLoader::Core {
  std::shared_ptr<BaseDataset> dataset;
  std::shared_ptr<Sampler> sampler;
  std::shared_ptr<CollateFunction> collate;
  DataLoaderOptions options;
  std::atomic<std::uint64_t> seed{0};
  bool training = false;
  std::size_t dataset_size = 0;
  bool sampler_follows_run = false;
  std::atomic<const StopRequest*> stop{nullptr};

  // The last epoch's sampler order, shared by next() and batch().
  mutable std::mutex order_mutex;
  mutable std::int64_t order_epoch = -1;
  mutable std::shared_ptr<const std::vector<std::size_t>> order_cache;

  // Iteration state, guarded by mutex. `generation` changes at every
  // start_epoch/stop: a worker of an older generation exits without delivering.
  std::mutex mutex;
  std::condition_variable cv_work, cv_ready, cv_exit;
  std::uint64_t generation = 0;
  bool stopping = false;
  std::int64_t epoch = 0;
  std::size_t next_to_deliver = 0, next_to_schedule = 0, end = 0;
  std::map<std::size_t, DataBatch> ready;
  std::map<std::size_t, std::exception_ptr> failed;
  int running = 0;  // worker threads that have not returned yet

  struct Item {
    std::size_t index;
    std::int64_t epoch;  // epoch (or infinite-sampler pass) for the sample seed
  };

  bool stop_requested() const {
    const StopRequest* s = stop.load();
    return s != nullptr && s->requested();
  }

  std::size_t num_batches() const {
    std::size_t n = sampler->size(), b = options.batch_size;
    return options.drop_last ? n / b : (n + b - 1) / b;
  }

  std::shared_ptr<const std::vector<std::size_t>> order(std::int64_t e) const {
    std::lock_guard<std::mutex> lock(order_mutex);
    if (!order_cache || order_epoch != e) {
      order_cache = std::make_shared<const std::vector<std::size_t>>(sampler->epoch_indices(e));
      order_epoch = e;
    }
    return order_cache;
  }

  void forget_order() {
    std::lock_guard<std::mutex> lock(order_mutex);
    order_cache.reset();
    order_epoch = -1;
  }

  std::vector<Item> batch_items(std::int64_t e, std::size_t k) const {
    const std::size_t b = options.batch_size;
    std::vector<Item> items;
    if (sampler->infinite()) {
      std::size_t g = static_cast<std::size_t>(e) * num_batches() + k;
      for (const Sampler::StreamItem& s : sampler->stream(g * b, b))
        items.push_back({s.index, s.cycle});
      return items;
    }
    if (k >= num_batches())
      throw Error("IndexError", "DataLoader: batch " + std::to_string(k) + " out of range; epoch " +
                                    std::to_string(e) + " has " + std::to_string(num_batches()) +
                                    " batches");
    auto indices = order(e);
    std::size_t last = std::min(indices->size(), (k + 1) * b);
    for (std::size_t i = k * b; i < last; ++i) items.push_back({(*indices)[i], e});
    return items;
  }

  DataBatch build(std::int64_t e, std::size_t k) const {
    std::vector<Item> items = batch_items(e, k);
    const std::uint64_t run_seed = seed.load();
    std::vector<Sample> samples;
    samples.reserve(items.size());
    for (const Item& item : items) {
      SampleContext ctx;
      ctx.seed = sample_seed(run_seed, item.epoch, item.index);
      ctx.epoch = item.epoch;
      ctx.training = training;
      samples.push_back(dataset->get(item.index, ctx));
    }
    DataBatch out = (*collate)(samples);
    // An infinite stream's batch has one identity however (epoch, k) names it.
    std::int64_t seed_epoch = e;
    std::size_t seed_k = k;
    if (sampler->infinite() && num_batches() > 0) {
      const std::size_t n = num_batches(), g = static_cast<std::size_t>(e) * n + k;
      seed_epoch = static_cast<std::int64_t>(g / n);
      seed_k = g % n;
    }
    out.seed = batch_seed(run_seed, seed_epoch, seed_k);
    if (options.pin_memory && out.inputs.defined() && at::hasCUDA())
      out.inputs = out.inputs.pin_memory();
    return out;
  }

  void worker_loop(std::uint64_t gen) {
    use_one_intra_op_thread();  // the workers already use the cores in parallel
    const std::size_t in_flight =
        static_cast<std::size_t>(options.num_workers) * options.prefetch_factor;
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      cv_work.wait(lock, [&] {
        return stopping || generation != gen ||
               (next_to_schedule < end && next_to_schedule < next_to_deliver + in_flight);
      });
      if (stopping || generation != gen) break;
      const std::size_t k = next_to_schedule++;
      const std::int64_t e = epoch;
      lock.unlock();
      DataBatch built;
      std::exception_ptr error;
      try {
        built = build(e, k);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      if (generation != gen) break;  // stopped (and maybe restarted) meanwhile
      if (error)
        failed[k] = error;
      else
        ready[k] = std::move(built);
      cv_ready.notify_all();
    }
    --running;
    cv_exit.notify_all();
  }
};

DataLoader::DataLoader(std::shared_ptr<BaseDataset> dataset, std::shared_ptr<Sampler> sampler,
                       std::shared_ptr<CollateFunction> collate, DataLoaderOptions options,
                       std::uint64_t seed, bool training, int rank, int world_size)
    : core_(std::make_shared<Core>()) {
  Core& c = *core_;
  c.dataset = std::move(dataset);
  c.sampler = std::move(sampler);
  c.collate = std::move(collate);
  c.options = options;
  c.seed = seed;
  c.training = training;
  if (!c.dataset || !c.sampler || !c.collate)
    throw Error("ValueError", "DataLoader needs a dataset, a sampler and a collate function");
  if (c.options.batch_size == 0) throw Error("ValueError", "DataLoader: batch_size must be >= 1");
  if (c.options.num_workers < 0)
    throw Error("ValueError", "DataLoader: num_workers option should be non-negative, got " +
                                  std::to_string(c.options.num_workers));
  if (c.options.prefetch_factor == 0) c.options.prefetch_factor = 1;
  c.sampler_follows_run = c.sampler->seed() == seed;
  c.dataset_size = c.dataset->size();
  // MMEngine's _SlicedDataset: num_batch_per_epoch * batch_size * world_size samples.
  if (c.options.num_batch_per_epoch >= 0) {
    std::size_t n = static_cast<std::size_t>(c.options.num_batch_per_epoch) * c.options.batch_size *
                    static_cast<std::size_t>(std::max(world_size, 1));
    c.dataset_size = std::min(c.dataset_size, n);
  }
  c.sampler->bind(c.dataset_size, rank, world_size);
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
    print_log("DataLoader: worker_init_fn " + f->repr() +
                  " is ignored: workers are threads, and every sample's RNG is seeded from "
                  "(seed, epoch, index)",
              LogLevel::Warning);

  const Value* dataset_cfg = cfg.find("dataset");
  if (!dataset_cfg) throw Error("KeyError", "dataloader config has no 'dataset' key");
  if (!dataset_cfg->is_dict())
    throw Error("TypeError", "dataloader 'dataset' must be a dict, got " +
                                 dataset_cfg->type_name() + " " + dataset_cfg->repr());
  std::shared_ptr<BaseDataset> dataset = registry::DATASETS().build(*dataset_cfg);

  std::shared_ptr<Sampler> sampler;
  bool sampler_follows_run = true;  // the sampler's seed is the run's
  const Value* sampler_cfg = cfg.find("sampler");
  if (sampler_cfg && !sampler_cfg->is_none()) {
    if (!sampler_cfg->is_dict())
      throw Error("TypeError", "dataloader 'sampler' must be a dict, got " +
                                   sampler_cfg->type_name() + " " + sampler_cfg->repr());
    if (shuffle)
      throw Error("ValueError", "DataLoader: sampler option is mutually exclusive with shuffle");
    Value defaults = Value::dict(false);
    defaults.as_dict().set("seed", Value(static_cast<std::int64_t>(seed)));
    if (const Value* s = sampler_cfg->as_dict().find("seed"); s && !s->is_none())
      sampler_follows_run = false;
    sampler = registry::DATA_SAMPLERS().build(*sampler_cfg, defaults);
  } else {
    // MMEngine requires `sampler`; torch would use a sequential (or random) sampler.
    print_log(std::string("DataLoader: the dataloader config has no 'sampler'; using ") +
                  "DefaultSampler(shuffle=" + (shuffle ? "True" : "False") + ")",
              LogLevel::Warning);
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
  auto loader =
      std::make_shared<DataLoader>(std::move(dataset), std::move(sampler), std::move(collate), opt,
                                   seed, training, rank, world_size);
  loader->set_sampler_seed_follows_run(sampler_follows_run);
  return loader;
}

std::size_t DataLoader::num_batches() const { return core_->num_batches(); }
std::size_t DataLoader::dataset_size() const { return core_->dataset_size; }
BaseDataset& DataLoader::dataset() { return *core_->dataset; }
Sampler& DataLoader::sampler() { return *core_->sampler; }
const DataLoaderOptions& DataLoader::options() const { return core_->options; }
std::uint64_t DataLoader::seed() const { return core_->seed.load(); }
bool DataLoader::sampler_seed_follows_run() const { return core_->sampler_follows_run; }
void DataLoader::set_sampler_seed_follows_run(bool follows) {
  core_->sampler_follows_run = follows;
}
void DataLoader::set_stop_request(const StopRequest* stop) { core_->stop.store(stop); }

void DataLoader::set_seed(std::uint64_t seed) {
  stop();
  core_->seed = seed;
  if (core_->sampler_follows_run) core_->sampler->set_seed(seed);
  core_->forget_order();
}

DataBatch DataLoader::batch(std::int64_t epoch, std::size_t k) const {
  try {
    return core_->build(epoch, k);
  } catch (...) {
    rethrow_for_batch(std::current_exception(), epoch, k);
  }
}

void DataLoader::start_epoch(std::int64_t epoch, std::size_t start) {
  stop();
  Core& c = *core_;
  std::lock_guard<std::mutex> lock(c.mutex);
  c.epoch = epoch;
  c.end = c.sampler->infinite() ? kEndless : c.num_batches();
  c.next_to_deliver = c.next_to_schedule = std::min(start, c.end);
  if (!c.sampler->infinite()) c.order(epoch);  // once, before the workers race for it
  if (c.options.num_workers > 0) threads_scope_ = std::make_unique<WorkerThreadsScope>();
  const std::uint64_t gen = c.generation;
  for (int i = 0; i < c.options.num_workers; ++i) {
    ++c.running;
    workers_.emplace_back([core = core_, gen] { core->worker_loop(gen); });
  }
}

bool DataLoader::next(DataBatch& out) {
  Core& c = *core_;
  std::unique_lock<std::mutex> lock(c.mutex);
  if (c.next_to_deliver >= c.end || c.stop_requested()) {
    // The epoch is over (or the run stops): release the workers and their scope.
    const bool workers = !workers_.empty();
    lock.unlock();
    if (workers) stop();
    return false;
  }
  const std::size_t k = c.next_to_deliver;
  if (workers_.empty()) {
    ++c.next_to_deliver;
    const std::int64_t epoch = c.epoch;
    lock.unlock();
    try {
      out = c.build(epoch, k);
    } catch (...) {
      stop();
      rethrow_for_batch(std::current_exception(), epoch, k);
    }
    return true;
  }
  // Wait for batch k, looking at the stop request now and then: a worker stuck
  // in the dataset must not keep a stopping run waiting.
  while (!c.ready.count(k) && !c.failed.count(k)) {
    if (c.stop_requested()) {
      lock.unlock();
      stop();
      return false;
    }
    c.cv_ready.wait_for(lock, kStopPoll);
  }
  if (auto it = c.failed.find(k); it != c.failed.end()) {
    std::exception_ptr error = it->second;
    const std::int64_t epoch = c.epoch;
    lock.unlock();
    stop();
    rethrow_for_batch(error, epoch, k);
  }
  auto it = c.ready.find(k);
  out = std::move(it->second);
  c.ready.erase(it);
  ++c.next_to_deliver;
  c.cv_work.notify_all();
  return true;
}

void DataLoader::join_workers() {
  if (workers_.empty()) return;
  Core& c = *core_;
  int left = 0;
  if (c.stop_requested()) {
    // The run is stopping: wait a little for busy workers, then leave the rest.
    std::unique_lock<std::mutex> lock(c.mutex);
    c.cv_exit.wait_for(lock, kStopGrace, [&] { return c.running == 0; });
    left = c.running;
  }
  if (left == 0) {
    for (std::thread& t : workers_) t.join();
  } else {
    for (std::thread& t : workers_) t.detach();
    print_log("DataLoader: " + std::to_string(left) +
                  " worker thread(s) did not finish their batch after the stop request (stuck in "
                  "the dataset?); leaving them behind",
              LogLevel::Warning);
  }
  workers_.clear();
}

void DataLoader::stop() {
  Core& c = *core_;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    c.stopping = true;
    ++c.generation;
  }
  c.cv_work.notify_all();
  join_workers();
  threads_scope_.reset();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stopping = false;
  c.ready.clear();
  c.failed.clear();
  c.next_to_deliver = c.next_to_schedule = c.end = 0;
}

}  // namespace mmcpp::data
