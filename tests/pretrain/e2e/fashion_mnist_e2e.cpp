// End to end (CTest label `slow`): the shipped LeNet-5 Fashion-MNIST config
// trained for a short run (2 epochs of 6,400 images, validated on the first
// 2,000 test images) on Debian's dataset-fashion-mnist, through the mmcpp
// binary as a user runs it:
//   - the validation accuracy is far above chance, the best checkpoint exists;
//   - `mmcpp test` of the best checkpoint reproduces its validation metric
//     exactly, and `--out` round-trips through `mmcpp eval-metric`;
//   - `mmcpp infer` on test images written as PNGs by `mmcpp browse-dataset`
//     predicts the labels `test` predicted for them (and, given the
//     checkpoint alone, the same);
//   - `mmcpp test --tta` (flip TTA) gives each image the mean of the scores
//     `infer` gives the image and its horizontal flip.
// Any program failing fails the test.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mmcpp/evaluation/dump_results.h"

namespace mmcpp {
namespace {

namespace fs = std::filesystem;

struct CmdResult {
  int rc = -1;
  std::string out;
};

CmdResult run(const std::string& args) {
  const std::string cmd = std::string(MMCPP_BINARY) + " " + args + " 2>&1";
  CmdResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  const int status = pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

#define RUN_OK(var, args)          \
  const CmdResult var = run(args); \
  ASSERT_EQ(var.rc, 0) << "mmcpp " << (args) << "\nfailed:\n" << var.out;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The value after `key` on the first line of `text` that matches `line_re`.
std::string metric_on_line(const std::string& text, const std::string& line_re,
                           const std::string& key) {
  std::istringstream in(text);
  std::string line;
  const std::regex re(line_re);
  const std::regex value(key + ": ([0-9.]+)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, re) && std::regex_search(line, m, value)) return m[1];
  }
  return "";
}

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(read(p)); }

TEST(FashionMnistE2E, TrainTestInferAgree) {
  const std::string cfg =
      std::string(MMCPP_SOURCE_DIR) + "/configs/lenet/lenet5_8xb32_fashion-mnist.py";
  const fs::path dir = fs::temp_directory_path() / ("mmcpp_cls_e2e_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path work = dir / "work";
  // The test split (test_mode=True picks it, as in MMPretrain 1.2), first 2,000 images.
  const std::string val_subset =
      " val_dataloader.dataset.test_mode=True val_dataloader.dataset.indices=2000";
  const std::string test_subset =
      " test_dataloader.dataset.test_mode=True test_dataloader.dataset.indices=2000";

  // Train: 2 epochs x 200 iterations, validation every epoch, best kept.
  RUN_OK(train, "train " + cfg + " --work-dir " + work.string() +
                    " --cfg-options train_cfg.max_epochs=2 train_dataloader.dataset.indices=6400" +
                    val_subset + " default_hooks.logger.interval=100");

  // The best checkpoint and the epoch it comes from.
  std::vector<fs::path> best;
  for (const auto& e : fs::directory_iterator(work))
    if (e.path().filename().string().rfind("best_accuracy_top1_epoch_", 0) == 0)
      best.push_back(e.path());
  ASSERT_EQ(best.size(), 1u) << train.out;
  const std::string ckpt = best[0].string();
  std::smatch m;
  const std::string best_name = best[0].filename().string();
  ASSERT_TRUE(std::regex_search(best_name, m, std::regex("epoch_([0-9]+)\\.pth")));
  const std::string epoch = m[1];
  const std::string val_acc =
      metric_on_line(train.out, "Epoch\\(val\\) +\\[" + epoch + "\\]\\[", "accuracy/top1");
  ASSERT_FALSE(val_acc.empty()) << train.out;
  EXPECT_GT(std::stod(val_acc), 60.0) << "chance is 10%";

  // Test reproduces the validation metric exactly; --out dumps predictions.
  const fs::path preds = dir / "preds.pkl";
  RUN_OK(test, "test " + cfg + " " + ckpt + " --work-dir " + (dir / "test").string() + " --out " +
                   preds.string() + " --cfg-options" + test_subset);
  EXPECT_EQ(metric_on_line(test.out, "Epoch\\(test\\)", "accuracy/top1"), val_acc) << test.out;

  // eval-metric on the dump gives the same accuracy.
  RUN_OK(eval, "eval-metric " + preds.string() + " --metric type=Accuracy topk=1");
  std::smatch em;
  ASSERT_TRUE(std::regex_search(eval.out, em, std::regex("'accuracy/top1': ([0-9.]+)")))
      << eval.out;
  EXPECT_NEAR(std::stod(em[1]), std::stod(val_acc), 5e-5);

  const data::DataSamples dumped = evaluation::load_results(preds.string());
  ASSERT_EQ(dumped.size(), 2000u);

  // The first test images as PNGs (browse-dataset, original mode: <index>.png).
  const fs::path pngs = dir / "pngs";
  const int n = 12;
  RUN_OK(browse, "browse-dataset " + cfg + " --phase test --mode original -n " + std::to_string(n) +
                     " --output-dir " + pngs.string() +
                     " --cfg-options test_dataloader.dataset.test_mode=True");

  // infer agrees with test, image by image.
  const fs::path infer_json = dir / "infer.json";
  RUN_OK(infer, "infer " + cfg + " " + pngs.string() + " --checkpoint " + ckpt +
                    " --topk 3 --batch-size 5 --json " + infer_json.string());
  const nlohmann::json results = read_json(infer_json);
  ASSERT_EQ(results.size(), static_cast<std::size_t>(n));
  for (const auto& r : results) {
    const std::string stem = fs::path(r["image"].get<std::string>()).stem().string();
    const std::size_t idx = std::stoul(stem);
    ASSERT_LT(idx, dumped.size());
    const auto& d = *dumped[idx];
    EXPECT_EQ(r["pred_label"].get<std::int64_t>(), d.get("pred_label").item<std::int64_t>())
        << "image " << idx;
    const auto scores = r["pred_scores"].get<std::vector<float>>();
    ASSERT_EQ(scores.size(), 10u);
    for (std::size_t c = 0; c < scores.size(); ++c)
      EXPECT_NEAR(scores[c], d.get("pred_score")[c].item<float>(), 1e-5) << "image " << idx;
    EXPECT_FALSE(r["pred_class"].get<std::string>().empty());
    EXPECT_NE(infer.out.find(r["pred_class"].get<std::string>() + " (" +
                             std::to_string(r["pred_label"].get<std::int64_t>()) + ")"),
              std::string::npos)
        << infer.out;
  }

  // The checkpoint alone carries its config.
  RUN_OK(alone, "infer " + ckpt + " " + (pngs / "0.png").string() + " --topk 1");
  EXPECT_NE(alone.out.find(results[0]["pred_class"].get<std::string>() + " (" +
                           std::to_string(results[0]["pred_label"].get<std::int64_t>()) + ")"),
            std::string::npos)
      << alone.out;

  // --tta: the flip TTA's score is the mean of the image's and its flip's.
  const fs::path flipped = dir / "flipped";
  fs::create_directories(flipped);
  for (int i = 0; i < n; ++i) {
    cv::Mat img = cv::imread((pngs / (std::to_string(i) + ".png")).string(), cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(img.empty());
    cv::Mat f;
    cv::flip(img, f, 1);
    ASSERT_TRUE(cv::imwrite((flipped / (std::to_string(i) + ".png")).string(), f));
  }
  const fs::path flip_json = dir / "flipped.json";
  RUN_OK(infer_flip, "infer " + cfg + " " + flipped.string() + " --checkpoint " + ckpt +
                         " --json " + flip_json.string());
  const nlohmann::json flip_results = read_json(flip_json);
  const fs::path tta = dir / "tta.pkl";
  RUN_OK(
      test_tta,
      "test " + cfg + " " + ckpt + " --tta --work-dir " + (dir / "tta").string() + " --out " +
          tta.string() +
          " --cfg-options test_dataloader.dataset.test_mode=True test_dataloader.dataset.indices=" +
          std::to_string(n));
  EXPECT_FALSE(metric_on_line(test_tta.out, "Epoch\\(test\\)", "accuracy/top1").empty())
      << test_tta.out;
  const data::DataSamples tta_preds = evaluation::load_results(tta.string());
  ASSERT_EQ(tta_preds.size(), static_cast<std::size_t>(n));
  for (std::size_t k = 0; k < results.size(); ++k) {
    const std::size_t idx = std::stoul(fs::path(results[k]["image"].get<std::string>()).stem());
    const auto a = results[k]["pred_scores"].get<std::vector<float>>();
    const auto b = flip_results[k]["pred_scores"].get<std::vector<float>>();
    const auto& t = *tta_preds[idx];
    EXPECT_EQ(t.get("gt_label").item<std::int64_t>(),
              dumped[idx]->get("gt_label").item<std::int64_t>());
    for (std::size_t c = 0; c < a.size(); ++c)
      EXPECT_NEAR(t.get("pred_score")[c].item<float>(), (a[c] + b[c]) / 2, 1e-5)
          << "image " << idx << " class " << c;
  }
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace mmcpp
