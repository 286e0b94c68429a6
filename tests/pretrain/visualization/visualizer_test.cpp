// UniversalVisualizer.visualize_cls and the VisualizationHook's arguments.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/engine/hooks/visualization_hook.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/visualization/visualizer.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/visualization/local_vis_backend.h"
#include "mmcpp/visualization/png.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;

config::Value cfg(const std::string& text) {
  return *config::Config::fromstring("c = " + text, ".py").to_dict().as_dict().find("c");
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "mmcpp_ucls_XXXXXX").string();
    path = mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

data::DataSample sample() {
  data::DataSample s;
  s.set_gt_label(torch::tensor({2}));
  s.set("pred_label", torch::tensor({1}));
  s.set("pred_score", torch::tensor({0.1f, 0.7f, 0.2f}));
  return s;
}

TEST(UniversalVisualizerTest, DrawsTheTextBoxAndStoresThroughTheBackends) {
  TempDir tmp;
  UniversalVisualizer v("vis", tmp.path.string());
  v.add_backend(std::make_shared<visualization::LocalVisBackend>());
  v.set_dataset_meta(cfg("dict(classes=('cat', 'dog', 'bird'))"));
  torch::Tensor image = torch::full({224, 300, 3}, 200, torch::kByte);
  ClsDrawOptions o;
  o.name = "img.png";
  o.step = 4;
  torch::Tensor drawn = v.visualize_cls(image, sample(), o);
  ASSERT_EQ(drawn.sizes(), image.sizes());
  // The box darkens the top left (half-transparent black), the rest is untouched.
  EXPECT_LT(drawn.index({10, 10, 0}).item<int>(), 200);
  EXPECT_EQ(drawn.index({200, 290, 0}).item<int>(), 200);
  EXPECT_FALSE(torch::equal(drawn, image));
  const fs::path file = tmp.path / "vis_data" / "vis_image" / "img.png_4.png";
  ASSERT_TRUE(fs::exists(file));
  EXPECT_TRUE(
      torch::equal(visualization::decode_png(Env::system().read_file(file.string())), drawn));

  // out_file: saved there instead; resize scales the short edge.
  o.out_file = (tmp.path / "out" / "a.png").string();
  o.resize = 112;
  torch::Tensor small = v.visualize_cls(image, sample(), o);
  EXPECT_EQ(small.size(0), 112);
  EXPECT_EQ(small.size(1), 150);
  EXPECT_TRUE(fs::exists(*o.out_file));
  // Gray images are drawn in colour.
  torch::Tensor gray = v.visualize_cls(torch::zeros({28, 28, 1}, torch::kByte), sample(), o);
  EXPECT_EQ(gray.size(2), 3);
  // A class index past the class names is Python's IndexError.
  data::DataSample bad = sample();
  bad.set("pred_label", torch::tensor({7}));
  EXPECT_THROW(v.visualize_cls(image, bad, o), Error);
}

TEST(UniversalVisualizerTest, AddDatasampleIsVisualizeCls) {
  TempDir tmp;
  UniversalVisualizer v("vis", tmp.path.string());
  v.add_backend(std::make_shared<visualization::LocalVisBackend>());
  visualization::Visualizer& base = v;
  data::DataSample s = sample();
  torch::Tensor image = torch::full({64, 64, 3}, 200, torch::kByte);
  base.add_datasample("img.png", image, &s, /*draw_gt=*/true, /*draw_pred=*/true,
                      /*show=*/false, 0, /*step=*/3);
  EXPECT_TRUE(fs::exists(tmp.path / "vis_data" / "vis_image" / "img.png_3.png"));
  EXPECT_FALSE(torch::equal(base.get_image(), image));  // the drawn image stays set
  EXPECT_THROW(base.add_datasample("img.png", image, nullptr), Error);
  EXPECT_THROW(base.add_datasample("img.png", image, &s, true, true, /*show=*/true), Error);
}

TEST(UniversalVisualizerTest, OptionsAndHookArguments) {
  EXPECT_THROW(ClsDrawOptions::from_kwargs(cfg("dict(draw_gtt=False)"), "x"), Error);
  ClsDrawOptions o = ClsDrawOptions::from_kwargs(
      cfg("dict(draw_score=False, resize=64, text_cfg=dict(color='red'), wait_time=1)"), "x");
  EXPECT_FALSE(o.draw_score);
  EXPECT_EQ(*o.resize, 64);
  registry::ScopeGuard scope("mmpretrain");
  auto hook =
      HOOKS().build(cfg("dict(type='VisualizationHook', enable=True, interval=3, "
                        "draw_gt=False)"));
  auto* vh = dynamic_cast<VisualizationHook*>(hook.get());
  ASSERT_NE(vh, nullptr);
  EXPECT_TRUE(vh->options().enable);
  EXPECT_EQ(vh->options().interval, 3);
  EXPECT_THROW(HOOKS().build(cfg("dict(type='VisualizationHook', shw=True)")), Error);
  EXPECT_THROW(HOOKS().build(cfg("dict(type='VisualizationHook', show=True)")), Error);
  EXPECT_THROW(HOOKS().build(cfg("dict(type='VisualizationHook', interval=0)")), Error);
}

}  // namespace
}  // namespace mmcpp::pretrain
