// The counter against MMPretrain's published get_flops output for
// configs/resnet/resnet50_8xb32_in1k.py (docs/en/useful_tools/complexity_analysis.md):
// a plain LibTorch ResNet-50 with MMPretrain's module names (backbone, neck.gap,
// head.fc), counted over backbone + neck at 224x224 as get_flops.py does, must
// give the same totals and the same per-module table.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mmcpp/engine/analysis/complexity_analysis.h"
#include "mmcpp/engine/analysis/print_helper.h"

namespace mmcpp::engine::analysis {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2).bias(false));
}

struct BottleneckImpl : nn::Module {
  BottleneckImpl(std::int64_t in, std::int64_t planes, std::int64_t stride) {
    conv1 = register_module("conv1", conv(in, planes, 1, 1));
    bn1 = register_module("bn1", nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv(planes, planes, 3, stride));
    bn2 = register_module("bn2", nn::BatchNorm2d(planes));
    conv3 = register_module("conv3", conv(planes, planes * 4, 1, 1));
    bn3 = register_module("bn3", nn::BatchNorm2d(planes * 4));
    relu = register_module("relu", nn::ReLU(nn::ReLUOptions(true)));
    if (stride != 1 || in != planes * 4) {
      downsample = register_module("downsample", nn::Sequential(conv(in, planes * 4, 1, stride),
                                                                nn::BatchNorm2d(planes * 4)));
    }
  }
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor identity = downsample ? downsample->forward(x) : x;
    torch::Tensor out = relu(bn1(conv1(x)));
    out = relu(bn2(conv2(out)));
    out = bn3(conv3(out));
    return relu(out + identity);
  }
  nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  nn::ReLU relu{nullptr};
  nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

struct ResNet50Impl : nn::Module {
  ResNet50Impl() {
    conv1 = register_module("conv1", conv(3, 64, 7, 2));
    bn1 = register_module("bn1", nn::BatchNorm2d(64));
    relu = register_module("relu", nn::ReLU(nn::ReLUOptions(true)));
    maxpool =
        register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
    std::int64_t in = 64;
    const std::int64_t blocks[] = {3, 4, 6, 3};
    for (int i = 0; i < 4; ++i) {
      nn::Sequential layer;
      std::int64_t planes = 64 << i;
      for (std::int64_t b = 0; b < blocks[i]; ++b) {
        layer->push_back(Bottleneck(in, planes, b == 0 && i > 0 ? 2 : 1));
        in = planes * 4;
      }
      layers.push_back(register_module("layer" + std::to_string(i + 1), layer));
    }
  }
  torch::Tensor forward(torch::Tensor x) {
    x = maxpool(relu(bn1(conv1(x))));
    for (auto& l : layers) x = l->forward(x);
    return x;
  }
  nn::Conv2d conv1{nullptr};
  nn::BatchNorm2d bn1{nullptr};
  nn::ReLU relu{nullptr};
  nn::MaxPool2d maxpool{nullptr};
  std::vector<nn::Sequential> layers;
};
TORCH_MODULE(ResNet50);

struct GapImpl : nn::Module {
  torch::Tensor forward(torch::Tensor x) {
    ModuleScope scope(*this);
    return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  }
};
TORCH_MODULE(Gap);

struct NeckImpl : nn::Module {
  NeckImpl() { gap = register_module("gap", Gap()); }
  Gap gap{nullptr};
};
TORCH_MODULE(Neck);

struct HeadImpl : nn::Module {
  HeadImpl() { fc = register_module("fc", nn::Linear(2048, 1000)); }
  nn::Linear fc{nullptr};
};
TORCH_MODULE(Head);

struct ClassifierImpl : nn::Module {
  ClassifierImpl() {
    backbone = register_module("backbone", ResNet50());
    neck = register_module("neck", Neck());
    head = register_module("head", Head());
  }
  ResNet50 backbone{nullptr};
  Neck neck{nullptr};
  Head head{nullptr};
};
TORCH_MODULE(Classifier);

