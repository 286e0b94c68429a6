// DataSample (mmagic/structures/data_sample.py): MMagic's per-sample data
// element, on the engine's DataSample (named tensor fields + metainfo).
//
// What MMagic adds and is needed here:
//  - the nested `output` element BaseEditModel's predict mode attaches
//    (data_sample.output.pred_img): kept as fields named "output.<key>";
//  - the inputs dict of a PackInputs with several keys present: fields named
//    "inputs.<key>";
//  - PackInputs' mapping of results keys to metainfo keys (META_KEYS) and to
//    data fields (DATA_KEYS: 'gt' -> 'gt_img', ...).
// MMagic's DataPreprocessor stacks the samples of a batch into one DataSample
// and BaseEditModel splits it again; here the samples stay a list and the
// batched tensors are stacked where they are used (same values).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mmcpp/data/data_sample.h"

namespace mmcpp::editing {

using DataSample = data::DataSample;
using DataSamplePtr = data::DataSamplePtr;

// Results keys PackInputs puts into metainfo / into the data fields, and the
// field names they get there (MMagic's DataSample.META_KEYS / DATA_KEYS).
const std::map<std::string, std::string>& meta_keys();
const std::map<std::string, std::string>& data_keys();

// data_sample.output.<key>
bool has_output(const DataSample& s);
bool has_output_field(const DataSample& s, const std::string& key);
// KeyError naming the output's fields when absent.
const torch::Tensor& output_field(const DataSample& s, const std::string& key);
void set_output_field(DataSample& s, const std::string& key, torch::Tensor value);
// The output's field names.
std::vector<std::string> output_keys(const DataSample& s);

// PackInputs' inputs dict (several input keys).
std::map<std::string, torch::Tensor> inputs_dict(const DataSample& s);
void set_inputs_dict(DataSample& s, const std::map<std::string, torch::Tensor>& inputs);

// The sample's own data fields (not the output's, not the inputs dict).
std::vector<std::string> data_field_keys(const DataSample& s);

}  // namespace mmcpp::editing
