#include "incident/response_metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/prometheus.h"

namespace aiir::incident {
namespace {

using model::Incident;

double seconds(core::UnixNanos nanos) {
  return static_cast<double>(nanos) / static_cast<double>(core::kNanosPerSecond);
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

ResponseSummary::Times times(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  return {static_cast<std::int64_t>(values.size()), percentile(values, 0.5),
          percentile(values, 0.9)};
}

std::string_view metric_name(ResponseTime which) {
  switch (which) {
    case ResponseTime::kDetect: return "aiir_incident_time_to_detect_seconds";
    case ResponseTime::kAcknowledge: return "aiir_incident_time_to_acknowledge_seconds";
    case ResponseTime::kContain: return "aiir_incident_time_to_contain_seconds";
    case ResponseTime::kResolve: return "aiir_incident_time_to_resolve_seconds";
  }
  return "aiir_incident_time_unknown_seconds";
}

std::string_view metric_help(ResponseTime which) {
  switch (which) {
    case ResponseTime::kDetect: return "From the first matching span to the incident opening.";
    case ResponseTime::kAcknowledge: return "From the incident opening to its acknowledgement.";
    case ResponseTime::kContain: return "From the incident opening to its containment.";
    case ResponseTime::kResolve: return "From the incident opening to its resolution.";
  }
  return "";
}

std::optional<core::UnixNanos> time_of(const Incident& incident, ResponseTime which) {
  switch (which) {
    case ResponseTime::kDetect: return incident.time_to_detect();
    case ResponseTime::kAcknowledge: return incident.time_to_acknowledge();
    case ResponseTime::kContain: return incident.time_to_contain();
    case ResponseTime::kResolve: return incident.time_to_resolve();
  }
  return std::nullopt;
}

constexpr std::array<ResponseTime, 4> kAllTimes{ResponseTime::kDetect, ResponseTime::kAcknowledge,
                                                ResponseTime::kContain, ResponseTime::kResolve};

}  // namespace

std::vector<ResponseSummary> summarize_response(const std::vector<Incident>& incidents) {
  struct Group {
    ResponseSummary summary;
    std::array<std::vector<double>, 4> values;
  };
  // Critical first within a workflow: the order a reader scans for.
  auto key_less = [](const std::pair<std::string, model::Severity>& a,
                     const std::pair<std::string, model::Severity>& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  };
  std::map<std::pair<std::string, model::Severity>, Group, decltype(key_less)> groups(key_less);
  for (const Incident& incident : incidents) {
    if (incident.merged_into != 0) continue;
    Group& group = groups[{incident.workflow, incident.severity}];
    group.summary.workflow = incident.workflow;
    group.summary.severity = incident.severity;
    group.summary.incidents++;
    if (incident.state != model::IncidentState::kResolved &&
        incident.state != model::IncidentState::kClosed) {
      group.summary.open++;
    }
    for (std::size_t i = 0; i < kAllTimes.size(); ++i) {
      if (auto t = time_of(incident, kAllTimes[i])) group.values[i].push_back(seconds(*t));
    }
  }
  std::vector<ResponseSummary> out;
  out.reserve(groups.size());
  for (auto& [key, group] : groups) {
    group.summary.detect = times(group.values[0]);
    group.summary.acknowledge = times(group.values[1]);
    group.summary.contain = times(group.values[2]);
    group.summary.resolve = times(group.values[3]);
    out.push_back(std::move(group.summary));
  }
  return out;
}

void ResponseHistograms::observe(ResponseTime which, const std::string& workflow,
                                 model::Severity severity, double value) {
  std::lock_guard lock(mu_);
  Histogram& h = histograms_[{which, workflow, severity}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (value <= kBuckets[i]) h.buckets[i]++;
  }
  h.count++;
  h.sum += value;
}

void ResponseHistograms::observe_change(const Incident& before, const Incident& after) {
  for (ResponseTime which : kAllTimes) {
    auto now_known = time_of(after, which);
    if (now_known && !time_of(before, which)) {
      observe(which, after.workflow, after.severity, seconds(*now_known));
    }
  }
}

void ResponseHistograms::render(std::string& out) const {
  std::lock_guard lock(mu_);
  for (ResponseTime which : kAllTimes) {
    const std::string_view name = metric_name(which);
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} histogram\n", name,
                   metric_help(which), name);
    for (const auto& [key, h] : histograms_) {
      if (std::get<0>(key) != which) continue;
      const std::string labels =
          fmt::format("workflow=\"{}\",severity=\"{}\"",
                      core::prometheus_label(std::get<1>(key)), model::to_string(std::get<2>(key)));
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        fmt::format_to(std::back_inserter(out), "{}_bucket{{{},le=\"{}\"}} {}\n", name, labels,
                       kBuckets[i], h.buckets[i]);
      }
      fmt::format_to(std::back_inserter(out), "{}_bucket{{{},le=\"+Inf\"}} {}\n", name, labels,
                     h.count);
      fmt::format_to(std::back_inserter(out), "{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name,
                     labels, h.sum, name, labels, h.count);
    }
  }
}

}  // namespace aiir::incident
