// `mmcpp reparameterize CONFIG CHECKPOINT OUT.pth`: MMPretrain's
// tools/model_converters/reparameterize_model.py. Builds the config's
// ImageClassifier (no init, no pretrained weights), loads CHECKPOINT into it,
// calls the backbone's switch_to_deploy() (RepVGG, MobileOne, RIFormer, LeViT)
// and the head's when it has one (LeViTClsHead; the Python tool fuses the
// backbone only) and saves the checkpoint with its `state_dict` replaced by the
// deploy model's.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/analysis/model_analysis.h"
#include "mmcpp/engine/model/python_class.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/io/pth_writer.h"
#include "mmcpp/pretrain/models/backbones/repvgg.h"
#include "mmcpp/pretrain/models/classifiers/image.h"
#include "tools/subcommand.h"

namespace {

struct ReparamArgs {
  std::string config, checkpoint, save_path;
};

int reparameterize(const ReparamArgs& a) {
  namespace fs = std::filesystem;
  const fs::path save(a.save_path);
  if (save.extension() != ".pth" && save.extension() != ".tar") {
    std::cout << "The path should contain the name of the pth format file.\n";
    return 0;  // the Python tool exits quietly (status 0) here
  }
  auto cfg = mmcpp::config::Config::fromfile(a.config);
  auto model = mmcpp::engine::analysis::build_model_for_analysis(cfg);
  auto* classifier = dynamic_cast<mmcpp::pretrain::ImageClassifier*>(model.get());
  if (!classifier)
    throw mmcpp::Error("AssertionError",
                       "`model` must be a `mmpretrain.classifiers.ImageClassifier` instance.");
  mmcpp::io::PyObject checkpoint = mmcpp::engine::load_checkpoint(*model, a.checkpoint, "cpu");
  auto* deployable =
      dynamic_cast<mmcpp::pretrain::SwitchToDeployInterface*>(&classifier->backbone());
  if (!deployable)
    throw mmcpp::Error("AssertionError",
                       "`model.backbone` must has method of \"switch_to_deploy\". But " +
                           mmcpp::engine::python_class_of(classifier->backbone()).name +
                           " does not have.");
  if (!checkpoint.is_dict())
    throw mmcpp::Error("TypeError", "the checkpoint '" + a.checkpoint + "' is not a dict");
  std::cout << "Converting...\n";
  deployable->switch_to_deploy();
  // Beyond the Python tool: a head with its own deploy mode (LeViTClsHead) is
  // fused too, so the checkpoint loads into the family's deploy config.
  if (auto* head = dynamic_cast<mmcpp::pretrain::SwitchToDeployInterface*>(classifier->head()))
    head->switch_to_deploy();
  checkpoint.as_dict().set("state_dict", mmcpp::engine::model_state_dict(*model));
  if (save.has_parent_path()) fs::create_directories(save.parent_path());
  mmcpp::io::save_pth(checkpoint, a.save_path);
  std::cout << "Done! Save at path \"" << a.save_path << "\"\n";
  return 0;
}

mmcpp::tools::RunFn setup_reparameterize(CLI::App& sub) {
  auto a = std::make_shared<ReparamArgs>();
  sub.description(
      "Convert the parameters of re-parameterisable blocks (RepVGG, MobileOne, ...) from training "
      "to deployment mode (MMPretrain's tools/model_converters/reparameterize_model.py)");
  sub.add_option("config_path", a->config, "the config file of the network")->required();
  sub.add_option("checkpoint_path", a->checkpoint, "the checkpoint of the model")->required();
  sub.add_option("save_path", a->save_path, "where to save the converted checkpoint (.pth)")
      ->required();
  return [a] { return reparameterize(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("reparameterize", setup_reparameterize);
