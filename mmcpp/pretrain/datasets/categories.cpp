// Class names of the datasets ported so far (mmpretrain/datasets/categories.py).
// Generated from MMPretrain 1.2.0's tuples; the order is the label order.
#include "mmcpp/pretrain/datasets/categories.h"

namespace mmcpp::pretrain {

const std::vector<std::string>& CIFAR10_CATEGORIES() {
  static const std::vector<std::string> names = {
      "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
  };
  return names;
}

const std::vector<std::string>& CIFAR100_CATEGORIES() {
  static const std::vector<std::string> names = {
      "apple",       "aquarium_fish", "baby",      "bear",       "beaver",       "bed",
      "bee",         "beetle",        "bicycle",   "bottle",     "bowl",         "boy",
      "bridge",      "bus",           "butterfly", "camel",      "can",          "castle",
      "caterpillar", "cattle",        "chair",     "chimpanzee", "clock",        "cloud",
      "cockroach",   "couch",         "crab",      "crocodile",  "cup",          "dinosaur",
      "dolphin",     "elephant",      "flatfish",  "forest",     "fox",          "girl",
      "hamster",     "house",         "kangaroo",  "keyboard",   "lamp",         "lawn_mower",
      "leopard",     "lion",          "lizard",    "lobster",    "man",          "maple_tree",
      "motorcycle",  "mountain",      "mouse",     "mushroom",   "oak_tree",     "orange",
      "orchid",      "otter",         "palm_tree", "pear",       "pickup_truck", "pine_tree",
      "plain",       "plate",         "poppy",     "porcupine",  "possum",       "rabbit",
      "raccoon",     "ray",           "road",      "rocket",     "rose",         "sea",
      "seal",        "shark",         "shrew",     "skunk",      "skyscraper",   "snail",
      "snake",       "spider",        "squirrel",  "streetcar",  "sunflower",    "sweet_pepper",
      "table",       "tank",          "telephone", "television", "tiger",        "tractor",
      "train",       "trout",         "tulip",     "turtle",     "wardrobe",     "whale",
      "willow_tree", "wolf",          "woman",     "worm",
  };
  return names;
}

const std::vector<std::string>& MNIST_CATEGORIES() {
  static const std::vector<std::string> names = {
      "0 - zero", "1 - one", "2 - two",   "3 - three", "4 - four",
      "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
  };
  return names;
}

const std::vector<std::string>& FASHIONMNIST_CATEGORIES() {
  static const std::vector<std::string> names = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot",
  };
  return names;
}

config::Value categories_value(const std::vector<std::string>& names) {
  config::Value::Items items;
  items.reserve(names.size());
  for (const auto& n : names) items.emplace_back(n);
  return config::Value::tuple(std::move(items));
}

}  // namespace mmcpp::pretrain
