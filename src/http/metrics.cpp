#include "http/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "core/prometheus.h"
#include "core/version.h"

namespace aiir::http {

Metrics::Metrics() = default;

void RequestSeries::observe(int status, double seconds) {
  std::size_t slot = kStatuses - 1;
  for (std::size_t i = 0; i < kStatuses; ++i) {
    int seen = statuses_[i].load(std::memory_order_relaxed);
    if (seen == 0) {
      // Claim the free slot; another thread may claim it first, with this status or another.
      statuses_[i].compare_exchange_strong(seen, status, std::memory_order_relaxed);
      if (seen == 0 || seen == status) {
        slot = i;
        break;
      }
      continue;
    }
    if (seen == status) {
      slot = i;
      break;
    }
  }
  counts_[slot].fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) buckets_[i].fetch_add(1, std::memory_order_relaxed);
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

RequestSeries& Metrics::series(const std::string& method, const std::string& route) {
  std::lock_guard lock(mu_);
  auto& slot = series_[{method, route}];
  if (!slot) slot = std::make_unique<RequestSeries>();
  return *slot;
}

void Metrics::add_collector(Collector collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() const {
  std::string out;
  out += "# HELP aiir_build_info Build of the running aiir server.\n";
  out += "# TYPE aiir_build_info gauge\n";
  out += fmt::format("aiir_build_info{{version=\"{}\",commit=\"{}\"}} 1\n", core::kVersion,
                     core::kGitCommit);

  std::lock_guard lock(mu_);
  out += "# HELP aiir_http_requests_total HTTP requests by method, route pattern and status.\n";
  out += "# TYPE aiir_http_requests_total counter\n";
  for (const auto& [key, series] : series_) {
    const auto& [method, route] = key;
    std::vector<std::pair<int, std::uint64_t>> by_status;
    for (std::size_t i = 0; i < RequestSeries::kStatuses; ++i) {
      const int status = series->statuses_[i].load(std::memory_order_relaxed);
      const std::uint64_t count = series->counts_[i].load(std::memory_order_relaxed);
      if (status != 0 && count != 0) by_status.emplace_back(status, count);
    }
    std::sort(by_status.begin(), by_status.end());
    for (const auto& [status, count] : by_status) {
      out += fmt::format(
          "aiir_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", method,
          core::prometheus_label(route), status, count);
    }
  }
  out += "# HELP aiir_http_request_duration_seconds Time from request read to response queued.\n";
  out += "# TYPE aiir_http_request_duration_seconds histogram\n";
  for (const auto& [key, series] : series_) {
    const std::uint64_t count = series->count_.load(std::memory_order_relaxed);
    if (count == 0) continue;  // routes never called: no series, as before any registration
    const auto& [method, route] = key;
    std::string labels =
        fmt::format("method=\"{}\",route=\"{}\"", method, core::prometheus_label(route));
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("aiir_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                         kBuckets[i], series->buckets_[i].load(std::memory_order_relaxed));
    }
    out += fmt::format("aiir_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                       count);
    out += fmt::format("aiir_http_request_duration_seconds_sum{{{}}} {}\n", labels,
                       static_cast<double>(series->sum_nanos_.load(std::memory_order_relaxed)) / 1e9);
    out += fmt::format("aiir_http_request_duration_seconds_count{{{}}} {}\n", labels, count);
  }
  for (const auto& collector : collectors_) collector(out);
  return out;
}

}  // namespace aiir::http
