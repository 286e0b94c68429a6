// Gradient accumulation (OptimWrapper accumulative_counts): accumulating 4 batches
// of 8 gives the same parameter update as one batch of 32 (BN-free model,
// mean-reduced loss), directly through the wrapper and through the Runner.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/engine/optim/amp_optim_wrapper.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;
namespace fs = std::filesystem;

Value dict(std::initializer_list<std::pair<const char*, Value>> items) {
  Value d = Value::dict(false);
  for (const auto& [k, v] : items) d.as_dict().set(Value(k), v);
  return d;
}

// A small MLP without BatchNorm (its batch statistics would differ per batch).
struct Mlp : torch::nn::Module {
  explicit Mlp(torch::Dtype dtype) {
    torch::manual_seed(7);
    fc1 = register_module("fc1", torch::nn::Linear(6, 16));
    fc2 = register_module("fc2", torch::nn::Linear(16, 3));
    to(dtype);
  }
  torch::Tensor loss(const torch::Tensor& x, const torch::Tensor& y) {
    return torch::nn::functional::cross_entropy(fc2->forward(torch::tanh(fc1->forward(x))), y);
  }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};

struct Data {
  torch::Tensor x, y;
};

// `n` batches of 32 samples.
std::vector<Data> make_data(int n, torch::Dtype dtype) {
  torch::manual_seed(11);
  std::vector<Data> out;
  for (int i = 0; i < n; ++i)
    out.push_back({torch::randn({32, 6}).to(dtype), torch::randint(0, 3, {32})});
  return out;
}

std::shared_ptr<OptimWrapper> wrapper(Mlp& m, const Value& optimizer, int counts,
                                      const std::string& type = "OptimWrapper") {
  return build_optim_wrapper(
      m, dict({{"type", type}, {"optimizer", optimizer}, {"accumulative_counts", counts}}));
}

double max_abs_diff(Mlp& a, Mlp& b) {
  double d = 0;
  auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i)
    d = std::max(d, (pa[i] - pb[i]).abs().max().item<double>());
  return d;
}

double max_abs_change(Mlp& a, const std::vector<torch::Tensor>& before) {
  double d = 0;
  auto pa = a.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i)
    d = std::max(d, (pa[i] - before[i]).abs().max().item<double>());
  return d;
}

std::vector<torch::Tensor> snapshot(Mlp& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
  return out;
}

// Accumulates each batch of 32 as 4 x 8 through `acc` and steps `big` once per
// batch of 32; returns the largest parameter difference after all batches.
void run_pair(const Value& optimizer, torch::Dtype dtype, const std::string& type = "OptimWrapper",
              double tol = 1e-6) {
  Mlp big(dtype), small(dtype);
  ASSERT_EQ(max_abs_diff(big, small), 0.0);
  auto w_big = wrapper(big, optimizer, 1, type);
  auto w_acc = wrapper(small, optimizer, 4, type);
  if (type == "AmpOptimWrapper") {  // a scaler that really scales (CPU)
    dynamic_cast<AmpOptimWrapper&>(*w_big).set_loss_scaler(
        std::make_shared<GradScaler>(GradScalerOptions{}, "cpu"));
    dynamic_cast<AmpOptimWrapper&>(*w_acc).set_loss_scaler(
        std::make_shared<GradScaler>(GradScalerOptions{}, "cpu"));
  }
  auto start = snapshot(small);
  for (const auto& d : make_data(3, dtype)) {
    w_big->update_params(big.loss(d.x, d.y));
    for (int k = 0; k < 4; ++k) {
      auto before = snapshot(small);
      w_acc->update_params(
          small.loss(d.x.slice(0, 8 * k, 8 * (k + 1)), d.y.slice(0, 8 * k, 8 * (k + 1))));
      // No update inside the accumulation window.
      if (k < 3) EXPECT_EQ(max_abs_change(small, before), 0.0) << k;
    }
    EXPECT_LE(max_abs_diff(big, small), tol);
  }
  EXPECT_GT(max_abs_change(small, start), 1e-3);  // it did train
  EXPECT_EQ(w_acc->inner_count(), 12);
}

TEST(GradAccumulation, FourBatchesOfEightEqualOneOf32Sgd) {
  run_pair(dict({{"type", "SGD"}, {"lr", 0.1}, {"momentum", 0.9}, {"weight_decay", 1e-4}}),
           torch::kFloat32);
}

