#pragma once
// Prometheus metrics in the text exposition format (GET /metrics).
//
// Request counts are labelled by route pattern (not the raw path) so cardinality stays bounded.
// Components register extra metric families through `add_collector`; each collector appends
// complete families (HELP, TYPE and samples) when /metrics is scraped. Thread-safe.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace aiir::http {

class Metrics {
 public:
  Metrics();

  // Records one finished request. `route` is the pattern ("/v1/workflows/{id}") or "unmatched".
  void observe_request(const std::string& method, const std::string& route, int status,
                       double seconds);

  using Collector = std::function<void(std::string& out)>;
  void add_collector(Collector collector);

  // The whole exposition.
  std::string render() const;

  // Upper bounds of the latency histogram buckets, seconds.
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

 private:
  struct Series {
    std::uint64_t count = 0;
  };
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mu_;
  // (method, route, status) → count. GUARDED_BY(mu_)
  std::map<std::tuple<std::string, std::string, int>, Series> requests_;
  // (method, route) → latency. GUARDED_BY(mu_)
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
  std::vector<Collector> collectors_;  // GUARDED_BY(mu_)
};

}  // namespace aiir::http
