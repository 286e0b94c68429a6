#include "mmcpp/engine/dist/dist.h"

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/dist/dist_context.h"

namespace mmcpp::dist {

namespace {

bool distributed(const DistContext* ctx) { return ctx && ctx->world_size() > 1; }

c10d::ReduceOp to_c10d(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean:
      return c10d::ReduceOp(c10d::ReduceOp::SUM);
    case ReduceOp::Max:
      return c10d::ReduceOp(c10d::ReduceOp::MAX);
    case ReduceOp::Min:
      return c10d::ReduceOp(c10d::ReduceOp::MIN);
    case ReduceOp::Product:
      return c10d::ReduceOp(c10d::ReduceOp::PRODUCT);
  }
  return c10d::ReduceOp(c10d::ReduceOp::SUM);
}

void wait(const c10::intrusive_ptr<c10d::Work>& work) { work->wait(); }

// `t` on the group's device, contiguous (a copy when it is not there already).
torch::Tensor on_comm_device(const DistContext& ctx, const torch::Tensor& t) {
  torch::Tensor c = t.to(ctx.comm_device()).contiguous();
  return c;
}

// Bytes <-> a uint8 tensor.
torch::Tensor bytes_tensor(const std::string& s, std::int64_t size) {
  torch::Tensor t = torch::zeros({size}, torch::kUInt8);
  std::memcpy(t.data_ptr<std::uint8_t>(), s.data(), s.size());
  return t;
}

// Little helpers for the sample format below.
void put_u64(std::string& out, std::uint64_t v) { out.append(reinterpret_cast<char*>(&v), 8); }
void put_str(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}
struct Reader {
  const std::string& s;
  std::size_t pos = 0;
  std::uint64_t u64() {
    need(8);
    std::uint64_t v;
    std::memcpy(&v, s.data() + pos, 8);
    pos += 8;
    return v;
  }
  std::string str() {
    std::uint64_t n = u64();
    need(n);
    std::string out = s.substr(pos, n);
    pos += n;
    return out;
  }
  void need(std::uint64_t n) const {
    if (pos + n > s.size()) throw Error("RuntimeError", "collect_results: truncated sample data");
  }
};

}  // namespace

ReduceOp parse_reduce_op(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "sum") return ReduceOp::Sum;
  if (n == "mean") return ReduceOp::Mean;
  if (n == "max") return ReduceOp::Max;
  if (n == "min") return ReduceOp::Min;
  if (n == "product") return ReduceOp::Product;
  throw Error("ValueError",
              "reduce op should be one of sum, mean, max, min, product, but got " + name);
}

int get_rank(const DistContext* ctx) { return ctx ? ctx->rank() : 0; }
int get_world_size(const DistContext* ctx) { return ctx ? ctx->world_size() : 1; }
bool is_main_process(const DistContext* ctx) { return get_rank(ctx) == 0; }

void all_reduce(const DistContext* ctx, torch::Tensor& data, ReduceOp op) {
  if (!distributed(ctx)) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> t{on_comm_device(*ctx, data)};
  c10d::AllreduceOptions opts;
  opts.reduceOp = to_c10d(op);
  wait(ctx->group()->allreduce(t, opts));
  if (op == ReduceOp::Mean) {
    // MMEngine: torch.true_divide, copied back into the tensor's own dtype.
    if (c10::isIntegralType(t[0].scalar_type(), /*includeBool=*/true))
      t[0].copy_(t[0].to(torch::kDouble).div(ctx->world_size()));
    else
      t[0].div_(ctx->world_size());
  }
  if (t[0].data_ptr() != data.data_ptr()) data.copy_(t[0]);
}

void broadcast(const DistContext* ctx, torch::Tensor& data, int src) {
  if (!distributed(ctx)) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> t{on_comm_device(*ctx, data)};
  c10d::BroadcastOptions opts;
  opts.rootRank = src;
  wait(ctx->group()->broadcast(t, opts));
  if (t[0].data_ptr() != data.data_ptr()) data.copy_(t[0]);
}

