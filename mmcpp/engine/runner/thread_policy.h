// How many threads LibTorch's intra-op pool gets during a run.
//
// In order, the first that applies:
//   1. OMP_NUM_THREADS: the user's count, untouched (LibTorch, OpenMP and OpenBLAS
//      read it at start);
//   2. env_cfg.intra_op_threads=N (also `--cfg-options env_cfg.intra_op_threads=N`);
//   3. auto (the default): the model's measured work. The first iteration (train,
//      val or test, whichever runs first) runs on every core while LibTorch's
//      RecordFunction observer adds up its matrix-product and convolution FLOPs
//      (forward and backward, from the shapes). Then the pool gets one thread per
//      kFlopsPerThread of that work, capped at the cores this process may use:
//      small models stay on one thread, where the pool's wake-up and join per op
//      would cost more than it saves and the other cores are left to the
//      DataLoader workers and other processes; large models use every core.
//      The count is saved in checkpoints (meta.intra_op_threads) and taken from
//      the checkpoint on resume, so a resumed run uses the interrupted run's count
//      from its first iteration (thread counts change how LibTorch's parallel
//      reductions round); only a fresh run's first iteration is a probe.
// Idle pool threads sleep at once (OMP_WAIT_POLICY=PASSIVE, set by the mmcpp
// launcher, tools/launcher/), so a pool never spins on cores others need.
//
// The Runner owns one as an internal hook: it is called at the loop stages like
// any hook, but it is not one of MMEngine's hooks and is not in the hooks table.
#pragma once

#include <ATen/record_function.h>

#include <optional>
#include <string>

#include "mmcpp/engine/hooks/hook.h"

namespace mmcpp::engine {

class IntraOpThreadPolicy : public Hook {
 public:
  // Matrix-product/convolution FLOPs per iteration that make one more thread pay.
  static constexpr double kFlopsPerThread = 1e9;

  // `fixed`: env_cfg.intra_op_threads (nullopt: auto). `cores`: available_cores().
  IntraOpThreadPolicy(std::optional<int> fixed, int cores);
  ~IntraOpThreadPolicy() override;

  std::string name() const override { return "IntraOpThreadPolicy"; }
  std::vector<std::string> stages() const override { return {}; }

  // Applies what is known before any iteration; returns the line for the log.
  std::string start();
  // The auto rule: threads for `flops` of work per iteration on `cores` cores.
  static int threads_for(double flops, int cores);
  // Threads in use now, and whether the auto rule has decided.
  int threads() const { return threads_; }
  bool decided() const { return decided_; }

  void before_train_iter(Runner& r, std::int64_t, const data::DataBatch*) override { begin(r); }
  void after_train_iter(Runner& r, std::int64_t, const data::DataBatch*,
                        const NamedTensors&) override {
    end(r);
  }
  void before_val_iter(Runner& r, std::int64_t, const data::DataBatch*) override { begin(r); }
  void after_val_iter(Runner& r, std::int64_t, const data::DataBatch*,
                      const data::DataSamples&) override {
    end(r);
  }
  void before_test_iter(Runner& r, std::int64_t, const data::DataBatch*) override { begin(r); }
  void after_test_iter(Runner& r, std::int64_t, const data::DataBatch*,
                       const data::DataSamples&) override {
    end(r);
  }
  void before_save_checkpoint(Runner&, io::PyObject& checkpoint) override;
  void after_load_checkpoint(Runner& r, io::PyObject& checkpoint) override;

  // Matrix-product and convolution FLOPs of the ops LibTorch runs on this thread
  // while one exists (forward and backward). Public for tests.
  class FlopCounter {
   public:
    FlopCounter();
    ~FlopCounter();
    FlopCounter(const FlopCounter&) = delete;
    FlopCounter& operator=(const FlopCounter&) = delete;
    double flops() const { return flops_; }

   private:
    static std::unique_ptr<at::ObserverContext> on_op(const at::RecordFunction& fn);
    double flops_ = 0;
    at::CallbackHandle handle_ = 0;
    double* previous_ = nullptr;
  };

 private:
  void begin(Runner& runner);
  void end(Runner& runner);
  void apply(int n);

  std::optional<int> fixed_;
  int cores_;
  int threads_ = 1;
  bool decided_ = false;
  std::unique_ptr<FlopCounter> counter_;
};

}  // namespace mmcpp::engine
