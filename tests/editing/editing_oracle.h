// Helpers of the MMagic oracle tests (MMCPP_ORACLE_DIR/editing): the split
// folder, .bin arrays with their .json sidecars, md5 of a tensor's C-order
// bytes, order-insensitive metainfo comparison, and a working-directory guard
// (the oracle's paths are relative to the split folder, as MMagic ran there).
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "mmcpp/config/value.h"
#include "mmcpp/core/hash.h"
#include "tests/support/oracle.h"

namespace mmcpp::testing {

namespace fs = std::filesystem;

// MMCPP_ORACLE_DIR/editing (the environment variable, else the build's
// default); fails the test (not skips) when it is absent.
inline fs::path editing_dir() {
  const char* env = std::getenv("MMCPP_ORACLE_DIR");
  const std::string root = env && *env ? std::string(env) : std::string(MMCPP_ORACLE_DIR);
  fs::path p = fs::path(root) / "editing";
  EXPECT_TRUE(fs::is_directory(p))
      << "the MMagic oracle folder is missing: " << p << " (set MMCPP_ORACLE_DIR)";
  return p;
}

inline torch::ScalarType dtype_of(const std::string& name) {
  if (name == "uint8" || name == "torch.uint8") return torch::kByte;
  if (name == "float32" || name == "torch.float32") return torch::kFloat;
  if (name == "float64" || name == "torch.float64") return torch::kDouble;
  if (name == "int64" || name == "torch.int64") return torch::kLong;
  ADD_FAILURE() << "unknown dtype " << name;
  return torch::kFloat;
}

// A .bin with its .json sidecar {dtype, shape}.
inline torch::Tensor read_bin(const fs::path& bin) {
  fs::path side = bin;
  side.replace_extension(".json");
  nlohmann::ordered_json meta = read_json_file(side.string());
  std::vector<std::int64_t> shape = meta["shape"].get<std::vector<std::int64_t>>();
  torch::Tensor t = torch::empty(shape, dtype_of(meta["dtype"].get<std::string>()));
  std::ifstream in(bin, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(static_cast<std::size_t>(t.nbytes()), bytes.size()) << bin;
  std::memcpy(t.data_ptr(), bytes.data(), std::min<std::size_t>(t.nbytes(), bytes.size()));
  return t;
}

inline std::string tensor_md5(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous().cpu();
  return md5_hex(
      std::string(static_cast<const char*>(c.data_ptr()), static_cast<std::size_t>(c.nbytes())));
}

// Same keys (any order) and strictly equal values.
inline void expect_same_dict(const config::Value& expected, const config::Value& actual,
                             const std::string& what) {
  ASSERT_TRUE(expected.is_dict()) << what;
  ASSERT_TRUE(actual.is_dict()) << what << ": got " << actual.repr();
  for (const auto& [k, v] : expected.as_dict().entries()) {
    const config::Value* a = actual.as_dict().find(k);
    if (!a) {
      ADD_FAILURE() << what << ": missing key " << k.repr() << " (got " << actual.repr() << ")";
      continue;
    }
    std::string diff = strict_diff(v, *a, k.str());
    EXPECT_EQ(diff, "") << what;
  }
  for (const auto& [k, v] : actual.as_dict().entries())
    EXPECT_TRUE(expected.as_dict().contains(k)) << what << ": unexpected key " << k.repr();
}

class CwdGuard {
 public:
  explicit CwdGuard(const fs::path& dir) : previous_(fs::current_path()) { fs::current_path(dir); }
  ~CwdGuard() { fs::current_path(previous_); }

 private:
  fs::path previous_;
};

// Every *.json in `dir` (sorted), excluding index.json.
inline std::vector<fs::path> case_files(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json" && e.path().filename() != "index.json")
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mmcpp::testing