std::vector<torch::Tensor> all_gather(const DistContext* ctx, const torch::Tensor& data) {
  if (!distributed(ctx)) return {data};
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> in{on_comm_device(*ctx, data)};
  std::vector<std::vector<torch::Tensor>> out(1);
  for (int r = 0; r < ctx->world_size(); ++r) out[0].push_back(torch::empty_like(in[0]));
  wait(ctx->group()->allgather(out, in));
  std::vector<torch::Tensor> result;
  for (auto& t : out[0]) result.push_back(t.to(data.device()));
  return result;
}

void barrier(const DistContext* ctx) {
  if (!distributed(ctx)) return;
  wait(ctx->group()->barrier());
}

std::vector<std::string> all_gather_bytes(const DistContext* ctx, const std::string& mine) {
  if (!distributed(ctx)) return {mine};
  // Sizes first, then every rank's bytes padded to the largest.
  torch::Tensor size = torch::tensor({static_cast<std::int64_t>(mine.size())}, torch::kLong);
  std::vector<torch::Tensor> sizes = all_gather(ctx, size);
  std::int64_t max_size = 1;
  for (auto& s : sizes) max_size = std::max(max_size, s.item<std::int64_t>());
  std::vector<torch::Tensor> parts = all_gather(ctx, bytes_tensor(mine, max_size));
  std::vector<std::string> out;
  for (std::size_t r = 0; r < parts.size(); ++r) {
    torch::Tensor p = parts[r].cpu().contiguous();
    out.emplace_back(reinterpret_cast<const char*>(p.data_ptr<std::uint8_t>()),
                     static_cast<std::size_t>(sizes[r].item<std::int64_t>()));
  }
  return out;
}

std::string broadcast_bytes(const DistContext* ctx, const std::string& data, int src) {
  if (!distributed(ctx)) return data;
  torch::Tensor size = torch::tensor({static_cast<std::int64_t>(data.size())}, torch::kLong);
  broadcast(ctx, size, src);
  std::int64_t n = size.item<std::int64_t>();
  torch::Tensor buf = ctx->rank() == src
                          ? bytes_tensor(data, std::max<std::int64_t>(n, 1))
                          : torch::zeros({std::max<std::int64_t>(n, 1)}, torch::kUInt8);
  broadcast(ctx, buf, src);
  buf = buf.cpu().contiguous();
  return std::string(reinterpret_cast<const char*>(buf.data_ptr<std::uint8_t>()),
                     static_cast<std::size_t>(n));
}

std::uint64_t sync_random_seed(const DistContext* ctx, std::uint64_t candidate) {
  if (!distributed(ctx)) return candidate;
  torch::Tensor t = torch::tensor({static_cast<std::int64_t>(candidate)}, torch::kLong);
  broadcast(ctx, t, 0);
  return static_cast<std::uint64_t>(t.item<std::int64_t>());
}

void all_reduce_params(const DistContext* ctx, const std::vector<torch::Tensor>& params,
                       ReduceOp op) {
  if (!distributed(ctx) || params.empty()) return;
  torch::NoGradGuard no_grad;
  // One flat buffer per dtype (MMEngine's _all_reduce_coalesced buckets by type).
  std::map<c10::ScalarType, std::vector<torch::Tensor>> by_type;
  for (const auto& p : params) by_type[p.scalar_type()].push_back(p);
  for (auto& [type, group] : by_type) {
    std::vector<torch::Tensor> flat;
    for (auto& p : group) flat.push_back(p.detach().reshape({-1}).to(ctx->comm_device()));
    torch::Tensor buffer = torch::cat(flat);
    all_reduce(ctx, buffer, op);
    std::int64_t offset = 0;
    for (auto& p : group) {
      std::int64_t n = p.numel();
      p.detach().copy_(buffer.slice(0, offset, offset + n).view_as(p));
      offset += n;
    }
  }
}

