// mmengine/dist/dist.py: collectives over a DistContext's process group.
//
// Every function takes the context as a pointer; nullptr (or a world of one)
// means "not distributed" and each then does what MMEngine's does outside a
// distributed run: nothing, or return its input. All ranks must call the same
// collectives in the same order. Tensors may live on any device: they travel
// through the group's device (the CPU for gloo) and come back.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/data/data_sample.h"
#include "mmcpp/evaluation/metric.h"

namespace mmcpp::dist {

class DistContext;

enum class ReduceOp { Sum, Mean, Max, Min, Product };
// 'sum', 'mean', 'max', 'min', 'product' (any case), as MMEngine's _get_reduce_op.
ReduceOp parse_reduce_op(const std::string& name);

int get_rank(const DistContext* ctx);
int get_world_size(const DistContext* ctx);
bool is_main_process(const DistContext* ctx);

// In place on every rank.
void all_reduce(const DistContext* ctx, torch::Tensor& data, ReduceOp op = ReduceOp::Sum);
// data of rank `src` on every rank, in place.
void broadcast(const DistContext* ctx, torch::Tensor& data, int src = 0);
// One tensor per rank (same shape everywhere), in rank order.
std::vector<torch::Tensor> all_gather(const DistContext* ctx, const torch::Tensor& data);
void barrier(const DistContext* ctx);

// all_gather_object / broadcast_object_list for byte strings of any length.
std::vector<std::string> all_gather_bytes(const DistContext* ctx, const std::string& mine);
std::string broadcast_bytes(const DistContext* ctx, const std::string& data, int src = 0);

// MMEngine's sync_random_seed: rank 0's `candidate` on every rank.
std::uint64_t sync_random_seed(const DistContext* ctx, std::uint64_t candidate);

// all_reduce_params: reduce many tensors in place, coalesced into one buffer per
// dtype (BatchNorm buffers in SyncBuffersHook use op Mean).
void all_reduce_params(const DistContext* ctx, const std::vector<torch::Tensor>& params,
                       ReduceOp op = ReduceOp::Sum);

// Parameters and buffers of rank `src` on every rank, coalesced (DDP's
// _sync_module_states, Runner._init_model_weights).
void broadcast_tensors(const DistContext* ctx, const std::vector<torch::Tensor>& tensors,
                       int src = 0);

// DataSamples as bytes and back (tensors go through the CPU; metainfo as its
// Python literal).
std::string serialize_samples(const data::DataSamples& samples);
data::DataSamples deserialize_samples(const std::string& bytes);

// MMEngine's collect_results: the samples of every rank, interleaved as
// zip_longest(rank 0, rank 1, ...) (the order in which DefaultSampler dealt the
// dataset out) and cut to `size`, which drops the sampler's padding. Rank 0 gets
// them; the other ranks get nullopt. Outside a distributed run: mine[:size].
std::optional<data::DataSamples> collect_results(const DistContext* ctx,
                                                 const data::DataSamples& mine, std::size_t size);

// The Evaluator's collector in a distributed run: collect_results on rank 0,
// then rank 0's metrics broadcast to every rank.
std::shared_ptr<evaluation::ResultCollector> make_result_collector(
    std::shared_ptr<DistContext> ctx);

}  // namespace mmcpp::dist
