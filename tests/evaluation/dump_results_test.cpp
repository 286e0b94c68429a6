// DumpResults and the predictions pickle: our dump reads back (tensors,
// metainfo), Python's pickle module reads it (tests/data/evaluation/read_dump.py,
// with torch's tensor rebuilding functions in fake_torch.py), and a dump in
// MMPretrain's format (make_mmpretrain_dump.py) reads here.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/evaluation/dump_results.h"
#include "mmcpp/io/pickle_writer.h"
#include "mmcpp/io/pth_reader.h"

namespace mmcpp::evaluation {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "mmcpp_dump_XXXXXX").string();
    path = mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

data::DataSamples predictions() {
  data::DataSamples out;
  torch::Tensor scores = torch::softmax(torch::arange(12, torch::kFloat).reshape({4, 3}), 1);
  for (std::int64_t i = 0; i < 4; ++i) {
    auto s = std::make_shared<data::DataSample>();
    s->set_metainfo("img_path", config::Value("data/" + std::to_string(i) + ".png"));
    s->set_metainfo("ori_shape", config::Value::tuple({config::Value(28), config::Value(28)}));
    s->set_metainfo("sample_idx", config::Value(i));
    s->set_gt_label(torch::tensor({i % 3}));
    s->set("pred_score", scores[i]);  // a view of the batch's scores
    s->set("pred_label", scores[i].argmax().reshape({1}));
    out.push_back(s);
  }
  return out;
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << cmd;
  return out;
}

TEST(DumpResultsTest, OnlyPickleFiles) {
  EXPECT_THROW(DumpResults("out.json"), Error);
  EXPECT_NO_THROW(DumpResults("out.pickle"));
}

TEST(DumpResultsTest, RoundTripThroughOurReader) {
  TempDir tmp;
  const std::string path = (tmp.path / "sub" / "results.pkl").string();
  DumpResults dump(path);
  data::DataSamples p = predictions();
  dump.process_batch(data::DataBatch{}, p);
  Metrics m = dump.evaluate(p.size());
  EXPECT_TRUE(m.empty());
  data::DataSamples back = load_results(path);
  ASSERT_EQ(back.size(), p.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    for (const char* k : {"gt_label", "pred_score", "pred_label"}) {
      EXPECT_TRUE(torch::equal(back[i]->get(k), p[i]->get(k))) << k << " " << i;
      EXPECT_EQ(back[i]->get(k).scalar_type(), p[i]->get(k).scalar_type());
    }
    EXPECT_TRUE(back[i]->metainfo().equals(p[i]->metainfo())) << back[i]->metainfo().repr();
  }
  // Views are written compactly: each score is 3 floats, not the whole batch.
  EXPECT_EQ(back[0]->get("pred_score").storage().nbytes(), 3 * sizeof(float));
}

TEST(DumpResultsTest, PythonPickleReadsOurDump) {
  TempDir tmp;
  const std::string path = (tmp.path / "results.pkl").string();
  data::DataSamples p = predictions();
  dump_results(p, path);
  const std::string script = std::string(MMCPP_TEST_DATA_DIR) + "/evaluation/read_dump.py";
  std::istringstream lines(run("python3 '" + script + "' '" + path + "'"));
  std::string line;
  std::size_t i = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(i, p.size());
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["img_path"], "data/" + std::to_string(i) + ".png");
    EXPECT_EQ(j["ori_shape"]["tuple"], nlohmann::json::array({28, 28}));
    EXPECT_EQ(j["sample_idx"], i);
    EXPECT_EQ(j["gt_label"]["tensor"][0], static_cast<int>(i % 3));
    EXPECT_EQ(j["pred_score"]["size"], nlohmann::json::array({3}));
    for (int c = 0; c < 3; ++c)
      EXPECT_EQ(j["pred_score"]["tensor"][c].get<float>(),
                p[i]->get("pred_score")[c].item<float>());
    ++i;
  }
  EXPECT_EQ(i, p.size());
}

TEST(DumpResultsTest, ReadsMMPretrainsDump) {
  data::DataSamples s =
      load_results(std::string(MMCPP_TEST_DATA_DIR) + "/evaluation/mmpretrain_dump.pkl");
  ASSERT_EQ(s.size(), 20u);
  EXPECT_EQ(s[3]->metainfo().as_dict().find("img_path")->as_str(), "data/fashion/test/00003.png");
  EXPECT_EQ(s[3]->metainfo().as_dict().find("ori_shape")->repr(), "(28, 28)");
  EXPECT_EQ(s[3]->metainfo().as_dict().find("num_classes")->as_int(), 10);
  EXPECT_TRUE(torch::equal(s[15]->get("gt_label"), torch::tensor({5})));
  EXPECT_TRUE(torch::equal(s[15]->get("pred_label"), torch::tensor({6})));
  EXPECT_EQ(s[15]->get("pred_score").scalar_type(), torch::kFloat);
  EXPECT_FLOAT_EQ(s[15]->get("pred_score")[5].item<float>(), 0.2f);
}

TEST(DumpResultsTest, UnreadableFilesNameThemselves) {
  TempDir tmp;
  const std::string path = (tmp.path / "bad.pkl").string();
  std::ofstream(path) << "not a pickle";
  try {
    load_results(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.pkl"), std::string::npos) << e.what();
  }
  Env::system().write_file_atomic(path, io::pickle_dumps(io::PyObject::from_int(3)));
  EXPECT_THROW(load_results(path), Error);  // not a list
  EXPECT_THROW(load_results((tmp.path / "missing.pkl").string()), Error);
}

}  // namespace
}  // namespace mmcpp::evaluation
