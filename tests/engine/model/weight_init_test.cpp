// Weight initialisation as mmengine/model/weight_init.py and BaseModule's
// init_weights order (mmengine/model/base_module.py).
#include <gtest/gtest.h>

#include <unistd.h>

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/engine/runner/checkpoint.h"

namespace mmcpp::engine {
namespace {

namespace fs = std::filesystem;
using config::Value;

Value parse(const std::string& text) {
  return config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

// conv: torch.nn.Conv2d; wconv: mmcv's Conv2d wrapper ('Conv'); bn; fc.
class Net : public BaseModule {
 public:
  explicit Net(Value init_cfg = Value()) : BaseModule(init_cfg) {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 3)));
    wconv = register_layer(
        *this, "wconv",
        mmcv::build_conv_layer(parse("dict(type='Conv')"), {Value(3), Value(3), Value(1)}));
    bn = register_module("bn", torch::nn::BatchNorm2d(3));
    fc = register_module("fc", torch::nn::Linear(3, 4));
  }
  torch::nn::Conv2d conv{nullptr};
  Layer wconv;
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Linear fc{nullptr};
};

bool all_equal(const torch::Tensor& t, double v) { return (t == v).all().item<bool>(); }

TEST(WeightInit, LayerMatchesClassNameAndDirectBases) {
  Net net;
  initialize(net, parse("dict(type='Constant', val=1, bias=2, layer='_ConvNd')"));
  EXPECT_TRUE(all_equal(net.conv->weight, 1));
  EXPECT_TRUE(all_equal(net.conv->bias, 2));
  // mmcv's wrapper Conv2d has the base Conv2d, not _ConvNd (direct bases only).
  EXPECT_FALSE(all_equal(net.wconv.as<torch::nn::Conv2dImpl>()->weight, 1));
  initialize(net, parse("dict(type='Constant', val=3, layer='Conv2d')"));
  EXPECT_TRUE(all_equal(net.conv->weight, 3));
  EXPECT_TRUE(all_equal(net.wconv.as<torch::nn::Conv2dImpl>()->weight, 3));
  initialize(net, parse("dict(type='Constant', val=5, layer=['_BatchNorm', 'Linear'])"));
  EXPECT_TRUE(all_equal(net.bn->weight, 5));
  EXPECT_TRUE(all_equal(net.fc->weight, 5));
  EXPECT_TRUE(all_equal(net.fc->bias, 0));
  EXPECT_TRUE(all_equal(net.conv->weight, 3));
}

TEST(WeightInit, OverrideByNameInitialisesTheWholeChild) {
  Net net;
  initialize(net, parse("dict(type='Constant', val=1, layer='Conv2d', "
                        "override=dict(type='Constant', name='fc', val=7, bias=8))"));
  EXPECT_TRUE(all_equal(net.conv->weight, 1));
  EXPECT_TRUE(all_equal(net.fc->weight, 7));
  EXPECT_TRUE(all_equal(net.fc->bias, 8));
  // An override with only a name uses the outer arguments (without layer).
  initialize(net, parse("dict(type='Constant', val=4, layer='Conv2d', override=dict(name='bn'))"));
  EXPECT_TRUE(all_equal(net.bn->weight, 4));
  EXPECT_THROW(initialize(net, parse("dict(type='Constant', val=1, override=dict(val=2))")),
               Error);  // no name: ValueError
  try {
    initialize(net, parse("dict(type='Constant', val=1, override=dict(name='fc', val=2))"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
  }
  try {
    initialize(net, parse("dict(type='Constant', val=1, override=dict(type='Constant', "
                          "name='nope', val=2))"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "RuntimeError");
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos);
  }
}

TEST(WeightInit, ArgumentChecksAsMMEngine) {
  Net net;
  auto kind_of = [&](const std::string& cfg) -> std::string {
    try {
      initialize(net, parse(cfg));
    } catch (const Error& e) {
      return e.kind();
    }
    return "";
  };
  EXPECT_EQ(kind_of("dict(type='Constant', val=1, bias='x')"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='Constant', val=1, bias_prob=1)"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='Constant', val=1, layer=('Conv2d',))"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='Constant', val=1, unknown=3)"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='Nope')"), "KeyError");
  EXPECT_EQ(kind_of("'Constant'"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='Caffe2Xavier', a=2, layer='Linear')"), "TypeError");
}

TEST(WeightInit, BiasProbAndDistributions) {
  Net net;
  initialize(net, parse("dict(type='Normal', std=0.01, bias_prob=0.01, layer='Linear')"));
  EXPECT_NEAR(net.fc->bias[0].item<double>(), -std::log(0.99 / 0.01), 1e-6);
  EXPECT_DOUBLE_EQ(bias_init_with_prob(0.5), 0.0);
  torch::manual_seed(0);
  torch::Tensor t = torch::empty({20000});
  trunc_normal_(t, 0, 1, -0.5, 0.5);
  EXPECT_GE(t.min().item<double>(), -0.5);
  EXPECT_LE(t.max().item<double>(), 0.5);
  // Kaiming normal, fan_out, relu: std = sqrt(2 / fan_out).
  auto big = torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 64, 3));
  kaiming_init(*big, 0, "fan_out", "relu");
  EXPECT_NEAR(big->weight.std().item<double>(), std::sqrt(2.0 / (64 * 9)), 0.01);
  EXPECT_TRUE(all_equal(big->bias, 0));
  EXPECT_THROW(kaiming_init(*big, 0, "fan_x", "relu"), Error);
  // Uniform / Xavier stay in their bounds.
  initialize(*big, parse("dict(type='Uniform', a=-0.25, b=0.5, layer='Conv2d')"));
  EXPECT_GE(big->weight.min().item<double>(), -0.25);
  EXPECT_LE(big->weight.max().item<double>(), 0.5);
  initialize(*big, parse("dict(type='Xavier', distribution='uniform', layer='Conv2d')"));
  double bound = std::sqrt(6.0 / (16 * 9 + 64 * 9));
  EXPECT_LE(big->weight.abs().max().item<double>(), bound + 1e-6);
}

