// The evaluation commands end to end on real image files, with the test plugin
// libtoy_classifier.so (a tiny image classifier, tests/plugins): `mmcpp train`
// with validation, the VisualizationHook and a TensorBoard backend, then
// `mmcpp test --out --show-dir`, `eval-metric` on that dump (the same accuracy),
// `--out-item metrics`, `confusion-matrix` and `analyze-logs` on the run's logs
// and on logs written by MMEngine itself.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <sstream>

namespace mmcpp {
namespace {

namespace fs = std::filesystem;

struct Result {
  int rc;
  std::string out;
};

Result run(const std::string& args) {
  std::string cmd = std::string(MMCPP_BINARY) + " " + args + " 2>&1";
  Result r{0, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  int status = pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// One training run shared by the tests (the expensive part).
class EvaluationCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("mmcpp_eval_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    // 3 classes x 10 images of 16x16: class k is bright in channel k.
    const char* names[] = {"a_red", "b_green", "c_blue"};
    for (int k = 0; k < 3; ++k) {
      fs::create_directories(dir_ / "images" / names[k]);
      for (int i = 0; i < 10; ++i) {
        cv::Mat img(16, 16, CV_8UC3, cv::Scalar(40 + 3 * i, 60, 50));
        img.setTo(cv::Scalar(k == 2 ? 220 : 30, k == 1 ? 220 : 30, k == 0 ? 220 : 30));
        img.at<cv::Vec3b>(i, i) = cv::Vec3b(255, 255, 255);
        cv::imwrite((dir_ / "images" / names[k] /
                     (std::string(names[k]) + "_" + std::to_string(i) + ".png"))
                        .string(),
                    img);
      }
    }
    std::ofstream(dir_ / "cfg.py")
        << "default_scope = 'mmpretrain'\n"
           "custom_imports = dict(imports=['libtoy_classifier.so'], allow_failed_imports=False)\n"
           "model = dict(type='ToyImageClassifier', in_channels=3, num_classes=3)\n"
           "data = dict(type='CustomDataset', data_root='"
        << (dir_ / "images").string()
        << "', "
           "pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')])\n"
           "train_dataloader = dict(batch_size=6, num_workers=0, dataset=data,\n"
           "    sampler=dict(type='DefaultSampler', shuffle=True))\n"
           "val_dataloader = dict(batch_size=8, num_workers=0, dataset=data,\n"
           "    sampler=dict(type='DefaultSampler', shuffle=False))\n"
           "test_dataloader = val_dataloader\n"
           "train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1)\n"
           "val_cfg = dict()\n"
           "test_cfg = dict()\n"
           "val_evaluator = dict(type='Accuracy', topk=(1, 2))\n"
           "test_evaluator = [dict(type='Accuracy', topk=(1, 2)),\n"
           "                  dict(type='SingleLabelMetric', average=None)]\n"
           "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.5, momentum=0.9))\n"
           "default_hooks = dict(\n"
           "    logger=dict(type='LoggerHook', interval=2),\n"
           "    checkpoint=dict(type='CheckpointHook', interval=1, save_best='auto'),\n"
           "    visualization=dict(type='VisualizationHook', enable=True, interval=7))\n"
           "visualizer = dict(type='UniversalVisualizer', vis_backends=[\n"
           "    dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')])\n"
           "randomness = dict(seed=0)\n";
    train_ = run("train " + (dir_ / "cfg.py").string() + " --work-dir " + (dir_ / "work").string());
    for (const auto& e : fs::directory_iterator(dir_ / "work"))
      if (e.is_directory()) train_log_dir_ = e.path();
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static fs::path dir_, train_log_dir_;
  static Result train_;
};

fs::path EvaluationCli::dir_, EvaluationCli::train_log_dir_;
Result EvaluationCli::train_;

TEST_F(EvaluationCli, TrainWritesScalarsEventsAndValidationDrawings) {
  ASSERT_EQ(train_.rc, 0) << train_.out;
  const fs::path vis = train_log_dir_ / "vis_data";
  std::string scalars = read(vis / "scalars.json");
  EXPECT_NE(scalars.find("\"loss\""), std::string::npos);
  EXPECT_NE(scalars.find("\"accuracy/top1\""), std::string::npos);
  std::vector<fs::path> events;
  for (const auto& e : fs::directory_iterator(vis))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0)
      events.push_back(e.path());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_GT(fs::file_size(events[0]), 100u);
  // VisualizationHook every 7 samples of each validation, named <image file>_<epoch>.png.
  // As MMPretrain, the start index of a batch is len(batch) * batch_idx, so the
  // last (smaller) batch of 6 starts at 18 and draws its 4th sample (27) as id 21:
  // samples 0, 7, 14, 21 and 27 per epoch, 4 epochs.
  std::vector<fs::path> drawn = files_in(vis / "vis_image", ".png");
  EXPECT_EQ(drawn.size(), 20u);
  EXPECT_TRUE(fs::exists(vis / "vis_image" / "a_red_0.png_1.png"));
  EXPECT_TRUE(fs::exists(vis / "vis_image" / "a_red_7.png_4.png"));
  EXPECT_TRUE(fs::exists(vis / "vis_image" / "c_blue_7.png_2.png"));
  EXPECT_FALSE(files_in(dir_ / "work", ".pth").empty());
}

TEST_F(EvaluationCli, TestDumpsPredictionsThatEvalMetricReadsBack) {
  ASSERT_EQ(train_.rc, 0) << train_.out;
  const std::string ckpt = (dir_ / "work" / "epoch_4.pth").string();
  const fs::path work = dir_ / "test_work";
  Result t =
      run("test " + (dir_ / "cfg.py").string() + " " + ckpt + " --work-dir " + work.string() +
          " --out " + (dir_ / "results.pkl").string() + " --show-dir " + (dir_ / "show").string());
  ASSERT_EQ(t.rc, 0) << t.out;
  // MMEngine's metric line (scalars, then the non-scalars, then the times), the plain
  // progress lines (no terminal) and the table.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      t.out, m,
      std::regex(
          R"(Epoch\(test\) \[4/4\]    accuracy/top1: ([0-9.]+)  accuracy/top2: [0-9.]+  )"
          R"(single-label/precision_classwise: \[[0-9., ]+\]  .*  data_time: [0-9.]+  time: )")))
      << t.out;
  EXPECT_NE(t.out.find("[test] 100% 4/4"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("| accuracy/top1 "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("| single-label/precision_classwise |"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("Results has been saved to"), std::string::npos);
  ASSERT_TRUE(fs::exists(dir_ / "results.pkl"));
  // --show-dir: <image file>_0.png for every sample (interval 1).
  EXPECT_EQ(files_in(dir_ / "show", ".png").size(), 30u);
  // The test JSON: scalars, then the classwise lists, then data_time/time.
  fs::path log_dir;
  for (const auto& e : fs::directory_iterator(work))
    if (e.is_directory()) log_dir = e.path();
  auto j = nlohmann::ordered_json::parse(read(log_dir / (log_dir.filename().string() + ".json")));
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  ASSERT_EQ(keys.size(), 7u) << j.dump();
  EXPECT_EQ(keys[2], "single-label/precision_classwise");
  EXPECT_EQ(j["single-label/support_classwise"], nullptr);
  EXPECT_EQ(j["single-label/recall_classwise"].size(), 3u);
  EXPECT_EQ(keys[5], "data_time");

  // eval-metric on the dump: the same accuracy, digit for digit.
  Result e =
      run("eval-metric " + (dir_ / "results.pkl").string() + " --metric type=Accuracy topk=1,2");
  ASSERT_EQ(e.rc, 0) << e.out;
  std::ostringstream want;
  want << "'accuracy/top1': " << j["accuracy/top1"].dump();
  EXPECT_NE(e.out.find(want.str()), std::string::npos) << e.out << " vs " << want.str();

  // --out-item metrics: the metrics dict as JSON.
  Result mo =
      run("test " + (dir_ / "cfg.py").string() + " " + ckpt + " --work-dir " + work.string() +
          " --out " + (dir_ / "metrics.json").string() + " --out-item metrics");
  ASSERT_EQ(mo.rc, 0) << mo.out;
  auto metrics = nlohmann::ordered_json::parse(read(dir_ / "metrics.json"));
  EXPECT_EQ(metrics["accuracy/top1"], j["accuracy/top1"]);
  EXPECT_EQ(metrics["single-label/f1-score_classwise"].size(), 3u);

  Result bad = run("test " + (dir_ / "cfg.py").string() + " " + ckpt + " --out-item metrics");
  EXPECT_NE(bad.rc, 0);
  EXPECT_NE(bad.out.find("ValueError: Please use `--out` argument"), std::string::npos) << bad.out;

  // confusion-matrix from the dump: a PNG and the matrix (30 samples).
  Result cm = run("confusion-matrix " + (dir_ / "cfg.py").string() + " " +
                  (dir_ / "results.pkl").string() + " --show-path " + (dir_ / "cm.png").string() +
                  " --include-values --out " + (dir_ / "cm.json").string());
  ASSERT_EQ(cm.rc, 0) << cm.out;
  EXPECT_GT(fs::file_size(dir_ / "cm.png"), 1000u);
  auto matrix = nlohmann::json::parse(read(dir_ / "cm.json"));
  ASSERT_EQ(matrix.size(), 3u);
  int total = 0;
  for (const auto& row : matrix)
    for (const auto& v : row) total += v.get<int>();
  EXPECT_EQ(total, 30);
  cv::Mat png = cv::imread((dir_ / "cm.png").string());
  EXPECT_EQ(png.rows, 1000);
}

TEST_F(EvaluationCli, AnalyzeLogsOfThisRun) {
  ASSERT_EQ(train_.rc, 0) << train_.out;
  const std::string scalars = (train_log_dir_ / "vis_data" / "scalars.json").string();
  const std::string text =
      (train_log_dir_ / (train_log_dir_.filename().string() + ".log")).string();
  Result p = run("analyze-logs plot-curve " + scalars + " " + text +
                 " --keys loss accuracy/top1 --title run --window-size 8*5 --out " +
                 (dir_ / "curve.png").string());
  ASSERT_EQ(p.rc, 0) << p.out;
  cv::Mat png = cv::imread((dir_ / "curve.png").string());
  EXPECT_EQ(png.cols, 800);
  EXPECT_EQ(png.rows, 500);
  Result bad = run("analyze-logs plot-curve " + scalars + " --keys los --out x.png");
  EXPECT_NE(bad.rc, 0);
  EXPECT_NE(bad.out.find("Invalid key \"los\""), std::string::npos) << bad.out;
  Result t = run("analyze-logs cal_train_time " + scalars + " " + text);
  ASSERT_EQ(t.rc, 0) << t.out;
  EXPECT_NE(t.out.find("slowest epoch"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("average iter time: "), std::string::npos) << t.out;
}

TEST(AnalyzeLogsCli, LogsWrittenByMMEngine) {
  const std::string run_dir = std::string(MMCPP_TEST_DATA_DIR) + "/analyze_logs/20240513_102020";
  const std::string want =
      "slowest epoch 1, average time is 0.0190\n"
      "fastest epoch 2, average time is 0.0180\n"
      "time std over epochs is 0.0005\n"
      "average iter time: 0.0195 s/iter\n";
  for (const std::string log :
       {run_dir + "/vis_data/20240513_102020.json", run_dir + "/20240513_102020.log"}) {
    Result t = run("analyze-logs cal-train-time " + log);
    ASSERT_EQ(t.rc, 0) << t.out;
    EXPECT_NE(t.out.find("-----Analyze train time of " + log + "-----\n" + want), std::string::npos)
        << t.out;
  }
  Result with =
      run("analyze-logs cal-train-time " + run_dir + "/vis_data/scalars.json --include-outliers");
  ASSERT_EQ(with.rc, 0) << with.out;
  EXPECT_NE(with.out.find("slowest epoch 1, average time is 0.0200"), std::string::npos)
      << with.out;
  const fs::path out =
      fs::temp_directory_path() / ("mmcpp_curve_" + std::to_string(::getpid()) + ".png");
  Result p = run("analyze-logs plot-curve " + run_dir +
                 "/vis_data/scalars.json --keys loss "
                 "accuracy/top1 --legend loss acc --out " +
                 out.string());
  ASSERT_EQ(p.rc, 0) << p.out;
  EXPECT_NE(p.out.find("save curve to: " + out.string()), std::string::npos);
  EXPECT_TRUE(fs::exists(out));
  fs::remove(out);
}

}  // namespace
}  // namespace mmcpp
