// Throughput of the data pipeline through a config-built DataLoader, on the
// work the peer figures of MMPretrain describe (oracle README, "Peer figures"):
//
//  (a) CIFAR train: CIFAR10 on a CIFAR-10-format copy of Fashion-MNIST (50,000
//      training images, 28x28 zero-padded to 32x32, R=G=B, pickled as the real
//      cifar-10-batches-py), [RandomCrop(32, padding=4), RandomFlip(0.5), PackInputs],
//      batch 16, DefaultSampler(shuffle=True), one epoch;
//  (b) ImageNet train: 500 RGB JPEGs of 320x256 (quality 90; Fashion-MNIST
//      training images 1000-1499 bilinear-upscaled and tinted per class) in 10
//      class folders as CustomDataset, [LoadImageFromFile, RandomResizedCrop(224),
//      RandomFlip(0.5), PackInputs], batch 32, shuffle, 3 epochs;
//  (c) ImageNet test: the same JPEGs, [LoadImageFromFile, ResizeEdge(256, short),
//      CenterCrop(224), PackInputs], batch 32, no shuffle, 3 epochs.
//
// Each with num_workers 0, 1 and 2; images/s over each epoch. Beside them, the
// "limit": the same per-image work done by plain OpenCV/LibTorch calls in one
// thread without dataset, Results, loader or collate (2 threads would be at most
// twice that).
//
//   data_pipeline [--fmnist DIR] [--work DIR] [--epochs N]
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/data/dataloader.h"
#include "mmcpp/io/pickle_writer.h"
#include "mmcpp/io/py_object.h"
#include "mmcpp/registry/registry.h"
#include "mmcpp/registry/root.h"

