// "Did you mean" suggestions for unknown names, keys and types.
#pragma once

#include <string>
#include <vector>

namespace mmcpp {

// Edit distance (insert, delete, substitute, and adjacent transposition).
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `name`, or "" when none is close enough to help
// (Python's rule: distance at most (len(name) + len(candidate) + 3) / 6).
std::string closest_name(const std::string& name, const std::vector<std::string>& candidates);

// Up to `n` candidates ordered by closeness (all within the same threshold).
std::vector<std::string> closest_names(const std::string& name,
                                       const std::vector<std::string>& candidates, std::size_t n);

}  // namespace mmcpp
