// `mmcpp convert` on the shared oracle's files: the hostile and malformed
// checkpoints of models/_bad/ are clear errors naming the file (nothing run,
// nothing written), and checkpoints written by Python's torch.save convert.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "mmcpp/core/error.h"
#include "mmcpp/io/pth_reader.h"
#include "mmcpp/pretrain/model_converters/model_converters.h"
#include "tests/support/oracle.h"

namespace mmcpp::pretrain::model_converters {
namespace {

namespace fs = std::filesystem;

const char* kMarker = "/tmp/mmcpp_pickle_exploit_marker";

std::string models_dir() {
  std::string dir = testing::oracle_dir();
  return dir.empty() ? "" : dir + "/models";
}

fs::path out_dir() {
  return fs::temp_directory_path() / ("mmcpp_convert_oracle_" + std::to_string(::getpid()));
}

TEST(ModelConvertersOracle, HostileAndMalformedFilesAreRefused) {
  ASSERT_FALSE(models_dir().empty()) << "oracle directory not found (MMCPP_ORACLE_DIR)";
  fs::path bad = fs::path(models_dir()) / "_bad";
  ASSERT_TRUE(fs::is_directory(bad)) << bad;
  fs::remove(kMarker);
  fs::path out = out_dir();
  fs::remove_all(out);
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(bad)) {
    std::string ext = entry.path().extension().string();
    if (ext != ".pth" && ext != ".pkl") continue;
    ++cases;
    std::string src = entry.path().string();
    SCOPED_TRACE(src);
    for (const ConvertFn& fn :
         {ConvertFn(convert_torchvision_resnet), ConvertFn(convert_timm_vit)}) {
      fs::path dst = out / (entry.path().stem().string() + "_converted.pth");
      try {
        convert_checkpoint(src, dst.string(), fn);
        ADD_FAILURE() << "converted";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(src), std::string::npos) << e.what();
      }
      EXPECT_FALSE(fs::exists(dst));
    }
  }
  EXPECT_GE(cases, 1);
  EXPECT_FALSE(fs::exists(kMarker)) << "a pickle ran code";
  fs::remove_all(out);
}

TEST(ModelConvertersOracle, CheckpointsWrittenByTorchSaveConvert) {
  ASSERT_FALSE(models_dir().empty()) << "oracle directory not found (MMCPP_ORACLE_DIR)";
  fs::path out = out_dir();
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(models_dir())) {
    fs::path ckpt = entry.path() / "checkpoint.pth";
    if (!fs::exists(ckpt)) continue;
    ++cases;
    SCOPED_TRACE(ckpt.string());
    // MMEngine checkpoints keep the weights under `state_dict`; the converters
    // unwrap it. Converting with the identity must give back every tensor.
    fs::path dst = out / (entry.path().filename().string() + ".pth");
    ConvertResult r =
        convert_checkpoint(ckpt.string(), dst.string(), [](const StateDict& sd) { return sd; });
    io::NamedTensors original = io::state_dict_from_checkpoint(io::load_pth(ckpt.string()), {});
    io::PyObject converted = io::load_pth(dst.string());
    ASSERT_EQ(r.keys, original.size());
    ASSERT_EQ(converted.as_dict().size(), original.size());
    for (const auto& [k, v] : original) {
      ASSERT_TRUE(converted.find(k)) << k;
      EXPECT_TRUE(torch::equal(converted.get(k).as_tensor(), v)) << k;
    }
  }
  EXPECT_GE(cases, 1);
  fs::remove_all(out);
}

}  // namespace
}  // namespace mmcpp::pretrain::model_converters
