// DataLoader: batches of a dataset in sampler order, produced by worker threads.
//
// Config keys as MMEngine's Runner.build_dataloader + torch's DataLoader:
// dataset, sampler, batch_sampler (None only), batch_size, num_workers,
// persistent_workers, pin_memory, drop_last, collate_fn, num_batch_per_epoch,
// prefetch_factor, shuffle (only without a sampler); worker_init_fn, generator,
// timeout, multiprocessing_context, pin_memory_device and
// disable_subprocess_warning are accepted and ignored (threads, not processes).
//
// num_workers=0 builds batches in the calling thread; N>0 uses N threads that keep
// up to N * prefetch_factor batches in flight, delivered in order. Batch k of
// epoch e is a pure function of (seed, e, k): `batch(e, k)` builds it directly, so
// results never depend on num_workers or timing, and a resumed run can jump.
//
// Every batch carries DataBatch::seed = batch_seed(seed, e, k) for batch-level
// randomness (the data preprocessor's batch augments).
//
// While workers run, each makes its LibTorch ops single-threaded
// (use_one_intra_op_thread) and the loader holds a WorkerThreadsScope, so
// libraries with their own pools (OpenCV) go serial too; both keep the workers
// from oversubscribing the cores the main thread's intra-op pool computes on.
//
// With an infinite sampler (InfiniteSampler) the stream never ends: next() always
// yields, and batch k of "epoch" e is batch e * num_batches() + k of the stream,
// so start_epoch(0, i) and start_epoch(i / n, i % n) continue at the same place.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/threads.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/data/collate.h"
#include "mmcpp/data/sampler.h"

namespace mmcpp::data {

struct DataLoaderOptions {
  std::size_t batch_size = 1;
  int num_workers = 0;
  bool persistent_workers = false;  // no effect: threads are cheap to start
  bool pin_memory = false;          // pins stacked inputs when CUDA is available
  bool drop_last = false;
  std::int64_t num_batch_per_epoch = -1;  // -1: all; else the dataset is sliced
  std::size_t prefetch_factor = 2;        // batches in flight per worker
};

// The seed of batch k of epoch e (DataBatch::seed): a mix of the loader's seed,
// e and k, distinct from every sample seed (sample_seed).
std::uint64_t batch_seed(std::uint64_t seed, std::int64_t epoch, std::size_t k);

class DataLoader {
 public:
  // Binds `sampler` to the dataset (sliced by num_batch_per_epoch) for `rank`.
  DataLoader(std::shared_ptr<BaseDataset> dataset, std::shared_ptr<Sampler> sampler,
             std::shared_ptr<CollateFunction> collate, DataLoaderOptions options,
             std::uint64_t seed, bool training, int rank = 0, int world_size = 1);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Runner.build_dataloader: `cfg` is the dataloader dict. `seed` is the
  // sampler's default seed and seeds every sample's transforms.
  static std::shared_ptr<DataLoader> from_config(const config::Value& cfg, std::uint64_t seed,
                                                 bool training, int rank = 0, int world_size = 1);

  std::size_t num_batches() const;  // per epoch (len(dataloader))
  // len(dataset) after num_batch_per_epoch slicing: the `size` for evaluate().
  std::size_t dataset_size() const { return dataset_size_; }
  BaseDataset& dataset() { return *dataset_; }
  Sampler& sampler() { return *sampler_; }
  const DataLoaderOptions& options() const { return options_; }
  std::uint64_t seed() const { return seed_; }

  // Batch `k` of `epoch`, built in the calling thread. Thread-safe.
  DataBatch batch(std::int64_t epoch, std::size_t k) const;

  // Iterate an epoch from batch `start`, prefetching with the worker threads.
  // next() returns false after the last batch; an error while building batch k
  // is rethrown by the next() that would return it, naming k, and ends the epoch.
  void start_epoch(std::int64_t epoch, std::size_t start = 0);
  bool next(DataBatch& out);
  // Ends the iteration and joins the workers (next() then returns false).
  void stop();

 private:
  struct Item {
    std::size_t index;
    std::int64_t epoch;  // epoch (or infinite-sampler pass) for the sample seed
  };
  std::vector<Item> batch_items(std::int64_t epoch, std::size_t k) const;
  std::shared_ptr<const std::vector<std::size_t>> order(std::int64_t epoch) const;
  DataBatch build(std::int64_t epoch, std::size_t k) const;
  void worker_loop();

  std::shared_ptr<BaseDataset> dataset_;
  std::shared_ptr<Sampler> sampler_;
  std::shared_ptr<CollateFunction> collate_;
  DataLoaderOptions options_;
  std::uint64_t seed_;
  bool training_;
  std::size_t dataset_size_ = 0;

  // The last epoch's sampler order, shared by next() and batch().
  mutable std::mutex order_mutex_;
  mutable std::int64_t order_epoch_ = -1;
  mutable std::shared_ptr<const std::vector<std::size_t>> order_;

  // Iteration state, guarded by mutex_.
  std::int64_t epoch_ = 0;
  std::size_t next_to_deliver_ = 0, next_to_schedule_ = 0, end_ = 0;
  std::map<std::size_t, DataBatch> ready_;
  std::map<std::size_t, std::exception_ptr> failed_;
  std::vector<std::thread> workers_;
  std::unique_ptr<WorkerThreadsScope> threads_scope_;  // while workers_ run
  std::mutex mutex_;
  std::condition_variable cv_work_, cv_ready_;
  bool stopping_ = false;
};

}  // namespace mmcpp::data
