// Worker threads and the intra-op pool: a thread that calls
// use_one_intra_op_thread() runs LibTorch ops alone without touching other
// threads' settings; WorkerThreadsScope calls hooks on the first open and last
// close; a DataLoader with workers does both, and one without does neither.
#include <gtest/gtest.h>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mmcpp/core/threads.h"
#include "mmcpp/data/collate.h"
#include "mmcpp/data/dataloader.h"

namespace mmcpp {
namespace {

// Restores the main thread's (and new threads') intra-op count after a test.
struct IntraOpCount {
  int saved = at::get_num_threads();
  ~IntraOpCount() { at::set_num_threads(saved); }
};

TEST(UseOneIntraOpThread, LimitsOnlyTheCallingThread) {
  IntraOpCount restore;
  at::set_num_threads(4);  // as on a 4-core machine, whatever this one has
  int before = 0, after = 0, after_op = 0, inside_parallel_for = 0;
  std::thread worker([&] {
    before = at::get_num_threads();
    after = use_one_intra_op_thread();
    // A LibTorch op big enough to go parallel, then LibTorch's own parallel_for:
    // neither may re-initialise the thread's count.
    torch::Tensor t = torch::rand({1 << 20});
    (t * 2).sum();
    at::parallel_for(0, 1 << 20, 1, [&](std::int64_t, std::int64_t) {
      inside_parallel_for = std::max(inside_parallel_for, at::get_num_threads());
    });
    after_op = at::get_num_threads();
  });
  worker.join();
  EXPECT_EQ(before, 4);
  EXPECT_EQ(after, 1);
  EXPECT_EQ(after_op, 1);
  EXPECT_EQ(inside_parallel_for, 1);
  EXPECT_EQ(at::get_num_threads(), 4);  // the main thread keeps its pool
  int fresh = 0;
  std::thread([&] { fresh = at::get_num_threads(); }).join();
  EXPECT_EQ(fresh, 4);  // and so do threads started later
}

TEST(WorkerThreadsScope, HooksRunOnFirstOpenAndLastClose) {
  static std::atomic<int> enters{0}, leaves{0};
  add_worker_threads_hook({"test", [] { ++enters; }, [] { ++leaves; }});
  const int base = WorkerThreadsScope::active();
  ASSERT_EQ(base, 0) << "a scope leaked from another test";
  {
    WorkerThreadsScope a;
    EXPECT_EQ(enters, 1);
    {
      WorkerThreadsScope b;
      EXPECT_EQ(WorkerThreadsScope::active(), 2);
      EXPECT_EQ(enters, 1);
    }
    EXPECT_EQ(leaves, 0);
  }
  EXPECT_EQ(leaves, 1);
  EXPECT_EQ(WorkerThreadsScope::active(), 0);
  // Failing hooks are reported, not thrown out of a destructor. (Hooks stay for
  // the life of the process, so this one fails only inside this test.)
  static std::atomic<bool> fail{true};
  add_worker_threads_hook({"failing",
                           [] {
                             if (fail) throw std::runtime_error("boom");
                           },
                           [] {
                             if (fail) throw std::runtime_error("boom");
                           }});
  EXPECT_NO_THROW({ WorkerThreadsScope c; });
  fail = false;
  EXPECT_EQ(enters, 2);
  EXPECT_EQ(leaves, 2);
}

// Records, per call, the intra-op count and whether a WorkerThreadsScope is open.
class ProbeDataset : public data::BaseDataset {
 public:
  std::size_t size() const override { return 16; }
  data::Sample get(std::size_t index, const data::SampleContext&) override {
    // A tensor op in the worker, as a transform or collate would run.
    torch::Tensor img = torch::full({3, 64, 64}, static_cast<float>(index));
    std::lock_guard<std::mutex> lock(mutex);
    counts.insert(at::get_num_threads());
    scope_open.insert(WorkerThreadsScope::active() > 0);
    data::Sample s;
    s.inputs = img.to(torch::kByte);
    return s;
  }
  std::mutex mutex;
  std::set<int> counts;
  std::set<bool> scope_open;
};

std::vector<data::DataBatch> run(int workers, std::shared_ptr<ProbeDataset> ds) {
  data::DataLoaderOptions opt;
  opt.batch_size = 4;
  opt.num_workers = workers;
  data::DataLoader dl(ds, std::make_shared<data::DefaultSampler>(true, 0, true),
                      std::make_shared<data::default_collate>(), opt, 3, true);
  std::vector<data::DataBatch> out;
  dl.start_epoch(0);
  data::DataBatch b;
  while (dl.next(b)) out.push_back(b);
  EXPECT_EQ(WorkerThreadsScope::active(), 0) << "the epoch's end must close the scope";
  return out;
}

TEST(DataLoaderThreads, WorkersComputeAloneInsideAScope) {
  IntraOpCount restore;
  at::set_num_threads(4);
  auto with = std::make_shared<ProbeDataset>();
  auto batches = run(2, with);
  EXPECT_EQ(with->counts, std::set<int>{1});
  EXPECT_EQ(with->scope_open, std::set<bool>{true});
  EXPECT_EQ(at::get_num_threads(), 4);

  auto without = std::make_shared<ProbeDataset>();
  auto same = run(0, without);
  EXPECT_EQ(without->counts, std::set<int>{4});  // the main thread keeps its pool
  EXPECT_EQ(without->scope_open, std::set<bool>{false});
  // Threads change nothing in the data, and every batch carries its seed.
  ASSERT_EQ(batches.size(), same.size());
  for (std::size_t k = 0; k < batches.size(); ++k) {
    EXPECT_TRUE(torch::equal(batches[k].inputs, same[k].inputs));
    ASSERT_TRUE(batches[k].seed.has_value());
    EXPECT_EQ(*batches[k].seed, *same[k].seed);
    EXPECT_EQ(*batches[k].seed, data::batch_seed(3, 0, k));
  }
  EXPECT_NE(*batches[0].seed, *batches[1].seed);
}

TEST(LibraryThreads, SettersAreCalledByName) {
  auto got = std::make_shared<std::vector<int>>();  // the setter outlives the test
  add_library_threads("threads-test-lib", [got](int n) { got->push_back(n); });
  EXPECT_TRUE(set_library_threads("threads-test-lib", 3));
  EXPECT_FALSE(set_library_threads("no-such-lib", 3));
  EXPECT_EQ(*got, std::vector<int>{3});
}

TEST(IntraOpThreads, SetsLibTorchsCount) {
  IntraOpCount restore;
  EXPECT_EQ(set_intra_op_threads(3), 3);
  EXPECT_EQ(at::get_num_threads(), 3);
  EXPECT_EQ(set_intra_op_threads(0), 1);  // at least one
  EXPECT_GE(available_cores(), 1);
}

// Restores an environment variable.
struct SavedEnv {
  std::string name;
  bool had;
  std::string value;
  explicit SavedEnv(const char* n) : name(n), had(std::getenv(n) != nullptr) {
    if (had) value = std::getenv(n);
  }
  ~SavedEnv() {
    if (had)
      setenv(name.c_str(), value.c_str(), 1);
    else
      unsetenv(name.c_str());
  }
};

TEST(OpenMPWaitPolicy, PassiveUnlessTheUserChoseAPolicy) {
  SavedEnv a("OMP_WAIT_POLICY"), b("GOMP_SPINCOUNT"), c("KMP_BLOCKTIME");
  unsetenv("OMP_WAIT_POLICY");
  unsetenv("GOMP_SPINCOUNT");
  unsetenv("KMP_BLOCKTIME");
  default_openmp_wait_policy();
  ASSERT_NE(std::getenv("OMP_WAIT_POLICY"), nullptr);
  EXPECT_STREQ(std::getenv("OMP_WAIT_POLICY"), "PASSIVE");
  EXPECT_EQ(openmp_wait_policy_description(), "OMP_WAIT_POLICY=PASSIVE");
  for (const char* user : {"GOMP_SPINCOUNT", "KMP_BLOCKTIME", "OMP_WAIT_POLICY"}) {
    unsetenv("OMP_WAIT_POLICY");
    setenv(user, "ACTIVE", 1);
    default_openmp_wait_policy();
    if (std::string(user) != "OMP_WAIT_POLICY") {
      EXPECT_EQ(std::getenv("OMP_WAIT_POLICY"), nullptr) << user;
    } else {
      EXPECT_STREQ(std::getenv("OMP_WAIT_POLICY"), "ACTIVE");
    }
    unsetenv(user);
  }
}

}  // namespace
}  // namespace mmcpp