// A child with its own init_cfg: the parent's non-Pretrained init first, then
// the child's (it wins), Pretrained last (it wins over both).
class Child : public BaseModule {
 public:
  explicit Child(Value init_cfg) : BaseModule(init_cfg) {
    fc = register_module("fc", torch::nn::Linear(3, 3));
  }
  torch::nn::Linear fc{nullptr};
};

class Parent : public BaseModule {
 public:
  Parent(Value init_cfg, Value child_cfg) : BaseModule(init_cfg) {
    child = register_module("child", std::make_shared<Child>(child_cfg));
    fc = register_module("fc", torch::nn::Linear(3, 3));
  }
  std::shared_ptr<Child> child;
  torch::nn::Linear fc{nullptr};
};

TEST(BaseModule, InitWeightsOrder) {
  Parent p(parse("dict(type='Constant', val=1, layer='Linear')"),
           parse("dict(type='Constant', val=2, layer='Linear')"));
  p.init_weights();
  EXPECT_TRUE(all_equal(p.fc->weight, 1));
  EXPECT_TRUE(all_equal(p.child->fc->weight, 2));
  EXPECT_TRUE(p.is_init());
  EXPECT_TRUE(p.child->is_init());
  // A second call does nothing (and warns).
  {
    torch::NoGradGuard g;
    p.fc->weight.fill_(9);
  }
  p.init_weights();
  EXPECT_TRUE(all_equal(p.fc->weight, 9));
}

TEST(BaseModule, PretrainedIsAppliedLast) {
  const std::string dir =
      (fs::temp_directory_path() / ("mmcpp_init_" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  const std::string ckpt = dir + "/w.pth";
  Parent source{Value(), Value()};
  {
    torch::NoGradGuard g;
    for (auto& t : source.parameters()) t.fill_(6);
  }
  io::PyObject sd = io::PyObject::dict();
  sd.as_dict().set("state_dict", model_state_dict(source));
  write_checkpoint(Env::system(), sd, ckpt);
  // Pretrained listed first still runs after Constant and after the children.
  Parent p(parse("[dict(type='Pretrained', checkpoint='" + ckpt +
                 "'), dict(type='Constant', val=1, layer='Linear')]"),
           parse("dict(type='Constant', val=2, layer='Linear')"));
  p.init_weights();
  EXPECT_TRUE(all_equal(p.fc->weight, 6));
  EXPECT_TRUE(all_equal(p.child->fc->weight, 6));
  // With a prefix: only `child.` keys, stripped.
  Child c(parse("dict(type='Pretrained', checkpoint='" + ckpt + "', prefix='child')"));
  c.init_weights();
  EXPECT_TRUE(all_equal(c.fc->weight, 6));
  Child bad(parse("dict(type='Pretrained', checkpoint='" + ckpt + "', prefix='nothing')"));
  EXPECT_THROW(bad.init_weights(), Error);
  fs::remove_all(dir);
}

TEST(BaseModule, InitInfoIsWrittenToTheLogFile) {
  const std::string dir =
      (fs::temp_directory_path() / ("mmcpp_initlog_" + std::to_string(::getpid()))).string();
  Logger logger;
  logger.set_console(false);
  logger.add_file(dir + "/run.log");
  Parent p(parse("dict(type='Constant', val=1, layer='Linear')"), Value());
  p.set_init_logger(&logger);
  p.init_weights();
  logger.flush();
  std::ifstream in(dir + "/run.log");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string log = ss.str();
  EXPECT_NE(log.find("Name of parameter - Initialization information"), std::string::npos) << log;
  EXPECT_NE(log.find("fc.weight - torch.Size([3, 3]): \nConstantInit: val=1, bias=0 \n"),
            std::string::npos)
      << log;
  fs::remove_all(dir);
}

TEST(PythonClass, TorchModulesAndIsinstance) {
  auto bn = torch::nn::BatchNorm2d(3);
  EXPECT_EQ(python_class_of(*bn).name, "BatchNorm2d");
  EXPECT_EQ(python_class_of(*bn).bases, std::vector<std::string>{"_BatchNorm"});
  EXPECT_TRUE(python_isinstance(*bn, "_NormBase"));
  EXPECT_TRUE(python_isinstance(*bn, "Module"));
  EXPECT_FALSE(python_isinstance(*bn, "_InstanceNorm"));
  auto relu6 = torch::nn::ReLU6();
  EXPECT_TRUE(python_isinstance(*relu6, "Hardtanh"));
  Net net;
  EXPECT_EQ(python_class_of(net).name, "Net");
  EXPECT_EQ(python_class_of(net).bases, std::vector<std::string>{"BaseModule"});
}

}  // namespace
}  // namespace mmcpp::engine