TEST(GradAccumulation, FourBatchesOfEightEqualOneOf32AdamW) {
  run_pair(dict({{"type", "AdamW"}, {"lr", 0.01}}), torch::kFloat64, "OptimWrapper", 1e-9);
}

TEST(GradAccumulation, FourBatchesOfEightEqualOneOf32WithLossScaling) {
  run_pair(dict({{"type", "SGD"}, {"lr", 0.1}, {"momentum", 0.9}}), torch::kFloat32,
           "AmpOptimWrapper");
}

// The tail rule: with max_counts=6 and accumulative_counts=4 the last two
// iterations form a group divided by 2, i.e. one batch of 16.
TEST(GradAccumulation, TailGroupIsDividedByTheRemainder) {
  Value sgd = dict({{"type", "SGD"}, {"lr", 0.1}});
  Mlp big(torch::kFloat32), small(torch::kFloat32);
  auto w_big = wrapper(big, sgd, 1);
  auto w_acc = wrapper(small, sgd, 4);
  w_acc->initialize_count_status(0, 6);
  auto d = make_data(1, torch::kFloat32)[0];
  auto x = torch::cat({d.x, d.x.slice(0, 0, 16)}), y = torch::cat({d.y, d.y.slice(0, 0, 16)});
  w_big->update_params(big.loss(d.x, d.y));
  w_big->update_params(big.loss(x.slice(0, 32, 48), y.slice(0, 32, 48)));
  for (int k = 0; k < 6; ++k)
    w_acc->update_params(
        small.loss(x.slice(0, 8 * k, 8 * (k + 1)), y.slice(0, 8 * k, 8 * (k + 1))));
  EXPECT_LE(max_abs_diff(big, small), 1e-6);
}

// Through the Runner's train loop: the seed example (an MLP, no BatchNorm) on 64
// unshuffled samples, batches of 8 with accumulative_counts=4 against batches of
// 32: after the epoch (two updates) the weights agree.
std::vector<torch::Tensor> train_seed(const std::string& work_dir, int batch_size, int counts) {
  setenv("MMCPP_PLUGIN_PATH", MMCPP_PLUGIN_DIR, 1);
  config::Config cfg = config::Config::fromfile(std::string(MMCPP_SOURCE_DIR) +
                                                "/configs/seed_example/example_config.py");
  cfg.merge_from_dict(config::parse_cfg_options(
      {"work_dir=" + work_dir, "train_cfg.max_epochs=1", "train_dataloader.dataset.size=64",
       "train_dataloader.sampler.shuffle=False",
       "train_dataloader.batch_size=" + std::to_string(batch_size),
       "optim_wrapper.optimizer.type=SGD", "optim_wrapper.optimizer.lr=0.1",
       "optim_wrapper.optimizer.momentum=0.9",
       "optim_wrapper.accumulative_counts=" + std::to_string(counts)}));
  auto runner = Runner::from_cfg(cfg);
  runner->train();
  EXPECT_EQ(runner->iter(), 64 / batch_size);
  std::vector<torch::Tensor> out;
  for (const auto& p : runner->model().parameters()) out.push_back(p.detach().clone());
  return out;
}

TEST(GradAccumulation, RunnerTrainLoopAccumulatesLikeOneBigBatch) {
  fs::path root = fs::temp_directory_path() / ("mmcpp_grad_acc_" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto big = train_seed((root / "big").string(), 32, 1);
  auto acc = train_seed((root / "acc").string(), 8, 4);
  auto plain = train_seed((root / "plain").string(), 8, 1);  // 8 updates: must differ
  fs::remove_all(root);
  ASSERT_EQ(big.size(), acc.size());
  double diff = 0, diff_plain = 0;
  for (std::size_t i = 0; i < big.size(); ++i) {
    diff = std::max(diff, (big[i] - acc[i]).abs().max().item<double>());
    diff_plain = std::max(diff_plain, (big[i] - plain[i]).abs().max().item<double>());
  }
  EXPECT_LE(diff, 1e-6);
  EXPECT_GT(diff_plain, 1e-3);
}

}  // namespace
}  // namespace mmcpp::engine
