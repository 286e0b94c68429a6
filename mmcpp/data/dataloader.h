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
//
// A run's StopRequest (set_stop_request) is polled while next() waits for a
// worker: once a stop is requested next() returns false at once, even when a
// worker hangs inside the dataset, and stop() then waits only a short grace
// period for the workers before leaving a stuck one behind (workers share the
// loader's state, so one left behind never touches freed memory).
#pragma once

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/stop_request.h"
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
  std::size_t dataset_size() const;
  BaseDataset& dataset();
  Sampler& sampler();
  const DataLoaderOptions& options() const;
  std::uint64_t seed() const;
  // A new run seed (Runner.resume restores the checkpoint's): the sample and
  // batch seeds follow it, and so does the sampler when its seed came from the
  // run's (the config gave it none). Call between epochs.
  void set_seed(std::uint64_t seed);
  // Whether the sampler's seed is the run's (set_seed then changes it too).
  bool sampler_seed_follows_run() const;
  void set_sampler_seed_follows_run(bool follows);

  // The run's stop request, polled while waiting for batches (nullptr: none).
  void set_stop_request(const StopRequest* stop);

  // Batch `k` of `epoch`, built in the calling thread. Thread-safe.
  DataBatch batch(std::int64_t epoch, std::size_t k) const;

  // Iterate an epoch from batch `start`, prefetching with the worker threads.
  // next() returns false after the last batch, and at once when the stop
  // request is set; an error while building batch k is rethrown by the next()
  // that would return it, naming k, and ends the epoch.
  void start_epoch(std::int64_t epoch, std::size_t start = 0);
  bool next(DataBatch& out);
  // Ends the iteration and joins the workers (next() then returns false). When
  // a stop was requested, a worker still busy after a short grace period is left
  // behind with a warning instead of being waited for.
  void stop();

 private:
  // Everything a worker thread touches, shared with the workers so that one left
  // behind (stuck in the dataset after a stop) keeps it alive.
  struct Core;
  void join_workers();

  std::shared_ptr<Core> core_;
  std::vector<std::thread> workers_;
  std::unique_ptr<WorkerThreadsScope> threads_scope_;  // while workers_ run
};

}  // namespace mmcpp::data
