// OptimWrapperDict (MMEngine semantics) and MultiOptimWrapperConstructor
// (MMagic's), including a Runner that trains a two-optimizer model and resumes it
// from its checkpoint.
#include <gtest/gtest.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>

#include <filesystem>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/engine/optim/multi_optimizer_constructor.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/optim/optim_wrapper_dict.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;
namespace nn = torch::nn;

Value parse(const std::string& text) {
  return config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

template <class Fn>
void expect_error(Fn fn, const std::string& kind, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected " << kind;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

struct Gan : nn::Module {
  Gan() {
    generator = register_module("generator", nn::Linear(2, 2));
    discriminator = register_module("discriminator", nn::Linear(2, 1));
  }
  nn::Linear generator{nullptr}, discriminator{nullptr};
};

TEST(OptimWrapperDict, MMEngineSemantics) {
  Gan gan;
  auto g = build_optim_wrapper(*gan.generator,
                               parse("dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9), "
                                     "paramwise_cfg=dict(bias_lr_mult=2.0))"));
  auto d = build_optim_wrapper(
      *gan.discriminator, parse("dict(optimizer=dict(type='Adam', lr=0.01, betas=(0.5, 0.9)))"));
  OptimWrapperDict dict({{"generator", g}, {"discriminator", d}});
  EXPECT_EQ(dict.size(), 2u);
  EXPECT_EQ(dict.keys(), (std::vector<std::string>{"generator", "discriminator"}));
  EXPECT_TRUE(dict.contains("generator"));
  EXPECT_EQ(&dict["discriminator"], d.get());
  expect_error([&] { dict["encoder"]; }, "AssertionError",
               "Cannot find encoder in OptimWrapperDict");

  auto lr = dict.get_lr();
  EXPECT_EQ(lr.size(), 3u);
  EXPECT_EQ(lr["generator.base_lr"], std::vector<double>{0.1});
  EXPECT_EQ(lr["generator.lr"], (std::vector<double>{0.1, 0.2}));
  EXPECT_EQ(lr["discriminator.lr"], std::vector<double>{0.01});
  auto m = dict.get_momentum();
  EXPECT_EQ(m["generator.momentum"], (std::vector<double>{0.9, 0.9}));
  EXPECT_EQ(m["discriminator.momentum"], std::vector<double>{0.5});

  torch::Tensor x = torch::ones({3, 2});
  torch::Tensor loss = gan.discriminator->forward(gan.generator->forward(x)).sum();
  expect_error([&] { dict.update_params(loss); }, "NotImplementedError", "update_params");
  expect_error([&] { dict.backward(loss); }, "NotImplementedError", "backward");
  expect_error([&] { dict.step(); }, "NotImplementedError", "step");
  expect_error([&] { dict.state_dict(); }, "TypeError", "state_dicts");
  // Each wrapper steps on its own; zero_grad clears all.
  dict["generator"].update_params(loss, /*step=*/true, /*zero=*/false);
  dict["discriminator"].step();
  EXPECT_TRUE(gan.discriminator->weight.grad().defined());
  dict.zero_grad();
  for (const auto& p : gan.parameters())
    EXPECT_TRUE(!p.grad().defined() || p.grad().abs().sum().item<double>() == 0);

  // State per name; loading needs known names and leaves the others alone.
  auto states = dict.state_dicts();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].first, "generator");
  EXPECT_EQ(states[0].second.param_groups.size(), 2u);
  EXPECT_FALSE(states[1].second.state.empty());  // Adam stepped
  Gan gan2;
  auto g2 = build_optim_wrapper(*gan2.generator,
                                parse("dict(optimizer=dict(type='SGD', lr=0.5, momentum=0.9), "
                                      "paramwise_cfg=dict(bias_lr_mult=2.0))"));
  auto d2 =
      build_optim_wrapper(*gan2.discriminator, parse("dict(optimizer=dict(type='Adam', lr=0.01))"));
  OptimWrapperDict dict2({{"generator", g2}, {"discriminator", d2}});
  dict2.load_state_dicts(states);
  EXPECT_EQ(dict2.get_lr(), dict.get_lr());
  EXPECT_EQ(dict2.get_momentum(), dict.get_momentum());
  auto reloaded = dict2.state_dicts();
  ASSERT_EQ(reloaded[0].second.state.size(), states[0].second.state.size());
  for (const auto& [index, buffers] : states[0].second.state)
    EXPECT_TRUE(buffers[0].second.equal(reloaded[0].second.state.at(index)[0].second));
  expect_error(
      [&] {
        dict2.load_state_dicts({{"encoder", states[0].second}});
      },
      "AssertionError", "cannot found encoder in OptimWrapperDict");
  expect_error(
      [&] {
        OptimWrapperDict bad({{"g", nullptr}});
      },
      "AssertionError", "only accept OptimWrapper");
}

