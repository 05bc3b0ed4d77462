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
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace aiir::http {

// The requests of one (method, route): counts by status and a latency histogram, updated with
// atomics only, so that recording a request takes no lock on the hot path (decide, ingest).
class RequestSeries {
 public:
  // Upper bounds of the latency histogram buckets, seconds.
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1.0,  5.0};
  // Distinct statuses counted per series; a route answers a handful. Beyond this many, further
  // statuses are counted with the last one seen first.
  static constexpr std::size_t kStatuses = 16;

  void observe(int status, double seconds);

 private:
  friend class Metrics;
  std::array<std::atomic<int>, kStatuses> statuses_{};  // 0 = a free slot
  std::array<std::atomic<std::uint64_t>, kStatuses> counts_{};
  std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_nanos_{0};
};

class Metrics {
 public:
  Metrics();

  // The series of one (method, route): `route` is the pattern ("/v1/workflows/{id}") or
  // "unmatched". Registered on first use (under a lock) and kept for the life of the Metrics, so
  // the server looks each route's series up once and records through the reference.
  RequestSeries& series(const std::string& method, const std::string& route);
  // Records one finished request (looks the series up: for callers without a cached one).
  void observe_request(const std::string& method, const std::string& route, int status,
                       double seconds) {
    series(method, route).observe(status, seconds);
  }

  using Collector = std::function<void(std::string& out)>;
  void add_collector(Collector collector);

  // The whole exposition.
  std::string render() const;

  static constexpr auto kBuckets = RequestSeries::kBuckets;

 private:
  mutable std::mutex mu_;
  // (method, route) → its series; never erased, so references stay valid. GUARDED_BY(mu_)
  std::map<std::pair<std::string, std::string>, std::unique_ptr<RequestSeries>> series_;
  std::vector<Collector> collectors_;  // GUARDED_BY(mu_)
};

}  // namespace aiir::http
