// save_pth on real MMEngine checkpoints: every MMCPP_ORACLE_DIR/models/*/
// checkpoint.pth (numpy arrays, HistoryBuffers, Counters, shared storages), read,
// written again and read back, gives the same object graph.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "mmcpp/io/pth_reader.h"
#include "mmcpp/io/pth_writer.h"
#include "tests/io/py_equal.h"
#include "tests/support/oracle.h"

namespace mmcpp::io {
namespace {

namespace fs = std::filesystem;

TEST(PthWriterOracle, ReSavedOracleCheckpointsLoadEqual) {
  std::vector<fs::path> checkpoints;
  for (const auto& e : fs::directory_iterator(mmcpp::testing::oracle_dir("models")))
    if (e.is_directory() && fs::exists(e.path() / "checkpoint.pth"))
      checkpoints.push_back(e.path() / "checkpoint.pth");
  std::sort(checkpoints.begin(), checkpoints.end());
  ASSERT_FALSE(checkpoints.empty()) << "no models/<name>/checkpoint.pth in the oracle";
  const fs::path out_dir =
      fs::path(::testing::TempDir()) / ("mmcpp_pth_resave_" + std::to_string(::getpid()));
  fs::create_directories(out_dir);
  for (const fs::path& path : checkpoints) {
    SCOPED_TRACE(path.string());
    PyObject ckpt = load_pth(path.string());
    const std::string out = (out_dir / (path.parent_path().filename().string() + ".pth")).string();
    save_pth(ckpt, out);
    EXPECT_EQ(testing::py_diff(ckpt, load_pth(out)), "");
    fs::remove(out);
  }
  fs::remove_all(out_dir);
}

}  // namespace
}  // namespace mmcpp::io
