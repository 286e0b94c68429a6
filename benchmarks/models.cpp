// Training and evaluation throughput of whole classifiers, through mmcpp's
// Runner + ImageClassifier (a config, the DataLoader, ClsDataPreprocessor, the
// default hooks) and as the same network written as a plain LibTorch module in
// a bare loop (the limit), measured in the same run; then the main job's real
// training on Fashion-MNIST beside the recorded Python MMPretrain figure.
//
//   models [--iters N] [--no-resnet50] [--no-large] [--no-real] [--real-iters N]
//
// Synthetic part (random uint8 images, 10 classes, pre-made in memory):
//   LeNet5         batch 128, 1x32x32 (MMPretrain's LeNet5 needs 32x32: the
//                  shipped Fashion-MNIST config resizes 28 -> 32)
//   ResNet_CIFAR-18 batch 128, 3x32x32 (+ the same with AmpOptimWrapper bfloat16)
//   ResNet-50      batch 16, 3x224x224
//   ConvNeXt-T, Swin-T, EfficientNet-B0 batch 16, ViT-B/16 batch 8, 3x224x224
//                  (their plain versions: benchmarks/plain_networks.h)
// A train step is forward + loss + backward + SGD (momentum 0.9, weight decay
// 1e-4); eval is a forward in inference mode. Runner figures time iterations
// after the first `warmup` ones with a hook (so start-up and the first-iteration
// thread-policy measurement are excluded); the plain loop also skips its warmup.
// The plain loop runs on the thread count the Runner's policy chose (for the
// small nets also on every other count, the best kept), so a ratio compares
// the frameworks, not two thread counts.
//
// Real part: `mmcpp`'s Runner on the shipped configs with the real
// FashionMNIST dataset (DataLoader workers, pipeline, logging as a user runs
// them): the main job's config and MMPretrain's LeNet-5 at batch 128 (the
// peer's setting), --real-iters training iterations then a full validation on
// the 10,000 test images. The peer figure (2,910 img/s train, 3,760 img/s val)
// is quoted from ../shared/reference/peer-baseline.md (Python MMEngine +
// MMPretrain, Debian's PyTorch 1.13, 2 threads, same machine kind).
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

#include "benchmarks/plain_networks.h"
#include "mmcpp/config/config.h"
#include "mmcpp/core/threads.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/root.h"

namespace {

namespace nn = torch::nn;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// ---------------------------------------------------------------- plain LibTorch

struct PlainLeNet5 : nn::Module {
  PlainLeNet5() {
    features = register_module(
        "features",
        nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 6, 5)), nn::Tanh(), nn::AvgPool2d(2),
                       nn::Conv2d(nn::Conv2dOptions(6, 16, 5)), nn::Tanh(), nn::AvgPool2d(2),
                       nn::Conv2d(nn::Conv2dOptions(16, 120, 5)), nn::Tanh()));
    classifier = register_module(
        "classifier", nn::Sequential(nn::Linear(120, 84), nn::Tanh(), nn::Linear(84, 10)));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return classifier->forward(features->forward(x).flatten(1));
  }
  nn::Sequential features{nullptr}, classifier{nullptr};
};

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2).bias(false));
}

