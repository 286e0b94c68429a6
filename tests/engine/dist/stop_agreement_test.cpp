// StopAgreement on a real 2-rank Gloo group (threads of this process): a
// signal caught by one rank stops every rank at the same iteration, and the
// rank that caught it does not leave its loop before the others (it would
// leave them waiting in a collective it never joins).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <array>
#include <csignal>

#include "mmcpp/core/stop_request.h"
#include "mmcpp/engine/dist/dist.h"
#include "mmcpp/engine/dist/runner_setup.h"
#include "tests/engine/dist/dist_test_util.h"

namespace mmcpp::dist {
namespace {

using testing::run_ranks;

// Each rank runs a training-like loop: ask whether to stop, then one
// collective (as DDP's gradient all-reduce); `signal_at` gives, per rank, the
// iteration before whose check a SIGTERM arrives (-1: none). Returns per rank
// the iteration at which it stopped (-1: ran to the end).
std::array<std::int64_t, 2> stop_iterations(std::array<std::int64_t, 2> signal_at,
                                            std::array<bool, 2> hook_request = {false, false}) {
  std::array<std::int64_t, 2> stopped{-1, -1};
  std::array<int, 2> signals{0, 0};
  run_ranks(
      2,
      [&](const std::shared_ptr<DistContext>& ctx) {
        const int r = ctx->rank();
        StopRequest stop;
        StopAgreement agreement(ctx);
        for (std::int64_t iter = 0; iter < 20; ++iter) {
          if (iter == signal_at[r]) stop.request_by_signal(SIGTERM);
          if (hook_request[r] && iter == 4) stop.request("EarlyStoppingHook");
          if (agreement.should_stop(stop, iter)) {
            stopped[r] = iter;
            break;
          }
          torch::Tensor t = torch::ones({1});
          all_reduce(ctx.get(), t);
        }
        signals[r] = stop.signal();
      },
      std::chrono::seconds(10));
  // Both ranks report the agreed signal (the one that did not catch it adopts it).
  if (stopped[0] >= 0 && stopped[1] >= 0 && (signal_at[0] >= 0 || signal_at[1] >= 0)) {
    EXPECT_EQ(signals[0], SIGTERM);
    EXPECT_EQ(signals[1], SIGTERM);
  }
  return stopped;
}

TEST(StopAgreement, ASignalOnOneRankStopsBothAtTheSameIteration) {
  // Rank 0 is signalled before its check of iteration 5; rank 1 never is. Rank 0
  // must keep going until the ranks agree (the exchange started at iteration 5
  // is read at 6), then both stop there.
  auto stopped = stop_iterations({5, -1});
  EXPECT_EQ(stopped[0], 6);
  EXPECT_EQ(stopped[1], 6);
  stopped = stop_iterations({-1, 9});
  EXPECT_EQ(stopped[0], 10);
  EXPECT_EQ(stopped[1], 10);
}

TEST(StopAgreement, SignalsOnBothRanksAtDifferentIterations) {
  auto stopped = stop_iterations({3, 7});
  EXPECT_EQ(stopped[0], 4);
  EXPECT_EQ(stopped[1], 4);
}

TEST(StopAgreement, AnAdoptedSignalDoesNotCountTowardsExitingAtOnce) {
  // The rank that learned of the signal from its peer then catches its own copy:
  // that is its first signal (stop gently), not the second (exit at once).
  StopRequest stop;
  stop.adopt_signal(SIGTERM);
  EXPECT_TRUE(stop.requested());
  EXPECT_EQ(stop.signal(), SIGTERM);
  EXPECT_EQ(stop.request_by_signal(SIGTERM), 1);
}

TEST(StopAgreement, RequestsFromCodeAreTakenAtOnce) {
  // A hook's request is made alike on every rank (from synced metrics).
  auto stopped = stop_iterations({-1, -1}, {true, true});
  EXPECT_EQ(stopped[0], 4);
  EXPECT_EQ(stopped[1], 4);
  stopped = stop_iterations({-1, -1});
  EXPECT_EQ(stopped[0], -1);
  EXPECT_EQ(stopped[1], -1);
}

}  // namespace
}  // namespace mmcpp::dist
