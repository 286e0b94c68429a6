// `mmcpp infer --task super-resolution --model-config CFG [--model-ckpt CKPT]
//  --img IN [--result-out-dir OUT] [--device cpu|cuda]`: MMagic's
// demo/mmagic_inference_demo.py for restoration models
// (ImageSuperResolutionInferencer): the image upscaled by the model, written to
// OUT (default: outputs/<IN stem>_sr.png). The subcommand is tools/infer.cpp.
#include "tools/infer_restoration.h"

#include <iostream>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/editing/apis/inferencers/image_super_resolution_inferencer.h"

namespace mmcpp::tools {

int infer_restoration(const RestorationInferArgs& a) {
  if (a.task != "super-resolution")
    throw mmcpp::Error("NotImplementedError",
                       "mmcpp infer: task '" + a.task +
                           "' is not supported here yet (available: super-resolution)");
  if (a.config.empty())
    throw mmcpp::Error("ValueError", "mmcpp infer: restoration needs --model-config CONFIG");
  if (a.img.empty()) throw mmcpp::Error("ValueError", "mmcpp infer: restoration needs --img IMAGE");
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

}  // namespace mmcpp::tools
