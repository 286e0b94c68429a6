// MMPretrain's necks: GlobalAveragePooling, GeneralizedMeanPooling, LinearNeck.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/backbones/base_backbone.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

std::shared_ptr<torch::nn::Module> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  return MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

NeckInterface& neck_of(const std::shared_ptr<torch::nn::Module>& m) {
  return dynamic_cast<NeckInterface&>(*m);
}

TEST(Necks, PoolingAndLinear) {
  torch::Tensor a = torch::rand({2, 3, 4, 4}) + 0.1, b = torch::rand({2, 5, 2, 2}) + 0.1;
  auto gap = build("dict(type='GlobalAveragePooling')");
  Feats out = neck_of(gap).forward({a, b});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(torch::allclose(out[0], a.mean({2, 3})));
  EXPECT_EQ(out[1].sizes(), (std::vector<std::int64_t>{2, 5}));
  EXPECT_EQ(neck_of(build("dict(type='GlobalAveragePooling', dim=1)"))
                .forward({torch::rand({2, 3, 7})})[0]
                .sizes(),
            (std::vector<std::int64_t>{2, 3}));
  EXPECT_THROW(build("dict(type='GlobalAveragePooling', dim=4)"), Error);
  auto gem = build("dict(type='GeneralizedMeanPooling')");
  EXPECT_TRUE(gem->named_parameters().contains("p"));
  EXPECT_TRUE(torch::allclose(neck_of(gem).forward({a})[0], a.pow(3).mean({2, 3}).pow(1.0 / 3)));
  EXPECT_THROW(build("dict(type='GeneralizedMeanPooling', p=0.5)"), Error);
  auto linear = build("dict(type='LinearNeck', in_channels=3, out_channels=6, gap_dim=2)");
  std::vector<std::string> keys;
  for (const auto& p : linear->named_parameters()) keys.push_back(p.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"fc.weight", "fc.bias", "norm.weight", "norm.bias"}));
  linear->eval();
  Feats l = neck_of(linear).forward({b, a});
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].sizes(), (std::vector<std::int64_t>{2, 6}));
  auto plain = build("dict(type='LinearNeck', in_channels=3, out_channels=6, norm_cfg=None)");
  EXPECT_EQ(plain->named_parameters().size(), 2u);
}

}  // namespace
}  // namespace mmcpp::pretrain
