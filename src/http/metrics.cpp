#include "http/metrics.h"

#include <fmt/format.h>

#include "core/prometheus.h"
#include "core/version.h"

namespace aiir::http {

Metrics::Metrics() = default;

void Metrics::observe_request(const std::string& method, const std::string& route, int status,
                              double seconds) {
  std::lock_guard lock(mu_);
  requests_[{method, route, status}].count++;
  Histogram& h = latency_[{method, route}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) h.buckets[i]++;
  }
  h.count++;
  h.sum += seconds;
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
  for (const auto& [key, series] : requests_) {
    const auto& [method, route, status] = key;
    out += fmt::format("aiir_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                       method, core::prometheus_label(route), status, series.count);
  }
  out += "# HELP aiir_http_request_duration_seconds Time from request read to response queued.\n";
  out += "# TYPE aiir_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    const auto& [method, route] = key;
    std::string labels = fmt::format("method=\"{}\",route=\"{}\"", method, core::prometheus_label(route));
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("aiir_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                         kBuckets[i], h.buckets[i]);
    }
    out += fmt::format("aiir_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                       h.count);
    out += fmt::format("aiir_http_request_duration_seconds_sum{{{}}} {}\n", labels, h.sum);
    out += fmt::format("aiir_http_request_duration_seconds_count{{{}}} {}\n", labels, h.count);
  }
  for (const auto& collector : collectors_) collector(out);
  return out;
}

}  // namespace aiir::http
