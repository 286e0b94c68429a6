// A minimal PNG encoder (zlib): 8-bit grayscale, RGB or RGBA images, as the
// visualization backends store them (LocalVisBackend files, TensorBoard's
// Summary.Image). The engine library has no image codec of its own otherwise.
#pragma once

#include <string>

#include <ATen/core/Tensor.h>

namespace mmcpp::visualization {

// `image`: uint8, (H, W) or (H, W, C) with C in {1, 3, 4} (channels in RGB(A)
// order). Returns the PNG file's bytes. ValueError for other shapes/dtypes.
std::string encode_png(const at::Tensor& image);

// (H, W, C) uint8 RGB(A)/gray of a PNG written by encode_png (8-bit, no
// interlace; any filter). For tests and round trips; ValueError otherwise.
at::Tensor decode_png(const std::string& bytes);

}  // namespace mmcpp::visualization
