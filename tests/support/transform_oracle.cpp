#include "tests/support/transform_oracle.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <any>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/registry/registry.h"
#include "tests/support/oracle.h"

namespace mmcpp::testing {

using config::Value;
namespace fs = std::filesystem;

namespace {

std::string transforms_dir() { return oracle_dir("transforms"); }

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

// The README's Lighting rule: which output values had a float value in
// [0, 255] (computed from the case's transform, its recorded alpha draw and
// the input image).
torch::Tensor lighting_in_range_mask(const TransformCase& c) {
  const Value& t = *find(c.spec, "transform");
  std::vector<double> eigval;
  for (const Value& v : find(t, "eigval")->items()) eigval.push_back(v.as_number());
  std::vector<std::vector<double>> eigvec;
  for (const Value& row : find(t, "eigvec")->items()) {
    eigvec.emplace_back();
    for (const Value& v : row.items()) eigvec.back().push_back(v.as_number());
  }
  const Value* to_rgb_v = find(t, "to_rgb");
  const bool to_rgb = to_rgb_v && to_rgb_v->truthy();
  std::vector<double> alpha;
  for (const Value& draw : find(c.spec, "draws")->items()) {
    if (find(draw, "fn")->as_str() == "numpy.random.normal") {
      for (const Value& v : find(draw, "result")->items()) alpha.push_back(v.as_number());
    }
  }
  if (alpha.size() != eigval.size() || eigvec.size() != 3) {
    throw std::runtime_error(c.name + ": cannot recompute the Lighting values from the case");
  }
  torch::Tensor in = mmcpp::mmcv::as_tensor(c.input).to(torch::kFloat64);  // (H, W, 3) BGR
  if (to_rgb) in = in.flip(2);
  std::vector<double> alter(3, 0.0);
  for (std::size_t ch = 0; ch < 3; ++ch) {
    for (std::size_t i = 0; i < eigval.size(); ++i)
      alter[ch] += eigvec[ch][i] * alpha[i] * eigval[i];
  }
  torch::Tensor values = in + torch::tensor(alter, torch::kFloat64);
  return (values >= 0) & (values <= 255);
}

}  // namespace

std::vector<std::string> transform_case_names(const std::vector<std::string>& types) {
  std::vector<std::string> names;
  const std::string dir = transforms_dir();
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
  r.set_img(mmcpp::mmcv::as_tensor(c.input.clone()));
  r.info.as_dict().set(Value("ori_shape"), shape);
  return r;
}

data::Results run_transform_case(const TransformCase& c) {
  registry::ScopeGuard scope("mmpretrain");
  data::TransformPtr t = data::build_transform(find(c.spec, "transform")->deep_copy());
  std::vector<std::pair<std::string, std::any>> recorded;
  const Value* previous = nullptr;
  for (const Value& call : find(c.spec, "random_method_returns")->items()) {
    // The recorder wrapped some methods twice (RandomResizedCrop's and
    // EfficientNetRandomCrop's rand_crop_params appear twice in a row, same
    // image argument, same return, one set of raw draws): that is one call.
    // Calls without arguments (random_disable, ...) legitimately repeat.
    const Value& args = *find(call, "args");
    if (previous && !args.items().empty() && call.equals(*previous)) continue;
    previous = &call;
    recorded.emplace_back(find(call, "method")->as_str(), std::any(*find(call, "return")));
  }
  // Draws MMCV makes outside @cache_randomness methods, which our transforms
  // take through Rng::cached("numpy.random.<fn>"): mmcv.cutout's
  // np.random.uniform(img_h) / uniform(img_w) (one argument) and
  // adjust_lighting's np.random.normal(0, alphastd, n) (a size argument). In
  // the single-transform cases they follow every cached method's draws.
  if (const Value* draws = find(c.spec, "draws")) {
    for (const Value& draw : draws->items()) {
      const std::string fn = find(draw, "fn")->as_str();
      const std::size_t nargs = find(draw, "args")->items().size();
      if ((fn == "numpy.random.uniform" && nargs == 1) ||
          (fn == "numpy.random.normal" && nargs == 3)) {
        recorded.emplace_back(fn, std::any(*find(draw, "result")));
      }
    }
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
  torch::Tensor e = mmcpp::mmcv::as_tensor(exp).contiguous();
  torch::Tensor diff = (out.to(torch::kInt32) - e.to(torch::kInt32)).abs();

  const Value& tol = *find(c.spec, "tolerance");
  const double max_abs = find(tol, "max_abs")->as_number();
  torch::Tensor mask = torch::ones_like(diff, torch::kBool);
  if (const Value* lighting = find(c.spec, "lighting_out_of_range");
      lighting && !lighting->is_none()) {
    // Lighting casts without clipping, so out-of-range floats wrap: compare only
    // where the float value input + sum_i eigvec[:, i] * alpha_i * eigval_i lies
    // in [0, 255] (the README's rule).
    mask = lighting_in_range_mask(c);
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
