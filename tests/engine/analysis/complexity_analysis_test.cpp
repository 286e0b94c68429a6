// FLOP/activation counting with MMEngine's rules, per module, and its table.
#include "mmcpp/engine/analysis/complexity_analysis.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mmcpp/engine/analysis/jit_handles.h"
#include "mmcpp/engine/analysis/print_helper.h"

namespace mmcpp::engine::analysis {
namespace {

namespace F = torch::nn::functional;

// MMEngine's FlopAnalyzer docstring model: fc = Linear(1000, 10), conv =
// Conv2d(3, 10, 1), act = ReLU; forward: fc(act(conv(x)).flatten(1)).
struct DocModelImpl : torch::nn::Module {
  DocModelImpl() {
    fc = register_module("fc", torch::nn::Linear(1000, 10));
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 10, 1)));
    act = register_module("act", torch::nn::ReLU());
  }
  torch::Tensor forward(torch::Tensor x) { return fc(act(conv(x)).flatten(1)); }
  torch::nn::Linear fc{nullptr};
  torch::nn::Conv2d conv{nullptr};
  torch::nn::ReLU act{nullptr};
};
TORCH_MODULE(DocModel);

TEST(ComplexityAnalysis, MMEngineDocstringExample) {
  DocModel model;
  torch::Tensor x = torch::randn({1, 3, 10, 10});
  ComplexityStats s = analyze_complexity(*model, [&] { model(x); });
  EXPECT_EQ(s.total_flops, 13000);
  EXPECT_EQ(s.flops.at(""), 13000);
  EXPECT_EQ(s.flops.at("fc"), 10000);
  EXPECT_EQ(s.flops.at("conv"), 3000);
  EXPECT_EQ(s.flops.at("act"), 0);
  EXPECT_EQ(s.flops_by_operator,
            (std::map<std::string, std::int64_t>{{"conv", 3000}, {"linear", 10000}}));
  // ActivationAnalyzer's docstring: 1010 = conv 1000 + fc 10.
  EXPECT_EQ(s.total_activations, 1010);
  EXPECT_EQ(s.activations.at("conv"), 1000);
  EXPECT_EQ(s.activations.at("fc"), 10);
  // relu and flatten are known zero-flop ops: nothing unsupported.
  EXPECT_TRUE(s.unsupported_ops.empty());
  EXPECT_TRUE(s.uncalled_modules.empty());
  EXPECT_EQ(s.modules, (std::vector<std::string>{"", "fc", "conv", "act"}));
}

TEST(ComplexityAnalysis, StatsTableAsMMEngineDrawsIt) {
  DocModel model;
  torch::Tensor x = torch::randn({1, 3, 10, 10});
  ComplexityStats s = analyze_complexity(*model, [&] { model(x); });
  EXPECT_EQ(complexity_stats_table(*model, s),
            "+---------------+----------------------+--------+--------------+\n"
            "| module        | #parameters or shape | #flops | #activations |\n"
            "+---------------+----------------------+--------+--------------+\n"
            "| model         | 10.05K               | 13K    | 1.01K        |\n"
            "|  fc           |  10.01K              |  10K   |  10          |\n"
            "|   fc.weight   |   (10, 1000)         |        |              |\n"
            "|   fc.bias     |   (10,)              |        |              |\n"
            "|  conv         |  40                  |  3K    |  1K          |\n"
            "|   conv.weight |   (10, 3, 1, 1)      |        |              |\n"
            "|   conv.bias   |   (10,)              |        |              |\n"
            "+---------------+----------------------+--------+--------------+\n");
}

TEST(ComplexityAnalysis, FormatSize) {
  EXPECT_EQ(format_size(25557032), "25.557M");
  EXPECT_EQ(format_size(4109000000), "4.109G");
  EXPECT_EQ(format_size(100), "100");
  EXPECT_EQ(format_size(101), "0.101K");
  EXPECT_EQ(format_size(13000), "13K");
  EXPECT_EQ(format_size(100000), "100K");
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(0, 3, true), "");
  EXPECT_EQ(format_size(1234567890123456), "1.235P");
}

