// BasicImageDataset beyond the oracle fixture: recursive listing, img_suffix,
// templates with a prefix, MMagic's METAINFO, the pipeline built in the mmagic
// scope, and the helpers format_template / split_ext.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <set>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/editing/datasets/basic_image_dataset.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<data::BaseDataset> build(const std::string& text) {
  registry::ScopeGuard scope("mmagic");
  return DATASETS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

std::set<std::string> keys(const data::BaseDataset& ds) {
  std::set<std::string> out;
  for (std::size_t i = 0; i < ds.size(); ++i)
    out.insert(ds.get_data_info(i).info.as_dict().find("key")->str());
  return out;
}

TEST(EditingBasicImageDataset, ListingRules) {
  const fs::path root = fs::temp_directory_path() / ("mmcpp_bid_" + std::to_string(::getpid()));
  fs::remove_all(root);
  for (const char* f : {"gt/a.png", "gt/b.JPG", "gt/c.txt", "gt/sub/d.png", "gt/.e.png",
                        "lq/lr_a.png", "lq/lr_b.JPG", "lq/sub/lr_d.png"}) {
    fs::create_directories((root / f).parent_path());
    std::ofstream(root / f) << "x";
  }
  const std::string r = root.string();
  auto flat =
      build("dict(type='BasicImageDataset', data_root='" + r + "', data_prefix=dict(gt='gt'))");
  EXPECT_EQ(keys(*flat), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(flat->metainfo().repr(),
            "{'dataset_type': 'basic_image_dataset', 'task_name': 'editing'}");
  auto rec = build("dict(type='BasicImageDataset', data_root='" + r +
                   "', data_prefix=dict(gt='gt'), recursive=True, img_suffix='.png')");
  EXPECT_EQ(keys(*rec), (std::set<std::string>{"a", "sub/d"}));
  auto tmpl = build("dict(type='BasicImageDataset', data_root='" + r +
                    "', data_prefix=dict(img='lq', gt='gt'), filename_tmpl=dict(img='lr_{}'), "
                    "recursive=True)");
  // re.match('lr_.*', 'sub/lr_d') fails: the prefix match is on the relative path.
  // MMagic strips only tmpl.format('') + ext ('lr_.png'), so a prefix template
  // keeps its prefix in the key (and doubles it in img_path), as in Python.
  EXPECT_EQ(keys(*tmpl), (std::set<std::string>{"lr_a", "lr_b"}));
  for (std::size_t i = 0; i < tmpl->size(); ++i) {
    auto info = tmpl->get_data_info(i).info;
    if (info.as_dict().find("key")->str() == "lr_b") {
      EXPECT_EQ(info.as_dict().find("img_path")->str(), r + "/lq/lr_lr_b.JPG");
      EXPECT_EQ(info.as_dict().find("gt_path")->str(), r + "/gt/lr_b.JPG");
    }
  }
  auto with_pipeline = build(
      "dict(type='BasicImageDataset', data_root='" + r +
      "', data_prefix=dict(gt='gt'), "
      "pipeline=[dict(type='LoadImageFromFile', key='gt')], metainfo=dict(task_name='sisr'))");
  EXPECT_EQ(with_pipeline->pipeline()->transforms().size(), 1u);
  EXPECT_EQ(with_pipeline->metainfo().as_dict().find("task_name")->str(), "sisr");
  EXPECT_THROW(
      build("dict(type='BasicImageDataset', data_root='" + r + "', data_prefix=dict(gt='none'))"),
      Error);
  fs::remove_all(root);
}

TEST(EditingBasicImageDataset, Helpers) {
  EXPECT_EQ(format_template("{}_x4", "0001"), "0001_x4");
  EXPECT_EQ(format_template("{{}}{}", "a"), "{}a");
  EXPECT_EQ(format_template("{0}", "a"), "a");
  EXPECT_THROW(format_template("{}_{}", "a"), Error);
  EXPECT_EQ(split_ext("sub/a.b.png"), (std::pair<std::string, std::string>{"sub/a.b", ".png"}));
  EXPECT_EQ(split_ext(".hidden"), (std::pair<std::string, std::string>{".hidden", ""}));
  EXPECT_EQ(split_ext("a.b/c"), (std::pair<std::string, std::string>{"a.b/c", ""}));
}

}  // namespace
}  // namespace mmcpp::editing
