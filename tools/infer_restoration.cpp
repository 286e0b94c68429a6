// `mmcpp infer --task super-resolution --model-config CFG [--model-ckpt CKPT]
//  --img IN [--result-out-dir OUT] [--device cpu|cuda]`: MMagic's
// demo/mmagic_inference_demo.py for restoration models
// (ImageSuperResolutionInferencer): the image upscaled by the model, written to
// OUT (default: outputs/<IN stem>_sr.png).
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/editing/apis/inferencers/image_super_resolution_inferencer.h"
#include "tools/subcommand.h"

namespace {

struct InferArgs {
  std::string task = "super-resolution";
  std::string config, checkpoint, img, out, device = "cpu";
  std::vector<std::string> cfg_options;
};

int infer(const InferArgs& a) {
  if (a.task != "super-resolution")
    throw mmcpp::Error("NotImplementedError",
                       "mmcpp infer: task '" + a.task +
                           "' is not supported here yet (available: super-resolution)");
  mmcpp::config::Config cfg = mmcpp::config::Config::fromfile(a.config);
  if (!a.cfg_options.empty()) cfg.merge_from_dict(mmcpp::config::parse_cfg_options(a.cfg_options));
  mmcpp::editing::ImageSuperResolutionInferencer inferencer(cfg, a.checkpoint,
                                                            torch::Device(a.device));
  if (!inferencer.load_report().empty())
    std::cerr << "The model and loaded state dict do not match exactly\n"
              << inferencer.load_report() << "\n";
  const std::string out =
      a.out.empty() ? mmcpp::path_join("outputs", mmcpp::path_stem(a.img) + "_sr.png") : a.out;
  auto [h, w] = inferencer.infer_to_file(a.img, out);
  std::cout << "saved " << out << " (" << w << "x" << h << ")\n";
  return 0;
}

mmcpp::tools::RunFn setup_infer(CLI::App& sub) {
  auto a = std::make_shared<InferArgs>();
  sub.description("Inference with a restoration model (MMagic's mmagic_inference_demo.py)");
  sub.add_option("--task", a->task, "the task (super-resolution)")
      ->check(CLI::IsMember({"super-resolution"}));
  sub.add_option("--model-config,--config", a->config, "the model's config file")->required();
  sub.add_option("--model-ckpt,--checkpoint", a->checkpoint, "checkpoint (.pth) to load");
  sub.add_option("--img", a->img, "the input image")->required();
  sub.add_option("--result-out-dir,--out", a->out, "the output image file (PNG)");
  sub.add_option("--device", a->device, "device: cpu, cuda, cuda:0, ...");
  sub.add_option("--cfg-options", a->cfg_options, "override settings in the config: key=value ...")
      ->expected(1, -1);
  return [a] { return infer(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("infer", setup_infer);