// torchvision-style BasicBlock (expansion 1) / Bottleneck (expansion 4).
struct PlainBlock : nn::Module {
  PlainBlock(int64_t in, int64_t planes, int64_t stride, bool bottleneck) : bottleneck(bottleneck) {
    const int64_t out = bottleneck ? planes * 4 : planes;
    if (bottleneck) {
      body = nn::Sequential(conv(in, planes, 1, 1), nn::BatchNorm2d(planes), nn::ReLU(),
                            conv(planes, planes, 3, stride), nn::BatchNorm2d(planes), nn::ReLU(),
                            conv(planes, out, 1, 1), nn::BatchNorm2d(out));
    } else {
      body = nn::Sequential(conv(in, planes, 3, stride), nn::BatchNorm2d(planes), nn::ReLU(),
                            conv(planes, planes, 3, 1), nn::BatchNorm2d(planes));
    }
    register_module("body", body);
    if (stride != 1 || in != out) {
      down =
          register_module("down", nn::Sequential(conv(in, out, 1, stride), nn::BatchNorm2d(out)));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor identity = down ? down->forward(x) : x;
    return torch::relu(body->forward(x) + identity);
  }
  bool bottleneck;
  nn::Sequential body{nullptr}, down{nullptr};
};

// ResNet-18/50; `cifar`: a 3x3 stride-1 stem without max pooling (ResNet_CIFAR).
struct PlainResNet : nn::Module {
  PlainResNet(int depth, bool cifar, int64_t in_channels) {
    const bool bottleneck = depth >= 50;
    const std::vector<int> blocks =
        depth == 18 ? std::vector<int>{2, 2, 2, 2} : std::vector<int>{3, 4, 6, 3};
    stem = cifar ? nn::Sequential(conv(in_channels, 64, 3, 1), nn::BatchNorm2d(64), nn::ReLU())
                 : nn::Sequential(conv(in_channels, 64, 7, 2), nn::BatchNorm2d(64), nn::ReLU(),
                                  nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
    register_module("stem", stem);
    int64_t in = 64;
    for (int s = 0; s < 4; ++s) {
      const int64_t planes = 64 << s;
      for (int b = 0; b < blocks[static_cast<std::size_t>(s)]; ++b) {
        auto block = std::make_shared<PlainBlock>(in, planes, b == 0 && s > 0 ? 2 : 1, bottleneck);
        layers->push_back(block);
        in = bottleneck ? planes * 4 : planes;
      }
    }
    register_module("layers", layers);
    fc = register_module("fc", nn::Linear(in, 10));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = x;
    y = stem->forward(y);
    y = layers->forward(y);
    return fc->forward(y.mean({2, 3}));
  }
  nn::Sequential stem{nullptr};
  nn::Sequential layers;
  nn::Linear fc{nullptr};
};

struct Rates {
  double train = 0, eval = 0;  // images per second
};

// Bare loop: pre-made normalized float batches, SGD, no framework.
template <class Net>
Rates plain_rates(std::shared_ptr<Net> net, int64_t batch, int64_t c, int64_t hw, int iters,
                  int warmup, bool bf16 = false, bool channels_last = false) {
  torch::manual_seed(0);
  if (channels_last) {
    // NHWC weights and inputs (oneDNN's preferred layout for convolutions).
    torch::NoGradGuard no_grad;
    for (auto& p : net->parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
  torch::optim::SGD opt(net->parameters(),
                        torch::optim::SGDOptions(0.01).momentum(0.9).weight_decay(1e-4));
  std::vector<torch::Tensor> xs, ys;
  for (int i = 0; i < 4; ++i) {
    xs.push_back(
        channels_last
            ? torch::randn({batch, c, hw, hw}).contiguous(torch::MemoryFormat::ChannelsLast)
            : torch::randn({batch, c, hw, hw}));
    ys.push_back(torch::randint(0, 10, {batch}));
  }
  Rates r;
  net->train();
  Clock::time_point t0;
  for (int i = 0; i < warmup + iters; ++i) {
    if (i == warmup) t0 = Clock::now();
    opt.zero_grad();
    torch::Tensor out;
    {
      // LibTorch 1.13's CPU autocast (what AmpOptimWrapper(dtype='bfloat16') uses).
      at::autocast::set_cpu_enabled(bf16);
      if (bf16) at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
      out = net->forward(xs[static_cast<std::size_t>(i % 4)]);
      at::autocast::set_cpu_enabled(false);
      if (bf16) at::autocast::clear_cache();
    }
    auto loss = torch::nn::functional::cross_entropy(out.to(torch::kFloat),
                                                     ys[static_cast<std::size_t>(i % 4)]);
    loss.backward();
    opt.step();
  }
  r.train = static_cast<double>(iters * batch) / seconds_since(t0);
  net->eval();
  torch::InferenceMode guard;
  for (int i = 0; i < warmup + iters; ++i) {
    if (i == warmup) t0 = Clock::now();
    net->forward(xs[static_cast<std::size_t>(i % 4)]);
  }
  r.eval = static_cast<double>(iters * batch) / seconds_since(t0);
  return r;
}

// ---------------------------------------------------------------- Runner path

// Random uint8 CHW images with labels, made once.
class BenchImages : public mmcpp::data::BaseDataset {
 public:
  BenchImages(int64_t n, int64_t c, int64_t hw) {
    torch::manual_seed(0);
    const int64_t distinct = std::min<int64_t>(n, 64);
    images_ = torch::randint(0, 256, {distinct, c, hw, hw}, torch::kUInt8);
    labels_ = torch::randint(0, 10, {n});
    n_ = n;
  }
  static std::shared_ptr<BenchImages> from_config(mmcpp::registry::BuildArgs& a) {
    return std::make_shared<BenchImages>(a.require_int("size"), a.get_int("channels", 3),
                                         a.get_int("hw", 32));
  }
  std::size_t size() const override { return static_cast<std::size_t>(n_); }
  mmcpp::data::Sample get(std::size_t i, const mmcpp::data::SampleContext&) override {
    mmcpp::data::Sample s;
    s.inputs = images_[static_cast<int64_t>(i) % images_.size(0)];
    s.data_sample = std::make_shared<mmcpp::data::DataSample>();
    s.data_sample->set_gt_label(labels_[static_cast<int64_t>(i)].reshape({1}));
    return s;
  }

 private:
  torch::Tensor images_, labels_;
  int64_t n_ = 0;
};

// Wall time of the iterations after the first `warmup` (train and val).
struct BenchClock {
  int warmup = 3;
  Clock::time_point start;
  double train_s = 0, val_s = 0;
  int64_t train_iters = 0, val_iters = 0, train_images = 0, val_images = 0;
};
BenchClock& bench_clock() {
  static BenchClock c;  // one per process, read by main() after each run
  return c;
}

class BenchTimerHook : public mmcpp::engine::Hook {
 public:
  static std::shared_ptr<BenchTimerHook> from_config(mmcpp::registry::BuildArgs&) {
    return std::make_shared<BenchTimerHook>();
  }
  std::string name() const override { return "BenchTimerHook"; }
  std::vector<std::string> stages() const override {
    return {"before_train_iter", "after_train_iter", "before_val_iter", "after_val_iter"};
  }
  void before_train_iter(mmcpp::engine::Runner&, int64_t i,
                         const mmcpp::data::DataBatch*) override {
    if (i == bench_clock().warmup) bench_clock().start = Clock::now();
  }
  void after_train_iter(mmcpp::engine::Runner&, int64_t i, const mmcpp::data::DataBatch* b,
                        const mmcpp::engine::NamedTensors&) override {
    BenchClock& c = bench_clock();
    if (i < c.warmup) return;
    c.train_s = seconds_since(c.start);
    c.train_iters = i - c.warmup + 1;
    c.train_images += static_cast<int64_t>(b->data_samples.size());
  }
  void before_val_iter(mmcpp::engine::Runner&, int64_t i, const mmcpp::data::DataBatch*) override {
    if (i == bench_clock().warmup) bench_clock().start = Clock::now();
  }
  void after_val_iter(mmcpp::engine::Runner&, int64_t i, const mmcpp::data::DataBatch* b,
                      const mmcpp::data::DataSamples&) override {
    BenchClock& c = bench_clock();
    if (i < c.warmup) return;
    c.val_s = seconds_since(c.start);
    c.val_iters = i - c.warmup + 1;
    c.val_images += static_cast<int64_t>(b->data_samples.size());
  }
};

std::string temp_work_dir() {
  return (std::filesystem::temp_directory_path() / "mmcpp_bench_models").string();
}

// Runs train() then val() of `cfg`; rates from the BenchTimerHook.
Rates runner_rates(mmcpp::config::Config cfg, int warmup) {
  bench_clock() = BenchClock{};
  bench_clock().warmup = warmup;
  auto r = mmcpp::engine::Runner::from_cfg(cfg);
  r->logger().set_console(false);
  r->train();
  r->val();
  const BenchClock& c = bench_clock();
  std::filesystem::remove_all(temp_work_dir());
  return {c.train_images / c.train_s, c.val_images / c.val_s};
}

std::string synthetic_config(const std::string& model, int64_t batch, int64_t c, int64_t hw,
                             int iters, const std::string& optim_wrapper) {
  const std::string mean = c == 1 ? "[72.94]" : "[125.3, 123.0, 113.9]";
  const std::string std_ = c == 1 ? "[90.02]" : "[63.0, 62.1, 66.7]";
  const std::string n = std::to_string(batch * iters);
  const std::string loader =
      "dict(dataset=dict(type='BenchImages', size=" + n + ", channels=" + std::to_string(c) +
      ", hw=" + std::to_string(hw) +
      "), sampler=dict(type='DefaultSampler', shuffle=False), batch_size=" + std::to_string(batch) +
      ", num_workers=0)";
  return "default_scope = 'mmpretrain'\n"
         "model = " +
         model +
         "\n"
         "data_preprocessor = dict(num_classes=10, mean=" +
         mean + ", std=" + std_ +
         ")\n"
         "train_dataloader = " +
         loader + "\nval_dataloader = " + loader +
         "\nval_evaluator = dict(type='Accuracy', topk=(1, ))\n"
         "val_cfg = dict()\n"
         "train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=100)\n"
         "optim_wrapper = " +
         optim_wrapper +
         "\n"
         "default_hooks = dict(logger=dict(type='LoggerHook', interval=1000), "
         "checkpoint=dict(type='CheckpointHook', interval=1000, save_last=False))\n"
         "custom_hooks = [dict(type='BenchTimerHook')]\n"
         "randomness = dict(seed=0)\n"
         "log_level = 'WARNING'\n"
         "work_dir = '" +
         temp_work_dir() + "'\n";
}

const char* kSgd = "dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001))";
const char* kSgdBf16 =
    "dict(type='AmpOptimWrapper', dtype='bfloat16', "
    "optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001))";

std::string resnet_model(const std::string& backbone, int64_t in_channels) {
  return "dict(type='ImageClassifier', backbone=dict(type='" + backbone +
         "', depth=" + (backbone == "ResNet" ? "50" : "18") +
         ", in_channels=" + std::to_string(in_channels) +
         "), neck=dict(type='GlobalAveragePooling'), head=dict(type='LinearClsHead', "
         "num_classes=10, in_channels=" +
         (backbone == "ResNet" ? "2048" : "512") + "))";
}

// A Python literal as a config value.
mmcpp::config::Value literal(const std::string& text) {
  return *mmcpp::config::Config::fromstring("x = " + text + "\n", ".py").get("x");
}

// The real Fashion-MNIST job from a shipped config: --real-iters training
// iterations, then the whole validation set.
Rates real_rates(const std::string& config_path, int64_t batch, int iters, int warmup) {
  auto cfg = mmcpp::config::Config::fromfile(config_path);
  using mmcpp::config::Value;
  std::vector<std::pair<std::string, Value>> opts = {
      {"train_cfg", literal("dict(by_epoch=True, max_epochs=1, val_interval=100)")},
      {"train_dataloader.batch_size", literal(std::to_string(batch))},
      {"default_hooks.checkpoint", literal("dict(type='CheckpointHook', "
                                           "interval=1000, save_last=False)")},
      {"custom_hooks", literal("[dict(type='BenchTimerHook')]")},
      {"log_level", literal("'WARNING'")},
      {"work_dir", literal("'" + temp_work_dir() + "'")},
  };
  cfg.merge_from_dict(opts);
  // Stop after `iters` iterations: a StopAfter hook would need the runner; the
  // loop runs one epoch of a dataset cut to `iters` batches instead.
  cfg.merge_from_dict(
      {{"train_dataloader.dataset.indices", literal(std::to_string(batch * iters))}});
  return runner_rates(cfg, warmup);
}

}  // namespace

MMCPP_REGISTER(mmcpp::registry::DATASETS, BenchImages, "dict(type='BenchImages', size=4)");
MMCPP_REGISTER(mmcpp::registry::HOOKS, BenchTimerHook, "dict(type='BenchTimerHook')");

int main(int argc, char** argv) {
  // The OpenMP wait policy mmcpp's launcher sets (PASSIVE unless the user chose
  // one) is read when libgomp loads, before main(): set it and run this program
  // again, as the launcher does, so the Runner figures match `mmcpp train` (with
  // spinning pool threads a loaded machine slows the 2-thread jobs ~10x).
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr &&
      std::getenv("KMP_BLOCKTIME") == nullptr) {
    mmcpp::default_openmp_wait_policy();
    execv("/proc/self/exe", argv);  // returns only on failure: then go on as we are
  }
  int iters = 10, warmup = 3, real_iters = 150;
  bool no_resnet50 = false, no_real = false, no_large = false;
  CLI::App app{"Classifier throughput: Runner + ImageClassifier vs plain LibTorch"};
  app.add_option("--iters", iters, "timed iterations per synthetic measurement (ResNet-50: 1/3)");
  app.add_option("--real-iters", real_iters, "training iterations of the real Fashion-MNIST runs");
  app.add_flag("--no-resnet50", no_resnet50, "skip ResNet-50 (slow on 2 cores)");
  app.add_flag("--no-real", no_real, "skip the real Fashion-MNIST runs");
  app.add_flag("--no-large", no_large, "skip ConvNeXt-T, ViT-B/16, Swin-T and EfficientNet-B0");
  CLI11_PARSE(app, argc, argv);
  // Uses libmmcpp_pretrain (its components register when it loads; a linker
  // with --as-needed drops a library nothing refers to).
  (void)mmcpp::pretrain::DATASETS();

  // The real runs first: after ResNet-50's large tensors the allocator's heap
  // is fragmented and small jobs in the same process run several times slower.
  struct RealResult {
    std::string name;
    Rates rates;
  };
  std::vector<RealResult> real_results;
  if (!no_real) {
    const std::string src = MMCPP_SOURCE_DIR;
    struct Real {
      std::string name, config;
      int64_t batch;
    };
    std::vector<Real> reals = {
        {"main job: ResNet_CIFAR-18 w16 (its config)",
         src + "/configs/resnet/resnet18-cifar-w16_1xb128-4e_fashion-mnist.py", 128},
        {"LeNet-5 (configs/lenet, batch 128 as the peer)",
         src + "/configs/lenet/lenet5_8xb32_fashion-mnist.py", 128},
    };
    for (const Real& j : reals)
      real_results.push_back({j.name, real_rates(j.config, j.batch, real_iters, warmup)});
  }

  struct Row {
    std::string name;
    Rates runner, plain;
    int runner_threads = 0, plain_threads = 0;
  };
  std::vector<Row> rows;
  using mmcpp::config::Config;
  const int cores = mmcpp::available_cores();

  // The Runner first (its thread policy picks the intra-op threads from the
  // model's work), then the plain loop: on the Runner's thread count and, for
  // the small nets, on each other count too, the best taken as the limit.
  auto measure = [&](const std::string& name, const std::function<Rates()>& plain,
                     const std::string& model, int64_t batch, int64_t c, int64_t hw, int n,
                     int warm, const char* optim, bool sweep_threads) {
    Row row{name, {}, {}, 0, 0};
    row.runner = runner_rates(
        Config::fromstring(synthetic_config(model, batch, c, hw, warm + n, optim), ".py"), warm);
    row.runner_threads = at::get_num_threads();
    std::vector<int> counts = {row.runner_threads};
    if (sweep_threads)
      for (int t = 1; t <= cores; ++t)
        if (t != row.runner_threads) counts.push_back(t);
    for (int t : counts) {
      at::set_num_threads(t);
      Rates r = plain();
      if (r.train > row.plain.train) {
        row.plain = r;
        row.plain_threads = t;
      }
    }
    rows.push_back(row);
    std::fprintf(stderr, "%s: done\n", name.c_str());
  };

  measure(
      "LeNet5, batch 128, 1x32x32",
      [&] { return plain_rates(std::make_shared<PlainLeNet5>(), 128, 1, 32, iters * 3, warmup); },
      "dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=10), "
      "head=dict(type='ClsHead'))",
      128, 1, 32, iters * 3, warmup, kSgd, true);
  measure(
      "ResNet_CIFAR-18, batch 128, 3x32x32",
      [&] {
        return plain_rates(std::make_shared<PlainResNet>(18, true, 3), 128, 3, 32, iters, warmup);
      },
      resnet_model("ResNet_CIFAR", 3), 128, 3, 32, iters, warmup, kSgd, true);
  const std::size_t fp32_cifar = rows.size() - 1;
  const int amp_iters = std::max(2, iters / 3);
  measure(
      "ResNet_CIFAR-18, bf16 AMP (AmpOptimWrapper / autocast)",
      [&] {
        return plain_rates(std::make_shared<PlainResNet>(18, true, 3), 128, 3, 32, amp_iters, 1,
                           true);
      },
      resnet_model("ResNet_CIFAR", 3), 128, 3, 32, amp_iters, 1, kSgdBf16, false);
  const std::size_t amp_cifar = rows.size() - 1;
  if (!no_resnet50) {
    const int n = std::max(2, iters / 3);
    measure(
        "ResNet-50, batch 16, 3x224x224",
        [&] { return plain_rates(std::make_shared<PlainResNet>(50, false, 3), 16, 3, 224, n, 1); },
        resnet_model("ResNet", 3), 16, 3, 224, n, 1, kSgd, false);
  }
  // channels_last (NHWC) against the default layout, plain LibTorch, same threads.
  struct LayoutRow {
    std::string name;
    Rates nchw, nhwc;
  };
  std::vector<LayoutRow> layouts;
  if (!no_resnet50) {
    const int n = std::max(2, iters / 3);
    at::set_num_threads(cores);
    layouts.push_back(
        {"ResNet-50, batch 16",
         plain_rates(std::make_shared<PlainResNet>(50, false, 3), 16, 3, 224, n, 1),
         plain_rates(std::make_shared<PlainResNet>(50, false, 3), 16, 3, 224, n, 1, false, true)});
    layouts.push_back(
        {"ResNet_CIFAR-18, batch 128",
         plain_rates(std::make_shared<PlainResNet>(18, true, 3), 128, 3, 32, iters, warmup),
         plain_rates(std::make_shared<PlainResNet>(18, true, 3), 128, 3, 32, iters, warmup, false,
                     true)});
    std::fprintf(stderr, "channels_last: done\n");
  }
  if (!no_large) {
    const int n = std::max(2, iters / 3);
    measure(
        "ConvNeXt-T, batch 16, 3x224x224",
        [&] { return plain_rates(bench::PlainConvNeXt().ptr(), 16, 3, 224, n, 1); },
        "dict(type='ImageClassifier', backbone=dict(type='ConvNeXt', arch='tiny'), "
        "head=dict(type='LinearClsHead', num_classes=10, in_channels=768))",
        16, 3, 224, n, 1, kSgd, false);
    measure(
        "ViT-B/16, batch 8, 3x224x224",
        [&] { return plain_rates(bench::PlainViT().ptr(), 8, 3, 224, n, 1); },
        "dict(type='ImageClassifier', backbone=dict(type='VisionTransformer', arch='b', "
        "img_size=224, patch_size=16), head=dict(type='VisionTransformerClsHead', "
        "num_classes=10, in_channels=768))",
        8, 3, 224, n, 1, kSgd, false);
    measure(
        "Swin-T, batch 16, 3x224x224",
        [&] { return plain_rates(bench::PlainSwin().ptr(), 16, 3, 224, n, 1); },
        "dict(type='ImageClassifier', backbone=dict(type='SwinTransformer', arch='tiny', "
        "img_size=224), neck=dict(type='GlobalAveragePooling'), "
        "head=dict(type='LinearClsHead', num_classes=10, in_channels=768))",
        16, 3, 224, n, 1, kSgd, false);
    measure(
        "EfficientNet-B0, batch 16, 3x224x224",
        [&] { return plain_rates(bench::PlainEfficientNet().ptr(), 16, 3, 224, n, 1); },
        "dict(type='ImageClassifier', backbone=dict(type='EfficientNet', arch='b0'), "
        "neck=dict(type='GlobalAveragePooling'), "
        "head=dict(type='LinearClsHead', num_classes=10, in_channels=1280))",
        16, 3, 224, n, 1, kSgd, false);
  }

  std::printf("## models: whole classifiers, %d cores\n\n", cores);
  std::printf(
      "| network | train img/s: Runner | plain LibTorch | ratio | eval img/s: Runner | plain "
      "| ratio | threads: Runner / plain |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f | %d / %d |\n", r.name.c_str(),
                r.runner.train, r.plain.train, r.runner.train / r.plain.train, r.runner.eval,
                r.plain.eval, r.runner.eval / r.plain.eval, r.runner_threads, r.plain_threads);
  }
  if (!layouts.empty()) {
    std::printf(
        "\n### channels_last (NHWC) vs the default NCHW layout, plain LibTorch, %d threads\n\n"
        "| network | train NCHW | train NHWC | NHWC / NCHW | eval NCHW | eval NHWC | NHWC / NCHW "
        "|\n|---|---|---|---|---|---|---|\n",
        cores);
    for (const LayoutRow& l : layouts)
      std::printf("| %s | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f |\n", l.name.c_str(),
                  l.nchw.train, l.nhwc.train, l.nhwc.train / l.nchw.train, l.nchw.eval, l.nhwc.eval,
                  l.nhwc.eval / l.nchw.eval);
  }
  std::printf("\nbf16 AMP / fp32 for ResNet_CIFAR-18 training: Runner %.2fx, plain %.2fx\n",
              rows[amp_cifar].runner.train / rows[fp32_cifar].runner.train,
              rows[amp_cifar].plain.train / rows[fp32_cifar].plain.train);

  if (!no_real) {
    std::printf(
        "\n### Real Fashion-MNIST training (shipped configs, real data and loader), %d "
        "iterations + full validation\n\n",
        real_iters);
    std::printf(
        "| job | train img/s | val img/s | train vs peer LeNet-5 (2,910) | val vs peer "
        "(3,760) |\n|---|---|---|---|---|\n");
    for (const RealResult& j : real_results) {
      const Rates& r = j.rates;
      std::printf("| %s | %.0f | %.0f | %.2fx | %.2fx |\n", j.name.c_str(), r.train, r.eval,
                  r.train / 2910.0, r.eval / 3760.0);
    }
    std::printf(
        "\nPeer: Python MMEngine + MMPretrain, LeNet-5 on Fashion-MNIST, batch 128, 2 threads "
        "(../shared/reference/peer-baseline.md, recorded on the same machine kind, not rerun "
        "here).\n");
  }
  return 0;
}
