#include "tests/support/transform_oracle.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "mmcpp/pretrain/image/mat_tensor.h"
#include "mmcpp/registry/registry.h"
#include "tests/support/oracle.h"

namespace mmcpp::testing {

using config::Value;
namespace fs = std::filesystem;

namespace {

std::string transforms_dir() {
  const std::string root = oracle_dir();
  if (root.empty() || !fs::exists(root + "/transforms/cases")) return "";
  return root + "/transforms";
}

const Value* find(const Value& dict, const char* key) { return dict.as_dict().find(key); }

cv::Mat read_image(const std::string& path, int flags) {
  cv::Mat m = cv::imread(path, flags);
  if (m.empty()) throw std::runtime_error("cannot read image " + path);
  return m;
}

// Numeric comparison of oracle values: tuples and lists alike, ints and floats alike.
bool close_values(const Value& a, const Value& b) {
  const bool seq_a = a.is_list() || a.is_tuple(), seq_b = b.is_list() || b.is_tuple();
  if (seq_a || seq_b) {
    if (!(seq_a && seq_b) || a.items().size() != b.items().size()) return false;
    for (std::size_t i = 0; i < a.items().size(); ++i) {
      if (!close_values(a.items()[i], b.items()[i])) return false;
    }
    return true;
  }
  const auto numeric = [](const Value& v) { return v.is_int() || v.is_float() || v.is_bool(); };
  if (numeric(a) && numeric(b)) {
    const double x = a.as_number(), y = b.as_number();
    return std::abs(x - y) <= 1e-9 * std::max(1.0, std::abs(x));
  }
  return a.equals(b);
}

}  // namespace

std::vector<std::string> transform_case_names(const std::vector<std::string>& types) {
  std::vector<std::string> names;
  const std::string dir = transforms_dir();
  if (dir.empty()) return names;
  for (const auto& entry : fs::directory_iterator(dir + "/cases")) {
    const std::string file = entry.path().filename().string();
    if (entry.path().extension() != ".json" || file[0] == '_') continue;
    const Value spec = decode_oracle_value(read_json_file(entry.path().string()));
    const std::string type = find(*find(spec, "transform"), "type")->as_str();
    bool wanted = types.empty();
    for (const auto& t : types) wanted = wanted || t == type;
    if (wanted) names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TransformCase load_transform_case(const std::string& name) {
  const std::string dir = transforms_dir();
  if (dir.empty()) throw std::runtime_error("the transform oracle is absent");
  TransformCase c;
  c.name = name;
  c.spec = decode_oracle_value(read_json_file(dir + "/cases/" + name + ".json"));
  c.input = read_image(dir + "/" + find(c.spec, "input_image")->as_str(), cv::IMREAD_COLOR);
  c.expected = read_image(dir + "/" + find(c.spec, "output_image")->as_str(), cv::IMREAD_UNCHANGED);
  return c;
}

data::Results loaded_results(const TransformCase& c) {
  data::Results r;
  const Value shape = Value::tuple({Value(c.input.rows), Value(c.input.cols)});
  r.info.as_dict().set(Value("img_path"), *find(c.spec, "input_image"));
  r.set_img(pretrain::as_tensor(c.input.clone()));
  r.info.as_dict().set(Value("ori_shape"), shape);
  return r;
}

data::Results run_transform_case(const TransformCase& c) {
  registry::ScopeGuard scope("mmpretrain");
  data::TransformPtr t = data::build_transform(find(c.spec, "transform")->deep_copy());
  std::vector<std::pair<std::string, Value>> recorded;
  const Value* previous = nullptr;
  for (const Value& call : find(c.spec, "random_method_returns")->items()) {
    // The recorder wrapped some methods twice (RandomResizedCrop's and
    // EfficientNetRandomCrop's rand_crop_params appear twice in a row, same
    // image argument, same return, one set of raw draws): that is one call.
    // Calls without arguments (random_disable, ...) legitimately repeat.
    const Value& args = *find(call, "args");
    if (previous && !args.items().empty() && call.equals(*previous)) continue;
    previous = &call;
    recorded.emplace_back(find(call, "method")->as_str(), *find(call, "return"));
  }
  Rng rng(static_cast<std::uint64_t>(find(c.spec, "seed")->as_int()));
  rng.replay(std::move(recorded));
  data::Results r = loaded_results(c);
  const bool kept = t->transform(r, rng);
  EXPECT_TRUE(kept) << c.name << ": the transform dropped the sample";
  EXPECT_EQ(rng.replay_left(), 0u) << c.name << ": recorded random values left unused";
  return r;
}

void expect_matches_oracle(const TransformCase& c, const data::Results& got) {
  ASSERT_TRUE(got.has_img()) << c.name;
  torch::Tensor out = got.img().contiguous();
  ASSERT_EQ(out.scalar_type(), torch::kUInt8) << c.name << ": output dtype";
  const cv::Mat& exp = c.expected;
  std::vector<std::int64_t> exp_shape = {exp.rows, exp.cols};
  if (exp.channels() > 1) exp_shape.push_back(exp.channels());
  ASSERT_EQ(out.sizes().vec(), exp_shape) << c.name << ": output shape";
  torch::Tensor e = pretrain::as_tensor(exp).contiguous();
  torch::Tensor diff = (out.to(torch::kInt32) - e.to(torch::kInt32)).abs();

  const Value& tol = *find(c.spec, "tolerance");
  const double max_abs = find(tol, "max_abs")->as_number();
  torch::Tensor mask = torch::ones_like(diff, torch::kBool);
  if (const Value* lighting = find(c.spec, "lighting_out_of_range");
      lighting && !lighting->is_none()) {
    // Lighting wraps out-of-range floats without clipping: compare where the
    // expected value is safely inside [0, 255] (the README's rule, approximated
    // by excluding saturated outputs and their wrapped images).
    mask = (e > 0) & (e < 255);
  }
  torch::Tensor d = diff.masked_select(mask);
  const std::int64_t worst = d.numel() ? d.max().item<std::int64_t>() : 0;
  EXPECT_LE(worst, max_abs) << c.name << ": max |diff| " << worst;
  if (const Value* frac = find(tol, "max_frac_over_0")) {
    const double over = d.numel() ? d.gt(0).sum().item<double>() / d.numel() : 0;
    EXPECT_LE(over, frac->as_number()) << c.name << ": fraction of differing values " << over;
  }
  if (const Value* mean = find(tol, "mean_abs")) {
    const double m = d.numel() ? d.to(torch::kFloat64).mean().item<double>() : 0;
    EXPECT_LE(m, mean->as_number()) << c.name << ": mean |diff| " << m;
  }
}

void expect_results_after(const TransformCase& c, const data::Results& got) {
  const Value* after = find(c.spec, "results_after");
  if (!after || after->is_none()) return;
  for (const auto& [key, value] : after->as_dict().entries()) {
    const Value* mine = got.info.as_dict().find(key);
    if (!mine) {
      ADD_FAILURE() << c.name << ": results lack '" << key.as_str() << "' (expected "
                    << value.repr() << ")";
      continue;
    }
    EXPECT_TRUE(close_values(value, *mine))
        << c.name << ": results['" << key.as_str() << "'] = " << mine->repr() << ", expected "
        << value.repr();
  }
}

}  // namespace mmcpp::testing
