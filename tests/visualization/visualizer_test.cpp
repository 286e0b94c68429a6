// Visualizer / build_visualizer (Runner.build_visualizer): backends from the
// config, their save_dir, names, and the errors for unknown or duplicate ones.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/visualization/local_vis_backend.h"
#include "mmcpp/visualization/png.h"
#include "mmcpp/visualization/tensorboard_vis_backend.h"
#include "mmcpp/visualization/visualizer.h"

namespace mmcpp::visualization {
namespace {

namespace fs = std::filesystem;

config::Value cfg(const std::string& text) {
  return *config::Config::fromstring("c = " + text, ".py").to_dict().as_dict().find("c");
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "mmcpp_visr_XXXXXX").string();
    path = mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

TEST(VisualizerTest, DefaultIsOneLocalBackendUnderVisData) {
  TempDir tmp;
  auto v = build_visualizer(config::Value(), "exp", tmp.path.string(), Env::system());
  EXPECT_EQ(v->name(), "exp");
  ASSERT_EQ(v->backends().size(), 1u);
  EXPECT_EQ(v->backends()[0].first, "LocalVisBackend");
  EXPECT_EQ(*v->backends()[0].second->save_dir(), (tmp.path / "vis_data").string());
  v->add_scalars({{"loss", 0.5}}, 1);
  EXPECT_TRUE(fs::exists(tmp.path / "vis_data" / "scalars.json"));
}

TEST(VisualizerTest, ConfiguredBackendsNamesAndOwnSaveDir) {
  TempDir tmp;
  const std::string own = (tmp.path / "elsewhere").string();
  auto v =
      build_visualizer(cfg("dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend'), "
                           "dict(type='TensorboardVisBackend', name='tb', save_dir='" +
                           own + "')])"),
                       "exp", tmp.path.string(), Env::system());
  ASSERT_EQ(v->backends().size(), 2u);
  EXPECT_EQ(v->backends()[1].first, "tb");
  EXPECT_EQ(*v->get_backend("tb")->save_dir(), own);
  EXPECT_EQ(v->get_backend("TensorboardVisBackend"), nullptr);
  v->add_config("a = 1\n");
  v->add_scalar("acc", 90.0, 1);
  v->add_image("x", torch::zeros({2, 2, 3}, torch::kByte), 0);
  EXPECT_TRUE(fs::exists(tmp.path / "vis_data" / "config.py"));
  EXPECT_TRUE(fs::exists(tmp.path / "vis_data" / "vis_image" / "x_0.png"));
  auto* tb = dynamic_cast<TensorboardVisBackend*>(v->get_backend("tb").get());
  ASSERT_NE(tb, nullptr);
  EXPECT_EQ(fs::path(tb->event_file()).parent_path().string(), own);
}

TEST(VisualizerTest, Errors) {
  TempDir tmp;
  const std::string d = tmp.path.string();
  try {
    build_visualizer(cfg("dict(type='Visualizer', vis_backends=[dict(type='WandbVisBackend')])"),
                     "exp", d, Env::system());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyError");
    EXPECT_NE(std::string(e.what()).find("WandbVisBackend"), std::string::npos) << e.what();
  }
  EXPECT_THROW(build_visualizer(cfg("dict(type='Visualizer', vis_backends=[dict(type="
                                    "'LocalVisBackend'), dict(type='LocalVisBackend')])"),
                                "exp", d, Env::system()),
               Error);  // duplicate name
  EXPECT_THROW(
      build_visualizer(cfg("dict(type='Visualizer', vis_backend=[])"), "exp", d, Env::system()),
      Error);  // unknown argument
  EXPECT_THROW(build_visualizer(cfg("'Visualizer'"), "exp", d, Env::system()), Error);
  // save_dir=None and no save_dir of its own: the backend is skipped (a warning).
  auto none = build_visualizer(
      cfg("dict(type='Visualizer', save_dir=None, vis_backends=[dict(type='LocalVisBackend')])"),
      "exp", d, Env::system());
  EXPECT_TRUE(none->backends().empty());
}

TEST(PngTest, EncodesGrayRgbAndRgba) {
  for (int c : {1, 3, 4}) {
    torch::Tensor img = torch::randint(0, 256, {9, 5, c}, torch::kByte);
    EXPECT_TRUE(torch::equal(decode_png(encode_png(img)), img)) << c;
  }
  torch::Tensor gray = torch::randint(0, 256, {4, 4}, torch::kByte);
  EXPECT_TRUE(torch::equal(decode_png(encode_png(gray)).squeeze(2), gray));
  EXPECT_THROW(encode_png(torch::zeros({2, 2, 3})), Error);                // float
  EXPECT_THROW(encode_png(torch::zeros({2, 2, 2}, torch::kByte)), Error);  // 2 channels
}

}  // namespace
}  // namespace mmcpp::visualization
