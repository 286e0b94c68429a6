// Training logs as MMPretrain's analysis tools read them
// (mmpretrain/utils/analyze.py load_json_log): the records of the training
// iterations and of the validations, each a dict of numbers with "step".
//
// Sources: the JSON-lines scalar files that MMEngine (and mmcpp) write
// (vis_data/scalars.json, vis_data/<timestamp>.json; a line is training when it
// has "lr", as MMPretrain's own rule), and the text logs
// (<timestamp>/<timestamp>.log): the `Epoch(train) [e][i/n]  lr: ...  loss: ...`
// and `Epoch(val) [e][n/n]  accuracy/top1: ...` lines of MMEngine's
// LogProcessor (also `Iter(...)` for iteration-based runs), whose fields become
// the same records (epoch, iter and step derived from the counters: by epoch,
// step = the global iteration for training and the epoch for validation; by
// iteration, validation takes the iteration of the last training line; the
// per-iteration validation lines, which carry an ETA, are skipped).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mmcpp::pretrain {

// One log record: numeric fields in file order.
struct LogRecord {
  std::vector<std::pair<std::string, double>> fields;
  bool has(const std::string& key) const;
  // KeyError naming the key and the record's keys.
  double get(const std::string& key) const;
};

struct LogDict {
  std::vector<LogRecord> train, val;
};

// load_json_log for a .json file, the text-log reader otherwise (by content:
// a file whose first non-empty line starts with '{' is JSON lines).
LogDict load_log(const std::string& path);
LogDict parse_json_log(const std::string& text, const std::string& name);
LogDict parse_text_log(const std::string& text, const std::string& name);

}  // namespace mmcpp::pretrain
