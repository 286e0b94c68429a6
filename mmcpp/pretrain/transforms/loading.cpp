#include "mmcpp/pretrain/transforms/loading.h"

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/io.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/transform_utils.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

// Only the local-disk backend exists here; say so for any other.
void check_backend(const Value& args, const char* key) {
  if (args.is_none()) return;
  if (!args.is_dict()) throw Error("TypeError", std::string(key) + " must be a dict or None");
  if (const Value* b = args.as_dict().find("backend")) {
    if (!b->is_str() || (b->as_str() != "local" && b->as_str() != "disk")) {
      throw Error("ValueError", std::string(key) + ": file backend " + b->repr() +
                                    " is not supported by mmcpp (only local files)");
    }
  }
}

}  // namespace

LoadImageFromFile::LoadImageFromFile(Options options, Env* env)
    : o_(std::move(options)), env_(env) {
  if (!o_.file_client_args.is_none() && !o_.backend_args.is_none()) {
    throw Error("ValueError",
                "\"file_client_args\" and \"backend_args\" cannot be set at the same time.");
  }
  check_backend(o_.file_client_args, "file_client_args");
  check_backend(o_.backend_args, "backend_args");
  mmcv::imread_flag(o_.color_type);  // validates
  if (o_.imdecode_backend != "cv2") {
    throw Error("ValueError", "imdecode_backend='" + o_.imdecode_backend +
                                  "' is not supported by mmcpp; only 'cv2' is");
  }
}

std::shared_ptr<LoadImageFromFile> LoadImageFromFile::from_config(registry::BuildArgs& args) {
  Options o;
  o.to_float32 = args.get_bool("to_float32", o.to_float32);
  o.color_type = args.get_str("color_type", o.color_type);
  o.imdecode_backend = args.get_str("imdecode_backend", o.imdecode_backend);
  o.file_client_args = args.value("file_client_args");
  o.ignore_empty = args.get_bool("ignore_empty", o.ignore_empty);
  o.backend_args = args.value("backend_args");
  return std::make_shared<LoadImageFromFile>(std::move(o));
}

bool LoadImageFromFile::transform(data::Results& results, Rng&) const {
  const Value* path_value = results.info.as_dict().find("img_path");
  if (!path_value)
    throw Error("KeyError", "'img_path': LoadImageFromFile needs results['img_path']");
  const std::string path = path_value->str();
  Env& env = env_ ? *env_ : Env::system();
  cv::Mat img;
  try {
    if (!env.exists(path) || env.is_dir(path)) {
      throw Error("FileNotFoundError", "[Errno 2] No such file or directory: '" + path + "'");
    }
    const std::string bytes = env.read_file(path);
    if (bytes.empty()) throw Error("ValueError", "the image file is empty: '" + path + "'");
    img = mmcv::imfrombytes(bytes, o_.color_type, "bgr", o_.imdecode_backend);
  } catch (const Error&) {
    if (o_.ignore_empty) return false;
    throw;
  }
  if (img.empty()) throw Error("AssertionError", "failed to load image: " + path);
  if (o_.to_float32) img.convertTo(img, CV_32F);
  store_image(results, img);
  results.info.as_dict().set(Value("ori_shape"), hw_of(results.img()));
  return true;
}

std::string LoadImageFromFile::repr() const {
  std::string s = "LoadImageFromFile(ignore_empty=" + py_bool(o_.ignore_empty) +
                  ", to_float32=" + py_bool(o_.to_float32) + ", color_type='" + o_.color_type +
                  "', imdecode_backend='" + o_.imdecode_backend + "', ";
  if (!o_.file_client_args.is_none())
    return s + "file_client_args=" + o_.file_client_args.repr() + ")";
  return s + "backend_args=" + o_.backend_args.repr() + ")";
}

MMCPP_REGISTER(TRANSFORMS, LoadImageFromFile, "dict(type='LoadImageFromFile')");

}  // namespace mmcpp::pretrain