// mmagic's docstring example 2: direct children, dotted names and regexes.
struct TextEncoder : nn::Module {
  TextEncoder() { register_module("embedding", nn::Embedding(10, 4)); }
};
struct GanPair : nn::Module {
  GanPair() {
    register_module("generator", nn::Linear(3, 3));
    register_module("discriminator", nn::Linear(3, 1));
  }
};
struct ToyModel : nn::Module {
  ToyModel() {
    register_module("m1", std::make_shared<GanPair>());
    register_module("m2", nn::Linear(3, 3));
    register_module("m3", nn::Linear(2, 2));
    register_module("text_encoder", std::make_shared<TextEncoder>());
  }
};

std::size_t num_params(OptimWrapper& w) {
  std::size_t n = 0;
  for (auto& g : w.optimizer().param_groups()) n += g.params().size();
  return n;
}

TEST(MultiOptimWrapperConstructor, OneWrapperPerModule) {
  ToyModel model;
  auto ow = build_optim_wrapper(model, parse(R"({
      'constructor': 'MultiOptimWrapperConstructor',
      'm2': dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-5),
                 paramwise_cfg=dict(custom_keys={'bias': dict(lr_mult=0.5)})),
      '.*embedding': dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))),
      'm1.generator': dict(optimizer=dict(type='SGD', lr=1e-5))})"));
  auto* dict = dynamic_cast<OptimWrapperDict*>(ow.get());
  ASSERT_NE(dict, nullptr);
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"m2", ".*embedding", "m1.generator"}));
  // A direct child with its own paramwise_cfg: one group per parameter.
  EXPECT_EQ((*dict)["m2"].get_lr()["lr"], (std::vector<double>{1e-5, 5e-6}));
  // A regex over named_modules (text_encoder.embedding) and a dotted name.
  EXPECT_EQ(num_params((*dict)[".*embedding"]), 1u);
  EXPECT_EQ((*dict)[".*embedding"].get_momentum()["momentum"], std::vector<double>{0.9});
  EXPECT_EQ(num_params((*dict)["m1.generator"]), 2u);
  EXPECT_TRUE(dynamic_cast<torch::optim::SGD*>(&(*dict)["m1.generator"].optimizer()));

  // `modules` of an entry; top-level `modules`: one wrapper over several modules.
  auto one = build_optim_wrapper(model, parse(R"(dict(
      constructor='MultiOptimWrapperConstructor',
      g=dict(modules=['m2', 'm3'], optimizer=dict(type='SGD', lr=0.1))))"));
  EXPECT_EQ(num_params((*dynamic_cast<OptimWrapperDict*>(one.get()))["g"]), 4u);
  auto single = build_optim_wrapper(model, parse(R"(dict(
      constructor='MultiOptimWrapperConstructor', modules=['m2', 'text_encoder'],
      optimizer=dict(type='Adam', lr=0.0002), accumulative_counts=2))"));
  EXPECT_EQ(dynamic_cast<OptimWrapperDict*>(single.get()), nullptr);
  EXPECT_EQ(num_params(*single), 3u);
  EXPECT_EQ(single->accumulative_counts(), 2);

  expect_error(
      [&] {
        build_optim_wrapper(model, parse("dict(constructor='MultiOptimWrapperConstructor', "
                                         "paramwise_cfg=dict(norm_decay_mult=0.), "
                                         "m2=dict(optimizer=dict(type='SGD', lr=0.1)))"));
      },
      "AssertionError", "paramwise_cfg should be set in each optimizer separately");
  expect_error(
      [&] {
        build_optim_wrapper(model, parse("dict(constructor='MultiOptimWrapperConstructor', "
                                         "x=dict(modules=['m2', 'm3'], optimizer=dict(type='SGD', "
                                         "lr=0.1, weight_decay=0.1), "
                                         "paramwise_cfg=dict(norm_decay_mult=0.)))"));
      },
      "AssertionError", "Do not support paramwise_cfg for multi module optimizer.");
  expect_error(
      [&] {
        build_optim_wrapper(model, parse("dict(constructor='MultiOptimWrapperConstructor', "
                                         "nothing=dict(optimizer=dict(type='SGD', lr=0.1)))"));
      },
      "ValueError", "empty parameter list");
}

// A two-optimizer model: each train_step updates the discriminator, then the
// generator, through its own wrapper of the OptimWrapperDict.
class ToyGan : public BaseModel {
 public:
  ToyGan() {
    generator_ = register_module("generator", nn::Linear(2, 2));
    discriminator_ = register_module("discriminator", nn::Linear(2, 1));
  }
  static std::shared_ptr<ToyGan> from_config(registry::BuildArgs& args) {
    auto m = std::make_shared<ToyGan>();
    m->configure_base(args);
    return m;
  }
  ModelOutput forward(const data::DataBatch& batch, ForwardMode) override {
    ModelOutput out;
    out.tensors.push_back(generator_->forward(inputs(batch)));
    return out;
  }
  NamedTensors train_step(const data::DataBatch& batch, OptimWrapper& optim_wrapper) override {
    auto& wrappers = dynamic_cast<OptimWrapperDict&>(optim_wrapper);
    torch::Tensor x = inputs(batch);
    torch::Tensor d_loss = discriminator_->forward(generator_->forward(x).detach()).pow(2).mean();
    wrappers["discriminator"].update_params(d_loss);
    torch::Tensor g_loss = (1 - discriminator_->forward(generator_->forward(x))).pow(2).mean();
    wrappers["generator"].update_params(g_loss);
    discriminator_->zero_grad();
    return {{"loss_d", d_loss.detach()}, {"loss_g", g_loss.detach()}};
  }