void broadcast_tensors(const DistContext* ctx, const std::vector<torch::Tensor>& tensors, int src) {
  if (!distributed(ctx) || tensors.empty()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> on_device, originals;
  for (const auto& t : tensors) {
    if (t.device() == ctx->comm_device()) {
      on_device.push_back(t.detach());
    } else {
      on_device.push_back(t.detach().to(ctx->comm_device()));
    }
    originals.push_back(t.detach());
  }
  // 250 MB buckets, as DDP's _sync_module_states.
  c10d::broadcast_coalesced(ctx->group(), on_device, 250u * 1024u * 1024u, src);
  for (std::size_t i = 0; i < originals.size(); ++i)
    if (on_device[i].data_ptr() != originals[i].data_ptr()) originals[i].copy_(on_device[i]);
}

std::string serialize_samples(const data::DataSamples& samples) {
  std::string out;
  put_u64(out, samples.size());
  for (const auto& s : samples) {
    put_u64(out, s->fields().size());
    for (const auto& [name, value] : s->fields()) {
      put_str(out, name);
      torch::Tensor t = value.detach().cpu().contiguous();
      put_u64(out, static_cast<std::uint64_t>(t.scalar_type()));
      put_u64(out, static_cast<std::uint64_t>(t.dim()));
      for (auto d : t.sizes()) put_u64(out, static_cast<std::uint64_t>(d));
      put_str(out, std::string(static_cast<const char*>(t.data_ptr()), t.nbytes()));
    }
    put_str(out, s->metainfo().repr());
  }
  return out;
}

data::DataSamples deserialize_samples(const std::string& bytes) {
  Reader in{bytes};
  data::DataSamples out;
  std::uint64_t n = in.u64();
  out.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    auto s = std::make_shared<data::DataSample>();
    std::uint64_t fields = in.u64();
    for (std::uint64_t f = 0; f < fields; ++f) {
      std::string name = in.str();
      auto type = static_cast<c10::ScalarType>(in.u64());
      std::uint64_t dim = in.u64();
      std::vector<std::int64_t> sizes;
      for (std::uint64_t d = 0; d < dim; ++d) sizes.push_back(static_cast<std::int64_t>(in.u64()));
      std::string raw = in.str();
      torch::Tensor t = torch::empty(sizes, torch::TensorOptions().dtype(type));
      if (raw.size() != t.nbytes())
        throw Error("RuntimeError", "collect_results: field '" + name + "' has " +
                                        std::to_string(raw.size()) + " bytes, expected " +
                                        std::to_string(t.nbytes()));
      std::memcpy(t.data_ptr(), raw.data(), raw.size());
      s->set(name, t);
    }
    std::string meta = in.str();
    s->metainfo() = config::Config::fromstring("m = " + meta, ".py").get("m")->deep_copy();
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<data::DataSamples> collect_results(const DistContext* ctx,
                                                 const data::DataSamples& mine, std::size_t size) {
  if (!distributed(ctx)) {
    data::DataSamples out(mine.begin(), mine.begin() + std::min(size, mine.size()));
    return out;
  }
  // all_gather_object, as MMEngine's collect_results on 'gpu' (no shared tmpdir
  // needed, so nodes need not share a filesystem).
  std::vector<std::string> parts = all_gather_bytes(ctx, serialize_samples(mine));
  if (ctx->rank() != 0) return std::nullopt;
  std::vector<data::DataSamples> per_rank;
  std::size_t longest = 0;
  for (const auto& p : parts) {
    per_rank.push_back(deserialize_samples(p));
    longest = std::max(longest, per_rank.back().size());
  }
  data::DataSamples out;
  for (std::size_t i = 0; i < longest && out.size() < size; ++i)
    for (auto& part : per_rank)
      if (i < part.size() && out.size() < size) out.push_back(part[i]);
  return out;
}

namespace {

class DistResultCollector : public evaluation::ResultCollector {
 public:
  explicit DistResultCollector(std::shared_ptr<DistContext> ctx) : ctx_(std::move(ctx)) {}
  std::optional<data::DataSamples> collect(const data::DataSamples& mine,
                                           std::size_t size) override {
    return collect_results(ctx_.get(), mine, size);
  }
  evaluation::Metrics broadcast(const evaluation::Metrics& metrics) override {
    // Rank 0's metrics, every kind of value (scalars, lists, tensors) as it is.
    using Kind = evaluation::MetricValue::Kind;
    std::string bytes;
    if (is_main_process(ctx_.get())) {
      put_u64(bytes, metrics.size());
      for (const auto& [name, value] : metrics) {
        put_str(bytes, name);
        put_u64(bytes, static_cast<std::uint64_t>(value.kind()));
        switch (value.kind()) {
          case Kind::Float:
          case Kind::Int: {
            double d = value.scalar();
            std::int64_t i = value.is_int() ? static_cast<std::int64_t>(value.scalar()) : 0;
            bytes.append(reinterpret_cast<const char*>(&d), sizeof d);
            bytes.append(reinterpret_cast<const char*>(&i), sizeof i);
            break;
          }
          case Kind::FloatList:
            put_u64(bytes, value.float_values().size());
            for (double d : value.float_values())
              bytes.append(reinterpret_cast<const char*>(&d), sizeof d);
            break;
          case Kind::IntList:
            put_u64(bytes, value.int_values().size());
            for (std::int64_t i : value.int_values())
              bytes.append(reinterpret_cast<const char*>(&i), sizeof i);
            break;
          case Kind::Tensor: {
            torch::Tensor t = value.tensor_value().detach().cpu().contiguous();
            put_u64(bytes, static_cast<std::uint64_t>(t.scalar_type()));
            put_u64(bytes, static_cast<std::uint64_t>(t.dim()));
            for (auto d : t.sizes()) put_u64(bytes, static_cast<std::uint64_t>(d));
            put_str(bytes, std::string(static_cast<const char*>(t.data_ptr()), t.nbytes()));
            break;
          }
        }
      }
    }
    std::string got = broadcast_bytes(ctx_.get(), bytes, 0);
    Reader in{got};
    auto raw8 = [&](void* dst) {
      in.need(8);
      std::memcpy(dst, got.data() + in.pos, 8);
      in.pos += 8;
    };
    evaluation::Metrics out;
    std::uint64_t n = in.u64();
    for (std::uint64_t k = 0; k < n; ++k) {
      std::string name = in.str();
      auto kind = static_cast<Kind>(in.u64());
      switch (kind) {
        case Kind::Float:
        case Kind::Int: {
          double d;
          std::int64_t i;
          raw8(&d);
          raw8(&i);
          out.emplace_back(std::move(name), kind == Kind::Int ? evaluation::MetricValue::integer(i)
                                                              : evaluation::MetricValue(d));
          break;
        }
        case Kind::FloatList: {
          std::vector<double> v(in.u64());
          for (double& d : v) raw8(&d);
          out.emplace_back(std::move(name), evaluation::MetricValue::float_list(std::move(v)));
          break;
        }
        case Kind::IntList: {
          std::vector<std::int64_t> v(in.u64());
          for (std::int64_t& i : v) raw8(&i);
          out.emplace_back(std::move(name), evaluation::MetricValue::int_list(std::move(v)));
          break;
        }
        case Kind::Tensor: {
          auto type = static_cast<c10::ScalarType>(in.u64());
          std::vector<std::int64_t> sizes(in.u64());
          for (auto& d : sizes) d = static_cast<std::int64_t>(in.u64());
          std::string raw = in.str();
          torch::Tensor t = torch::empty(sizes, torch::TensorOptions().dtype(type));
          if (raw.size() != t.nbytes())
            throw Error("RuntimeError", "broadcast of metric '" + name +
                                            "': " + std::to_string(raw.size()) +
                                            " bytes, expected " + std::to_string(t.nbytes()));
          std::memcpy(t.data_ptr(), raw.data(), raw.size());
          out.emplace_back(std::move(name), evaluation::MetricValue::tensor(t));
          break;
        }
        default:
          throw Error("RuntimeError", "broadcast of metric '" + name + "': unknown value kind");
      }
    }
    return out;
  }

 private:
  std::shared_ptr<DistContext> ctx_;
};

}  // namespace

std::shared_ptr<evaluation::ResultCollector> make_result_collector(
    std::shared_ptr<DistContext> ctx) {
  return std::make_shared<DistResultCollector>(std::move(ctx));
}

}  // namespace mmcpp::dist
