// libFuzzer target for the checkpoint reader (mmcpp/io).
//
// The input is fed three ways: as a bare pickle to the safe unpickler (with a
// storage context that hands out small float storages), as the bytes of a .pth
// file to load_pth_bytes (zip, legacy or garbage), and as a plain pickle with
// tensors pickled by value. Whatever loads is printed with repr(), re-pickled
// as torch.save would and unpickled again: what we write we must be able to
// read. Invalid input must end in an mmcpp::Error; any other exception, a
// crash, a sanitizer report, a hang or runaway memory is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>

#include <ATen/ops/empty.h>

#include "mmcpp/core/error.h"
#include "mmcpp/io/dtypes.h"
#include "mmcpp/io/pickle_reader.h"
#include "mmcpp/io/pickle_writer.h"
#include "mmcpp/io/pth_reader.h"

namespace {

namespace io = mmcpp::io;

// Storages for persistent ids ('storage', type, key, location, numel): up to
// 64 floats each, shared by key like torch.load does.
io::PickleOptions fake_storages(std::unordered_map<std::string, io::PyObject>& cache) {
  io::PickleOptions options;
  options.persistent_load = [&cache](const io::PyObject& pid) {
    std::string key = pid.repr(2, 8);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    std::int64_t n = 8;
    if (pid.is_tuple() && pid.size() >= 5 && pid.at(4).is_int())
      n = std::max<std::int64_t>(0, std::min<std::int64_t>(64, pid.at(4).as_int()));
    io::PyObject t = io::PyObject::tensor(at::empty({n}, at::kFloat).fill_(1.0));
    cache.emplace(key, t);
    return t;
  };
  return options;
}

// Re-pickles a loaded value and reads it back; aborts if our own output is refused.
void round_trip(const io::PyObject& value) {
  io::TorchPickle pickled;
  try {
    pickled = io::pickle_for_torch_save(value);
  } catch (const mmcpp::Error&) {
    return;  // values torch.save cannot write (e.g. a plain dict with attributes)
  }
  std::unordered_map<std::string, io::PyObject> storages;
  for (const auto& [key, storage] : pickled.storages) {
    at::Tensor flat = at::empty({0}, at::kByte);
    flat.set_(storage, 0, {static_cast<std::int64_t>(storage.nbytes())}, {1});
    storages.emplace(key, io::PyObject::tensor(flat));
  }
  io::PickleOptions options;
  options.persistent_load = [&](const io::PyObject& pid) {
    const io::PyObject& flat = storages.at(pid.at(2).as_str());
    auto dtype = io::storage_type_to_dtype(pid.at(1).as_global().name);
    at::Tensor t = at::empty({0}, at::TensorOptions().dtype(*dtype));
    t.set_(flat.as_tensor().storage(), 0, {pid.at(4).as_int()}, {1});
    return io::PyObject::tensor(t);
  };
  try {
    (void)io::unpickle(pickled.data_pkl, "<round trip>", options).repr();
  } catch (const mmcpp::Error& e) {
    std::fprintf(stderr, "re-pickled value was refused: %s\n", e.what());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  try {
    std::unordered_map<std::string, io::PyObject> cache;
    io::PyObject v = io::unpickle(bytes, "<fuzz>", fake_storages(cache));
    (void)v.repr();
    round_trip(v);
  } catch (const mmcpp::Error&) {
  }

  try {
    io::PyObject v = io::load_pth_bytes(bytes, "<fuzz.pth>");
    (void)v.repr();
    round_trip(v);
  } catch (const mmcpp::Error&) {
  }

  try {
    (void)io::load_pickle(bytes, "<fuzz.pkl>").repr();
  } catch (const mmcpp::Error&) {
  }
  return 0;
}
