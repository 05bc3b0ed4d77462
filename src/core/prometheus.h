#pragma once
// Helpers for the Prometheus text exposition format, shared by every component that renders
// metric families.

#include <cstdint>
#include <string>
#include <string_view>

namespace aiir::core {

// A label value with backslash, double quote and newline escaped, as the format requires.
std::string prometheus_label(std::string_view value);

// "# HELP name help\n# TYPE name type\n": the head of a family; its samples follow.
void append_family(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help);
// A whole family of one unlabelled sample: head and "name value\n".
void append_metric(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help, std::int64_t value);

}  // namespace aiir::core
