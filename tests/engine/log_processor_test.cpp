// LogProcessor: MMEngine's exact log lines and scalars.json tags.
#include "mmcpp/engine/runner/log_processor.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "mmcpp/config/value.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/message_hub.h"

namespace mmcpp::engine {
namespace {

using config::Value;

// Twelve train iterations in RuntimeInfoHook/IterTimerHook order; the first two
// are outliers that a 10-iteration window must ignore.
void fill_train(MessageHub& hub, double eta = 1103.7) {
  for (int i = 0; i < 12; ++i) {
    bool outlier = i < 2;
    hub.update_scalar("train/lr", 0.1);
    hub.update_scalar("train/data_time", outlier ? 9.0 : 0.0077);
    hub.update_scalar("train/loss", outlier ? 100.0 : 5.3465);
    hub.update_scalar("train/time", outlier ? 9.0 : 0.1414);
  }
  hub.update_info("eta", eta);
}

LogProcessor::RunState train_state() {
  LogProcessor::RunState s;
  s.epoch = 0;
  s.iter = 11;
  s.max_epochs = 200;
  s.max_iters = 200 * 1563;
  s.dataloader_len = 1563;
  return s;
}

LogProcessor make(LogProcessor::Options o = {}) { return LogProcessor(std::move(o)); }

TEST(LogProcessorTest, TrainLineByEpoch) {
  MessageHub hub;
  fill_train(hub);
  auto [tags, line] = make().format_after_iter(hub, train_state(), 11, "train");
  EXPECT_EQ(line,
            "Epoch(train)   [1][  12/1563]  lr: 1.0000e-01  eta: 0:18:23  time: 0.1414  "
            "data_time: 0.0077  loss: 5.3465");
  ASSERT_EQ(tags.size(), 6u);
  const char* keys[] = {"lr", "data_time", "loss", "time", "epoch", "iter"};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(tags[i].first, keys[i]);
  EXPECT_DOUBLE_EQ(tags[0].second, 0.1);
  EXPECT_NEAR(tags[1].second, 0.0077, 1e-12);
  EXPECT_NEAR(tags[2].second, 5.3465, 1e-12);
  EXPECT_EQ(tags[4].second, 1);
  EXPECT_EQ(tags[5].second, 12);
}

TEST(LogProcessorTest, TrainLineSmallMaxEpochsAndMemory) {
  MessageHub hub;
  fill_train(hub, 5.0);
  auto s = train_state();
  s.max_epochs = 5;
  s.dataloader_len = 25;
  s.iter = 9;
  s.memory_mb = 392;
  auto [tags, line] = make().format_after_iter(hub, s, 9, "train");
  EXPECT_EQ(line,
            "Epoch(train) [1][10/25]  lr: 1.0000e-01  eta: 0:00:05  time: 0.1414  "
            "data_time: 0.0077  memory: 392  loss: 5.3465");
  EXPECT_EQ(tags.back().first, "memory");
  EXPECT_EQ(tags.back().second, 392);
  EXPECT_EQ(tags[tags.size() - 2].first, "iter");
}

TEST(LogProcessorTest, TrainLineByIter) {
  MessageHub hub;
  fill_train(hub, 90061);  // 1 day, 1:01:01
  auto s = train_state();
  s.max_iters = 100;
  LogProcessor::Options o;
  o.by_epoch = false;
  auto [tags, line] = make(o).format_after_iter(hub, s, 11, "train");
  EXPECT_EQ(line,
            "Iter(train) [ 12/100]  lr: 1.0000e-01  eta: 1 day, 1:01:01  time: 0.1414  "
            "data_time: 0.0077  loss: 5.3465");
  EXPECT_EQ(tags.back().first, "iter");
  for (const auto& t : tags) EXPECT_NE(t.first, "epoch");
}

TEST(LogProcessorTest, EtaDays) {
  MessageHub hub;
  fill_train(hub, 2 * 86400 + 3600 * 3 + 4.9);
  auto line = make().format_after_iter(hub, train_state(), 11, "train").second;
  EXPECT_NE(line.find("eta: 2 days, 3:00:04  "), std::string::npos) << line;
}

TEST(LogProcessorTest, SeveralLearningRatesAndNoTimer) {
  MessageHub hub;
  hub.update_scalar("train/base_lr", 0.01);
  hub.update_scalar("train/lr", 0.001);
  hub.update_scalar("train/loss", 0.5);
  hub.update_scalar("train/loss_cls", 0.25);
  hub.update_scalar("train/time", 0.125);
  auto s = train_state();
  s.max_epochs = 5;
  s.dataloader_len = 25;
  auto line = make().format_after_iter(hub, s, 9, "train").second;
  // Without the eta info, time/data_time stay with the other items in hub order.
  EXPECT_EQ(line,
            "Epoch(train) [1][10/25]  base_lr: 1.0000e-02 lr: 1.0000e-03  loss: 0.5000  "
            "loss_cls: 0.2500  time: 0.1250");
}

TEST(LogProcessorTest, ValAndTestIterationLines) {
  MessageHub hub;
  for (int i = 0; i < 5; ++i) {
    hub.update_scalar("val/data_time", 0.01);
    hub.update_scalar("val/time", 0.02);
    hub.update_scalar("val/loss", 0.3);  // MMEngine never prints these on val lines
    hub.update_scalar("test/data_time", 0.01);
    hub.update_scalar("test/time", 0.02);
  }
  hub.update_info("eta", 1.5);
  LogProcessor::RunState s;
  s.epoch = 1;
  s.iter = 100;
  s.max_epochs = 3;
  s.dataloader_len = 10;
  auto [tags, line] = make().format_after_iter(hub, s, 4, "val");
  EXPECT_EQ(line, "Epoch(val) [1][ 5/10]    eta: 0:00:01  time: 0.0200  data_time: 0.0100  ");
  EXPECT_EQ(tags[tags.size() - 2].first, "epoch");
  EXPECT_EQ(tags.back().first, "iter");
  EXPECT_EQ(tags.back().second, 101);

  s.max_epochs = 200;
  line = make().format_after_iter(hub, s, 4, "val").second;
  EXPECT_EQ(line.substr(0, 24), "Epoch(val)   [1][ 5/10] ");

  line = make().format_after_iter(hub, s, 4, "test").second;
  EXPECT_EQ(line, "Epoch(test) [ 5/10]    eta: 0:00:01  time: 0.0200  data_time: 0.0100  ");

  LogProcessor::Options o;
  o.by_epoch = false;
  line = make(o).format_after_iter(hub, s, 4, "val").second;
  EXPECT_EQ(line, "Iter(val) [ 5/10]    eta: 0:00:01  time: 0.0200  data_time: 0.0100  ");
}

TEST(LogProcessorTest, ValAloneHasEpochZeroAndNoPadding) {
  MessageHub hub;
  hub.update_scalar("val/data_time", 0.01);
  hub.update_scalar("val/time", 0.02);
  hub.update_info("eta", 0.0);
  LogProcessor::RunState s;
  s.has_train_loop = false;
  s.dataloader_len = 10;
  auto [tags, line] = make().format_after_iter(hub, s, 4, "val");
  EXPECT_EQ(line, "Epoch(val)[0][ 5/10]    eta: 0:00:00  time: 0.0200  data_time: 0.0100  ");
  EXPECT_EQ(tags.back().first, "iter");
  EXPECT_EQ(tags.back().second, 0);
}

TEST(LogProcessorTest, EpochSummaryMetricsThenTimes) {
  MessageHub hub;
  for (int i = 0; i < 10; ++i) {
    hub.update_scalar("val/data_time", 0.0044);
    hub.update_scalar("val/time", 0.0146);
  }
  hub.update_scalar("val/accuracy/top1", 94.82);
  hub.update_scalar("val/accuracy/top5", 99.5);
  LogProcessor::RunState s;
  s.epoch = 1;
  s.max_epochs = 200;
  s.dataloader_len = 10;
  auto [tags, line] = make().format_after_epoch(hub, s, 10, "val");
  EXPECT_EQ(line,
            "Epoch(val) [1][10/10]    accuracy/top1: 94.8200  accuracy/top5: 99.5000  "
            "data_time: 0.0044  time: 0.0146");
  ASSERT_EQ(tags.size(), 4u);
  EXPECT_EQ(tags[0].first, "accuracy/top1");
  EXPECT_EQ(tags[2].first, "data_time");
  EXPECT_EQ(tags[3].first, "time");

  line = make().format_after_epoch(hub, s, 10, "test").second;
  EXPECT_EQ(line, "Epoch(test) [10/10]    ");  // no test/* scalars yet
  hub.update_scalar("test/time", 0.5);
  hub.update_scalar("test/accuracy/top1", 90.0);
  line = make().format_after_epoch(hub, s, 10, "test").second;
  EXPECT_EQ(line, "Epoch(test) [10/10]    accuracy/top1: 90.0000  time: 0.5000");
  LogProcessor::Options o;
  o.by_epoch = false;
  line = make(o).format_after_epoch(hub, s, 10, "val").second;
  EXPECT_EQ(line.substr(0, 22), "Iter(val) [10/10]    a");
}

TEST(LogProcessorTest, EpochMeanWindowIsLoaderLengthPlusOne) {
  // MMEngine passes batch_idx=len(dataloader), so the 'epoch' window is len+1:
  // the mean reaches one iteration into the previous validation.
  MessageHub hub;
  for (int i = 0; i < 10; ++i) hub.update_scalar("val/time", 0.02);
  for (int i = 0; i < 10; ++i) hub.update_scalar("val/time", 0.04);
  LogProcessor::RunState s;
  s.epoch = 2;
  s.max_epochs = 9;
  s.dataloader_len = 10;
  auto [tags, line] = make().format_after_epoch(hub, s, 10, "val");
  EXPECT_EQ(line, "Epoch(val) [2][10/10]    time: 0.0382");
  EXPECT_NEAR(tags[0].second, (0.02 + 10 * 0.04) / 11, 1e-12);
}

TEST(LogProcessorTest, EpochSummaryPrintsNonScalarInfos) {
  MessageHub hub;
  hub.update_scalar("val/time", 0.5);
  hub.update_scalar("val/acc", 50.0);
  hub.update_info("val/classes", Value::list({Value("a"), Value("b")}));
  LogProcessor::RunState s;
  s.epoch = 1;
  s.max_epochs = 1;
  s.dataloader_len = 2;
  auto [tags, line] = make().format_after_epoch(hub, s, 2, "val");
  EXPECT_EQ(line, "Epoch(val) [1][2/2]    acc: 50.0000  classes: ['a', 'b']  time: 0.5000");
  EXPECT_EQ(tags.size(), 2u);
}

TEST(LogProcessorTest, HierarchyPrefixesTags) {
  MessageHub hub;
  fill_train(hub);
  LogProcessor::Options o;
  o.log_with_hierarchy = true;
  auto [tags, line] = make(o).format_after_iter(hub, train_state(), 11, "train");
  EXPECT_EQ(tags[0].first, "train/lr");
  EXPECT_EQ(tags[2].first, "train/loss");
  EXPECT_NE(line.find("lr: 1.0000e-01  eta"), std::string::npos) << line;
}

Value custom(std::vector<std::pair<const char*, Value>> kv) {
  Value d = Value::dict(false);
  for (auto& [k, v] : kv) d.as_dict().set(Value(k), v);
  return d;
}

TEST(LogProcessorTest, CustomCfg) {
  MessageHub hub;
  fill_train(hub);
  LogProcessor::Options o;
  o.custom_cfg = Value::list({
      custom({{"data_src", "loss"},
              {"log_name", "loss_global"},
              {"method_name", "mean"},
              {"window_size", "global"}}),
      custom({{"data_src", "time"}, {"method_name", "max"}, {"window_size", 3}}),
  });
  auto [tags, line] = make(o).format_after_iter(hub, train_state(), 11, "train");
  // time overwritten by its max over 3 iterations; loss_global over iter+1 = 12 entries.
  EXPECT_NE(line.find("time: 0.1414"), std::string::npos);
  double global = (2 * 100.0 + 10 * 5.3465) / 12;
  bool found = false;
  for (const auto& [k, v] : tags) {
    if (k == "loss_global") {
      found = true;
      EXPECT_NEAR(v, global, 1e-9);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_NE(line.find("loss_global: 21.1221"), std::string::npos) << line;
}

TEST(LogProcessorTest, CustomCfgErrors) {
  LogProcessor::Options o;
  o.custom_cfg = Value::list({custom({{"data_src", "loss"}, {"window_size", 10}}),
                              custom({{"data_src", "loss"}, {"method_name", "max"}})});
  EXPECT_THROW(make(o), Error);  // loss overwritten twice
  o.custom_cfg = Value::list({custom({{"data_src", "loss"}, {"window_size", "epoch"}})});
  o.by_epoch = false;
  EXPECT_THROW(make(o), Error);
  o.by_epoch = true;
  EXPECT_NO_THROW(make(o));
  o.custom_cfg = Value::list({custom({{"data_src", "loss"}, {"window_size", "forever"}})});
  EXPECT_THROW(make(o), Error);
  o.custom_cfg = Value::list({custom({{"data_src", "loss"}, {"method_name", "median"}})});
  EXPECT_THROW(make(o), Error);
}

TEST(LogProcessorTest, IntTags) {
  EXPECT_TRUE(LogProcessor::is_int_tag("epoch"));
  EXPECT_TRUE(LogProcessor::is_int_tag("iter"));
  EXPECT_TRUE(LogProcessor::is_int_tag("memory"));
  EXPECT_FALSE(LogProcessor::is_int_tag("lr"));
}

}  // namespace
}  // namespace mmcpp::engine
