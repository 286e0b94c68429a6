// EDSR x2 (c64b16, MMagic's edsr_x2c64b16 generator) training speed: iterations/s
// on 48x48 LR patches (96x96 GT), batch 16, Adam, L1 loss.
//
//   mmcpp      BaseEditModel.train_step: uint8 samples (pseudo_collate list) ->
//              DataPreprocessor (normalise, GT too) -> EDSRNet -> L1Loss ->
//              OptimWrapper (backward, Adam step, zero_grad)
//   bare       the same EDSRNet in a hand-written LibTorch loop: float inputs
//              prepared beforehand, forward, l1_loss, backward, torch::optim::Adam
//   bf16       both under bfloat16 autocast (AmpOptimWrapper dtype='bfloat16';
//              torch's CPU autocast for the bare loop)
// The ratio mmcpp / bare is the framework's cost (target >= 97%); the two loops
// are timed alternately, medians over the rounds.
//
//   editing [--iters N] [--repeat R] [--batch B] [--blocks N] [--channels C]
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <utility>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/editing/models/base_models/base_edit_model.h"
#include "mmcpp/editing/models/editors/edsr/edsr_net.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/runner/amp.h"
#include "mmcpp/registry/registry.h"

namespace {

using mmcpp::config::Value;

Value parse(const std::string& text) {
  return mmcpp::config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

// Iterations/s of `iters` iterations of a step (after warm-up).
double its_per_s(const std::function<void()>& step, int iters) {
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) step();
  return iters / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Medians over `repeat` rounds, the two loops measured alternately in each
// round so that a change of machine load hits both alike.
std::pair<double, double> compare(const std::function<void()>& ours,
                                  const std::function<void()>& bare, int iters, int repeat) {
  for (int i = 0; i < 2; ++i) ours(), bare();
  std::vector<double> a, b;
  for (int r = 0; r < repeat; ++r) {
    a.push_back(its_per_s(ours, iters));
    b.push_back(its_per_s(bare, iters));
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return {a[a.size() / 2], b[b.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"EDSR x2 training iterations/s: mmcpp's BaseEditModel.train_step vs a bare loop"};
  int iters = 5, repeat = 3, batch = 16, blocks = 16, channels = 64;
  app.add_option("--iters", iters, "iterations per measurement");
  app.add_option("--repeat", repeat, "measurements (median)");
  app.add_option("--batch", batch, "batch size");
  app.add_option("--blocks", blocks, "residual blocks");
  app.add_option("--channels", channels, "mid channels");
  CLI11_PARSE(app, argc, argv);

  mmcpp::registry::ScopeGuard scope("mmagic");
  const std::string gen = "dict(type='EDSRNet', in_channels=3, out_channels=3, mid_channels=" +
                          std::to_string(channels) + ", num_blocks=" + std::to_string(blocks) +
                          ", upscale_factor=2, res_scale=1)";
  torch::manual_seed(0);
  // The data: uint8 RGB patches as the train pipeline packs them.
  mmcpp::data::DataBatch data;
  std::vector<torch::Tensor> lr_f, gt_f;
  for (int i = 0; i < batch; ++i) {
    torch::Tensor lr = torch::randint(0, 256, {3, 48, 48}, torch::kUInt8);
    torch::Tensor gt = torch::randint(0, 256, {3, 96, 96}, torch::kUInt8);
    data.input_list.push_back(lr);
    auto s = std::make_shared<mmcpp::editing::DataSample>();
    s->set("gt_img", gt);
    s->set_metainfo("img_channel_order", Value("rgb"));
    s->set_metainfo("gt_channel_order", Value("rgb"));
    s->set_metainfo("img_color_type", Value("color"));
    s->set_metainfo("gt_color_type", Value("color"));
    data.data_samples.push_back(s);
    lr_f.push_back(lr.to(torch::kFloat) / 255.);
    gt_f.push_back(gt.to(torch::kFloat) / 255.);
  }
  torch::Tensor lr_batch = torch::stack(lr_f), gt_batch = torch::stack(gt_f);

  std::printf("## EDSR x2 c%db%d training (batch %d, 48x48 LR), %d threads\n\n", channels, blocks,
              batch, at::get_num_threads());
  std::printf(
      "| precision | bare LibTorch it/s | mmcpp it/s | mmcpp / bare |\n|---|---:|---:|---:|\n");
  for (bool bf16 : {false, true}) {
    // mmcpp
    auto model =
        std::dynamic_pointer_cast<mmcpp::editing::BaseEditModel>(mmcpp::editing::MODELS().build(
            parse("dict(type='BaseEditModel', generator=" + gen +
                  ", pixel_loss=dict(type='L1Loss', loss_weight=1.0, reduction='mean'), "
                  "data_preprocessor=dict(type='DataPreprocessor', mean=[0., 0., 0.], std=[255., "
                  "255., 255.]))")));
    model->train();
    auto wrapper = mmcpp::engine::build_optim_wrapper(
        *model, parse(std::string("dict(type='") +
                      (bf16 ? "AmpOptimWrapper', dtype='bfloat16'" : "OptimWrapper'") +
                      ", optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)))"));

    // bare
    auto net = std::dynamic_pointer_cast<mmcpp::editing::EDSRNetImpl>(
        mmcpp::editing::MODELS().build(parse(gen)));
    net->train();
    torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-4).betas({0.9, 0.999}));
    auto [ours, bare] = compare([&] { model->train_step(data, *wrapper); },
                                [&] {
                                  torch::Tensor loss;
                                  {
                                    std::unique_ptr<mmcpp::engine::Autocast> ac;
                                    if (bf16) ac = std::make_unique<mmcpp::engine::Autocast>("cpu");
                                    loss = torch::l1_loss(net->forward(lr_batch), gt_batch);
                                  }
                                  loss.backward();
                                  adam.step();
                                  adam.zero_grad();
                                },
                                iters, repeat);
    std::printf("| %s | %.3f | %.3f | %.1f%% |\n", bf16 ? "bf16 autocast" : "float32", bare, ours,
                100.0 * ours / bare);
  }
  return 0;
}
