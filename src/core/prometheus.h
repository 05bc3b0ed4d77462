#pragma once
// Helpers for the Prometheus text exposition format, shared by every component that renders
// metric families.

#include <string>
#include <string_view>

namespace aiir::core {

// A label value with backslash, double quote and newline escaped, as the format requires.
std::string prometheus_label(std::string_view value);

}  // namespace aiir::core
