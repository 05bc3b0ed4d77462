#pragma once
// Response metrics: time to detect, acknowledge, contain and resolve, per incident (model::Incident)
// and aggregated by workflow and severity — as percentiles for the API and as Prometheus
// histograms for /metrics.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "model/incident.h"

namespace aiir::incident {

// Response metrics of one group of incidents (by workflow and severity): how many, and the
// median and 90th percentile of each time, in seconds, over the incidents where it is known.
struct ResponseSummary {
  std::string workflow;
  model::Severity severity = model::Severity::kLow;
  std::int64_t incidents = 0;
  std::int64_t open = 0;  // not resolved or closed
  struct Times {
    std::int64_t count = 0;
    double p50 = 0;
    double p90 = 0;
  };
  Times detect, acknowledge, contain, resolve;
};

// Groups by (workflow, severity), sorted by workflow then severity (critical first). Incidents
// merged into another are left out: their times count with the incident they joined.
std::vector<ResponseSummary> summarize_response(const std::vector<model::Incident>& incidents);

enum class ResponseTime { kDetect, kAcknowledge, kContain, kResolve };

// Prometheus histograms of the four times, labelled by workflow and severity, observed as the
// incidents reach each point (so they start empty at each start, as Prometheus counters do).
// Thread-safe.
class ResponseHistograms {
 public:
  // Bucket upper bounds in seconds: from a second to a week, the range incident response spans.
  static constexpr std::array<double, 14> kBuckets{1,    10,    30,    60,     300,    900,    1800,
                                                   3600, 7200, 14400, 43200, 86400, 259200, 604800};

  void observe(ResponseTime which, const std::string& workflow, model::Severity severity,
               double seconds);
  // Observes whichever of the incident's times became known between `before` and `after`.
  void observe_change(const model::Incident& before, const model::Incident& after);
  void render(std::string& out) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  // (which, workflow, severity) → histogram. GUARDED_BY(mu_)
  std::map<std::tuple<ResponseTime, std::string, model::Severity>, Histogram> histograms_;
};

}  // namespace aiir::incident
