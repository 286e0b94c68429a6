#include "mmcpp/pretrain/models/backbones/hrnet.h"

#include <torch/torch.h>

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/cv/cnn/bricks/upsample.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;
using mmcv::make_dict;

namespace {

// torch.nn.ModuleList whose None entries keep their index (PyTorch registers
// them under str(index) and leaves them out of the state dict).
class IndexedModuleListImpl : public torch::nn::Module, public engine::DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("ModuleList", "Module")
  void set(std::size_t index, const std::shared_ptr<torch::nn::Module>& module) {
    register_module(std::to_string(index), module);
  }
};
TORCH_MODULE(IndexedModuleList);

engine::Layer conv(const Value& conv_cfg, std::int64_t in, std::int64_t out, std::int64_t k,
                   std::int64_t stride, std::int64_t padding) {
  return mmcv::build_conv_layer(conv_cfg, {Value(in), Value(out)},
                                {{"kernel_size", Value(k)},
                                 {"stride", Value(stride)},
                                 {"padding", Value(padding)},
                                 {"bias", Value(false)}});
}

engine::Layer relu() { return engine::Layer(torch::nn::ReLU().ptr()); }

engine::Layer seq(std::vector<engine::Layer> layers) {
  auto s = engine::LayerSequential();
  for (auto& l : layers) s->push_back(std::move(l));
  return engine::Layer(s.ptr());
}

ResBlockType block_type(const std::string& block) {
  if (block == "BASIC") return ResBlockType::Basic;
  if (block == "BOTTLENECK") return ResBlockType::Bottleneck;
  throw Error("KeyError", "HRNet: block '" + block + "' is not one of 'BASIC', 'BOTTLENECK'");
}

// ResLayer(block, num_blocks, in_channels, out_channels, conv_cfg, norm_cfg,
// with_cp, init_cfg) as HRNet builds it.
engine::Layer res_layer(const std::string& block, std::int64_t num_blocks, std::int64_t in,
                        std::int64_t out, const Value& conv_cfg, const Value& norm_cfg,
                        bool with_cp, const Value& init_cfg) {
  ResBlockOptions o;
  const auto type = block_type(block);
  o.expansion = hrnet_block_expansion(block);
  o.python_class = engine::PythonClass{type == ResBlockType::Basic ? "BasicBlock" : "Bottleneck",
                                       {"BaseModule"}};
  o.conv_cfg = conv_cfg;
  if (!norm_cfg.is_none()) o.norm_cfg = norm_cfg;
  o.with_cp = with_cp;
  o.init_cfg = init_cfg;
  return engine::Layer(ResLayer(type, num_blocks, in, out, 1, false, o,
                                std::vector<double>(static_cast<std::size_t>(num_blocks), 0.0))
                           .ptr());
}

std::vector<std::int64_t> int_list(const Value& v, const std::string& what) {
  if (!v.is_sequence())
    throw Error("TypeError", "HRNet: " + what + " must be a sequence, got " + v.repr());
  std::vector<std::int64_t> out;
  for (const auto& x : v.items()) out.push_back(x.as_int());
  return out;
}

HRNetExtra parse_extra(const Value& extra) {
  if (!extra.is_dict())
    throw Error("TypeError", "HRNet: extra must be a dict, got " + extra.repr());
  HRNetExtra out;
  for (int i = 1; i <= 4; ++i) {
    const std::string key = "stage" + std::to_string(i);
    const Value* cfg = extra.as_dict().find(key);
    if (!cfg) throw Error("AssertionError", "HRNet: Missing " + key + " config in \"extra\".");
    if (!cfg->is_dict())
      throw Error("TypeError", "HRNet: extra['" + key + "'] must be a dict, got " + cfg->repr());
    for (const char* k : {"num_modules", "num_branches", "block", "num_blocks", "num_channels"})
      if (!cfg->as_dict().find(k))
        throw Error("KeyError", "HRNet: extra['" + key + "'] has no '" + std::string(k) + "'");
    HRStageConfig s;
    s.num_modules = cfg->as_dict().find("num_modules")->as_int();
    s.num_branches = cfg->as_dict().find("num_branches")->as_int();
    s.block = cfg->as_dict().find("block")->as_str();
    s.num_blocks = int_list(*cfg->as_dict().find("num_blocks"), key + ".num_blocks");
    s.num_channels = int_list(*cfg->as_dict().find("num_channels"), key + ".num_channels");
    out.push_back(s);
  }
  return out;
}

