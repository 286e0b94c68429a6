// `--local_rank N` / `--local-rank N`, as MMPretrain's tools/train.py and
// tools/test.py accept them: `python -m torch.distributed.launch` (without
// --use-env) passes the local rank this way instead of through LOCAL_RANK.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

namespace mmcpp::tools {

inline void add_local_rank_option(CLI::App& sub, std::shared_ptr<int> local_rank) {
  sub.add_option("--local_rank,--local-rank", *local_rank,
                 "local rank (set by torch.distributed.launch; LOCAL_RANK wins when set)");
}

// if 'LOCAL_RANK' not in os.environ: os.environ['LOCAL_RANK'] = str(args.local_rank)
inline void export_local_rank(int local_rank) {
  if (!std::getenv("LOCAL_RANK")) ::setenv("LOCAL_RANK", std::to_string(local_rank).c_str(), 1);
}

}  // namespace mmcpp::tools
