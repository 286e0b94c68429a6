// pickle_dumps_with_tensors: tensors pickled by value (torch.storage._load_from_bytes
// over torch's legacy serialization) read back by load_pickle, for every dtype
// MMEngine dumps, views and shared objects.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/io/pickle_writer.h"
#include "mmcpp/io/pth_reader.h"

namespace mmcpp::io {
namespace {

TEST(PickleTensorsByValue, RoundTrip) {
  PyObject list = PyObject::list();
  std::vector<torch::Tensor> tensors = {
      torch::rand({3, 4}),
      torch::arange(5, torch::kLong),
      torch::tensor({true, false, true}),
      torch::rand({2}, torch::kDouble),
      torch::arange(12, torch::kFloat).reshape({3, 4}).t(),  // non-contiguous
      torch::arange(10, torch::kInt).slice(0, 2, 5),         // offset view
      torch::tensor(3.5f),                                   // 0-dim
  };
  for (const auto& t : tensors) list.items().push_back(PyObject::tensor(t));
  PyObject d = PyObject::dict();
  d.as_dict().set("list", list);
  d.as_dict().set("again", list);  // the same object twice (memo)
  std::string bytes = pickle_dumps_with_tensors(d);
  EXPECT_EQ(bytes.substr(0, 2), std::string("\x80\x02", 2));
  EXPECT_NE(bytes.find("_load_from_bytes"), std::string::npos);
  PyObject back = load_pickle(bytes, "<test>");
  ASSERT_TRUE(back.is_dict());
  EXPECT_TRUE(back.get("list").is(back.get("again")));
  ASSERT_EQ(back.get("list").size(), tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const torch::Tensor& t = back.get("list").at(static_cast<std::int64_t>(i)).as_tensor();
    EXPECT_EQ(t.scalar_type(), tensors[i].scalar_type()) << i;
    EXPECT_EQ(t.sizes(), tensors[i].sizes()) << i;
    EXPECT_TRUE(torch::equal(t, tensors[i])) << i;
  }
}

TEST(PickleTensorsByValue, PlainPickleStillRefusesTensors) {
  EXPECT_THROW(pickle_dumps(PyObject::tensor(torch::zeros({1}))), Error);
}

}  // namespace
}  // namespace mmcpp::io
