// `mmcpp infer`: inference with a trained model, one subcommand for two kinds.
//
// Classification (MMPretrain's ImageClassificationInferencer, demo/image_demo.py):
//   mmcpp infer CONFIG_OR_CHECKPOINT IMAGE_OR_DIR... [--checkpoint CKPT] [--topk 5]
//       [--batch-size N] [--device cpu] [--json OUT] [--cfg-options k=v ...]
// prints, per image, its top-k classes (name, index, score); a directory means
// every image in it (.jpg .jpeg .png .ppm .bmp .pgm .tif .tiff .webp, sorted by
// name). A checkpoint alone works when it carries its config (meta['cfg'], as
// MMEngine's Runner saves it). --json writes the results as a list of
// {"image", "pred_label", "pred_score", "pred_class", "pred_scores", "topk"}.
//
// Restoration (MMagic's demo/mmagic_inference_demo.py), chosen by --task,
// --model-config or --img, or by a config whose default_scope is 'mmagic':
//   mmcpp infer --task super-resolution --model-config CFG [--model-ckpt CKPT]
//       --img IN [--result-out-dir OUT] [--device cpu]
#include <algorithm>
#include <cctype>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/apis/image_classification.h"
#include "tools/infer_restoration.h"
#include "tools/subcommand.h"

namespace {

struct InferArgs {
  std::vector<std::string> positional;
  std::string checkpoint, json, device = "cpu";
  std::int64_t topk = 5, batch_size = 1;
  std::vector<std::string> cfg_options;
  mmcpp::tools::RestorationInferArgs restoration;
  bool restoration_flags = false;
};

bool is_image_file(const std::string& name) {
  std::string ext = name.substr(
      name.find_last_of('.') == std::string::npos ? name.size() : name.find_last_of('.'));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* e : {".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"})
    if (ext == e) return true;
  return false;
}

// The images named on the command line, directories expanded (sorted).
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs) {
  mmcpp::Env& env = mmcpp::Env::system();
  std::vector<std::string> out;
  for (const std::string& in : inputs) {
    if (env.is_dir(in)) {
      std::vector<std::string> names = env.list_dir(in);
      std::sort(names.begin(), names.end());
      std::size_t found = 0;
      for (const std::string& n : names) {
        const std::string p = mmcpp::path_join(in, n);
        if (is_image_file(n) && !env.is_dir(p)) {
          out.push_back(p);
          ++found;
        }
      }
      if (found == 0)
        throw mmcpp::Error("FileNotFoundError", "mmcpp infer: no image files in directory " + in);
    } else if (!env.exists(in)) {
      throw mmcpp::Error("FileNotFoundError", "mmcpp infer: no such image or directory: " + in);
    } else {
      out.push_back(in);
    }
  }
  return out;
}

std::string scope_of(const std::string& config) {
  mmcpp::config::Config cfg = mmcpp::config::Config::fromfile(config);
  const mmcpp::config::Value* s = cfg.get("default_scope");
  return s && s->is_str() ? s->as_str() : "";
}

int infer_classification(const InferArgs& a) {
  if (a.positional.size() < 2)
    throw mmcpp::Error("ValueError",
                       "mmcpp infer: give a config (or a checkpoint carrying one) and at least "
                       "one image or directory");
  if (a.topk < 1) throw mmcpp::Error("ValueError", "--topk must be at least 1");
  if (a.batch_size < 1) throw mmcpp::Error("ValueError", "--batch-size must be at least 1");
  const std::string& model = a.positional[0];
  std::vector<std::string> images =
      expand_inputs(std::vector<std::string>(a.positional.begin() + 1, a.positional.end()));
  std::unique_ptr<mmcpp::pretrain::ImageClassificationInferencer> inferencer;
  const torch::Device device(a.device);
  if (!a.cfg_options.empty()) {
    mmcpp::config::Config cfg = mmcpp::pretrain::is_config_path(model)
                                    ? mmcpp::config::Config::fromfile(model)
                                    : mmcpp::pretrain::config_from_checkpoint(model);
    cfg.merge_from_dict(mmcpp::config::parse_cfg_options(a.cfg_options));
    std::string ckpt = a.checkpoint;
    if (ckpt.empty() && !mmcpp::pretrain::is_config_path(model)) ckpt = model;
    if (ckpt.empty())
      if (const auto* lf = cfg.get("load_from"); lf && lf->is_str()) ckpt = lf->as_str();
    inferencer =
        std::make_unique<mmcpp::pretrain::ImageClassificationInferencer>(cfg, ckpt, device);
  } else {
    inferencer = std::make_unique<mmcpp::pretrain::ImageClassificationInferencer>(
        model, a.checkpoint, device);
  }
  const auto results = inferencer->predict(images, static_cast<std::size_t>(a.batch_size));
  const auto& classes = inferencer->classes();
  auto class_name = [&](std::int64_t i) {
    return i >= 0 && static_cast<std::size_t>(i) < classes.size()
               ? classes[static_cast<std::size_t>(i)]
               : std::string();
  };
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    const auto top =
        mmcpp::pretrain::ImageClassificationInferencer::topk(r, static_cast<std::size_t>(a.topk));
    std::cout << images[i] << "\n";
    nlohmann::ordered_json topk_json = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < top.size(); ++k) {
      const std::string name = class_name(top[k].first);
      std::ostringstream line;
      line << "  " << (k + 1) << ". " << (name.empty() ? "class" : name) << " (" << top[k].first
           << ")  " << std::fixed << std::setprecision(4) << top[k].second;
      std::cout << line.str() << "\n";
      topk_json.push_back(
          {{"pred_label", top[k].first}, {"pred_score", top[k].second}, {"pred_class", name}});
    }
    std::vector<float> scores(r.pred_scores.data_ptr<float>(),
                              r.pred_scores.data_ptr<float>() + r.pred_scores.numel());
    json.push_back({{"image", images[i]},
                    {"pred_label", r.pred_label},
                    {"pred_score", r.pred_score},
                    {"pred_class", r.pred_class},
                    {"pred_scores", scores},
                    {"topk", topk_json}});
  }
  if (!a.json.empty()) {
    const std::string dir = mmcpp::path_dirname(a.json);
    if (!dir.empty()) mmcpp::Env::system().make_dirs(dir);
    mmcpp::Env::system().write_file_atomic(a.json, json.dump(2) + "\n");
    std::cout << "results have been saved at " << a.json << "\n";
  }
  return 0;
}

