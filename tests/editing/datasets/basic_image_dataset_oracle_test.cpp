// BasicImageDataset against the oracle (MMCPP_ORACLE_DIR/editing/datasets):
// every case of expected.json is built through the mmagic registry on the
// fixture tree and compared: len, metainfo, search_key, and the (key, *_path)
// data infos (as a set for folder scans, in order for annotation files).
#include <gtest/gtest.h>

#include <set>

#include "mmcpp/editing/datasets/basic_image_dataset.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/registry/registry.h"
#include "tests/editing/editing_oracle.h"

namespace mmcpp::editing {
namespace {

using config::Value;
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// Replaces "<data_root>" in every string of `j`.
json with_root(json j, const std::string& root) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    for (std::size_t p; (p = s.find("<data_root>")) != std::string::npos;) s.replace(p, 11, root);
    return s;
  }
  if (j.is_array() || j.is_object())
    for (auto& x : j) x = with_root(x, root);
  return j;
}

std::string info_str(const data::DataInfo& d) {
  std::string s;
  for (const auto& [k, v] : d.info.as_dict().entries())
    if (k.str() != "sample_idx") s += k.str() + "=" + v.str() + ";";
  return s;
}

TEST(EditingDatasetsOracle, EveryCaseMatchesMMagic) {
  const fs::path dir = testing::editing_dir() / "datasets";
  const json expected = testing::read_json_file((dir / "expected.json").string());
  const std::string root = (dir / "fixture").string();
  int checked = 0;
  for (const auto& c_raw : expected["cases"]) {
    const json c = with_root(c_raw, root);
    SCOPED_TRACE(c["name"].get<std::string>());
    std::shared_ptr<data::BaseDataset> ds;
    {
      registry::ScopeGuard scope("mmagic");
      ds = DATASETS().build(testing::decode_oracle_value(c["config"]));
    }
    auto bid = std::dynamic_pointer_cast<BasicImageDataset>(ds);
    ASSERT_NE(bid, nullptr);
    ASSERT_EQ(ds->size(), c["len"].get<std::size_t>());
    testing::expect_same_dict(testing::decode_oracle_value(c["metainfo"]), ds->metainfo(),
                              "metainfo");
    EXPECT_EQ(bid->search_key(), c["search_key"].get<std::string>());
    testing::expect_same_dict(testing::decode_oracle_value(c["data_prefix_after_init"]),
                              ds->data_prefix(), "data_prefix");
    EXPECT_EQ(ds->ann_file(), c["ann_file_after_init"].get<std::string>());
    // filename_tmpl: at least MMagic's keys for this dataset's data_prefix.
    for (const auto& [k, v] : c["filename_tmpl_after_init"].items())
      if (ds->data_prefix().as_dict().contains(k))
        EXPECT_EQ(bid->filename_tmpl().as_dict().find(k)->str(), v.get<std::string>()) << k;

    std::vector<std::string> got, want;
    for (std::size_t i = 0; i < ds->size(); ++i) {
      data::DataInfo d = ds->get_data_info(i);
      EXPECT_EQ(d.info.as_dict().find("sample_idx")->as_int(), static_cast<std::int64_t>(i));
      got.push_back(info_str(d));
    }
    for (const auto& d : c["data_infos"]) {
      data::DataInfo info;
      info.info = testing::decode_oracle_value(d);
      want.push_back(info_str(info));
    }
    const bool ordered = c["order"].get<std::string>().find("annotation") != std::string::npos;
    if (ordered) {
      EXPECT_EQ(got, want);
    } else {
      EXPECT_EQ(std::multiset<std::string>(got.begin(), got.end()),
                std::multiset<std::string>(want.begin(), want.end()));
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace mmcpp::editing
