// ClsDataPreprocessor against MMPretrain: for every model of the models oracle,
// the preprocessor built from its config.py turns input_raw.bin (uint8, BGR)
// into input.bin (what MMPretrain's preprocessor gave, eval mode) within 1e-6.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "mmcpp/config/config.h"
#include "mmcpp/pretrain/models/utils/data_preprocessor.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"
#include "tests/support/oracle.h"

namespace mmcpp::pretrain {
namespace {

namespace fs = std::filesystem;

// A .bin with its .json sidecar {dtype, shape}.
torch::Tensor read_bin(const fs::path& bin) {
  fs::path side = bin;
  side.replace_extension(".json");
  nlohmann::ordered_json meta = testing::read_json_file(side.string());
  std::vector<std::int64_t> shape = meta["shape"].get<std::vector<std::int64_t>>();
  const std::string dtype = meta["dtype"].get<std::string>();
  torch::ScalarType type = dtype == "uint8" ? torch::kByte : torch::kFloat;
  EXPECT_TRUE(dtype == "uint8" || dtype == "float32") << bin << ": dtype " << dtype;
  std::ifstream in(bin, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  torch::Tensor t = torch::empty(shape, type);
  EXPECT_EQ(static_cast<std::size_t>(t.nbytes()), bytes.size()) << bin;
  std::memcpy(t.data_ptr(), bytes.data(), std::min<std::size_t>(t.nbytes(), bytes.size()));
  return t;
}

TEST(ClsDataPreprocessorOracle, MatchesMMPretrainOnEveryModelInput) {
  const std::string models = testing::oracle_dir("models");
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(models)) {
    const fs::path dir = entry.path();
    if (!fs::exists(dir / "config.py") || !fs::exists(dir / "input_raw.bin")) continue;
    SCOPED_TRACE(dir.filename().string());
    config::Config c = config::Config::fromfile((dir / "config.py").string());
    config::Value dp = c.get("model")->as_dict().find("data_preprocessor")->deep_copy();
    // ImageClassifier's default type.
    if (!dp.as_dict().find("type")) dp.as_dict().set("type", config::Value("ClsDataPreprocessor"));
    registry::ScopeGuard scope("mmpretrain");
    auto p = std::dynamic_pointer_cast<ClsDataPreprocessor>(MODELS().build(dp));
    ASSERT_NE(p, nullptr);
    data::DataBatch batch;
    batch.inputs = read_bin(dir / "input_raw.bin");
    torch::Tensor want = read_bin(dir / "input.bin");
    torch::Tensor got = p->forward(batch, false).inputs;
    ASSERT_EQ(got.sizes(), want.sizes());
    const double diff = (got - want).abs().max().item<double>();
    EXPECT_LE(diff, 1e-6);
    ++checked;
  }
  EXPECT_GT(checked, 0) << "no model folder with config.py and input_raw.bin in " << models;
  std::cout << "[ oracle   ] " << checked << " model inputs preprocessed as MMPretrain\n";
}

}  // namespace
}  // namespace mmcpp::pretrain