namespace {

namespace fs = std::filesystem;
using mmcpp::config::Value;
using mmcpp::io::PyObject;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Fashion-MNIST images (28x28 uint8) and labels through our FashionMNIST dataset.
struct Fmnist {
  std::vector<cv::Mat> images;
  std::vector<int> labels;
};

Fmnist load_fmnist(const std::string& dir, std::size_t n) {
  mmcpp::registry::ScopeGuard scope("mmpretrain");
  auto cfg = mmcpp::config::Config::fromstring(
      "dataset = dict(type='FashionMNIST', data_root='" + dir + "', split='train', pipeline=[])",
      ".py");
  auto ds = mmcpp::registry::DATASETS().build(*cfg.get("dataset"));
  Fmnist f;
  n = std::min(n, ds->size());
  for (std::size_t i = 0; i < n; ++i) {
    mmcpp::data::Results info = ds->get_data_info(i);
    f.images.push_back(mmcpp::mmcv::as_mat(info.img().contiguous()).clone());
    f.labels.push_back(static_cast<int>(info.info.as_dict().find("gt_label")->as_int()));
  }
  return f;
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

// cifar-10-batches-py with five training batches of 10,000 images.
void make_cifar(const Fmnist& f, const fs::path& root) {
  const fs::path dir = root / "cifar-10-batches-py";
  if (fs::exists(dir / "data_batch_5")) return;
  fs::create_directories(dir);
  for (int b = 0; b < 6; ++b) {
    const std::size_t first = b < 5 ? b * 10000 : 0, n = b < 5 ? 10000 : 1000;
    mmcpp::io::NumpyArray arr;
    arr.dtype = "|u1";
    arr.shape = {static_cast<std::int64_t>(n), 3072};
    arr.data.assign(n * 3072, '\0');
    PyObject labels = PyObject::list(), names = PyObject::list();
    for (std::size_t i = 0; i < n; ++i) {
      const cv::Mat& img = f.images[first + i];
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 28; ++y)
          for (int x = 0; x < 28; ++x)
            arr.data[i * 3072 + c * 1024 + (y + 2) * 32 + (x + 2)] =
                static_cast<char>(img.at<std::uint8_t>(y, x));
      labels.items().push_back(PyObject::from_int(f.labels[first + i]));
      names.items().push_back(PyObject::bytes("fmnist_" + std::to_string(first + i) + ".png"));
    }
    PyObject d = PyObject::dict();
    d.as_dict().set("batch_label", PyObject::str(b < 5 ? "training batch" : "testing batch"));
    d.as_dict().set("labels", labels);
    d.as_dict().set("data", PyObject::numpy_array(std::move(arr)));
    d.as_dict().set("filenames", names);
    write_file(dir / (b < 5 ? "data_batch_" + std::to_string(b + 1) : "test_batch"),
               mmcpp::io::pickle_dumps(d));
  }
  PyObject meta = PyObject::dict();
  PyObject label_names = PyObject::list();
  for (const char* n : {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                        "Sneaker", "Bag", "Ankle boot"})
    label_names.items().push_back(PyObject::str(n));
  meta.as_dict().set("num_cases_per_batch", PyObject::from_int(10000));
  meta.as_dict().set("label_names", label_names);
  meta.as_dict().set("num_vis", PyObject::from_int(3072));
  write_file(dir / "batches.meta", mmcpp::io::pickle_dumps(meta));
}

// 500 JPEGs (images 1000..1499) of 320x256, tinted per class, in class folders.
void make_jpegs(const Fmnist& f, const fs::path& root) {
  if (fs::exists(root / "done")) return;
  for (std::size_t i = 1000; i < 1500; ++i) {
    const int label = f.labels[i];
    const fs::path dir = root / ("class_" + std::to_string(label));
    fs::create_directories(dir);
    cv::Mat big, bgr;
    cv::resize(f.images[i], big, cv::Size(320, 256), 0, 0, cv::INTER_LINEAR);
    cv::cvtColor(big, bgr, cv::COLOR_GRAY2BGR);
    const cv::Scalar tint(0.5 + 0.05 * label, 1.0 - 0.04 * label, 0.6 + 0.03 * label);
    cv::multiply(bgr, tint, bgr);
    cv::imwrite((dir / (std::to_string(i) + ".jpg")).string(), bgr, {cv::IMWRITE_JPEG_QUALITY, 90});
  }
  write_file(root / "done", "");
}

std::shared_ptr<mmcpp::data::DataLoader> loader(const std::string& dataset, int num_workers,
                                                int batch_size, bool shuffle) {
  mmcpp::registry::ScopeGuard scope("mmpretrain");
  auto cfg = mmcpp::config::Config::fromstring(
      "loader = dict(batch_size=" + std::to_string(batch_size) +
          ", num_workers=" + std::to_string(num_workers) + ", dataset=" + dataset +
          ", sampler=dict(type='DefaultSampler', shuffle=" + (shuffle ? "True" : "False") + "))",
      ".py");
  return mmcpp::data::DataLoader::from_config(*cfg.get("loader"), 0, shuffle);
}

struct EpochTimes {
  std::vector<double> images_per_s;
  double first_batch_s = 0;
};

EpochTimes run_epochs(mmcpp::data::DataLoader& dl, int epochs) {
  EpochTimes r;
  for (int e = 0; e < epochs; ++e) {
    const auto t0 = Clock::now();
    dl.start_epoch(e);
    mmcpp::data::DataBatch batch;
    std::size_t images = 0;
    bool first = true;
    while (dl.next(batch)) {
      if (first && e == 0) r.first_batch_s = seconds_since(t0);
      first = false;
      images += batch.size();
    }
    r.images_per_s.push_back(images / seconds_since(t0));
  }
  dl.stop();
  return r;
}

std::string join(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : " / ") + std::to_string(static_cast<long>(x + 0.5));
  return s;
}

// The per-image work of (a) by hand on ready 32x32x3 images: pad 4, random
// 32x32 crop, maybe flip, CHW tensor.
double limit_cifar(const Fmnist& f) {
  std::vector<cv::Mat> images;
  for (std::size_t i = 0; i < 10000; ++i) {
    cv::Mat img;
    cv::copyMakeBorder(f.images[i], img, 2, 2, 2, 2, cv::BORDER_CONSTANT, 0);
    cv::cvtColor(img, img, cv::COLOR_GRAY2BGR);
    images.push_back(img);
  }
  std::mt19937 rng(0);
  const auto t0 = Clock::now();
  const std::size_t n = 50000;
  std::int64_t sink = 0;
  for (std::size_t i = 0; i < n; ++i) {
    cv::Mat padded;
    cv::copyMakeBorder(images[i % images.size()], padded, 4, 4, 4, 4, cv::BORDER_CONSTANT, 0);
    cv::Mat crop = padded(cv::Rect(rng() % 9, rng() % 9, 32, 32));
    if (rng() % 2) cv::flip(crop, crop, 1);
    torch::Tensor t = mmcpp::mmcv::as_tensor(crop.clone()).permute({2, 0, 1}).contiguous();
    sink += t.size(0);
  }
  return n / seconds_since(t0) + 0 * sink;
}