// A conv stem, an attention block and a classifier that the forward skips.
struct BlockImpl : torch::nn::Module {
  BlockImpl() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).padding(1)));
    bn = register_module("bn", torch::nn::BatchNorm2d(8));
    qkv = register_module("qkv", torch::nn::Linear(8, 24));
    proj = register_module("proj", torch::nn::Linear(8, 8));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({8})));
    head = register_module("head", torch::nn::Linear(8, 5));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(bn(conv(x)));                    // (1, 8, 4, 4)
    torch::Tensor t = x.flatten(2).transpose(1, 2);  // (1, 16, 8)
    auto q_k_v = qkv(t).chunk(3, -1);
    torch::Tensor attn = torch::matmul(q_k_v[0], q_k_v[1].transpose(1, 2)).softmax(-1);
    t = proj(torch::matmul(attn, q_k_v[2]));
    return norm(t);
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, head{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(Block);

struct NetImpl : torch::nn::Module {
  NetImpl() { block = register_module("block", Block()); }
  Block block{nullptr};
};
TORCH_MODULE(Net);

TEST(ComplexityAnalysis, CountsEachOpOnceAndAttributesParameterFreeOps) {
  Net net;
  net->eval();
  torch::Tensor x = torch::randn({1, 3, 4, 4});
  ComplexityStats s = analyze_complexity(*net, [&] { net->block(x); });
  const std::int64_t conv = 1 * (8 * 3 * 3 * 3) * 16;  // N * prod(w) * prod(out spatial)
  const std::int64_t bn = 8 * 16 * 2;                  // eval, affine
  const std::int64_t qkv = 16 * 8 * 24, proj = 16 * 8 * 8;
  const std::int64_t qk = 16 * 8 * 16, av = 16 * 16 * 8;  // matmuls: prod(a) * b[-1]
  const std::int64_t ln = 16 * 8 * 5;
  EXPECT_EQ(s.flops_by_operator.at("conv"), conv);
  EXPECT_EQ(s.flops_by_operator.at("batch_norm"), bn);
  EXPECT_EQ(s.flops_by_operator.at("linear"), qkv + proj);
  EXPECT_EQ(s.flops_by_operator.at("matmul"), qk + av);
  EXPECT_EQ(s.flops_by_operator.at("layer_norm"), ln);
  EXPECT_EQ(s.flops_by_operator.size(), 5u);  // no addmm/bmm/mm counted twice
  EXPECT_EQ(s.total_flops, conv + bn + qkv + proj + qk + av + ln);
  EXPECT_EQ(s.flops.at("block.conv"), conv);
  EXPECT_EQ(s.flops.at("block.qkv"), qkv);
  EXPECT_EQ(s.flops.at("block.proj"), proj);
  // The matmuls read no parameters: they belong to the common ancestor of the
  // modules around them (qkv before, proj after).
  EXPECT_EQ(s.flops.at("block"), s.total_flops);
  EXPECT_EQ(s.flops.at("block.head"), 0);
  EXPECT_EQ(s.uncalled_modules, (std::set<std::string>{"block.head"}));
  // softmax, transpose's neighbours... softmax is not a zero-flop op in MMEngine's list.
  EXPECT_EQ(s.unsupported_ops.count("aten::softmax"), 1u);
  EXPECT_EQ(s.unsupported_ops.count("aten::relu"), 0u);
  EXPECT_EQ(s.unsupported_ops.count("aten::conv2d"), 0u);  // it contains a counted op
  // LibTorch's Linear runs matmul + add_ on a 3-d input where PyTorch runs
  // aten::linear: counted as linear, its bias add not reported.
  EXPECT_EQ(s.unsupported_ops.count("aten::add_"), 0u);
}

// A parameter-free pooling module that names itself with ModuleScope.
struct PoolImpl : torch::nn::Module {
  torch::Tensor forward(torch::Tensor x) {
    ModuleScope scope(*this);
    return F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions(1)).flatten(1);
  }
};
TORCH_MODULE(Pool);

struct ScopedNetImpl : torch::nn::Module {
  ScopedNetImpl() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 1)));
    pool = register_module("pool", Pool());
    fc = register_module("fc", torch::nn::Linear(4, 2));
  }
  torch::Tensor forward(torch::Tensor x) { return fc(pool(conv(x))); }
  torch::nn::Conv2d conv{nullptr};
  Pool pool{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ScopedNet);

TEST(ComplexityAnalysis, ModuleScopeNamesWhereParameterFreeOpsRun) {
  ScopedNet net;
  torch::Tensor x = torch::randn({2, 3, 5, 5});
  ComplexityStats s = analyze_complexity(*net, [&] { net(x); });
  EXPECT_EQ(s.flops.at("pool"), 2 * 4 * 25);  // adaptive_avg_pool2d: prod(input)
  EXPECT_EQ(s.flops.at("conv"), 2 * 12 * 25);
  EXPECT_EQ(s.flops.at("fc"), 2 * 4 * 2);
  // Without a scope the pooling between conv and fc belongs to their ancestor.
  ComplexityStats again = analyze_complexity(*net, [&] {
    torch::Tensor y = net->conv(x);
    net->fc(F::adaptive_avg_pool2d(y, F::AdaptiveAvgPool2dFuncOptions(1)).flatten(1));
  });
  EXPECT_EQ(again.flops.at("pool"), 0);
  EXPECT_EQ(again.flops.at(""), again.total_flops);
  // Outside an analysis a ModuleScope does nothing.
  EXPECT_NO_THROW(net(torch::randn({1, 3, 2, 2})));
}

