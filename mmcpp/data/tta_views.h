// Test-time augmentation through the data pipeline (MMCV's TestTimeAug, run by
// MMEngine's BaseTTAModel).
//
// MMCV's TestTimeAug makes a dataset return {'inputs': [view0, view1, ...],
// 'data_samples': [...]}, collated into one batch per view. Here the dataset
// returns one Sample whose `inputs` is undefined and whose data_sample carries
// the views (each a packed Sample, in branch order) in its metainfo under
// kTtaViewsKey; the collate functions pass it through unchanged and
// BaseTTAModel::test_step splits the batch back into one batch per view.
#pragma once

#include <vector>

#include "mmcpp/data/data_sample.h"

namespace mmcpp::data {

inline constexpr const char* kTtaViewsKey = "tta_views";

// The sample standing for `views` (at least one): a data sample with the
// first view's metainfo and fields and the views in its metainfo.
Sample make_tta_sample(std::vector<Sample> views);

// The views `sample` carries (nullptr when it is not a TTA sample).
const std::vector<Sample>* tta_views(const DataSample& sample);

// One batch per view of a batch of TTA samples (empty when the batch holds
// none): inputs stacked when their shapes are equal (default_collate), else a
// list (pseudo_collate). ValueError when only some samples carry views or the
// samples carry different numbers of views.
std::vector<DataBatch> split_tta_batch(const DataBatch& batch);

}  // namespace mmcpp::data
