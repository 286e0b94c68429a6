// Dataset file helpers (mmpretrain/datasets/utils.py), without downloading:
// mmcpp never fetches datasets; a missing one is an error saying which files are
// expected where (see missing_dataset_message).
#pragma once

#include <string>
#include <vector>

namespace mmcpp::pretrain {

// rm_suffix("a.tar.gz") == "a.tar"; with `suffix`, cut at its last occurrence.
std::string rm_suffix(const std::string& s, const std::string& suffix = "");
// The hex MD5 of a file (calculate_md5; mmcpp/core/hash.h digests bytes).
std::string calculate_md5(const std::string& path);
bool check_md5(const std::string& path, const std::string& md5);
// A file's bytes, gunzipped when the name ends in ".gz" (open_maybe_compressed_file).
// Errors name the file.
std::string read_maybe_compressed_file(const std::string& path);

}  // namespace mmcpp::pretrain
