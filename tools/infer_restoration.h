// MMagic's restoration inference (demo/mmagic_inference_demo.py), run by
// `mmcpp infer` (tools/infer.cpp) for --task/--model-config/--img or a config
// whose default_scope is 'mmagic'.
#pragma once

#include <string>
#include <vector>

namespace mmcpp::tools {

struct RestorationInferArgs {
  std::string task = "super-resolution";
  std::string config, checkpoint, img, out, device = "cpu";
  std::vector<std::string> cfg_options;
};

// Writes the restored image (default outputs/<img stem>_sr.png); returns the
// exit status.
int infer_restoration(const RestorationInferArgs& a);

}  // namespace mmcpp::tools
