// MMagic's transforms beyond the oracle cases: Resize, Crop, ModCrop,
// CopyValues, SetValues, errors of PairedRandomCrop / Flip / RandomTransposeHW,
// PackInputs' meta_keys / data_keys, and the registrations in the mmagic scope.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/editing/transforms/results_arrays.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {
namespace {

using config::Value;

data::TransformPtr build(const std::string& text) {
  registry::ScopeGuard scope("mmagic");
  return TRANSFORMS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

data::Results with_images(std::int64_t h, std::int64_t w, std::int64_t scale = 2) {
  data::Results r;
  r.arrays["gt"] =
      torch::arange(h * w * 3, torch::kInt32).remainder(251).to(torch::kUInt8).view({h, w, 3});
  r.arrays["img"] = torch::arange(h / scale * (w / scale) * 3, torch::kInt32)
                        .remainder(241)
                        .to(torch::kUInt8)
                        .view({h / scale, w / scale, 3});
  r.info.as_dict().set(Value("img_path"), Value("a_x2.png"));
  r.info.as_dict().set(Value("gt_path"), Value("a.png"));
  r.info.as_dict().set(Value("scale"), Value(scale));
  return r;
}

TEST(EditingTransforms, PairedRandomCropAlignsGtWithLq) {
  data::Results r = with_images(40, 60);
  torch::Tensor gt0 = r.arrays["gt"].clone(), lq0 = r.arrays["img"].clone();
  Rng rng(3);
  ASSERT_TRUE(build("dict(type='PairedRandomCrop', gt_patch_size=16)")->transform(r, rng));
  ASSERT_EQ(r.arrays["img"].sizes().vec(), (std::vector<std::int64_t>{8, 8, 3}));
  ASSERT_EQ(r.arrays["gt"].sizes().vec(), (std::vector<std::int64_t>{16, 16, 3}));
  EXPECT_FALSE(r.arrays["gt"].is_contiguous());  // a view, as numpy's slice
  // Find the crop in the originals: GT offset is scale x the LQ offset.
  bool found = false;
  for (int y = 0; y + 8 <= 20 && !found; ++y)
    for (int x = 0; x + 8 <= 30 && !found; ++x)
      if (torch::equal(lq0.narrow(0, y, 8).narrow(1, x, 8), r.arrays["img"]))
        found = torch::equal(gt0.narrow(0, 2 * y, 16).narrow(1, 2 * x, 16), r.arrays["gt"]);
  EXPECT_TRUE(found);
}

TEST(EditingTransforms, PairedRandomCropErrors) {
  Rng rng(0);
  data::Results bad = with_images(40, 60);
  bad.arrays["gt"] = bad.arrays["gt"].narrow(0, 0, 38);
  try {
    build("dict(type='PairedRandomCrop', gt_patch_size=16)")->transform(bad, rng);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
    EXPECT_NE(std::string(e.what()).find(
                  "Scale mismatches. GT (38, 60) is not 2x multiplication of LQ (20, 30)."),
              std::string::npos);
  }
  data::Results small = with_images(8, 8);
  try {
    build("dict(type='PairedRandomCrop', gt_patch_size=16)")->transform(small, rng);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "is smaller than patch size (8, 8). Please check a_x2.png and a.png."),
              std::string::npos);
  }
  data::Results noscale = with_images(40, 60);
  noscale.info.as_dict().erase("scale");
  EXPECT_THROW(build("dict(type='PairedRandomCrop', gt_patch_size=16)")->transform(noscale, rng),
               Error);
}

TEST(EditingTransforms, FlipAndTranspose) {
  data::Results r = with_images(4, 6);
  torch::Tensor gt0 = r.arrays["gt"].clone();
  Rng rng(0);
  ASSERT_TRUE(build("dict(type='Flip', keys=['gt'], flip_ratio=1.0, direction='vertical')")
                  ->transform(r, rng));
  EXPECT_TRUE(torch::equal(r.arrays["gt"], gt0.flip({0})));
  ASSERT_TRUE(build("dict(type='Flip', keys='gt', flip_ratio=0.0)")->transform(r, rng));
  EXPECT_TRUE(torch::equal(r.arrays["gt"], gt0.flip({0})));  // ratio 0: never
  const Value& infos = *r.info.as_dict().find("flip_infos");
  ASSERT_EQ(infos.items().size(), 2u);
  EXPECT_EQ(infos.items()[0].repr(),
            "{'keys': ['gt'], 'direction': 'vertical', 'ratio': 1.0, 'flip': True}");
  EXPECT_THROW(build("dict(type='Flip', keys=['gt'], direction='diagonal')"), Error);

  ASSERT_TRUE(
      build("dict(type='RandomTransposeHW', keys=['gt'], transpose_ratio=1.0)")->transform(r, rng));
  EXPECT_EQ(r.arrays["gt"].sizes().vec(), (std::vector<std::int64_t>{6, 4, 3}));
  EXPECT_TRUE(r.info.as_dict().find("transpose")->as_bool());
  // cv2.flip cannot write into a transposed view.
  try {
    build("dict(type='Flip', keys=['gt'], flip_ratio=1.0)")->transform(r, rng);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "cv2.error");
  }
  data::Results flat;
  flat.arrays["gt"] = torch::zeros({4, 4}, torch::kUInt8);
  EXPECT_THROW(build("dict(type='RandomTransposeHW', keys=['gt'], transpose_ratio=1.0)")
                   ->transform(flat, rng),
               Error);
}