 private:
  static torch::Tensor inputs(const data::DataBatch& batch) {
    return (batch.inputs.defined() ? batch.inputs : torch::stack(batch.input_list))
        .to(torch::kFloat);
  }
  nn::Linear generator_{nullptr}, discriminator_{nullptr};
};

MMCPP_REGISTER(registry::MODELS, ToyGan, "dict(type='ToyGan')");

TEST(MultiOptimWrapperConstructor, RunnerSavesAndResumesEveryOptimizer) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("mmcpp_gan_runner_" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto make_cfg = [&](const std::string& work_dir, const std::string& extra) {
    std::string text = R"(
model = dict(type='ToyGan')
work_dir = ')" + work_dir +
                       R"('
train_dataloader = dict(dataset=dict(type='ToyDataset', size=8),
                        sampler=dict(type='DefaultSampler', shuffle=False), batch_size=2)
train_cfg = dict(by_epoch=True, max_epochs=2)
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.01),
                       paramwise_cfg=dict(bias_lr_mult=2.0)))
param_scheduler = dict(
    generator=dict(type='MultiStepLR', milestones=[1], gamma=0.5),
    discriminator=[dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0, end=6)])
default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
randomness = dict(seed=0)
)" + extra;
    return config::Config::fromstring(text, ".py");
  };
  auto r1 = Runner::from_cfg(make_cfg((root / "a").string(), ""));
  r1->train();
  auto& dict1 = dynamic_cast<OptimWrapperDict&>(r1->optim_wrapper());
  // Per-wrapper schedulers: generator halved after epoch 1, discriminator warmed up.
  EXPECT_DOUBLE_EQ(dict1.get_lr()["generator.lr"][0], 0.05);
  EXPECT_DOUBLE_EQ(dict1.get_lr()["discriminator.lr"][0], 0.01);
  EXPECT_DOUBLE_EQ(dict1.get_lr()["discriminator.lr"][1], 0.02);
  EXPECT_EQ(r1->param_schedulers().size(), 2u);

  // The checkpoint holds MMEngine's dicts keyed by optimizer name.
  std::string ckpt_path = (root / "a" / "epoch_2.pth").string();
  io::PyObject ckpt = read_checkpoint(ckpt_path);
  const io::PyObject& opt = ckpt.get("optimizer");
  ASSERT_TRUE(opt.is_dict());
  ASSERT_NE(opt.find("generator"), nullptr);
  ASSERT_NE(opt.find("discriminator"), nullptr);
  EXPECT_EQ(opt.get("discriminator").get("param_groups").size(), 2u);
  EXPECT_NE(opt.get("discriminator").find("base_param_settings"), nullptr);
  const io::PyObject& ps = ckpt.get("param_schedulers");
  ASSERT_TRUE(ps.is_dict());
  EXPECT_EQ(ps.get("generator").size(), 1u);
  EXPECT_EQ(ps.get("discriminator").size(), 1u);

  // Resume into a fresh runner: optimizer states and schedules come back.
  auto r2 =
      Runner::from_cfg(make_cfg((root / "b").string(),
                                "train_cfg = dict(by_epoch=True, max_epochs=2)\nresume = True\n"
                                "load_from = '" +
                                    ckpt_path + "'\n"));
  r2->train();
  auto& dict2 = dynamic_cast<OptimWrapperDict&>(r2->optim_wrapper());
  EXPECT_EQ(dict2.get_lr(), dict1.get_lr());
  auto s1 = dict1.state_dicts(), s2 = dict2.state_dicts();
  ASSERT_EQ(s1.size(), s2.size());
  for (std::size_t i = 0; i < s1.size(); ++i) {
    ASSERT_EQ(s1[i].second.state.size(), s2[i].second.state.size()) << s1[i].first;
    for (const auto& [index, buffers] : s1[i].second.state) {
      const auto& other = s2[i].second.state.at(index);
      ASSERT_EQ(buffers.size(), other.size());
      for (std::size_t b = 0; b < buffers.size(); ++b)
        EXPECT_TRUE(buffers[b].second.equal(other[b].second))
            << s1[i].first << " " << buffers[b].first;
    }
  }
  for (std::size_t i = 0; i < r1->param_schedulers().size(); ++i)
    EXPECT_TRUE(
        r1->param_schedulers()[i]->state_dict().equals(r2->param_schedulers()[i]->state_dict()));

  // A config dict of wrappers needs a constructor (a config cannot hold built ones).
  auto bad = make_cfg((root / "c").string(),
                      "optim_wrapper = dict(generator=dict(optimizer=dict(type='SGD', "
                      "lr=0.1)))\nparam_scheduler = None\n");
  auto r3 = Runner::from_cfg(bad);
  expect_error([&] { r3->train(); }, "ValueError", "each item mush be an optimizer object");
  fs::remove_all(root);
}

}  // namespace
}  // namespace mmcpp::engine
