// BaseEditModel + its generator against MMagic (MMCPP_ORACLE_DIR/editing/models):
// for every case folder, the model built from config.py has MMagic's state-dict
// keys and shapes; from init_checkpoint.pth the data preprocessor's outputs are
// exact, the tensor forward matches, one real train step (L1 loss, gradients,
// Adam) matches checkpoint.pth; from checkpoint.pth the forward and the
// predict-mode DataSamples (pred_img, input, gt_img, metainfo) match.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <functional>

#include "mmcpp/config/config.h"
#include "mmcpp/editing/models/base_models/base_edit_model.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/registry/registry.h"
#include "tests/editing/editing_oracle.h"

namespace mmcpp::editing {
namespace {

using config::Value;
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

std::shared_ptr<BaseEditModel> build_model(const fs::path& dir) {
  config::Config c = config::Config::fromfile((dir / "config.py").string());
  registry::ScopeGuard scope("mmagic");
  auto m = std::dynamic_pointer_cast<BaseEditModel>(MODELS().build(*c.get("model")));
  EXPECT_NE(m, nullptr);
  return m;
}

// The val pipeline's packed batch: uint8 RGB inputs and gt, MMagic's metainfo.
data::DataBatch make_batch(const fs::path& dir, const json& out) {
  torch::Tensor in = testing::read_bin(dir / "input_raw.bin");
  torch::Tensor gt = testing::read_bin(dir / "gt_raw.bin");
  data::DataBatch batch;
  Value meta0 = testing::decode_oracle_value(out["packed_metainfo_sample0"]);
  for (std::int64_t i = 0; i < in.size(0); ++i) {
    batch.input_list.push_back(in[i].contiguous());
    auto s = std::make_shared<DataSample>();
    s->metainfo() = meta0.deep_copy();
    s->set_metainfo("sample_idx", Value(i));
    s->set("gt_img", gt[i].contiguous());
    batch.data_samples.push_back(s);
  }
  return batch;
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

void expect_close(const torch::Tensor& got, const torch::Tensor& want, double tol,
                  const std::string& what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  double d = max_abs(got.to(torch::kDouble) - want.to(torch::kDouble));
  EXPECT_LE(d, tol) << what;
}

torch::Tensor stacked(const data::DataSamples& samples, const std::string& key) {
  std::vector<torch::Tensor> v;
  for (const auto& s : samples) v.push_back(s->get(key));
  return torch::stack(v);
}

TEST(EditingModelsOracle, EveryCaseMatchesMMagic) {
  const fs::path root = testing::editing_dir() / "models";
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root))
    if (fs::exists(e.path() / "config.py")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  ASSERT_FALSE(dirs.empty()) << "no model cases under " << root;
  for (const fs::path& dir : dirs) {
    SCOPED_TRACE(dir.filename().string());
    const json out = testing::read_json_file((dir / "outputs.json").string());
    auto model = build_model(dir);
    ASSERT_NE(model, nullptr);

    // State-dict keys and shapes.
    io::PyObject sd = engine::model_state_dict(*model);
    const json keys = testing::read_json_file((dir / "keys.json").string());
    ASSERT_EQ(sd.as_dict().entries().size(), keys.size());
    std::size_t i = 0;
    for (const auto& [k, v] : sd.as_dict().entries()) {
      EXPECT_EQ(k.as_str(), keys[i]["key"].get<std::string>());
      EXPECT_EQ(v.as_tensor().sizes().vec(), keys[i]["shape"].get<std::vector<std::int64_t>>())
          << k.as_str();
      ++i;
    }

    engine::load_model_state_dict(
        *model, engine::read_checkpoint((dir / "init_checkpoint.pth").string()), true);
    const data::DataBatch batch = make_batch(dir, out);

    // Preprocessor: exact.
    data::DataBatch train_data = model->data_preprocessor().forward(batch, true);
    EXPECT_TRUE(torch::equal(train_data.inputs, testing::read_bin(dir / "input.bin")));
    EXPECT_TRUE(torch::equal(stacked(train_data.data_samples, "gt_img"),
                             testing::read_bin(dir / "gt_train.bin")));
    data::DataBatch eval_data = model->data_preprocessor().forward(batch, false);
    EXPECT_TRUE(torch::equal(eval_data.inputs, testing::read_bin(dir / "input.bin")));
    EXPECT_TRUE(torch::equal(stacked(eval_data.data_samples, "gt_img"),
                             testing::read_bin(dir / "gt_eval.bin")));

    // Initial forward.
    {
      torch::NoGradGuard ng;
      torch::Tensor want = testing::read_bin(dir / "init_eval_tensor.bin");
      torch::Tensor got = model->forward(eval_data, engine::ForwardMode::Tensor).tensors.at(0);
      expect_close(got, want, 1e-5 * max_abs(want) + 1e-6, "init_eval_tensor");
    }

    // One train step with the oracle's optimizer.
    model->train();
    auto wrapper = engine::build_optim_wrapper(
        *model, testing::decode_oracle_value(out["train"]["optim_wrapper"]));
    engine::NamedTensors losses;
    {
      data::DataBatch d = model->data_preprocessor().forward(batch, true);
      losses = model->forward(d, engine::ForwardMode::Loss).losses;
    }
    auto [loss, log_vars] = model->parse_losses(losses);
    torch::Tensor want_loss = testing::read_bin(dir / "train_loss.bin");
    EXPECT_NEAR(loss.item<double>(), want_loss.item<double>(),
                1e-5 * std::abs(want_loss.item<double>()));
    wrapper->backward(loss);
    std::map<std::string, torch::Tensor> params;
    for (const auto& p : model->named_parameters()) params[p.key()] = p.value();
    for (const auto& [name, spec] : out["train"]["grads"].items()) {
      torch::Tensor want = testing::read_bin(dir / spec["file"].get<std::string>());
      ASSERT_TRUE(params.count(name)) << name;
      torch::Tensor got = params[name].grad();
      ASSERT_TRUE(got.defined()) << name;
      double m = out["float32_vs_float64"]["grads"][name]["max_abs"].get<double>();
      torch::Tensor tol = std::max(1e-4 * max_abs(want), 10 * m) + 1e-3 * want.abs();
      EXPECT_TRUE(((got - want).abs() <= tol).all().item<bool>())
          << name << ": max diff " << max_abs(got - want);
    }
    wrapper->step();
    wrapper->zero_grad();
    io::PyObject ckpt = engine::read_checkpoint((dir / "checkpoint.pth").string());
    for (const auto& [k, v] : ckpt.get("state_dict").as_dict().entries()) {
      ASSERT_TRUE(params.count(k.as_str())) << k.as_str();
      expect_close(params[k.as_str()].detach(), v.as_tensor(), 1e-5, "after step " + k.as_str());
    }
    // Adam's moments.
    engine::OptimizerStateDict want_state = engine::optim_state_from_py(ckpt.get("optimizer"));
    engine::OptimizerStateDict got_state = wrapper->state_dict();
    ASSERT_EQ(want_state.state.size(), got_state.state.size());
    for (const auto& [idx, bufs] : want_state.state) {
      for (const auto& [bname, t] : bufs) {
        if (bname == "step") continue;
        torch::Tensor g;
        for (const auto& [gname, gt] : got_state.state.at(idx))
          if (gname == bname) g = gt;
        ASSERT_TRUE(g.defined()) << idx << " " << bname;
        torch::Tensor w = bname == "exp_avg_sq" ? t.sqrt() : t;
        torch::Tensor a = bname == "exp_avg_sq" ? g.sqrt() : g;
        // Same scale as the gradient tolerance, from the moment itself.
        torch::Tensor tol = 1e-4 * max_abs(w) + 1e-3 * w.abs() + 1e-12;
        EXPECT_TRUE(((a - w).abs() <= tol * 10).all().item<bool>()) << idx << " " << bname;
      }
    }

    // From checkpoint.pth: forward and predict.
    auto fresh = build_model(dir);
    engine::load_model_state_dict(*fresh, ckpt, true);
    fresh->eval();
    torch::NoGradGuard ng;
    torch::Tensor want = testing::read_bin(dir / "eval_tensor.bin");
    data::DataBatch e = fresh->data_preprocessor().forward(batch, false);
    expect_close(fresh->forward(e, engine::ForwardMode::Tensor).tensors.at(0), want,
                 1e-5 * max_abs(want) + 1e-6, "eval_tensor");
    data::DataSamples preds = fresh->val_step(batch);
    ASSERT_EQ(static_cast<std::int64_t>(preds.size()),
              out["eval"]["predict_len"].get<std::int64_t>());
    std::vector<torch::Tensor> pred_img, input, gt;
    for (const auto& p : preds) {
      const DataSamplePtr& s = p;
      ASSERT_TRUE(s && has_output(*s));
      pred_img.push_back(output_field(*s, "pred_img"));
      input.push_back(s->get("input"));
      gt.push_back(s->get("gt_img"));
      EXPECT_EQ(output_field(*s, "pred_img").scalar_type(), torch::kFloat);
    }
    expect_close(torch::stack(pred_img), testing::read_bin(dir / "predict_pred_img.bin"),
                 1e-5 * 255, "predict_pred_img");
    EXPECT_TRUE(torch::equal(torch::stack(input), testing::read_bin(dir / "predict_input.bin")));
    EXPECT_TRUE(torch::equal(torch::stack(gt), testing::read_bin(dir / "predict_gt_img.bin")));
    // Sample 0's metainfo: same keys; tensors compared by value.
    Value want_meta = testing::decode_oracle_value(out["eval"]["predict_sample0_metainfo"]);
    const Value& got_meta = preds[0]->metainfo();
    for (const auto& [k, v] : want_meta.as_dict().entries()) {
      const Value* g = got_meta.as_dict().find(k);
      ASSERT_NE(g, nullptr) << "metainfo " << k.str();
      const json& raw = out["eval"]["predict_sample0_metainfo"][k.str()];
      if (raw.is_object() && raw.contains("__tensor__")) {
        std::vector<double> flat;
        std::function<void(const json&)> walk = [&](const json& j) {
          if (j.is_array())
            for (const auto& x : j) walk(x);
          else
            flat.push_back(j.get<double>());
        };
        walk(raw["__tensor__"]["data"]);
        ASSERT_TRUE(g->is_sequence()) << k.str();
        ASSERT_EQ(g->items().size(), flat.size()) << k.str();
        for (std::size_t j = 0; j < flat.size(); ++j)
          EXPECT_EQ(g->items()[j].as_number(), flat[j]) << k.str();
      } else {
        EXPECT_EQ(testing::strict_diff(v, *g, k.str()), "");
      }
    }
    EXPECT_EQ(got_meta.as_dict().size(), want_meta.as_dict().size());
  }
}

}  // namespace
}  // namespace mmcpp::editing
