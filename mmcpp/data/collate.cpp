#include "mmcpp/data/collate.h"

#include <ATen/ATen.h>

#include <sstream>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::data {

MMCPP_REGISTER_AS(registry::FUNCTIONS, default_collate, "default_collate",
                  "dict(type='default_collate')");
MMCPP_REGISTER_AS(registry::FUNCTIONS, pseudo_collate, "pseudo_collate",
                  "dict(type='pseudo_collate')");

namespace {

std::string shape_str(const torch::Tensor& t) {
  if (!t.defined()) return "None";
  std::ostringstream os;
  os << "(";
  for (std::int64_t d = 0; d < t.dim(); ++d) os << (d ? ", " : "") << t.size(d);
  os << (t.dim() == 1 ? ",)" : ")");
  return os.str();
}

void collect_samples(std::vector<Sample>& samples, DataBatch& batch) {
  batch.data_samples.reserve(samples.size());
  for (Sample& s : samples)
    if (s.data_sample) batch.data_samples.push_back(s.data_sample);
  // Either every sample has a data sample or none: a partial list would misalign.
  if (!batch.data_samples.empty() && batch.data_samples.size() != samples.size())
    throw Error("ValueError", "collate: " + std::to_string(batch.data_samples.size()) + " of " +
                                  std::to_string(samples.size()) + " samples have a data_sample");
}

}  // namespace

DataBatch default_collate::operator()(std::vector<Sample>& samples) const {
  DataBatch batch;
  collect_samples(samples, batch);
  if (samples.empty()) return batch;
  std::size_t defined = 0;
  for (const Sample& s : samples) defined += s.inputs.defined() ? 1 : 0;
  if (defined == 0) return batch;
  bool same = defined == samples.size();
  for (std::size_t i = 1; same && i < samples.size(); ++i)
    same = samples[i].inputs.sizes() == samples[0].inputs.sizes();
  if (!same) {
    // torch.stack's complaint, naming each shape so the odd one is visible.
    std::string shapes;
    for (std::size_t i = 0; i < samples.size(); ++i)
      shapes += (i ? ", " : "") + shape_str(samples[i].inputs);
    throw Error("TypeError",
                "default_collate: stack expects each input to be of equal size, got shapes [" +
                    shapes + "]; use collate_fn=dict(type='pseudo_collate') for varying sizes");
  }
  std::vector<torch::Tensor> inputs;
  inputs.reserve(samples.size());
  for (Sample& s : samples) inputs.push_back(s.inputs);
  batch.inputs = at::stack(inputs, 0);
  return batch;
}

DataBatch pseudo_collate::operator()(std::vector<Sample>& samples) const {
  DataBatch batch;
  collect_samples(samples, batch);
  batch.input_list.reserve(samples.size());
  for (Sample& s : samples)
    if (s.inputs.defined()) batch.input_list.push_back(s.inputs);
  if (!batch.input_list.empty() && batch.input_list.size() != samples.size())
    throw Error("ValueError", "pseudo_collate: " + std::to_string(batch.input_list.size()) +
                                  " of " + std::to_string(samples.size()) + " samples have inputs");
  return batch;
}

}  // namespace mmcpp::data
