#include "mmcpp/engine/model/python_class.h"

#include <c10/util/Type.h>

#include <map>
#include <typeinfo>

namespace mmcpp::engine {

namespace {

// torch.nn classes: LibTorch's name -> (PyTorch's name, its direct bases).
const std::map<std::string, PythonClass>& torch_classes() {
  static const std::map<std::string, PythonClass> table = [] {
    std::map<std::string, PythonClass> t;
    auto add = [&](const std::string& name, std::vector<std::string> bases) {
      t["torch::nn::" + name + "Impl"] = PythonClass{name, std::move(bases)};
    };
    for (const char* d : {"1d", "2d", "3d"}) {
      std::string s = d;
      add("Conv" + s, {"_ConvNd"});
      add("ConvTranspose" + s, {"_ConvTransposeNd"});
      add("BatchNorm" + s, {"_BatchNorm"});
      add("InstanceNorm" + s, {"_InstanceNorm"});
      add("AvgPool" + s, {"_AvgPoolNd"});
      add("MaxPool" + s, {"_MaxPoolNd"});
      add("AdaptiveAvgPool" + s, {"_AdaptiveAvgPoolNd"});
      add("AdaptiveMaxPool" + s, {"_AdaptiveMaxPoolNd"});
      add("ReflectionPad" + s, {"_ReflectionPadNd"});
      add("ReplicationPad" + s, {"_ReplicationPadNd"});
      add("ConstantPad" + s, {"_ConstantPadNd"});
    }
    add("ZeroPad2d", {"ConstantPad2d"});
    add("GroupNorm", {"Module"});
    add("LayerNorm", {"Module"});
    add("LocalResponseNorm", {"Module"});
    add("Linear", {"Module"});
    add("Bilinear", {"Module"});
    add("Identity", {"Module"});
    add("Flatten", {"Module"});
    add("Unflatten", {"Module"});
    add("Embedding", {"Module"});
    add("Sequential", {"Module"});
    add("ModuleList", {"Module"});
    add("ModuleDict", {"Module"});
    add("ParameterList", {"Module"});
    add("ParameterDict", {"Module"});
    add("Upsample", {"Module"});
    add("PixelShuffle", {"Module"});
    add("PixelUnshuffle", {"Module"});
    add("Dropout", {"_DropoutNd"});
    add("Dropout2d", {"_DropoutNd"});
    add("Dropout3d", {"_DropoutNd"});
    add("AlphaDropout", {"_DropoutNd"});
    add("MultiheadAttention", {"Module"});
    for (const char* a :
         {"ReLU",       "LeakyReLU",  "PReLU",      "RReLU",    "ELU",       "SELU",
          "CELU",       "GELU",       "SiLU",       "Mish",     "Sigmoid",   "Tanh",
          "Hardtanh",   "Hardshrink", "Softshrink", "Softplus", "Softsign",  "Tanhshrink",
          "LogSigmoid", "Softmax",    "LogSoftmax", "Softmin",  "Threshold", "GLU"})
      add(a, {"Module"});
    add("ReLU6", {"Hardtanh"});
    return t;
  }();
  return table;
}

// Bases of PyTorch's abstract classes (for python_isinstance).
const std::map<std::string, std::vector<std::string>>& torch_bases() {
  static const std::map<std::string, std::vector<std::string>> table = [] {
    std::map<std::string, std::vector<std::string>> t;
    for (const auto& [cpp, cls] : torch_classes()) t[cls.name] = cls.bases;
    t["_ConvNd"] = {"Module"};
    t["_ConvTransposeNd"] = {"_ConvNd"};
    t["_NormBase"] = {"Module"};
    t["_BatchNorm"] = {"_NormBase"};
    t["SyncBatchNorm"] = {"_BatchNorm"};
    t["_InstanceNorm"] = {"_NormBase"};
    t["_AvgPoolNd"] = {"Module"};
    t["_MaxPoolNd"] = {"Module"};
    t["_AdaptiveAvgPoolNd"] = {"Module"};
    t["_AdaptiveMaxPoolNd"] = {"Module"};
    t["_ReflectionPadNd"] = {"Module"};
    t["_ReplicationPadNd"] = {"Module"};
    t["_ConstantPadNd"] = {"Module"};
    t["_DropoutNd"] = {"Module"};
    t["BaseModule"] = {"Module"};
    t["BaseModel"] = {"BaseModule"};
    t["Module"] = {};
    return t;
  }();
  return table;
}

}  // namespace

std::string cpp_class_name(const torch::nn::Module& module) {
  std::string name = c10::demangle(typeid(module).name());
  // Drop template arguments and namespaces.
  if (std::size_t lt = name.find('<'); lt != std::string::npos) name = name.substr(0, lt);
  if (std::size_t colon = name.rfind("::"); colon != std::string::npos)
    name = name.substr(colon + 2);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0)
    name = name.substr(0, name.size() - 4);
  return name;
}

PythonClass python_class_of(const torch::nn::Module& module) {
  if (const auto* declared = dynamic_cast<const DeclaresPythonClass*>(&module))
    return declared->python_class();
  const auto& table = torch_classes();
  auto it = table.find(c10::demangle(typeid(module).name()));
  if (it != table.end()) return it->second;
  return PythonClass{cpp_class_name(module), {"Module"}};
}

bool python_isinstance(const torch::nn::Module& module, const std::string& class_name) {
  PythonClass cls = python_class_of(module);
  if (cls.name == class_name) return true;
  std::vector<std::string> todo = cls.bases;
  const auto& bases = torch_bases();
  for (std::size_t i = 0; i < todo.size() && i < 64; ++i) {
    if (todo[i] == class_name) return true;
    auto it = bases.find(todo[i]);
    if (it != bases.end()) todo.insert(todo.end(), it->second.begin(), it->second.end());
  }
  return false;
}

}  // namespace mmcpp::engine
