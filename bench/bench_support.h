#pragma once
// Small helpers for benchmark programs: timing, percentiles, and the report format every
// benchmark prints (one line per figure, so runs are easy to compare by eye or by diff).

#include <chrono>
#include <string>
#include <vector>

namespace aiir::bench {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start);

// The p-th percentile (0..100) of `values` by nearest rank; 0 for an empty list.
double percentile(std::vector<double> values, double p);
double median(std::vector<double> values);

// Prints "name: value unit" aligned, e.g. "group commit, spans/s (median of 5): 81234".
void report(const std::string& name, double value, const std::string& unit);
void heading(const std::string& title);

// A machine description for the report header (CPU model, cores), read from /proc.
std::string machine_summary();

}  // namespace aiir::bench