int infer(InferArgs& a) {
  auto& r = a.restoration;
  bool restoration = a.restoration_flags;
  if (!restoration && !a.positional.empty() && mmcpp::pretrain::is_config_path(a.positional[0]) &&
      scope_of(a.positional[0]) == "mmagic") {
    restoration = true;
    if (a.positional.size() > 2)
      throw mmcpp::Error("ValueError", "mmcpp infer: a restoration model takes one image");
    r.config = a.positional[0];
    if (a.positional.size() == 2) r.img = a.positional[1];
  } else if (restoration && !a.positional.empty()) {
    // --task/--model-config/--img with positionals: CONFIG [IMAGE] fill the gaps.
    std::size_t next = 0;
    if (r.config.empty()) r.config = a.positional[next++];
    if (r.img.empty() && next < a.positional.size()) r.img = a.positional[next++];
    if (next < a.positional.size())
      throw mmcpp::Error("ValueError", "mmcpp infer: unexpected argument " + a.positional[next]);
  }
  if (restoration) {
    if (r.checkpoint.empty()) r.checkpoint = a.checkpoint;
    r.device = a.device;
    r.cfg_options = a.cfg_options;
    return mmcpp::tools::infer_restoration(r);
  }
  return infer_classification(a);
}

mmcpp::tools::RunFn setup_infer(CLI::App& sub) {
  auto a = std::make_shared<InferArgs>();
  sub.description(
      "Inference with a trained model.\n"
      "  Classification (MMPretrain's ImageClassificationInferencer):\n"
      "    mmcpp infer CONFIG_OR_CHECKPOINT IMAGE_OR_DIR... [--checkpoint CKPT] [--topk 5]\n"
      "        [--batch-size N] [--device cpu] [--json OUT]\n"
      "    prints each image's top-k classes (name, index, score); a directory means every\n"
      "    image in it, sorted; a checkpoint alone works when it carries its config.\n"
      "  Restoration (MMagic's mmagic_inference_demo.py), with --task/--model-config/--img\n"
      "  or a config whose default_scope is 'mmagic':\n"
      "    mmcpp infer --task super-resolution --model-config CFG [--model-ckpt CKPT]\n"
      "        --img IN [--result-out-dir OUT]");
  sub.add_option("inputs", a->positional,
                 "CONFIG_OR_CHECKPOINT IMAGE_OR_DIR... (classification), or CONFIG IMAGE "
                 "(an MMagic config)");
  sub.add_option("--checkpoint,--model-ckpt", a->checkpoint, "checkpoint (.pth) to load");
  sub.add_option("--topk", a->topk, "how many classes to print per image (default 5)");
  sub.add_option("--batch-size", a->batch_size, "images per forward pass (default 1)");
  sub.add_option("--device", a->device, "device: cpu, cuda, cuda:0, ...");
  sub.add_option("--json", a->json, "also write the classification results to this JSON file");
  sub.add_option("--cfg-options", a->cfg_options, "override settings in the config: key=value ...")
      ->expected(1, -1);
  auto& r = a->restoration;
  auto* task = sub.add_option("--task", r.task, "restoration task (super-resolution)")
                   ->check(CLI::IsMember({"super-resolution"}));
  auto* model_config =
      sub.add_option("--model-config,--config", r.config, "restoration: the model's config file");
  auto* img = sub.add_option("--img", r.img, "restoration: the input image");
  sub.add_option("--result-out-dir,--out", r.out, "restoration: the output image file (PNG)");
  return [a, task, model_config, img] {
    a->restoration_flags = task->count() > 0 || model_config->count() > 0 || img->count() > 0;
    return infer(*a);
  };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("infer", setup_infer);
