#include "mmcpp/engine/runner/rng_state.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <mutex>

#include "mmcpp/core/error.h"

namespace mmcpp::engine {
namespace {

int cuda_device_count() {
  return at::globalContext().hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0;
}

at::Generator cuda_generator(int device) {
  return at::globalContext().defaultGenerator(
      c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(device)));
}

at::Tensor state_of(at::Generator gen) {
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_state(at::Generator gen, const at::Tensor& state) {
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

}  // namespace

void save_generator_states(io::PyObject& meta) {
  meta.as_dict().set("rng_state",
                     io::PyObject::tensor(state_of(at::detail::getDefaultCPUGenerator())));
  const int n = cuda_device_count();
  if (n == 0) return;
  io::PyObject states = io::PyObject::list();
  for (int d = 0; d < n; ++d)
    states.items().push_back(io::PyObject::tensor(state_of(cuda_generator(d))));
  meta.as_dict().set("cuda_rng_state", states);
}

std::vector<std::string> restore_generator_states(const io::PyObject& meta) {
  std::vector<std::string> warnings;
  if (const io::PyObject* cpu = meta.find("rng_state")) {
    if (!cpu->is_tensor())
      throw Error("TypeError",
                  "the checkpoint's meta['rng_state'] should be a tensor, got " + cpu->type_name());
    set_state(at::detail::getDefaultCPUGenerator(), cpu->as_tensor());
  }
  if (const io::PyObject* cuda = meta.find("cuda_rng_state")) {
    if (!cuda->is_list() && !cuda->is_tuple())
      throw Error("TypeError", "the checkpoint's meta['cuda_rng_state'] should be a list, got " +
                                   cuda->type_name());
    const int here = cuda_device_count();
    const auto saved = static_cast<int>(cuda->size());
    for (int d = 0; d < saved && d < here; ++d) {
      const io::PyObject& s = cuda->at(d);
      if (!s.is_tensor())
        throw Error("TypeError", "the checkpoint's meta['cuda_rng_state'][" + std::to_string(d) +
                                     "] should be a tensor, got " + s.type_name());
      set_state(cuda_generator(d), s.as_tensor());
    }
    if (saved > here)
      warnings.push_back("The checkpoint holds the CUDA random generator states of " +
                         std::to_string(saved) + " device(s) but this process has " +
                         std::to_string(here) +
                         "; the others are not restored, so random draws on CUDA will differ "
                         "from the interrupted run");
  }
  return warnings;
}

}  // namespace mmcpp::engine
