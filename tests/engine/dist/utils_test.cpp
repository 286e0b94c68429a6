#include "mmcpp/engine/dist/utils.h"

#include <gtest/gtest.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"

namespace mmcpp::dist {
namespace {

config::Value parse(const std::string& text) {
  return config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

// The error an expression throws: "Kind: message".
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind() + ": " + e.what();
  }
  return "no error";
}

EnvMap torchrun_env() {
  return {{"RANK", "3"},
          {"WORLD_SIZE", "4"},
          {"LOCAL_RANK", "1"},
          {"LOCAL_WORLD_SIZE", "2"},
          {"MASTER_ADDR", "10.0.0.1"},
          {"MASTER_PORT", "29511"}};
}

TEST(DistUtils, PytorchLauncherReadsTorchrunVariables) {
  LaunchEnv e = parse_launch_env("pytorch", torchrun_env());
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.local_world_size, 2);
  EXPECT_EQ(e.master_addr, "10.0.0.1");
  EXPECT_EQ(e.master_port, 29511);
  EXPECT_FALSE(e.use_agent_store);
  EnvMap agent = torchrun_env();
  agent["TORCHELASTIC_USE_AGENT_STORE"] = "True";
  agent["TORCHELASTIC_RESTART_COUNT"] = "2";
  LaunchEnv a = parse_launch_env("pytorch", agent);
  EXPECT_TRUE(a.use_agent_store);
  EXPECT_EQ(a.restart_count, 2);
}

TEST(DistUtils, MissingOrBadVariablesAreClearErrors) {
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"}) {
    EnvMap env = torchrun_env();
    env.erase(name);
    std::string err = error_of([&] { parse_launch_env("pytorch", env); });
    EXPECT_NE(err.find(std::string("KeyError: launcher='pytorch' needs the environment variable ") +
                       name),
              std::string::npos)
        << err;
  }
  for (const char* port : {"abc", "0", "70000", "29500x", ""}) {
    EnvMap env = torchrun_env();
    env["MASTER_PORT"] = port;
    std::string err = error_of([&] { parse_launch_env("pytorch", env); });
    EXPECT_NE(err.find("MASTER_PORT"), std::string::npos) << port << ": " << err;
  }
  EnvMap env = torchrun_env();
  env["RANK"] = "4";
  EXPECT_NE(error_of([&] {
              parse_launch_env("pytorch", env);
            }).find("ValueError: launcher='pytorch': rank 4 is not below the world size 4"),
            std::string::npos);
  env = torchrun_env();
  env["LOCAL_RANK"] = "2";
  EXPECT_NE(error_of([&] { parse_launch_env("pytorch", env); }).find("local rank 2"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_launch_env("ssh", torchrun_env());
            }).find("ValueError: Invalid launcher type: ssh"),
            std::string::npos);
}

TEST(DistUtils, SlurmLauncher) {
  EnvMap env = {{"SLURM_PROCID", "5"},
                {"SLURM_NTASKS", "8"},
                {"SLURM_NODELIST", "gpu-node[07-10,12],login1"},
                {"SLURM_LOCALID", "1"},
                {"SLURM_NTASKS_PER_NODE", "4(x2)"}};
  LaunchEnv e = parse_launch_env("slurm", env);
  EXPECT_EQ(e.rank, 5);
  EXPECT_EQ(e.world_size, 8);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.local_world_size, 4);
  EXPECT_EQ(e.master_addr, "gpu-node07");
  EXPECT_EQ(e.master_port, 29500);  // MMEngine's default
  env["MASTER_PORT"] = "12345";
  EXPECT_EQ(parse_launch_env("slurm", env).master_port, 12345);
  EXPECT_EQ(parse_launch_env("slurm", env, 23456).master_port, 23456);  // dist_cfg.port wins
  env["MASTER_ADDR"] = "10.1.2.3";
  EXPECT_EQ(parse_launch_env("slurm", env).master_addr, "10.1.2.3");
  env.erase("SLURM_NODELIST");
  EXPECT_NE(error_of([&] { parse_launch_env("slurm", env); }).find("SLURM_NODELIST"),
            std::string::npos);
}

TEST(DistUtils, SlurmFirstHost) {
  EXPECT_EQ(slurm_first_host("node1"), "node1");
  EXPECT_EQ(slurm_first_host("node1,node2"), "node1");
  EXPECT_EQ(slurm_first_host("node[003-005],other"), "node003");
  EXPECT_EQ(slurm_first_host("rack[2-3]-gpu[1,4]"), "rack2-gpu1");
  EXPECT_THROW(slurm_first_host("node[1-2"), Error);
}

TEST(DistUtils, MpiLauncher) {
  EnvMap env = {{"OMPI_COMM_WORLD_RANK", "1"},
                {"OMPI_COMM_WORLD_SIZE", "2"},
                {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                {"MASTER_ADDR", "127.0.0.1"}};
  LaunchEnv e = parse_launch_env("mpi", env);
  EXPECT_EQ(e.rank, 1);
  EXPECT_EQ(e.world_size, 2);
  EXPECT_EQ(e.master_port, 29500);
  env.erase("MASTER_ADDR");
  EXPECT_NE(error_of([&] { parse_launch_env("mpi", env); }).find("MASTER_ADDR"), std::string::npos);
}

TEST(DistUtils, InferLauncher) {
  EXPECT_EQ(infer_launcher({{"WORLD_SIZE", "2"}}), "pytorch");
  EXPECT_EQ(infer_launcher({{"SLURM_NTASKS", "2"}}), "slurm");
  EXPECT_EQ(infer_launcher({{"OMPI_COMM_WORLD_LOCAL_RANK", "0"}}), "mpi");
  EXPECT_EQ(infer_launcher({}), "none");
}

TEST(DistUtils, DistCfg) {
  DistConfig d = parse_dist_cfg(parse("dict(backend='gloo', timeout=90)"));
  EXPECT_EQ(d.backend, "gloo");
  EXPECT_EQ(d.timeout.count(), 90000);
  EXPECT_EQ(parse_dist_cfg(config::Value()).backend, "nccl");
  EXPECT_EQ(parse_dist_cfg(parse("dict(timeout=0.5)")).timeout.count(), 500);
  EXPECT_EQ(*parse_dist_cfg(parse("dict(port=1234)")).port, 1234);
  EXPECT_NE(error_of([] { parse_dist_cfg(parse("dict(timeout='1800')")); })
                .find("TypeError: Timeout for distributed training must be provided as timeout "
                      "in seconds"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_dist_cfg(parse("dict(backend='mpi')")); }).find("'mpi'"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_dist_cfg(parse("dict(init_method='tcp://x')"));
            }).find("NotImplementedError: env_cfg.dist_cfg.init_method"),
            std::string::npos);
}

}  // namespace
}  // namespace mmcpp::dist