HRNetExtra zoo_entry(std::int64_t w) {
  return {{1, 1, "BOTTLENECK", {4}, {64}},
          {1, 2, "BASIC", {4, 4}, {w, 2 * w}},
          {4, 3, "BASIC", {4, 4, 4}, {w, 2 * w, 4 * w}},
          {3, 4, "BASIC", {4, 4, 4, 4}, {w, 2 * w, 4 * w, 8 * w}}};
}

}  // namespace

const std::vector<std::pair<std::string, HRNetExtra>>& hrnet_arch_zoo() {
  static const std::vector<std::pair<std::string, HRNetExtra>> zoo = {
      {"w18", zoo_entry(18)}, {"w30", zoo_entry(30)}, {"w32", zoo_entry(32)},
      {"w40", zoo_entry(40)}, {"w44", zoo_entry(44)}, {"w48", zoo_entry(48)},
      {"w64", zoo_entry(64)}};
  return zoo;
}

std::int64_t hrnet_block_expansion(const std::string& block) {
  return block_type(block) == ResBlockType::Basic ? 1 : 4;
}

// ---------------------------------------------------------------- HRModule

HRModuleOptions::HRModuleOptions() { norm_cfg = make_dict({{"type", Value("BN")}}); }

HRModuleImpl::HRModuleImpl(HRModuleOptions options)
    : engine::BaseModule(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  const auto nb = static_cast<std::size_t>(o.num_branches);
  if (nb != o.num_blocks.size())
    throw Error("ValueError", "NUM_BRANCHES(" + std::to_string(nb) + ") != NUM_BLOCKS(" +
                                  std::to_string(o.num_blocks.size()) + ")");
  if (nb != o.num_channels.size())
    throw Error("ValueError", "NUM_BRANCHES(" + std::to_string(nb) + ") != NUM_CHANNELS(" +
                                  std::to_string(o.num_channels.size()) + ")");
  if (nb != o.in_channels.size())
    throw Error("ValueError", "NUM_BRANCHES(" + std::to_string(nb) + ") != NUM_INCHANNELS(" +
                                  std::to_string(o.in_channels.size()) + ")");
  auto branches = register_module("branches", engine::ModuleList());
  const std::int64_t expansion = hrnet_block_expansion(o.block);
  for (std::size_t i = 0; i < nb; ++i) {
    auto layer =
        res_layer(o.block, o.num_blocks[i], o.in_channels[i], o.num_channels[i] * expansion,
                  o.conv_cfg, o.norm_cfg, o.with_cp, o.block_init_cfg);
    branches->push_back(layer.ptr());
    branches_.push_back(layer);
  }
  if (nb > 1) {
    auto fuse_layers = register_module("fuse_layers", torch::nn::ModuleList());
    const std::size_t num_out = o.multiscale_output ? nb : 1;
    const auto& in = o.in_channels;
    for (std::size_t i = 0; i < num_out; ++i) {
      auto list = IndexedModuleList();
      std::vector<engine::Layer> row(nb);
      for (std::size_t j = 0; j < nb; ++j) {
        if (j > i) {
          const double scale = static_cast<double>(std::int64_t{1} << (j - i));
          row[j] =
              seq({conv(o.conv_cfg, in[j], in[i], 1, 1, 0),
                   mmcv::build_norm_layer(o.norm_cfg, in[i]).second,
                   engine::Layer(mmcv::Upsample(std::vector<std::int64_t>{},
                                                std::vector<double>{scale}, "nearest", std::nullopt)
                                     .ptr())});
        } else if (j < i) {
          std::vector<engine::Layer> downs;
          for (std::size_t k = 0; k < i - j; ++k) {
            if (k == i - j - 1)
              downs.push_back(seq({conv(o.conv_cfg, in[j], in[i], 3, 2, 1),
                                   mmcv::build_norm_layer(o.norm_cfg, in[i]).second}));
            else
              downs.push_back(seq({conv(o.conv_cfg, in[j], in[j], 3, 2, 1),
                                   mmcv::build_norm_layer(o.norm_cfg, in[j]).second, relu()}));
          }
          row[j] = seq(std::move(downs));
        }
        if (row[j]) list->set(j, row[j].ptr());
      }
      fuse_layers->push_back(list.ptr());
      fuse_.push_back(std::move(row));
    }
  }
  relu_ = engine::register_layer(*this, "relu", relu());
}

