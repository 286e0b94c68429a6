// DDP on c10d::Reducer (DistributedDataParallel, MMDistributedDataParallel,
// MMSeparateDistributedDataParallel): 2 ranks, each with half of every batch,
// train exactly like one process with the whole batch.
#include "mmcpp/engine/dist/distributed.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <mutex>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/dist/dist.h"
#include "mmcpp/engine/dist/dist_context.h"
#include "mmcpp/engine/dist/seperate_distributed.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "tests/engine/dist/dist_test_util.h"

namespace mmcpp::dist {
namespace {

using testing::run_ranks;

struct Mlp : torch::nn::Module {
  Mlp() {
    a = register_module("a", torch::nn::Linear(5, 16));
    b = register_module("b", torch::nn::Linear(16, 3));
    unused = register_module("unused", torch::nn::Linear(3, 3));
  }
  torch::Tensor forward(const torch::Tensor& x) { return b(torch::tanh(a(x))); }
  torch::nn::Linear a{nullptr}, b{nullptr}, unused{nullptr};
};

// Each from a generator of its own: the ranks run as threads of this process,
// and seeding the global generator from both would race.
torch::Tensor inputs(int step) {
  at::Generator g = at::detail::createCPUGenerator(static_cast<std::uint64_t>(100 + step));
  return torch::randn({8, 5}, g);
}
torch::Tensor targets(int step) {
  at::Generator g = at::detail::createCPUGenerator(static_cast<std::uint64_t>(200 + step));
  return torch::randn({8, 3}, g);
}

void copy_params(torch::nn::Module& to, torch::nn::Module& from) {
  torch::NoGradGuard g;
  auto src = from.named_parameters();
  for (auto& p : to.named_parameters()) p.value().copy_(src[p.key()]);
}

void expect_params_close(torch::nn::Module& a, torch::nn::Module& b, double tol) {
  auto pb = b.named_parameters();
  for (auto& p : a.named_parameters()) {
    double err = (p.value() - pb[p.key()]).abs().max().item<double>();
    EXPECT_LE(err, tol) << p.key();
  }
}

// Plain SGD steps of the whole batch on one process.
void train_single(Mlp& net, int steps, bool include_unused) {
  torch::optim::SGD opt(net.parameters(), torch::optim::SGDOptions(0.1));
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    torch::Tensor loss = torch::mse_loss(net.forward(inputs(s)), targets(s));
    if (include_unused) loss = loss + 0 * net.unused(targets(s)).sum();
    loss.backward();
    opt.step();
  }
}

TEST(DistributedDataParallel, TwoRanksEqualOneProcess) {
  for (double bucket_mb : {25.0, 0.0002}) {  // one bucket, then many (rebuilt after step 1)
    torch::manual_seed(0);
    Mlp reference;
    Mlp single;
    copy_params(single, reference);
    train_single(single, 4, /*include_unused=*/true);
    std::mutex mutex;
    run_ranks(2, [&](const std::shared_ptr<DistContext>& ctx) {
      torch::manual_seed(ctx->rank() + 7);  // rank 1 starts elsewhere: DDP broadcasts rank 0's
      Mlp net;
      if (ctx->rank() == 0) copy_params(net, reference);
      DDPOptions o;
      o.bucket_cap_mb = bucket_mb;
      DistributedDataParallel ddp(net, ctx, o);
      expect_params_close(net, reference, 0);
      torch::optim::SGD opt(net.parameters(), torch::optim::SGDOptions(0.1));
      const std::int64_t r = ctx->rank();
      for (int s = 0; s < 4; ++s) {
        opt.zero_grad();
        ddp.pre_forward();
        torch::Tensor x = inputs(s).slice(0, 4 * r, 4 * r + 4);
        torch::Tensor loss =
            torch::mse_loss(net.forward(x), targets(s).slice(0, 4 * r, 4 * r + 4)) +
            0 * net.unused(x.slice(1, 0, 3)).sum();
        ddp.post_forward({loss});
        loss.backward();
        opt.step();
      }
      std::lock_guard<std::mutex> lock(mutex);
      expect_params_close(net, single, 1e-6);
    });
  }
}

TEST(DistributedDataParallel, FindUnusedParameters) {
  run_ranks(2, [](const std::shared_ptr<DistContext>& ctx) {
    torch::manual_seed(0);
    Mlp net;
    DDPOptions o;
    o.find_unused_parameters = true;
    DistributedDataParallel ddp(net, ctx, o);
    for (int s = 0; s < 3; ++s) {
      ddp.pre_forward();
      torch::Tensor loss =
          net.forward(inputs(s).slice(0, 4 * ctx->rank(), 4 * ctx->rank() + 4)).pow(2).mean();
      ddp.post_forward({loss});
      loss.backward();
    }
    EXPECT_FALSE(net.unused->weight.grad().defined() &&
                 net.unused->weight.grad().abs().sum().item<float>() != 0);
    // Gradients are the same on both ranks.
    torch::Tensor g = net.a->weight.grad().clone();
    auto all = all_gather(ctx.get(), g);
    EXPECT_TRUE(torch::equal(all[0], all[1]));
  });
}

TEST(DistributedDataParallel, UnusedParameterWithoutFindUnusedIsAnError) {
  run_ranks(2, [](const std::shared_ptr<DistContext>& ctx) {
    torch::manual_seed(0);
    Mlp net;
    DistributedDataParallel ddp(net, ctx, DDPOptions{});
    auto step = [&] {
      ddp.pre_forward();
      torch::Tensor loss = net.forward(inputs(0)).pow(2).mean();
      ddp.post_forward({loss});
      loss.backward();
    };
    step();
    // PyTorch's "Expected to have finished reduction in the prior iteration".
    EXPECT_THROW(step(), c10::Error);
  });
}

// A BaseModel around Mlp: loss = mse(net(inputs), gt_score).
struct TinyModel : engine::BaseModel {
  TinyModel() { net = register_module("net", std::make_shared<Mlp>()); }
  engine::ModelOutput forward(const data::DataBatch& batch, engine::ForwardMode) override {
    std::vector<torch::Tensor> t;
    for (const auto& s : batch.data_samples) t.push_back(s->get("gt_score"));
    engine::ModelOutput out;
    out.losses.emplace_back("loss", torch::mse_loss(net->forward(batch.inputs), torch::stack(t)) +
                                        0 * net->unused(torch::stack(t)).sum());
    return out;
  }
  std::shared_ptr<Mlp> net;
};

data::DataBatch make_batch(int step, std::int64_t begin, std::int64_t end) {
  data::DataBatch b;
  b.inputs = inputs(step).slice(0, begin, end);
  torch::Tensor y = targets(step);
  for (std::int64_t i = begin; i < end; ++i) {
    auto s = std::make_shared<data::DataSample>();
    s->set("gt_score", y[i]);
    b.data_samples.push_back(s);
  }
  return b;
}

std::shared_ptr<engine::OptimWrapper> sgd_wrapper(torch::nn::Module& m, int accumulate) {
  auto sgd = std::make_shared<torch::optim::SGD>(m.parameters(), torch::optim::SGDOptions(0.1));
  return std::make_shared<engine::OptimWrapper>(sgd, accumulate, config::Value());
}

// Gradient accumulation: the first iteration of each pair runs under no_sync
// (local gradients differ between the ranks), the second all-reduces the sum.
TEST(MMDistributedDataParallel, AccumulationUsesNoSyncAndMatchesOneProcess) {
  torch::manual_seed(0);
  auto single = std::make_shared<TinyModel>();
  auto reference = std::make_shared<TinyModel>();
  copy_params(*reference, *single);
  {
    auto w = sgd_wrapper(*single, 2);
    w->initialize_count_status(0, 4);
    for (int s = 0; s < 4; ++s) single->train_step(make_batch(s, 0, 8), *w);
  }
  std::mutex mutex;
  run_ranks(2, [&](const std::shared_ptr<DistContext>& ctx) {
    auto model = std::make_shared<TinyModel>();
    copy_params(*model, *reference);
    DDPOptions o;
    o.find_unused_parameters = false;
    MMDistributedDataParallel wrapper(model, ctx, o);
    auto w = sgd_wrapper(*model, 2);
    w->initialize_count_status(0, 4);
    const std::int64_t r = ctx->rank();
    for (int s = 0; s < 4; ++s) {
      auto log = wrapper.train_step(make_batch(s, 4 * r, 4 * r + 4), *w);
      ASSERT_EQ(log.front().first, "loss");
      if (s == 0) {
        auto grads = all_gather(ctx.get(), model->net->a->weight.grad().clone());
        EXPECT_FALSE(torch::equal(grads[0], grads[1])) << "no_sync did not hold the reduction";
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    expect_params_close(*model, *single, 1e-6);
  });
}

// Two submodules with one DDP each; the model's own train_step runs two
// backward passes, the first of which reaches only `disc`.
struct TwoPart : engine::BaseModel {
  TwoPart() {
    gen = register_module("gen", torch::nn::Linear(5, 4));
    disc = register_module("disc", torch::nn::Linear(4, 1));
  }
  engine::ModelOutput forward(const data::DataBatch& batch, engine::ForwardMode) override {
    engine::ModelOutput out;
    out.tensors.push_back(disc(gen(batch.inputs)));
    return out;
  }
  engine::NamedTensors train_step(const data::DataBatch& batch, engine::OptimWrapper& w) override {
    torch::Tensor fake = gen(batch.inputs);
    torch::Tensor loss_d = disc(fake.detach()).pow(2).mean();
    w.update_params(loss_d);
    torch::Tensor loss_g = (disc(gen(batch.inputs)) - 1).pow(2).mean();
    w.update_params(loss_g);
    return {{"loss", loss_g.detach()}};
  }
  torch::nn::Linear gen{nullptr}, disc{nullptr};
};

TEST(MMSeparateDistributedDataParallel, OneDdpPerSubmoduleMatchesOneProcess) {
  torch::manual_seed(0);
  auto single = std::make_shared<TwoPart>();
  auto reference = std::make_shared<TwoPart>();
  copy_params(*reference, *single);
  {
    auto w = sgd_wrapper(*single, 1);
    for (int s = 0; s < 3; ++s) single->train_step(make_batch(s, 0, 8), *w);
  }
  std::mutex mutex;
  run_ranks(2, [&](const std::shared_ptr<DistContext>& ctx) {
    auto model = std::make_shared<TwoPart>();
    copy_params(*model, *reference);
    MMSeparateDistributedDataParallel wrapper(model, ctx, DDPOptions{});
    EXPECT_EQ(wrapper.wrapped_names(), (std::vector<std::string>{"gen", "disc"}));
    auto w = sgd_wrapper(*model, 1);
    const std::int64_t r = ctx->rank();
    for (int s = 0; s < 3; ++s) wrapper.train_step(make_batch(s, 4 * r, 4 * r + 4), *w);
    std::lock_guard<std::mutex> lock(mutex);
    expect_params_close(*model, *single, 1e-6);
  });
}

TEST(MMDistributedDataParallel, WithoutGroupPassesThrough) {
  auto model = std::make_shared<TinyModel>();
  MMDistributedDataParallel wrapper(model, nullptr, DDPOptions{});
  EXPECT_EQ(wrapper.ddp(), nullptr);
  auto w = sgd_wrapper(*model, 1);
  auto log = wrapper.train_step(make_batch(0, 0, 8), *w);
  EXPECT_EQ(log.front().first, "loss");
}

}  // namespace
}  // namespace mmcpp::dist
