// The random generators a resumed run continues from (mmcpp's addition to
// MMEngine's checkpoint meta, which saves none).
//
// Saved under the checkpoint's `meta`:
//   rng_state       LibTorch's default CPU generator (torch.get_rng_state())
//   cuda_rng_state  the default generator of every CUDA device, in device order
//                   (torch.cuda.get_rng_state_all()); only when CUDA is present
// mmcpp's own random streams (transforms, batch augments, samplers) keep no
// state between iterations: each draw comes from an Rng seeded by (run seed,
// epoch, index), so restoring meta['seed'] into the loaders (Runner::resume)
// restores them all. The code reaches CUDA only through ATen's hooks, so it
// builds and runs against a CPU-only LibTorch too.
#pragma once

#include <string>
#include <vector>

#include "mmcpp/io/py_object.h"

namespace mmcpp::engine {

// Adds rng_state (and cuda_rng_state with CUDA) to the `meta` dict.
void save_generator_states(io::PyObject& meta);

// Restores what `meta` holds. Returns warnings for states that cannot be
// restored here (CUDA states of devices this process does not have).
std::vector<std::string> restore_generator_states(const io::PyObject& meta);

}  // namespace mmcpp::engine