TEST(ComplexityAnalysis, OtherCountedOps) {
  torch::nn::Module empty;
  auto run = [&](const std::function<void()>& f) { return analyze_complexity(empty, f); };
  // einsum: one multiply-add per combination of indices.
  EXPECT_EQ(run([] {
              torch::einsum("bij,bjk->bik", {torch::randn({2, 3, 4}), torch::randn({2, 4, 5})});
            }).total_flops,
            2 * 3 * 4 * 5);
  // Transposed convolution: N * prod(w) * prod(input spatial).
  EXPECT_EQ(run([] {
              F::conv_transpose2d(torch::randn({1, 4, 5, 5}), torch::randn({4, 2, 3, 3}));
            }).flops_by_operator.at("conv"),
            4 * 2 * 9 * 25);
  // Train-mode batch norm, group norm, bmm, addmm, upsampling.
  auto s = run([] {
    torch::Tensor x = torch::randn({2, 4, 3, 3});
    torch::batch_norm(x, torch::ones({4}), torch::zeros({4}), torch::zeros({4}), torch::ones({4}),
                      true, 0.1, 1e-5, false);
    torch::group_norm(x, 2);
    torch::bmm(torch::randn({2, 3, 4}), torch::randn({2, 4, 6}));
    torch::addmm(torch::randn({3, 6}), torch::randn({3, 4}), torch::randn({4, 6}));
    F::interpolate(x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 2}));
    F::interpolate(x, F::InterpolateFuncOptions()
                          .scale_factor(std::vector<double>{2, 2})
                          .mode(torch::kBilinear)
                          .align_corners(false));
  });
  EXPECT_EQ(s.flops_by_operator.at("batch_norm"), 72 * 5);
  EXPECT_EQ(s.flops_by_operator.at("group_norm"), 72 * 4);  // no affine
  EXPECT_EQ(s.flops_by_operator.at("bmm"), 2 * 3 * 4 * 6);
  EXPECT_EQ(s.flops_by_operator.at("addmm"), 3 * 4 * 6);
  EXPECT_EQ(s.flops_by_operator.at("upsample_nearest2d"), 2 * 4 * 6 * 6);
  EXPECT_EQ(s.flops_by_operator.at("upsample_bilinear2d"), 4 * 2 * 4 * 6 * 6);
}

TEST(ComplexityAnalysis, ErrorsOfTheForwardPropagate) {
  torch::nn::Module empty;
  EXPECT_THROW(analyze_complexity(empty,
                                  [] {
                                    torch::matmul(torch::ones({2, 3}), torch::ones({2, 3}));
                                  }),
               c10::Error);
  // The observer is gone afterwards: another analysis starts cleanly.
  EXPECT_EQ(analyze_complexity(empty,
                               [] {
                                 torch::mm(torch::ones({2, 3}), torch::ones({3, 4}));
                               })
                .total_flops,
            24);
}

TEST(ComplexityAnalysis, ParameterCountInMMEngineOrder) {
  DocModel model;
  auto c = parameter_count(*model);
  std::vector<std::pair<std::string, std::int64_t>> expected = {
      {"", 10050},  {"fc", 10010},       {"fc.weight", 10000}, {"fc.bias", 10},
      {"conv", 40}, {"conv.weight", 30}, {"conv.bias", 10}};
  EXPECT_EQ(c, expected);
}

TEST(JitHandles, EinsumMatchesMMEngineSpecialCases) {
  OpCall op;
  op.name = "aten::einsum";
  OpValue eq;
  eq.kind = OpValue::Kind::String;
  eq.s = "nct,ncp->ntp";  // 'abc,abd->acd' after relabelling
  OpValue ts;
  ts.kind = OpValue::Kind::TensorList;
  ts.shapes = {{2, 3, 4}, {2, 3, 5}};
  op.inputs = {eq, ts};
  EXPECT_EQ(einsum_flop(op), 2 * 3 * 4 * 5);
  op.inputs[0].s = "ntg,ncg->nct";  // 'abc,adc->adb'
  op.inputs[1].shapes = {{2, 4, 6}, {2, 3, 6}};
  EXPECT_EQ(einsum_flop(op), 2 * 4 * 6 * 3);
}

}  // namespace
}  // namespace mmcpp::engine::analysis