std::vector<torch::Tensor> HRModuleImpl::forward(std::vector<torch::Tensor> x) {
  if (branches_.size() == 1) return {branches_[0](x[0])};
  for (std::size_t i = 0; i < branches_.size(); ++i) x[i] = branches_[i](x[i]);
  std::vector<torch::Tensor> fused;
  for (const auto& row : fuse_) {
    torch::Tensor y;
    for (std::size_t j = 0; j < branches_.size(); ++j) {
      torch::Tensor t = row[j] ? row[j](x[j]) : x[j];
      y = y.defined() ? y + t : t;
    }
    fused.push_back(relu_(y));
  }
  return fused;
}

// ---------------------------------------------------------------- HRNet

HRNetOptions::HRNetOptions() {
  extra = hrnet_arch_zoo()[2].second;  // w32
  norm_cfg = make_dict({{"type", Value("BN")}});
  init_cfg =
      Value::list({make_dict({{"type", Value("Kaiming")}, {"layer", Value("Conv2d")}}),
                   make_dict({{"type", Value("Constant")},
                              {"val", Value(1)},
                              {"layer", Value::list({Value("_BatchNorm"), Value("GroupNorm")})}})});
}

HRNetOptions::HRNetOptions(registry::BuildArgs& a) : HRNetOptions() {
  const Value arch = a.has("arch") ? a.value("arch") : Value("w32");
  const Value ex = a.value("extra");
  if (!ex.is_none()) {
    extra = parse_extra(ex);
  } else {
    const auto& zoo = hrnet_arch_zoo();
    auto it = std::find_if(zoo.begin(), zoo.end(), [&](const auto& e) {
      return arch.is_str() && e.first == arch.as_str();
    });
    if (it == zoo.end()) {
      std::string names;
      for (const auto& e : zoo) names += (names.empty() ? "'" : ", '") + e.first + "'";
      throw Error("AssertionError", "HRNet: Invalid arch " + arch.repr() +
                                        ", please choose arch from [" + names +
                                        "], or specify `extra` argument directly.");
    }
    extra = it->second;
  }
  in_channels = a.get_int("in_channels", in_channels);
  conv_cfg = a.value("conv_cfg");
  if (a.has("norm_cfg")) norm_cfg = a.value("norm_cfg");
  norm_eval = a.get_bool("norm_eval", norm_eval);
  with_cp = a.get_bool("with_cp", with_cp);
  zero_init_residual = a.get_bool("zero_init_residual", zero_init_residual);
  multiscale_output = a.get_bool("multiscale_output", multiscale_output);
  if (a.has("init_cfg")) init_cfg = a.value("init_cfg");
}

