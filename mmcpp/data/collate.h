// Collate functions (FUNCTIONS registry): samples -> DataBatch.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/data/data_sample.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::data {

class CollateFunction {
 public:
  virtual ~CollateFunction() = default;
  virtual DataBatch operator()(std::vector<Sample>& samples) const = 0;
};

// Stacks inputs (all shapes equal) into one tensor; keeps samples as a list.
class default_collate : public CollateFunction {
 public:
  static std::shared_ptr<default_collate> from_config(registry::BuildArgs&) {
    return std::make_shared<default_collate>();
  }
  DataBatch operator()(std::vector<Sample>& samples) const override;
};

// Keeps inputs as a list (MMEngine's default for Runner-built loaders).
class pseudo_collate : public CollateFunction {
 public:
  static std::shared_ptr<pseudo_collate> from_config(registry::BuildArgs&) {
    return std::make_shared<pseudo_collate>();
  }
  DataBatch operator()(std::vector<Sample>& samples) const override;
};

}  // namespace mmcpp::data
