// Env::write_file_streamed: chunks go to the file as they come, atomically: a
// failure midway (a full disk, an error of the producer) leaves the old file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"

namespace mmcpp {
namespace {

namespace fs = std::filesystem;

class FailingEnv : public Env {
 public:
  int chunks_before_failure = -1;
  int chunks = 0;

 protected:
  void write_fully(int fd, const char* data, std::size_t size, const std::string& path) override {
    if (chunks++ == chunks_before_failure) throw Error("OSError", "No space left on device");
    Env::write_fully(fd, data, size, path);
  }
};

TEST(Env, StreamedWriteIsAtomic) {
  fs::path dir = fs::temp_directory_path() / ("mmcpp_env_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "f.bin").string();
  FailingEnv env;
  env.write_file_streamed(path, [](const Env::ChunkWriter& w) {
    w("abc", 3);
    w("def", 3);
  });
  EXPECT_EQ(env.read_file(path), "abcdef");
  EXPECT_EQ(env.chunks, 2);

  env.chunks = 0;
  env.chunks_before_failure = 1;  // the second chunk fails
  EXPECT_THROW(env.write_file_streamed(path,
                                       [](const Env::ChunkWriter& w) {
                                         w("xyz", 3);
                                         w("uvw", 3);
                                       }),
               Error);
  EXPECT_EQ(env.read_file(path), "abcdef");
  env.chunks_before_failure = -1;
  EXPECT_THROW(env.write_file_streamed(path,
                                       [](const Env::ChunkWriter& w) {
                                         w("xyz", 3);
                                         throw Error("TypeError", "cannot pickle");
                                       }),
               Error);
  EXPECT_EQ(env.read_file(path), "abcdef");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);  // no temp file left
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mmcpp
