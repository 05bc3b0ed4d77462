#pragma once
// Signal: something a detector (or an outside system, or a person) noticed about an AI workflow.
// Most signals never become incidents: the incident component groups them by fingerprint and
// decides. A signal says what was seen, where, about whom, and the numbers behind it.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace aiir::model {

// What kind of harm a signal points at. Every detector states one.
enum class Category {
  kDataExposure, kMisinformation, kUnsafeOutput, kToolMisuse, kExcessiveAgency, kPromptInjection,
  kBias, kDrift, kPolicyViolation, kAvailability, kNearMiss
};
std::string_view to_string(Category category);
std::optional<Category> parse_category(std::string_view text);
const std::vector<std::pair<std::string_view, Category>>& category_names();
// The OWASP Top 10 for LLM Applications 2025 entry a category corresponds to by default
// ("LLM02:2025"), or "" when none applies (bias, drift, policy violation, near miss).
std::string_view default_owasp_id(Category category);
// True for "LLM01:2025" .. "LLM10:2025" (the year may be omitted: "LLM06").
bool valid_owasp_id(std::string_view id);

// How bad a single occurrence would be if it were real: a hint for the severity policy.
enum class Impact { kLow, kMedium, kHigh, kCritical };
std::string_view to_string(Impact impact);
std::optional<Impact> parse_impact(std::string_view text);
const std::vector<std::pair<std::string_view, Impact>>& impact_names();

// Where a signal came from.
enum class SignalSource { kDetector, kHunt, kApi, kAlertmanager };
std::string_view to_string(SignalSource source);
std::optional<SignalSource> parse_signal_source(std::string_view text);

struct Signal {
  std::int64_t seq = 0;     // assigned by the store, increasing; the API's id is "sig-<seq>"
  SignalSource source = SignalSource::kDetector;
  std::string detector;     // detector id; for external signals the reporter's name
  std::string workflow;     // may be empty for an external signal about no known workflow
  Category category = Category::kPolicyViolation;
  std::string owasp;        // "LLM02:2025" or ""
  Impact impact = Impact::kMedium;
  std::string summary;      // one line a responder reads
  // Same detector, same workflow, same group-by values → same fingerprint (hex, 32 chars).
  std::string fingerprint;
  std::vector<std::pair<std::string, std::string>> group;  // group-by field → value
  // The span that matched (or tipped a window over its threshold), when there is one.
  std::string trace_id;
  std::string span_id;
  std::int64_t span_seq = 0;  // the span's sequence number in the store; 0 for none
  std::string tool;           // the tool the span called, if it was a tool call
  // Who and what it is about.
  std::string user_id;
  std::string session_id;
  std::string account_id;
  std::string record_id;
  // The numbers and matches behind it: {"count": 7, "window": "10m", "matches": {...}}.
  boost::json::object observed;
  core::UnixNanos event_time = 0;   // when it happened (span start, alert start, report time)
  core::UnixNanos detected_at = 0;  // when aiir recorded it
  bool resolved = false;            // an external system said the condition ended
  std::string hunt_id;              // set for signals found by a retro-hunt
  // Stored at most once per key: a span judged again after a restart, an alert re-sent by
  // Alertmanager, or a report retried by its client does not make a second signal.
  std::string dedup_key;
  // The incident it belongs to (0 = none): kept by the store, set by the incident component.
  std::int64_t incident = 0;

  std::string id() const { return "sig-" + std::to_string(seq); }
};

// The fingerprint of (detector, workflow, group values): the first 32 hex characters of their
// SHA-256, each part length-prefixed so that no two different triples collide by concatenation.
std::string signal_fingerprint(std::string_view detector, std::string_view workflow,
                               const std::vector<std::pair<std::string, std::string>>& group);

// The API's JSON form of a signal, and back (unknown members ignored).
boost::json::object to_json(const Signal& signal);
Signal signal_from_json(const boost::json::object& object);

}  // namespace aiir::model
