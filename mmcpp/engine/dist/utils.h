// mmengine/dist/utils.py: the launch environment and init_dist's options.
//
// init_dist(launcher, **dist_cfg) reads who this process is from the variables
// its launcher set:
//   pytorch (torchrun, torch.distributed.launch, `mmcpp dist-train`): RANK,
//     WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (LOCAL_WORLD_SIZE when set);
//   slurm (srun): SLURM_PROCID, SLURM_NTASKS, SLURM_NODELIST (its first host is the
//     master unless MASTER_ADDR is set), SLURM_LOCALID; MASTER_PORT from
//     dist_cfg.port, else the environment, else 29500;
//   mpi (mpirun): OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE,
//     OMPI_COMM_WORLD_LOCAL_RANK, MASTER_ADDR (required), MASTER_PORT (else 29500).
// Everything is checked here, before the Runner writes any file: a missing or
// malformed variable is a KeyError/ValueError naming it and the launcher.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "mmcpp/config/value.h"

namespace mmcpp::dist {

using EnvMap = std::map<std::string, std::string>;

// The variables of this process (environ).
EnvMap process_environment();

// MMEngine's infer_launcher: 'pytorch' when WORLD_SIZE is set, 'slurm' with
// SLURM_NTASKS, 'mpi' with OMPI_COMM_WORLD_LOCAL_RANK, else 'none'.
std::string infer_launcher(const EnvMap& env);

// Who this process is, as its launcher said.
struct LaunchEnv {
  std::string launcher;
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = -1;  // -1: not given (LOCAL_WORLD_SIZE / SLURM_NTASKS_PER_NODE)
  std::string master_addr;
  int master_port = 29500;
  // torchrun's agent hosts the store (TORCHELASTIC_USE_AGENT_STORE=True): every
  // rank connects as a client, under the prefix /worker/attempt_<restart_count>.
  bool use_agent_store = false;
  int restart_count = 0;
};

// Reads and checks the launch variables of `launcher` ('pytorch', 'slurm' or
// 'mpi'). `port` is dist_cfg's `port` (slurm only).
LaunchEnv parse_launch_env(const std::string& launcher, const EnvMap& env,
                           std::optional<int> port = std::nullopt);

// The first host of a Slurm node list ("node[03-05,9],gpu1" -> "node03"), as
// `scontrol show hostname LIST | head -n1` prints it.
std::string slurm_first_host(const std::string& nodelist);

// env_cfg.dist_cfg: init_dist's keyword arguments.
struct DistConfig {
  std::string backend = "nccl";  // MMEngine's default; 'gloo' on the CPU
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};  // torch's default
  std::optional<int> port;                                      // slurm's master port
};

// Reads dict(backend=..., timeout=seconds, port=..., init_backend='torch');
// any other key is a NotImplementedError naming it.
DistConfig parse_dist_cfg(const config::Value& dist_cfg);

}  // namespace mmcpp::dist