HRNetImpl::HRNetImpl(HRNetOptions options)
    : BaseBackboneImpl(options.init_cfg), options_(std::move(options)) {
  const auto& o = options_;
  if (o.extra.size() != 4) throw Error("AssertionError", "HRNet: extra needs stage1..stage4");
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& s = o.extra[i];
    if (static_cast<std::int64_t>(s.num_blocks.size()) != s.num_branches ||
        static_cast<std::int64_t>(s.num_channels.size()) != s.num_branches)
      throw Error("AssertionError", "HRNet: stage" + std::to_string(i + 1) +
                                        ": num_blocks and num_channels need num_branches items");
  }
  conv1_ = engine::register_layer(*this, "conv1", conv(o.conv_cfg, o.in_channels, 64, 3, 2, 1));
  auto [n1, norm1] = mmcv::build_norm_layer(o.norm_cfg, 64, 1);
  norm1_ = engine::register_layer(*this, n1, norm1);
  conv2_ = engine::register_layer(*this, "conv2", conv(o.conv_cfg, 64, 64, 3, 2, 1));
  auto [n2, norm2] = mmcv::build_norm_layer(o.norm_cfg, 64, 2);
  norm2_ = engine::register_layer(*this, n2, norm2);
  relu_ = engine::register_layer(*this, "relu", relu());

  const auto& s1 = o.extra[0];
  const std::int64_t e1 = hrnet_block_expansion(s1.block);
  std::vector<std::int64_t> pre;
  for (auto c : s1.num_channels) pre.push_back(c * e1);
  // As MMPretrain: layer1 gets the default conv/norm configs.
  layer1_ = engine::register_layer(
      *this, "layer1",
      res_layer(s1.block, s1.num_blocks[0], 64, pre[0], Value(), Value(), false, Value()));

  for (std::size_t si = 1; si < 4; ++si) {
    const auto& sc = o.extra[si];
    const std::int64_t e = hrnet_block_expansion(sc.block);
    std::vector<std::int64_t> cur;
    for (auto c : sc.num_channels) cur.push_back(c * e);
    // transition{si}
    auto tlist = register_module("transition" + std::to_string(si), torch::nn::ModuleList());
    std::vector<engine::Layer> trans;
    for (std::size_t i = 0; i < cur.size(); ++i) {
      engine::Layer t;
      if (i < pre.size()) {
        if (cur[i] != pre[i])
          t = seq({conv(o.conv_cfg, pre[i], cur[i], 3, 1, 1),
                   mmcv::build_norm_layer(o.norm_cfg, cur[i]).second, relu()});
        else
          t = engine::Layer(torch::nn::Identity().ptr());
      } else {
        std::vector<engine::Layer> downs;
        for (std::size_t j = 0; j < i + 1 - pre.size(); ++j) {
          const std::int64_t in = pre.back();
          const std::int64_t out = j == i - pre.size() ? cur[i] : in;
          downs.push_back(seq({conv(o.conv_cfg, in, out, 3, 2, 1),
                               mmcv::build_norm_layer(o.norm_cfg, out).second, relu()}));
        }
        t = seq(std::move(downs));
      }
      tlist->push_back(t.ptr());
      trans.push_back(t);
    }
    transitions_.push_back(std::move(trans));
    // stage{si + 1}
    const bool multiscale = si == 3 ? o.multiscale_output : true;
    Value block_init_cfg;
    if (o.zero_init_residual)
      block_init_cfg = make_dict(
          {{"type", Value("Constant")},
           {"val", Value(0)},
           {"override", make_dict({{"name", Value(sc.block == "BASIC" ? "norm2" : "norm3")}})}});
    auto stage = register_module("stage" + std::to_string(si + 1), engine::ModuleList());
    std::vector<HRModule> modules;
    for (std::int64_t m = 0; m < sc.num_modules; ++m) {
      HRModuleOptions mo;
      mo.num_branches = sc.num_branches;
      mo.block = sc.block;
      mo.num_blocks = sc.num_blocks;
      mo.in_channels = cur;
      mo.num_channels = sc.num_channels;
      mo.multiscale_output = multiscale || m != sc.num_modules - 1;
      mo.with_cp = o.with_cp;
      mo.conv_cfg = o.conv_cfg;
      mo.norm_cfg = o.norm_cfg;
      mo.block_init_cfg = block_init_cfg;
      HRModule module(mo);
      stage->push_back(module.ptr());
      modules.push_back(module);
    }
    stages_.push_back(std::move(modules));
    pre = cur;
  }
}

std::shared_ptr<HRNetImpl> HRNetImpl::from_config(registry::BuildArgs& a) {
  return std::make_shared<HRNetImpl>(HRNetOptions(a));
}

Feats HRNetImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = relu_(norm1_(conv1_(input)));
  x = relu_(norm2_(conv2_(x)));
  std::vector<torch::Tensor> xs = {layer1_(x)};
  for (std::size_t s = 0; s < stages_.size(); ++s) {
    std::vector<torch::Tensor> inputs;
    const auto& trans = transitions_[s];
    for (std::size_t j = 0; j < trans.size(); ++j)
      inputs.push_back(trans[j](j < xs.size() ? xs[j] : xs.back()));
    for (auto& m : stages_[s]) inputs = m->forward(std::move(inputs));
    xs = std::move(inputs);
  }
  return xs;
}

void HRNetImpl::train(bool on) {
  BaseBackboneImpl::train(on);
  if (on && options_.norm_eval) set_batch_norms_eval(*this);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::HRNetImpl, "HRNet",
                  "dict(type='HRNet', extra=dict("
                  "stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', "
                  "num_blocks=(1,), num_channels=(8,)), "
                  "stage2=dict(num_modules=1, num_branches=2, block='BASIC', "
                  "num_blocks=(1, 1), num_channels=(4, 8)), "
                  "stage3=dict(num_modules=1, num_branches=3, block='BASIC', "
                  "num_blocks=(1, 1, 1), num_channels=(4, 8, 16)), "
                  "stage4=dict(num_modules=2, num_branches=4, block='BASIC', "
                  "num_blocks=(1, 1, 1, 1), num_channels=(4, 8, 16, 32))))");
