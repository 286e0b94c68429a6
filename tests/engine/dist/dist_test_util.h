// In-process distributed tests: `world` threads, each a rank with its own
// DistContext (a real c10d::ProcessGroupGloo over 127.0.0.1) around one shared
// c10d::HashStore.
#pragma once

#include <gtest/gtest.h>
#include <torch/csrc/distributed/c10d/HashStore.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "mmcpp/engine/dist/dist_context.h"

namespace mmcpp::testing {

using RankFn = std::function<void(const std::shared_ptr<dist::DistContext>&)>;

inline void run_ranks(int world, const RankFn& fn,
                      std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  auto store = c10::make_intrusive<c10d::HashStore>();
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(world));
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      try {
        dist::DistConfig cfg;
        cfg.backend = "gloo";
        cfg.timeout = timeout;
        auto ctx = dist::DistContext::create(store, r, world, cfg);
        fn(ctx);
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace mmcpp::testing