// (b) by hand: decode, random crop of ~half the area, resize to 224 bilinear, flip.
double limit_imagenet(const std::vector<std::string>& files, bool train) {
  std::mt19937 rng(0);
  const auto t0 = Clock::now();
  std::int64_t sink = 0;
  for (const auto& file : files) {
    cv::Mat img = cv::imread(file, cv::IMREAD_COLOR), out;
    if (train) {
      cv::Rect box(rng() % 80, rng() % 60, 220, 180);
      cv::resize(img(box), out, cv::Size(224, 224), 0, 0, cv::INTER_LINEAR);
      if (rng() % 2) cv::flip(out, out, 1);
    } else {
      cv::resize(img, out, cv::Size(320, 256), 0, 0, cv::INTER_LINEAR);
      out = out(cv::Rect(48, 16, 224, 224));
    }
    torch::Tensor t = mmcpp::mmcv::as_tensor(out.clone()).permute({2, 0, 1}).contiguous();
    sink += t.size(0);
  }
  return files.size() / seconds_since(t0) + 0 * sink;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Data pipeline throughput (CIFAR and ImageNet-style) vs MMPretrain's figures");
  std::string fmnist_dir = "/usr/share/datasets/fashion-mnist";
  std::string work = (fs::temp_directory_path() / "mmcpp-bench-data").string();
  int epochs = 3;
  app.add_option("--fmnist", fmnist_dir, "Fashion-MNIST folder (IDX .gz files)");
  app.add_option("--work", work, "folder for the generated CIFAR pickles and JPEGs (kept)");
  app.add_option("--epochs", epochs, "epochs of the ImageNet-style runs");
  CLI11_PARSE(app, argc, argv);

  if (!fs::exists(fmnist_dir + "/train-images-idx3-ubyte.gz")) {
    std::printf(
        "## Data pipeline\n\nskipped: no Fashion-MNIST in %s (apt install dataset-fashion-mnist)\n",
        fmnist_dir.c_str());
    return 0;
  }
  const Fmnist f = load_fmnist(fmnist_dir, 50000);
  const fs::path cifar_root = fs::path(work) / "cifar10-fmnist",
                 jpeg_root = fs::path(work) / "jpeg500";
  make_cifar(f, cifar_root);
  make_jpegs(f, jpeg_root);
  std::vector<std::string> jpegs;
  for (const auto& e : fs::recursive_directory_iterator(jpeg_root))
    if (e.path().extension() == ".jpg") jpegs.push_back(e.path().string());

  const std::string cifar =
      "dict(type='CIFAR10', data_root='" + cifar_root.string() +
      "', split='train', pipeline=[dict(type='RandomCrop', crop_size=32, "
      "padding=4), dict(type='RandomFlip', prob=0.5, direction='horizontal'), "
      "dict(type='PackInputs')])";
  const std::string in_train = "dict(type='CustomDataset', data_root='" + jpeg_root.string() +
                               "', pipeline=[dict(type='LoadImageFromFile'), "
                               "dict(type='RandomResizedCrop', scale=224), dict(type='RandomFlip', "
                               "prob=0.5, direction='horizontal'), dict(type='PackInputs')])";
  const std::string in_test =
      "dict(type='CustomDataset', data_root='" + jpeg_root.string() +
      "', pipeline=[dict(type='LoadImageFromFile'), dict(type='ResizeEdge', "
      "scale=256, edge='short'), dict(type='CenterCrop', crop_size=224), "
      "dict(type='PackInputs')])";

  std::printf(
      "## Data pipeline (images/s; MMPretrain figures from the oracle README, same machine "
      "kind)\n\n");
  std::printf(
      "| pipeline | num_workers | mmcpp, per epoch | first batch | MMPretrain (rep 1 / rep 2) | "
      "ratio |\n");
  std::printf("|---|---|---|---|---|---|\n");
  const double peer_cifar[3] = {(5010 + 4673) / 2.0, (1345 + 1122) / 2.0, (1574 + 1537) / 2.0};
  const char* peer_cifar_txt[3] = {"5010 / 4673", "1345 / 1122", "1574 / 1537"};
  double best_cifar = 0;
  for (int nw : {0, 1, 2}) {
    auto dl = loader(cifar, nw, 16, true);
    EpochTimes t = run_epochs(*dl, 1);
    best_cifar = std::max(best_cifar, t.images_per_s[0]);
    std::printf("| (a) CIFAR train | %d | %s | %.3f s | %s | %.1fx |\n", nw,
                join(t.images_per_s).c_str(), t.first_batch_s, peer_cifar_txt[nw],
                t.images_per_s[0] / peer_cifar[nw]);
  }
  // Peer epochs 1/2/3, both reps: mean of the six.
  const double peer_train[3] = {(611 + 681 + 623 + 501 + 561 + 616) / 6.0, 0,
                                (613 + 619 + 621 + 571 + 626 + 668) / 6.0};
  const double peer_test[3] = {(809 + 813 + 838 + 862 + 847 + 847) / 6.0, 0,
                               (760 + 760 + 777 + 626 + 616 + 735) / 6.0};
  double best_train = 0, best_test = 0;
  for (int nw : {0, 1, 2}) {
    auto dl = loader(in_train, nw, 32, true);
    EpochTimes t = run_epochs(*dl, epochs);
    double mean = 0;
    for (double x : t.images_per_s) mean += x / t.images_per_s.size();
    best_train = std::max(best_train, mean);
    if (peer_train[nw] > 0)
      std::printf("| (b) ImageNet train | %d | %s | %.3f s | %.0f (mean of 6 epochs) | %.1fx |\n",
                  nw, join(t.images_per_s).c_str(), t.first_batch_s, peer_train[nw],
                  mean / peer_train[nw]);
    else
      std::printf("| (b) ImageNet train | %d | %s | %.3f s | - | - |\n", nw,
                  join(t.images_per_s).c_str(), t.first_batch_s);
  }
  for (int nw : {0, 1, 2}) {
    auto dl = loader(in_test, nw, 32, false);
    EpochTimes t = run_epochs(*dl, epochs);
    double mean = 0;
    for (double x : t.images_per_s) mean += x / t.images_per_s.size();
    best_test = std::max(best_test, mean);
    if (peer_test[nw] > 0)
      std::printf("| (c) ImageNet test | %d | %s | %.3f s | %.0f (mean of 6 epochs) | %.1fx |\n",
                  nw, join(t.images_per_s).c_str(), t.first_batch_s, peer_test[nw],
                  mean / peer_test[nw]);
    else
      std::printf("| (c) ImageNet test | %d | %s | %.3f s | - | - |\n", nw,
                  join(t.images_per_s).c_str(), t.first_batch_s);
  }
  const double lim_a = limit_cifar(f), lim_b = limit_imagenet(jpegs, true),
               lim_c = limit_imagenet(jpegs, false);
  std::printf(
      "\n| pipeline | mmcpp best | MMPretrain best | vs MMPretrain | 1-thread plain-OpenCV limit | "
      "mmcpp / limit |\n");
  std::printf("|---|---|---|---|---|---|\n");
  std::printf("| (a) CIFAR train | %.0f | 5010 | %.1fx (target 3x) | %.0f | %.2f |\n", best_cifar,
              best_cifar / 5010, lim_a, best_cifar / lim_a);
  std::printf("| (b) ImageNet train | %.0f | 681 | %.1fx (target 1.5x) | %.0f | %.2f |\n",
              best_train, best_train / 681, lim_b, best_train / lim_b);
  std::printf("| (c) ImageNet test | %.0f | 862 | %.1fx | %.0f | %.2f |\n", best_test,
              best_test / 862, lim_c, best_test / lim_c);
  return 0;
}
