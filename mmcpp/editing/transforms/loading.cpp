#include "mmcpp/editing/transforms/loading.h"

#include <opencv2/core.hpp>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/io.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/cv/image/ycbcr.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/transforms/results_arrays.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;

LoadImageFromFile::LoadImageFromFile(LoadImageFromFileOptions o) : o_(std::move(o)) {
  if (o_.key.empty()) throw Error("ValueError", "LoadImageFromFile: `key` must not be empty");
  mmcv::imread_flag(o_.color_type);  // validates
  if (o_.imdecode_backend && *o_.imdecode_backend != "cv2")
    throw Error("ValueError", "LoadImageFromFile: imdecode_backend='" + *o_.imdecode_backend +
                                  "' is not supported by mmcpp; only 'cv2' (or None) is");
  if (!o_.backend_args.is_none()) {
    if (!o_.backend_args.is_dict())
      throw Error("TypeError", "LoadImageFromFile: backend_args must be a dict or None, got " +
                                   o_.backend_args.repr());
    if (const Value* b = o_.backend_args.as_dict().find("backend")) {
      if (!b->is_str() || (b->as_str() != "local" && b->as_str() != "disk"))
        throw Error("ValueError", "LoadImageFromFile: file backend " + b->repr() +
                                      " is not supported by mmcpp (only local files)");
    }
  }
}

std::shared_ptr<LoadImageFromFile> LoadImageFromFile::from_config(registry::BuildArgs& args) {
  LoadImageFromFileOptions o;
  o.key = args.require_str("key");
  o.color_type = args.get_str("color_type", o.color_type);
  o.channel_order = args.get_str("channel_order", o.channel_order);
  o.imdecode_backend = args.get_opt_str("imdecode_backend");
  o.use_cache = args.get_bool("use_cache", o.use_cache);
  o.to_float32 = args.get_bool("to_float32", o.to_float32);
  o.to_y_channel = args.get_bool("to_y_channel", o.to_y_channel);
  o.save_original_img = args.get_bool("save_original_img", o.save_original_img);
  o.backend_args = args.value("backend_args");
  return std::make_shared<LoadImageFromFile>(std::move(o));
}

std::string LoadImageFromFile::read_bytes(const std::string& path) const {
  if (o_.use_cache) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(path);
    if (it != cache_.end()) return it->second;
  }
  Env& env = Env::system();
  if (!env.exists(path) || env.is_dir(path))
    throw Error("FileNotFoundError", "[Errno 2] No such file or directory: '" + path + "'");
  std::string bytes = env.read_file(path);
  if (o_.use_cache) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    cache_.emplace(path, bytes);
  }
  return bytes;
}

bool LoadImageFromFile::transform(data::Results& results, Rng&) const {
  const std::string path_key = o_.key + "_path";
  const Value* path_value = results.info.as_dict().find(path_key);
  if (!path_value)
    throw Error("KeyError", "'" + path_key + "': LoadImageFromFile(key='" + o_.key +
                                "') needs results['" + path_key + "']");
  if (path_value->is_sequence())
    throw Error("NotImplementedError",
                "LoadImageFromFile: loading a list of frames ('" + path_key +
                    "' is a list) is not supported by mmcpp yet; give one path");
  const std::string path = path_value->str();
  const std::string bytes = read_bytes(path);
  if (bytes.empty()) throw Error("ValueError", "the image file is empty: '" + path + "'");
  cv::Mat img = mmcv::imfrombytes(bytes, o_.color_type, o_.channel_order, "cv2");
  if (img.empty())
    throw Error("ValueError", "failed to decode the image '" + path + "' (cv2.imdecode gave None)");
  if (o_.to_y_channel) {
    std::string order = o_.channel_order;
    for (auto& ch : order) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (order == "rgb")
      img = mmcv::rgb2ycbcr(img, true);
    else if (order == "bgr")
      img = mmcv::bgr2ycbcr(img, true);
    else
      throw Error("ValueError", "Currently support only \"bgr2ycbcr\" or \"bgr2ycbcr\".");
  }
  if (o_.to_float32) img.convertTo(img, CV_32F);
  torch::Tensor t = mmcv::as_tensor(img, /*keep_channel_axis=*/true);
  results.arrays[o_.key] = t;
  auto& info = results.info.as_dict();
  info.set(Value("ori_" + o_.key + "_shape"), shape_tuple(t));
  info.set(Value(o_.key + "_channel_order"), Value(o_.channel_order));
  info.set(Value(o_.key + "_color_type"), Value(o_.color_type));
  if (o_.save_original_img) results.arrays["ori_" + o_.key] = t.clone();
  return true;
}

std::string LoadImageFromFile::repr() const {
  return "LoadImageFromFile(key=" + o_.key + ", color_type=" + o_.color_type +
         ", channel_order=" + o_.channel_order +
         ", imdecode_backend=" + (o_.imdecode_backend ? *o_.imdecode_backend : "None") +
         ", use_cache=" + py_bool(o_.use_cache) + ", to_float32=" + py_bool(o_.to_float32) +
         ", to_y_channel=" + py_bool(o_.to_y_channel) +
         ", save_original_img=" + py_bool(o_.save_original_img) +
         ", backend_args=" + (o_.backend_args.is_none() ? "None" : o_.backend_args.repr()) + ")";
}

MMCPP_REGISTER(TRANSFORMS, LoadImageFromFile, "dict(type='LoadImageFromFile', key='img')");

}  // namespace mmcpp::editing
