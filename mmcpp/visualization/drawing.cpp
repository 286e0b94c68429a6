#include "mmcpp/visualization/drawing.h"

#include <utility>

#include "mmcpp/core/error.h"

namespace mmcpp::visualization {

using config::Value;

namespace {

// matplotlib's base colours and the CSS names most used in OpenMMLab configs.
const std::vector<std::pair<const char*, Rgb>>& named_colors() {
  static const std::vector<std::pair<const char*, Rgb>> names = {
      {"b", {0, 0, 255}},         {"g", {0, 128, 0}},        {"r", {255, 0, 0}},
      {"c", {0, 191, 191}},       {"m", {191, 0, 191}},      {"y", {191, 191, 0}},
      {"k", {0, 0, 0}},           {"w", {255, 255, 255}},    {"black", {0, 0, 0}},
      {"white", {255, 255, 255}}, {"red", {255, 0, 0}},      {"green", {0, 128, 0}},
      {"blue", {0, 0, 255}},      {"yellow", {255, 255, 0}}, {"cyan", {0, 255, 255}},
      {"magenta", {255, 0, 255}}, {"orange", {255, 165, 0}}, {"purple", {128, 0, 128}},
      {"gray", {128, 128, 128}},  {"grey", {128, 128, 128}}, {"lime", {0, 255, 0}},
      {"navy", {0, 0, 128}},      {"pink", {255, 192, 203}}, {"brown", {165, 42, 42}},
  };
  return names;
}

}  // namespace

Rgb color_val(const std::string& name) {
  for (const auto& [n, c] : named_colors())
    if (name == n) return c;
  std::string known;
  for (const auto& [n, c] : named_colors()) known += (known.empty() ? "" : ", ") + std::string(n);
  throw Error("ValueError", "'" + name + "' is not a supported color name (" + known +
                                ", or an (R, G, B) tuple of 0..255)");
}

Rgb color_val(const Value& color) {
  if (color.is_str()) return color_val(color.as_str());
  if (color.is_sequence() && color.items().size() == 3) {
    std::uint8_t c[3];
    for (int i = 0; i < 3; ++i) {
      const Value& x = color.items()[static_cast<std::size_t>(i)];
      if (!x.is_int() || x.as_int() < 0 || x.as_int() > 255)
        throw Error("AssertionError",
                    "a color tuple holds three ints in 0..255, got " + color.repr());
      c[i] = static_cast<std::uint8_t>(x.as_int());
    }
    return {c[0], c[1], c[2]};
  }
  throw Error("TypeError", "a color is a name or an (R, G, B) tuple, got " + color.repr());
}

TextBox TextBox::from_dict(const Value& bbox) {
  if (!bbox.is_dict()) throw Error("TypeError", "a text bbox is a dict, got " + bbox.repr());
  TextBox box;
  for (const auto& [k, v] : bbox.as_dict().entries()) {
    const std::string key = k.str();
    if (key == "facecolor" || key == "fc") {
      box.facecolor = color_val(v);
    } else if (key == "edgecolor" || key == "ec") {
      if (v.is_str() && v.as_str() == "none")
        box.edgecolor.reset();
      else
        box.edgecolor = color_val(v);
    } else if (key == "alpha") {
      box.alpha = v.as_number();
    } else if (key == "pad") {
      box.pad = v.as_number();
    } else if (key != "boxstyle") {
      throw Error("TypeError", "text bbox: unsupported key '" + key +
                                   "' (facecolor, edgecolor, alpha, pad, boxstyle)");
    }
  }
  return box;
}

}  // namespace mmcpp::visualization
