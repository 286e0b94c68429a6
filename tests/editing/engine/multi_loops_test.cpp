// MultiValLoop / MultiTestLoop through the Runner: two validation sets with
// their own evaluators give prefixed keys (repeated keys are an error), the
// BasicVisualizationHook writes GT | input | output strips, the EvalLoop's
// total_length is the sum of the loaders'. Also ConcatImageVisualizer alone.
#include <gtest/gtest.h>

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <unistd.h>
#include <filesystem>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/editing/engine/runner/multi_loops.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/editing/visualization/concat_visualizer.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {
namespace {

namespace fs = std::filesystem;
using config::Value;

class MultiLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("mmcpp_multi_loop_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    torch::manual_seed(0);
    for (const char* set : {"A", "B"}) {
      for (int i = 0; i < (set[0] == 'A' ? 2 : 3); ++i) {
        cv::Mat gt(16, 12, CV_8UC3), lr;
        cv::randu(gt, 0, 255);
        cv::resize(gt, lr, cv::Size(6, 8), 0, 0, cv::INTER_AREA);
        fs::create_directories(root_ / set / "GT");
        fs::create_directories(root_ / set / "LR");
        const std::string name = "im" + std::to_string(i) + ".png";
        cv::imwrite((root_ / set / "GT" / name).string(), gt);
        cv::imwrite((root_ / set / "LR" / name).string(), lr);
      }
    }
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string config(const std::string& prefix_b) const {
    const std::string r = root_.string();
    auto loader = [&](const char* set) {
      return "dict(batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', "
             "shuffle=False), "
             "dataset=dict(type='BasicImageDataset', data_root='" +
             r + "/" + set + "', data_prefix=dict(img='LR', gt='GT'), pipeline=pipeline))";
    };
    return "default_scope = 'mmagic'\n"
           "work_dir = '" +
           r +
           "/work'\n"
           "pipeline = [dict(type='LoadImageFromFile', key='img', channel_order='rgb'), "
           "dict(type='LoadImageFromFile', key='gt', channel_order='rgb'), "
           "dict(type='PackInputs')]\n"
           "model = dict(type='BaseEditModel', generator=dict(type='EDSRNet', in_channels=3, "
           "out_channels=3, mid_channels=4, num_blocks=1, upscale_factor=2), "
           "pixel_loss=dict(type='L1Loss'), data_preprocessor=dict(type='DataPreprocessor', "
           "mean=[0., 0., 0.], std=[255., 255., 255.]))\n"
           "val_dataloader = [" +
           loader("A") + ", " + loader("B") +
           "]\n"
           "val_evaluator = [dict(type='Evaluator', metrics=[dict(type='PSNR', prefix='A'), "
           "dict(type='MAE', prefix='A')]), [dict(type='PSNR', prefix='" +
           prefix_b +
           "')]]\n"
           "val_cfg = dict(type='MultiValLoop')\n"
           "vis_backends = [dict(type='LocalVisBackend')]\n"
           "visualizer = dict(type='ConcatImageVisualizer', vis_backends=vis_backends, "
           "fn_key='gt_path', img_keys=['gt_img', 'input', 'pred_img'], bgr2rgb=True)\n"
           "custom_hooks = [dict(type='BasicVisualizationHook', interval=1)]\n"
           "default_hooks = dict(logger=dict(type='LoggerHook', interval=1))\n";
  }

  fs::path root_;
};

TEST_F(MultiLoopTest, ValidatesEveryDatasetWithItsPrefix) {
  config::Config cfg = config::Config::fromstring(config("B"), ".py");
  auto runner = engine::Runner::from_cfg(cfg);
  evaluation::Metrics m = runner->val();
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"A/PSNR", "A/MAE", "B/PSNR"}));
  ASSERT_NE(runner->val_loop(), nullptr);
  EXPECT_EQ(runner->val_loop()->total_length(), 1 + 2);  // batches of 2: 2 images, 3 images
  auto* multi = dynamic_cast<MultiEvalLoop*>(runner->val_loop());
  ASSERT_NE(multi, nullptr);
  EXPECT_EQ(multi->dataloaders().size(), 2u);
  // One strip per image (both sets name them im0..): GT 16x12 | LR 8x6 padded | SR 16x12.
  int strips = 0;
  for (const auto& e : fs::recursive_directory_iterator(root_ / "work"))
    if (e.path().parent_path().filename() == "vis_image") {
      ++strips;
      cv::Mat img = cv::imread(e.path().string(), cv::IMREAD_COLOR);
      EXPECT_EQ(img.rows, 16);
      EXPECT_EQ(img.cols, 12 + 6 + 12);
      EXPECT_EQ(img.at<cv::Vec3b>(15, 12 + 3), cv::Vec3b(127, 127, 127));  // padding under the LR
    }
  EXPECT_EQ(strips, 3);  // im0_0, im1_0, im2_0 (set B overwrites A's names)
}

