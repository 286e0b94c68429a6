// Visualizer's drawing API: set_image/get_image (numpy's astype('uint8'), gray
// drawn in colour, MMEngine's default font size), draw_bboxes on the pixels,
// draw_texts through a TextPainter (arguments, point -> pixel sizes, value2list
// lengths, errors), add_datasample/show of the base class, colour names.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <tuple>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/visualization/visualizer.h"

namespace mmcpp::visualization {
namespace {

using torch::indexing::Slice;

struct Call {
  std::string text;
  double x, y, size_px;
  Rgb color;
  std::string va, ha;
  bool boxed;
};

class RecordingPainter : public TextPainter {
 public:
  mutable std::vector<Call> calls;
  void draw_text(at::Tensor& image, const std::string& text, double x, double y, double size_px,
                 const Rgb& color, const std::string& va, const std::string& ha,
                 const std::optional<TextBox>& box) const override {
    calls.push_back({text, x, y, size_px, color, va, ha, box.has_value()});
    image.index_put_({0, 0}, torch::tensor({1, 2, 3}, torch::kByte));
  }
};

template <typename F>
std::string kind_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return "no error";
}

TEST(VisualizerDrawTest, SetAndGetImage) {
  Visualizer v;
  EXPECT_EQ(kind_of([&] { v.get_image(); }), "AssertionError");
  // Gray (H, W) floats: truncated as astype('uint8'), drawn in colour.
  v.set_image(torch::full({180, 270}, 7.9, torch::kFloat));
  at::Tensor img = v.get_image();
  ASSERT_EQ(img.sizes(), (std::vector<std::int64_t>{180, 270, 3}));
  EXPECT_EQ(img.scalar_type(), torch::kByte);
  EXPECT_EQ(img[5][5][2].item<int>(), 7);
  EXPECT_EQ(v.width(), 270);
  EXPECT_EQ(v.height(), 180);
  EXPECT_EQ(v.default_font_size(), 10);  // max(sqrt(180 * 270) // 90, 10)
  v.set_image(torch::zeros({1000, 1900, 3}, torch::kByte));
  EXPECT_EQ(v.default_font_size(), 15);  // sqrt(1.9e6) = 1378.4 -> 15
  // get_image is a copy.
  v.get_image().fill_(9);
  EXPECT_EQ(v.get_image().sum().item<int>(), 0);
  EXPECT_EQ(kind_of([&] { v.set_image(torch::zeros({4, 4, 2}, torch::kByte)); }), "ValueError");
}

TEST(VisualizerDrawTest, DrawBboxesEdgesAndFaces) {
  Visualizer v;
  v.set_image(torch::zeros({20, 30, 3}, torch::kByte));
  BoxOptions o;
  o.edge_colors = {Rgb{255, 0, 0}};
  o.line_widths = {1};
  o.alpha = 1.0;
  o.face_colors = {Rgb{0, 0, 200}};
  v.draw_bboxes(torch::tensor({2, 3, 10, 12}), o);
  at::Tensor img = v.get_image();
  // The outline on rows 3 and 12, columns 2 and 10; the face inside; outside untouched.
  EXPECT_EQ(img[3][5][0].item<int>(), 255);
  EXPECT_EQ(img[12][5][0].item<int>(), 255);
  EXPECT_EQ(img[7][2][0].item<int>(), 255);
  EXPECT_EQ(img[7][10][0].item<int>(), 255);
  EXPECT_EQ(img[7][5][2].item<int>(), 200);
  EXPECT_EQ(img[7][5][0].item<int>(), 0);
  EXPECT_EQ(img[13][5].sum().item<int>(), 0);
  EXPECT_EQ(img[7][11].sum().item<int>(), 0);
  EXPECT_EQ(img.index({Slice(), Slice(11)}).sum().item<int>(), 0);
  // Default: green edges blended with alpha 0.8, no face; two boxes.
  v.set_image(torch::full({20, 30, 3}, 100, torch::kByte));
  v.draw_bboxes(torch::tensor({{1, 1, 5, 5}, {10, 10, 20, 15}}, torch::kFloat));
  img = v.get_image();
  EXPECT_EQ(img[1][3][1].item<int>(), 122);  // 100 * 0.2 + 128 * 0.8 = 122.4
  EXPECT_EQ(img[1][3][0].item<int>(), 20);
  EXPECT_EQ(img[3][3][1].item<int>(), 100);
  EXPECT_NE(img[10][15][1].item<int>(), 100);
  // Errors as MMEngine's asserts.
  EXPECT_EQ(kind_of([&] { v.draw_bboxes(torch::tensor({5, 1, 2, 3})); }), "AssertionError");
  EXPECT_EQ(kind_of([&] { v.draw_bboxes(torch::tensor({{1, 2, 3}})); }), "AssertionError");
  o.line_widths = {1, 2, 3};
  EXPECT_EQ(kind_of([&] {
              v.draw_bboxes(torch::tensor({{1, 1, 2, 2}, {3, 3, 4, 4}}), o);
            }),
            "AssertionError");
  Visualizer empty;
  EXPECT_EQ(kind_of([&] { empty.draw_bboxes(torch::tensor({1, 1, 2, 2})); }), "AssertionError");
}

TEST(VisualizerDrawTest, DrawTextsThroughThePainter) {
  Visualizer v;
  v.set_image(torch::zeros({40, 60, 3}, torch::kByte));
  // No painter in the engine: a clear error.
  EXPECT_EQ(kind_of([&] { v.draw_texts({"a"}, torch::tensor({1, 2})); }), "NotImplementedError");
  auto painter = std::make_shared<RecordingPainter>();
  v.set_text_painter(painter);
  v.draw_texts({"a"}, torch::tensor({1, 2}));
  ASSERT_EQ(painter->calls.size(), 1u);
  const Call& c = painter->calls[0];
  EXPECT_EQ(c.text, "a");
  EXPECT_EQ(c.x, 1);
  EXPECT_EQ(c.y, 2);
  EXPECT_DOUBLE_EQ(c.size_px, 10 * 100.0 / 72.0);  // the default 10 pt at 100 dpi
  EXPECT_EQ(c.color, (Rgb{0, 128, 0}));            // 'g'
  EXPECT_EQ(std::tie(c.va, c.ha), std::make_tuple(std::string("top"), std::string("left")));
  EXPECT_FALSE(c.boxed);
  EXPECT_EQ(v.get_image()[0][0][2].item<int>(), 3);  // painted on the Visualizer's image

  TextOptions o;
  o.font_sizes = {7, 14};
  o.colors = {color_val(std::string("white"))};
  o.horizontal_alignments = {"left", "right"};
  o.bboxes = {TextBox::from_dict(
      *config::Config::fromstring("b = dict(facecolor='black', alpha=0.5, boxstyle='round')", ".py")
           .to_dict()
           .as_dict()
           .find("b"))};
  v.draw_texts({"x", "y"}, torch::tensor({{1.5, 2.0}, {30.0, 20.0}}), o);
  ASSERT_EQ(painter->calls.size(), 3u);
  EXPECT_DOUBLE_EQ(painter->calls[2].size_px, 14 * 100.0 / 72.0);
  EXPECT_EQ(painter->calls[2].ha, "right");
  EXPECT_EQ(painter->calls[2].color, (Rgb{255, 255, 255}));
  EXPECT_TRUE(painter->calls[2].boxed);
  // Shapes and lengths that do not fit, bad alignments.
  EXPECT_EQ(kind_of([&] { v.draw_texts({"x", "y"}, torch::tensor({1, 2})); }), "AssertionError");
  o.font_sizes = {1, 2, 3};
  EXPECT_EQ(kind_of([&] {
              v.draw_texts({"x", "y"}, torch::tensor({{1, 2}, {3, 4}}), o);
            }),
            "AssertionError");
  TextOptions bad;
  bad.vertical_alignments = {"middle"};
  EXPECT_EQ(kind_of([&] { v.draw_texts({"x"}, torch::tensor({1, 2}), bad); }), "ValueError");
}

TEST(VisualizerDrawTest, DrawLinesCirclesAndPoints) {
  Visualizer v;
  v.set_image(torch::zeros({40, 60, 3}, torch::kByte));
  LineOptions lo;
  lo.colors = {Rgb{255, 0, 0}};
  lo.line_widths = {1};
  // A horizontal segment on row 5 from x=2 to x=20, a diagonal one.
  v.draw_lines(torch::tensor({{2, 20}, {30, 39}}), torch::tensor({{5, 5}, {10, 19}}), lo);
  at::Tensor img = v.get_image();
  EXPECT_EQ(img[5][2][0].item<int>(), 255);
  EXPECT_EQ(img[5][20][0].item<int>(), 255);
  EXPECT_EQ(img[5][21][0].item<int>(), 0);
  EXPECT_EQ(img[6][10][0].item<int>(), 0);
  EXPECT_EQ(img[4][10][0].item<int>(), 0);
  EXPECT_EQ(img[15][35][0].item<int>(), 255);
  EXPECT_EQ(img[15][30][0].item<int>(), 0);
  EXPECT_EQ(kind_of([&] {
              v.draw_lines(torch::tensor({{1, 2}}), torch::tensor({{1, 2}, {3, 4}}));
            }),
            "AssertionError");

  v.set_image(torch::zeros({40, 60, 3}, torch::kByte));
  CircleOptions co;
  co.edge_colors = {Rgb{0, 0, 255}};
  co.line_widths = {1};
  co.face_colors = {Rgb{100, 0, 0}};
  co.alpha = 1.0;
  v.draw_circles(torch::tensor({30, 20}), torch::tensor({10.0}), co);
  img = v.get_image();
  EXPECT_EQ(img[20][40][2].item<int>(), 255);  // on the circle (r = 10)
  EXPECT_EQ(img[20][30][0].item<int>(), 100);  // inside: the face
  EXPECT_EQ(img[20][30][2].item<int>(), 0);
  EXPECT_EQ(img[20][45].sum().item<int>(), 0);  // outside
  EXPECT_EQ(kind_of([&] {
              v.draw_circles(torch::tensor({{1, 2}}), torch::tensor({1.0, 2.0}));
            }),
            "AssertionError");

  v.set_image(torch::zeros({40, 60, 3}, torch::kByte));
  v.draw_points(torch::tensor({{10, 10}, {50, 30}}));
  img = v.get_image();
  // Default size 36 pt^2: a disc of radius 3 pt = 4.2 px, green.
  EXPECT_EQ(img[10][14][1].item<int>(), 128);
  EXPECT_EQ(img[10][15][1].item<int>(), 0);
  EXPECT_EQ(img[30][50][1].item<int>(), 128);
  EXPECT_EQ(img.select(2, 0).sum().item<int>(), 0);
}

TEST(VisualizerDrawTest, BaseAddDatasampleDrawsNothingAndShowIsNotAvailable) {
  Visualizer v;
  data::DataSample s;
  v.add_datasample("x", torch::zeros({4, 4, 3}, torch::kByte), &s);
  EXPECT_EQ(kind_of([&] { v.get_image(); }), "AssertionError");
  EXPECT_EQ(kind_of([&] { v.show(); }), "NotImplementedError");
}

TEST(VisualizerDrawTest, ColorNames) {
  EXPECT_EQ(color_val(std::string("r")), (Rgb{255, 0, 0}));
  EXPECT_EQ(
      color_val(config::Value::list({config::Value(std::int64_t{1}), config::Value(std::int64_t{2}),
                                     config::Value(std::int64_t{3})})),
      (Rgb{1, 2, 3}));
  EXPECT_EQ(kind_of([] { color_val(std::string("chartreuse-ish")); }), "ValueError");
  EXPECT_EQ(kind_of([] { color_val(config::Value(1.5)); }), "TypeError");
}

}  // namespace
}  // namespace mmcpp::visualization
