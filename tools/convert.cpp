// `mmcpp convert torchvision SRC.pth DST.pth` and `mmcpp convert timm SRC.pth
// DST.pth`: MMPretrain's tools/model_converters (torchvision_to_mmpretrain.py
// for ResNets; the timm ViT/DeiT layouts as its deit3/eva converters map them).
// See mmcpp/pretrain/model_converters/model_converters.h for the key rules.
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/model_converters/model_converters.h"
#include "tools/subcommand.h"

namespace {

namespace mc = mmcpp::pretrain::model_converters;

struct ConvertArgs {
  std::string from, src, dst, model = "resnet";
};

int convert(const ConvertArgs& a) {
  mc::ConvertFn fn;
  if (a.from == "torchvision") {
    if (a.model != "resnet") {
      std::cout << "The \"" << a.model << "\" has not been supported to convert now.\n"
                << "This tool only supports resnet.\n";
      return 1;
    }
    // torchvision_to_mmpretrain.py insists on a .pth destination.
    if (a.dst.size() < 4 || a.dst.compare(a.dst.size() - 4, 4, ".pth") != 0) {
      std::cout << "The path should contain the name of the pth format file.\n";
      return 1;
    }
    fn = mc::convert_torchvision_resnet;
  } else {
    fn = mc::convert_timm_vit;
  }
  std::cout << "Converting...\n";
  auto r = mc::convert_checkpoint(a.src, a.dst, fn);
  std::cout << "Done! " << r.keys << " tensors written to " << a.dst << "\n";
  return 0;
}

mmcpp::tools::RunFn setup_convert(CLI::App& sub) {
  auto a = std::make_shared<ConvertArgs>();
  sub.description(
      "Convert a torchvision ResNet or a timm ViT checkpoint to MMPretrain's keys "
      "(MMPretrain's tools/model_converters)");
  sub.add_option("from", a->from, "the checkpoint's library: torchvision or timm")
      ->required()
      ->check(CLI::IsMember({"torchvision", "timm"}));
  sub.add_option("src", a->src, "source checkpoint (.pth)")->required();
  sub.add_option("dst", a->dst, "where to save the converted state dict")->required();
  sub.add_option("--model", a->model, "torchvision: the model family (resnet)");
  return [a] { return convert(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("convert", setup_convert);