TEST(ResNet50Flops, MatchesMMPretrainsPublishedAnalysis) {
  Classifier model;
  model->eval();
  torch::Tensor x = torch::randn({1, 3, 224, 224});
  ComplexityStats s = analyze_complexity(*model, [&] {
    model->neck->gap(model->backbone(x));  // extract_feat
  });
  std::int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();
  EXPECT_EQ(format_size(s.total_flops), "4.109G");
  EXPECT_EQ(format_size(params), "25.557M");
  EXPECT_EQ(format_size(s.total_activations), "11.114M");
  EXPECT_EQ(s.unsupported_ops.count("aten::max_pool2d"), 1u);
  EXPECT_EQ(complexity_stats_table(*model, s),
            "+--------------------------+----------------------+-----------+--------------+\n"
            "| module                   | #parameters or shape | #flops    | #activations |\n"
            "+--------------------------+----------------------+-----------+--------------+\n"
            "| model                    | 25.557M              | 4.109G    | 11.114M      |\n"
            "|  backbone                |  23.508M             |  4.109G   |  11.114M     |\n"
            "|   backbone.conv1         |   9.408K             |   0.118G  |   0.803M     |\n"
            "|    backbone.conv1.weight |    (64, 3, 7, 7)     |           |              |\n"
            "|   backbone.bn1           |   0.128K             |   1.606M  |   0          |\n"
            "|    backbone.bn1.weight   |    (64,)             |           |              |\n"
            "|    backbone.bn1.bias     |    (64,)             |           |              |\n"
            "|   backbone.layer1        |   0.216M             |   0.677G  |   4.415M     |\n"
            "|    backbone.layer1.0     |    75.008K           |    0.235G |    2.007M    |\n"
            "|    backbone.layer1.1     |    70.4K             |    0.221G |    1.204M    |\n"
            "|    backbone.layer1.2     |    70.4K             |    0.221G |    1.204M    |\n"
            "|   backbone.layer2        |   1.22M              |   1.034G  |   3.111M     |\n"
            "|    backbone.layer2.0     |    0.379M            |    0.375G |    1.305M    |\n"
            "|    backbone.layer2.1     |    0.28M             |    0.22G  |    0.602M    |\n"
            "|    backbone.layer2.2     |    0.28M             |    0.22G  |    0.602M    |\n"
            "|    backbone.layer2.3     |    0.28M             |    0.22G  |    0.602M    |\n"
            "|   backbone.layer3        |   7.098M             |   1.469G  |   2.158M     |\n"
            "|    backbone.layer3.0     |    1.512M            |    0.374G |    0.652M    |\n"
            "|    backbone.layer3.1     |    1.117M            |    0.219G |    0.301M    |\n"
            "|    backbone.layer3.2     |    1.117M            |    0.219G |    0.301M    |\n"
            "|    backbone.layer3.3     |    1.117M            |    0.219G |    0.301M    |\n"
            "|    backbone.layer3.4     |    1.117M            |    0.219G |    0.301M    |\n"
            "|    backbone.layer3.5     |    1.117M            |    0.219G |    0.301M    |\n"
            "|   backbone.layer4        |   14.965M            |   0.81G   |   0.627M     |\n"
            "|    backbone.layer4.0     |    6.04M             |    0.373G |    0.326M    |\n"
            "|    backbone.layer4.1     |    4.463M            |    0.219G |    0.151M    |\n"
            "|    backbone.layer4.2     |    4.463M            |    0.219G |    0.151M    |\n"
            "|  head.fc                 |  2.049M              |           |              |\n"
            "|   head.fc.weight         |   (1000, 2048)       |           |              |\n"
            "|   head.fc.bias           |   (1000,)            |           |              |\n"
            "|  neck.gap                |                      |  0.1M     |  0           |\n"
            "+--------------------------+----------------------+-----------+--------------+\n");
}

}  // namespace
}  // namespace mmcpp::engine::analysis
