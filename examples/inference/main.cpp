// classify CONFIG_OR_CHECKPOINT CHECKPOINT|- IMAGE...: the class of each image
// by mmcpp's ImageClassificationInferencer (the C++ counterpart of
// MMPretrain's ImageClassificationInferencer), one line per image:
//   IMAGE<TAB>LABEL<TAB>CLASS<TAB>SCORE
// "-" as CHECKPOINT: the first argument is a checkpoint that carries its config.
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/apis/image_classification.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " CONFIG_OR_CHECKPOINT CHECKPOINT|- IMAGE...\n";
    return 2;
  }
  try {
    const std::string checkpoint = std::string(argv[2]) == "-" ? "" : argv[2];
    mmcpp::pretrain::ImageClassificationInferencer inferencer(argv[1], checkpoint);
    std::vector<std::string> paths(argv + 3, argv + argc);
    // Paths in one batch...
    const auto results = inferencer.predict(paths, paths.size());
    for (std::size_t i = 0; i < paths.size(); ++i) {
      // ...and the same image as a cv::Mat must agree.
      cv::Mat img = cv::imread(paths[i], cv::IMREAD_UNCHANGED);
      const auto single = inferencer.predict(img);
      if (single.pred_label != results[i].pred_label) {
        std::cerr << paths[i] << ": the cv::Mat and path predictions differ\n";
        return 1;
      }
      std::cout << paths[i] << "\t" << results[i].pred_label << "\t" << results[i].pred_class
                << "\t" << std::fixed << std::setprecision(6) << results[i].pred_score << "\n";
    }
  } catch (const mmcpp::Error& e) {
    std::cerr << "error: " << e.kind() << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
