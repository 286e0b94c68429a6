// MMagic's SR networks, losses and data preprocessor beyond the oracle cases:
// shapes and state-dict keys of EDSRNet (x2/x3/x4), SRCNNNet and RDNNet, the
// loss reductions and weights, DataPreprocessor's tensor/list/padding paths.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/editing/models/archs/sr_backbone.h"
#include "mmcpp/editing/models/base_models/base_edit_model.h"
#include "mmcpp/editing/models/data_preprocessors/data_preprocessor.h"
#include "mmcpp/editing/models/editors/edsr/edsr_net.h"
#include "mmcpp/editing/models/losses/pixelwise_loss.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {
namespace {

using config::Value;

std::shared_ptr<torch::nn::Module> build(const std::string& text) {
  registry::ScopeGuard scope("mmagic");
  return MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

std::vector<std::string> keys_of(const torch::nn::Module& m) {
  std::vector<std::string> out;
  const io::PyObject sd = engine::model_state_dict(m);  // outlives the loop
  for (const auto& [k, v] : sd.as_dict().entries()) out.push_back(k.as_str());
  return out;
}

TEST(EditingModels, EdsrScalesAndKeys) {
  for (int s : {2, 3, 4, 8}) {
    auto g = std::dynamic_pointer_cast<Generator>(
        build("dict(type='EDSRNet', in_channels=3, out_channels=3, mid_channels=8, num_blocks=2, "
              "upscale_factor=" +
              std::to_string(s) + ")"));
    ASSERT_NE(g, nullptr);
    torch::NoGradGuard ng;
    EXPECT_EQ(g->forward(torch::rand({1, 3, 5, 7})).sizes().vec(),
              (std::vector<std::int64_t>{1, 3, 5 * s, 7 * s}));
  }
  EXPECT_THROW(build("dict(type='EDSRNet', in_channels=3, out_channels=3, upscale_factor=5)"),
               Error);
  auto g = build(
      "dict(type='EDSRNet', in_channels=3, out_channels=3, mid_channels=8, num_blocks=1, "
      "upscale_factor=4)");
  EXPECT_EQ(keys_of(*g),
            (std::vector<std::string>{
                "conv_first.weight", "conv_first.bias", "body.0.conv1.weight", "body.0.conv1.bias",
                "body.0.conv2.weight", "body.0.conv2.bias", "conv_after_body.weight",
                "conv_after_body.bias", "upsample.0.upsample_conv.weight",
                "upsample.0.upsample_conv.bias", "upsample.1.upsample_conv.weight",
                "upsample.1.upsample_conv.bias", "conv_last.weight", "conv_last.bias"}));
  // default_init_weights: residual convs scaled by 0.1 (res_scale 1), biases 0.
  auto e = std::dynamic_pointer_cast<EDSRNetImpl>(g);
  auto* block = e->body->ptr(0)->as<ResidualBlockNoBNImpl>();
  EXPECT_EQ(block->conv1->bias.abs().sum().item<double>(), 0.0);
  const double std1 = block->conv1->weight.std().item<double>();
  EXPECT_NEAR(std1, 0.1 * std::sqrt(2.0 / (8 * 9)), 0.05 * std::sqrt(2.0 / 72));
}

TEST(EditingModels, SrcnnAndRdn) {
  auto srcnn = std::dynamic_pointer_cast<Generator>(build(
      "dict(type='SRCNNNet', channels=(3, 8, 4, 3), kernel_sizes=(9, 1, 5), upscale_factor=3)"));
  torch::NoGradGuard ng;
  EXPECT_EQ(srcnn->forward(torch::rand({2, 3, 6, 5})).sizes().vec(),
            (std::vector<std::int64_t>{2, 3, 18, 15}));
  EXPECT_EQ(keys_of(*srcnn),
            (std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                      "conv3.weight", "conv3.bias"}));
  EXPECT_THROW(build("dict(type='SRCNNNet', channels=(3, 8, 3))"), Error);
  for (int s : {2, 3, 4}) {
    auto rdn = std::dynamic_pointer_cast<Generator>(
        build("dict(type='RDNNet', in_channels=3, out_channels=3, mid_channels=8, num_blocks=2, "
              "num_layers=2, channel_growth=4, upscale_factor=" +
              std::to_string(s) + ")"));
    EXPECT_EQ(rdn->forward(torch::rand({1, 3, 4, 6})).sizes().vec(),
              (std::vector<std::int64_t>{1, 3, 4 * s, 6 * s}));
  }
  auto rdn = build(
      "dict(type='RDNNet', in_channels=3, out_channels=3, mid_channels=8, num_blocks=1, "
      "num_layers=1, channel_growth=4, upscale_factor=4)");
  EXPECT_EQ(
      keys_of(*rdn),
      (std::vector<std::string>{
          "sfe1.weight", "sfe1.bias", "sfe2.weight", "sfe2.bias", "rdbs.0.layers.0.conv.weight",
          "rdbs.0.layers.0.conv.bias", "rdbs.0.lff.weight", "rdbs.0.lff.bias", "gff.0.weight",
          "gff.0.bias", "gff.1.weight", "gff.1.bias", "upscale.0.weight", "upscale.0.bias",
          "upscale.2.weight", "upscale.2.bias", "output.weight", "output.bias"}));
  EXPECT_THROW(build("dict(type='RDNNet', in_channels=3, out_channels=3, upscale_factor=5)"),
               Error);
}

TEST(EditingModels, PixelLosses) {
  torch::manual_seed(0);
  torch::Tensor p = torch::rand({2, 3, 4, 4}), t = torch::rand({2, 3, 4, 4});
  torch::Tensor w = (torch::rand({2, 1, 4, 4}) > 0.5).to(torch::kFloat);
  auto l1 = std::dynamic_pointer_cast<PixelLoss>(build("dict(type='L1Loss', loss_weight=2.0)"));
  EXPECT_TRUE(torch::allclose(l1->forward(p, t), 2 * (p - t).abs().mean()));
  torch::Tensor we = w.expand_as(p);
  EXPECT_TRUE(
      torch::allclose(l1->forward(p, t, w), 2 * ((p - t).abs() * we).sum() / (we.sum() + 1e-12)));
  auto sw = std::dynamic_pointer_cast<PixelLoss>(build("dict(type='MSELoss', sample_wise=True)"));
  torch::Tensor per = ((p - t).pow(2) * we).sum({1, 2, 3}) / (we.sum({1, 2, 3}) + 1e-12);
  EXPECT_TRUE(torch::allclose(sw->forward(p, t, w), per.sum() / 2));
  auto none = std::dynamic_pointer_cast<PixelLoss>(
      build("dict(type='CharbonnierLoss', reduction='none', eps=1e-6)"));
  EXPECT_TRUE(torch::allclose(none->forward(p, t), torch::sqrt((p - t).pow(2) + 1e-6)));
  auto sum = std::dynamic_pointer_cast<PixelLoss>(build("dict(type='L1Loss', reduction='sum')"));
  EXPECT_TRUE(torch::allclose(sum->forward(p, t, w), ((p - t).abs() * w).sum()));
  EXPECT_THROW(build("dict(type='L1Loss', reduction='max')"), Error);
}

DataSamplePtr sample(const char* order) {
  auto s = std::make_shared<DataSample>();
  s->set_metainfo("img_channel_order", Value(order));
  s->set_metainfo("gt_channel_order", Value(order));
  s->set_metainfo("img_color_type", Value("color"));
  s->set_metainfo("gt_color_type", Value("color"));
  return s;
}

TEST(EditingModels, DataPreprocessorPathsAndDestruct) {
  auto pre = std::dynamic_pointer_cast<DataPreprocessor>(
      build("dict(type='DataPreprocessor', mean=[10., 20., 30.], std=2, pad_size_divisor=4, "
            "output_channel_order='BGR')"));
  ASSERT_NE(pre, nullptr);
  torch::Tensor a = torch::randint(0, 256, {3, 5, 6}, torch::kUInt8);
  torch::Tensor b = torch::randint(0, 256, {3, 7, 6}, torch::kUInt8);
  data::DataBatch batch;
  batch.input_list = {a, b};
  auto sa = sample("rgb"), sb = sample("rgb");
  sa->set("gt_img", torch::randint(0, 256, {3, 10, 12}, torch::kUInt8));
  sb->set("gt_img", torch::randint(0, 256, {3, 10, 12}, torch::kUInt8));
  batch.data_samples = {sa, sb};
  data::DataBatch out = pre->forward(batch, true);
  // Padded to 8x8 (the largest, rounded up to 4), RGB -> BGR, normalised.
  ASSERT_EQ(out.inputs.sizes().vec(), (std::vector<std::int64_t>{2, 3, 8, 8}));
  torch::Tensor mean = torch::tensor({10.f, 20.f, 30.f}).view({3, 1, 1});
  torch::Tensor want_a =
      (torch::constant_pad_nd(a, {0, 2, 0, 3}).flip({0}).to(torch::kFloat) - mean) / 2;
  EXPECT_TRUE(torch::allclose(out.inputs[0], want_a));
  EXPECT_EQ(out.data_samples[0]->metainfo().as_dict().find("padding_size")->repr(),
            "[0.0, 3.0, 2.0]");
  EXPECT_EQ(out.data_samples[1]->metainfo().as_dict().find("img_output_channel_order")->str(),
            "BGR");
  EXPECT_EQ(out.data_samples[0]->get("gt_img").scalar_type(),
            torch::kFloat);  // normalised in training
  data::DataBatch ev = pre->forward(batch, false);
  EXPECT_TRUE(torch::equal(ev.data_samples[0]->get("gt_img"), sa->get("gt_img").flip({0})));
  // destruct: de-normalise, to BGR (already), un-pad by the first sample's padding, clamp.
  torch::Tensor d = pre->destruct(out.inputs, out.data_samples);
  EXPECT_EQ(d.sizes().vec(), (std::vector<std::int64_t>{2, 3, 5, 6}));
  EXPECT_TRUE(torch::allclose(d[0], a.flip({0}).to(torch::kFloat)));
  // A stacked batch: normalised first, then padded with pad_value.
  data::DataBatch stacked;
  stacked.inputs = torch::stack({a, a});
  data::DataBatch so = pre->forward(stacked, false);
  EXPECT_EQ(so.data_samples.size(), 2u);  // made for the metainfo
  EXPECT_EQ(so.inputs[0][0][7][0].item<float>(), 0.f);
  EXPECT_THROW(build("dict(type='DataPreprocessor', output_channel_order='rgb')"), Error);
  EXPECT_THROW(build("dict(type='DataPreprocessor', mean=[1., 2.], std=[1., 2.])"), Error);
  EXPECT_THROW(build("dict(type='DataPreprocessor', mean=None)"), Error);
}

TEST(EditingModels, BaseEditModelModes) {
  auto model = std::dynamic_pointer_cast<BaseEditModel>(build(
      "dict(type='BaseEditModel', generator=dict(type='EDSRNet', in_channels=3, out_channels=3, "
      "mid_channels=8, num_blocks=1, upscale_factor=2), pixel_loss=dict(type='L1Loss'), "
      "data_preprocessor=dict(type='DataPreprocessor', mean=[0., 0., 0.], std=[255., 255., "
      "255.]))"));
  ASSERT_NE(model, nullptr);
  data::DataBatch batch;
  batch.input_list = {torch::randint(0, 256, {3, 6, 6}, torch::kUInt8)};
  auto s = sample("rgb");
  s->set("gt_img", torch::randint(0, 256, {3, 12, 12}, torch::kUInt8));
  batch.data_samples = {s};
  auto preds = model->val_step(batch);
  ASSERT_EQ(preds.size(), 1u);
  const DataSamplePtr& p = preds[0];
  ASSERT_TRUE(p && has_output(*p));
  EXPECT_EQ(output_field(*p, "pred_img").sizes().vec(), (std::vector<std::int64_t>{3, 12, 12}));
  EXPECT_TRUE(torch::allclose(p->get("input"), batch.input_list[0].flip({0}).to(torch::kFloat)));
  EXPECT_GE(output_field(*p, "pred_img").min().item<float>(), 0.f);
  EXPECT_LE(output_field(*p, "pred_img").max().item<float>(), 255.f);
  data::DataBatch d = model->data_preprocessor().forward(batch, true);
  auto losses = model->forward(d, engine::ForwardMode::Loss).losses;
  ASSERT_EQ(losses.size(), 1u);
  EXPECT_EQ(losses[0].first, "loss");
  EXPECT_THROW(build("dict(type='BaseEditModel', generator=dict(type='L1Loss'), "
                     "pixel_loss=dict(type='L1Loss'))"),
               Error);
}

}  // namespace
}  // namespace mmcpp::editing