TEST_F(MultiLoopTest, RepeatedMetricKeysAreAnError) {
  config::Config cfg = config::Config::fromstring(config("A"), ".py");
  auto runner = engine::Runner::from_cfg(cfg);
  try {
    runner->val();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
    EXPECT_NE(std::string(e.what()).find("different prefix"), std::string::npos);
  }
}

TEST(EditingEvaluatorConfigs, SplitLikeMMagicLoopUtils) {
  auto parse = [](const std::string& t) {
    return config::Config::fromstring("x = " + t, ".py").get("x")->deep_copy();
  };
  EXPECT_EQ(
      split_evaluator_configs(parse("dict(type='Evaluator', metrics=[dict(type='MAE')])")).size(),
      1u);
  auto one = split_evaluator_configs(parse("[dict(type='MAE'), dict(type='PSNR')]"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].as_dict().find("type")->str(), "Evaluator");
  EXPECT_EQ(
      split_evaluator_configs(parse("[dict(metrics=[dict(type='MAE')]), [dict(type='PSNR')]]"))
          .size(),
      2u);
  EXPECT_THROW(split_evaluator_configs(parse("[dict(metrics=[]), 3]")), Error);
}

TEST(EditingVisualizer, ConcatStrip) {
  registry::ScopeGuard scope("mmagic");
  auto vis = std::dynamic_pointer_cast<ConcatImageVisualizer>(VISUALIZERS().build(
      config::Config::fromstring("x = dict(type='ConcatImageVisualizer', fn_key='gt_path', "
                                 "img_keys=['gt_img', 'missing', 'pred_img'], bgr2rgb=True, "
                                 "pixel_range=dict(pred_img=(0., 1.)))",
                                 ".py")
          .get("x")
          ->deep_copy()));
  ASSERT_NE(vis, nullptr);
  auto s = std::make_shared<DataSample>();
  s->set_metainfo("gt_path", Value("dir/sub/baby.x2.png"));
  torch::Tensor gt = torch::zeros({3, 4, 2}, torch::kUInt8);
  gt[0].fill_(200);  // blue in BGR
  s->set("gt_img", gt);
  set_output_field(*s, "pred_img", torch::full({1, 2, 3}, 0.5f));  // one channel, [0, 1]
  std::string fn;
  torch::Tensor strip = vis->concat_images(s, &fn);
  EXPECT_EQ(fn, "baby");
  ASSERT_EQ(strip.sizes().vec(), (std::vector<std::int64_t>{4, 5, 3}));
  EXPECT_EQ(strip[0][0][2].item<int>(), 200);      // BGR -> RGB: blue last
  EXPECT_EQ(strip[0][2][0].item<int>(), 128);      // 0.5 * 255 = 127.5 -> 128 (half to even)
  EXPECT_EQ(strip[3][2][1].item<int>(), 127);      // padding under the 2-row output
  EXPECT_TRUE(vis->add_datasample(s, 3).empty());  // no save_dir: nothing written
}

}  // namespace
}  // namespace mmcpp::editing
