// Class-name lists of MMPretrain's datasets (mmpretrain/datasets/categories.py),
// used as the datasets' METAINFO['classes'].
#pragma once

#include <string>
#include <vector>

#include "mmcpp/config/value.h"

namespace mmcpp::pretrain {

const std::vector<std::string>& CIFAR10_CATEGORIES();
const std::vector<std::string>& CIFAR100_CATEGORIES();
// MMPretrain spells these MNIST_CATEGORITES / FASHIONMNIST_CATEGORITES.
const std::vector<std::string>& MNIST_CATEGORIES();
const std::vector<std::string>& FASHIONMNIST_CATEGORIES();
const std::vector<std::string>& IMAGENET_CATEGORIES();

// The names as a tuple Value, as MMPretrain's METAINFO holds them.
config::Value categories_value(const std::vector<std::string>& names);

}  // namespace mmcpp::pretrain