TEST(EditingTransforms, ResizeCropModCrop) {
  data::Results r = with_images(41, 63, 1);
  Rng rng(0);
  ASSERT_TRUE(build("dict(type='ModCrop', key='gt')")->transform(r, rng));  // scale 1: unchanged
  r.info.as_dict().set(Value("scale"), Value(4));
  ASSERT_TRUE(build("dict(type='ModCrop')")->transform(r, rng));
  EXPECT_EQ(r.arrays["gt"].sizes().vec(), (std::vector<std::int64_t>{40, 60, 3}));
  r.info.as_dict().set(Value("gt_channel_order"), Value("rgb"));
  ASSERT_TRUE(
      build("dict(type='Resize', keys=['gt'], scale=0.5, keep_ratio=True, interpolation='area', "
            "output_keys=['small'])")
          ->transform(r, rng));
  EXPECT_EQ(r.arrays["small"].sizes().vec(), (std::vector<std::int64_t>{20, 30, 3}));
  EXPECT_EQ(r.info.as_dict().find("small_shape")->repr(), "(20, 30, 3)");
  EXPECT_EQ(r.info.as_dict().find("small_channel_order")->str(), "rgb");
  EXPECT_EQ(r.info.as_dict().find("scale_factor")->repr(), "0.5");
  // A (w, h) size; scale_factor (w_scale, h_scale).
  ASSERT_TRUE(build("dict(type='Resize', keys='gt', scale=(30, 10))")->transform(r, rng));
  EXPECT_EQ(r.arrays["gt"].sizes().vec(), (std::vector<std::int64_t>{10, 30, 3}));
  EXPECT_EQ(r.info.as_dict().find("scale_factor")->repr(), "[0.5, 0.25]");
  // size_factor: crop the target down to multiples.
  data::Results s = with_images(37, 50, 1);
  ASSERT_TRUE(build("dict(type='Resize', keys=['gt'], size_factor=8)")->transform(s, rng));
  EXPECT_EQ(s.arrays["gt"].sizes().vec(), (std::vector<std::int64_t>{32, 48, 3}));
  EXPECT_THROW(build("dict(type='Resize', keys=['gt'], scale=[3, 4])"), Error);

  // Crop: centred, then padded with zeros when too small.
  data::Results c = with_images(10, 12, 1);
  torch::Tensor gt0 = c.arrays["gt"].clone();
  ASSERT_TRUE(build("dict(type='Crop', keys=['gt'], crop_size=(4, 6), random_crop=False)")
                  ->transform(c, rng));
  EXPECT_TRUE(torch::equal(c.arrays["gt"], gt0.narrow(0, 3, 4).narrow(1, 3, 6)));
  EXPECT_EQ(c.info.as_dict().find("gt_crop_bbox")->repr(), "[3, 3, 6, 4]");
  EXPECT_EQ(c.info.as_dict().find("crop_size")->repr(), "(4, 6)");
  data::Results p = with_images(4, 4, 1);
  ASSERT_TRUE(
      build(
          "dict(type='Crop', keys=['gt'], crop_size=(8, 4), random_crop=False, is_pad_zeros=True)")
          ->transform(p, rng));
  EXPECT_EQ(p.arrays["gt"].sizes().vec(), (std::vector<std::int64_t>{8, 4, 3}));
  EXPECT_EQ(p.arrays["gt"][0].sum().item<int>(), 0);                               // zero padding
  EXPECT_THROW(build("dict(type='Crop', keys=['gt'], crop_size=[4, 4])"), Error);  // a list
  data::Results rc = with_images(10, 12, 1);
  ASSERT_TRUE(build("dict(type='Crop', keys=['gt'], crop_size=(4, 4))")->transform(rc, rng));
  EXPECT_EQ(rc.arrays["gt"].sizes().vec(), (std::vector<std::int64_t>{4, 4, 3}));
}

TEST(EditingTransforms, ValuesAndPacking) {
  data::Results r = with_images(8, 8);
  Rng rng(0);
  ASSERT_TRUE(
      build("dict(type='SetValues', dictionary=dict(scale=3, extra=[1, 2]))")->transform(r, rng));
  EXPECT_EQ(r.info.as_dict().find("scale")->as_int(), 3);
  ASSERT_TRUE(build("dict(type='CopyValues', src_keys=['gt', 'scale'], dst_keys=['ref', 'scale2'])")
                  ->transform(r, rng));
  EXPECT_TRUE(torch::equal(r.arrays["ref"], r.arrays["gt"]));
  EXPECT_NE(r.arrays["ref"].data_ptr(), r.arrays["gt"].data_ptr());  // deepcopy
  EXPECT_THROW(build("dict(type='CopyValues', src_keys='gt', dst_keys=['x'])"), Error);
  r.info.as_dict().set(Value("sample_idx"), Value(7));
  ASSERT_TRUE(build("dict(type='PackInputs', keys=['img'], meta_keys=['extra'], data_keys=['ref'])")
                  ->transform(r, rng));
  ASSERT_TRUE(r.packed.has_value());
  EXPECT_EQ(r.packed->inputs.sizes().vec(), (std::vector<std::int64_t>{3, 4, 4}));
  EXPECT_TRUE(r.packed->inputs.is_contiguous());
  const DataSamplePtr& s = r.packed->data_sample;
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->has("gt_img"));
  EXPECT_TRUE(s->has("ref"));
  EXPECT_EQ(s->get("ref").sizes().vec(), (std::vector<std::int64_t>{3, 8, 8}));
  EXPECT_EQ(s->metainfo().as_dict().find("extra")->repr(), "[1, 2]");
  EXPECT_EQ(s->metainfo().as_dict().find("sample_idx")->as_int(), 7);
  EXPECT_FALSE(s->metainfo().as_dict().contains("scale"));
  EXPECT_FALSE(s->metainfo().as_dict().contains("scale2"));
}

}  // namespace
}  // namespace mmcpp::editing
