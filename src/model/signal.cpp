#include "model/signal.h"

#include <cstdio>
#include <ctime>
#include <limits>

#include "core/clock.h"
#include "core/crypto.h"
#include "model/incident.h"
#include "model/json_fields.h"

namespace aiir::model {
namespace {

namespace json = boost::json;
using namespace json_fields;

constexpr std::size_t kFingerprintChars = 32;

void append_part(std::string& out, std::string_view part) {
  out += std::to_string(part.size());
  out += ':';
  out += part;
}

}  // namespace

const std::vector<std::pair<std::string_view, Category>>& category_names() {
  static const std::vector<std::pair<std::string_view, Category>> names{
      {"data_exposure", Category::kDataExposure},
      {"misinformation", Category::kMisinformation},
      {"unsafe_output", Category::kUnsafeOutput},
      {"tool_misuse", Category::kToolMisuse},
      {"excessive_agency", Category::kExcessiveAgency},
      {"prompt_injection", Category::kPromptInjection},
      {"bias", Category::kBias},
      {"drift", Category::kDrift},
      {"policy_violation", Category::kPolicyViolation},
      {"availability", Category::kAvailability},
      {"near_miss", Category::kNearMiss},
  };
  return names;
}

std::string_view to_string(Category category) {
  for (const auto& [name, c] : category_names()) {
    if (c == category) return name;
  }
  return "unknown";
}

std::optional<Category> parse_category(std::string_view text) {
  for (const auto& [name, c] : category_names()) {
    if (name == text) return c;
  }
  return std::nullopt;
}

std::string_view default_owasp_id(Category category) {
  switch (category) {
    case Category::kDataExposure: return "LLM02:2025";     // sensitive information disclosure
    case Category::kMisinformation: return "LLM09:2025";   // misinformation
    case Category::kUnsafeOutput: return "LLM05:2025";     // improper output handling
    case Category::kToolMisuse: return "LLM06:2025";       // excessive agency
    case Category::kExcessiveAgency: return "LLM06:2025";  // excessive agency
    case Category::kPromptInjection: return "LLM01:2025";  // prompt injection
    case Category::kAvailability: return "LLM10:2025";     // unbounded consumption
    case Category::kBias:
    case Category::kDrift:
    case Category::kPolicyViolation:
    case Category::kNearMiss: return "";
  }
  return "";
}

bool valid_owasp_id(std::string_view id) {
  constexpr std::string_view kYear = ":2025";
  if (id.size() != 5 && id.size() != 5 + kYear.size()) return false;
  if (id.substr(0, 3) != "LLM") return false;
  if (id.size() > 5 && id.substr(5) != kYear) return false;
  char tens = id[3];
  char ones = id[4];
  if (tens == '0') return ones >= '1' && ones <= '9';
  return tens == '1' && ones == '0';
}

const std::vector<std::pair<std::string_view, Impact>>& impact_names() {
  static const std::vector<std::pair<std::string_view, Impact>> names{
      {"low", Impact::kLow},
      {"medium", Impact::kMedium},
      {"high", Impact::kHigh},
      {"critical", Impact::kCritical},
  };
  return names;
}

std::string_view to_string(Impact impact) {
  for (const auto& [name, i] : impact_names()) {
    if (i == impact) return name;
  }
  return "unknown";
}

std::optional<Impact> parse_impact(std::string_view text) {
  for (const auto& [name, i] : impact_names()) {
    if (name == text) return i;
  }
  return std::nullopt;
}

namespace {

const std::vector<std::pair<std::string_view, SignalSource>>& source_names() {
  static const std::vector<std::pair<std::string_view, SignalSource>> names{
      {"detector", SignalSource::kDetector},
      {"hunt", SignalSource::kHunt},
      {"api", SignalSource::kApi},
      {"alertmanager", SignalSource::kAlertmanager},
  };
  return names;
}

}  // namespace

std::string_view to_string(SignalSource source) {
  for (const auto& [name, s] : source_names()) {
    if (s == source) return name;
  }
  return "unknown";
}

std::optional<SignalSource> parse_signal_source(std::string_view text) {
  for (const auto& [name, s] : source_names()) {
    if (name == text) return s;
  }
  return std::nullopt;
}

std::string signal_fingerprint(std::string_view detector, std::string_view workflow,
                               const std::vector<std::pair<std::string, std::string>>& group) {
  // "<length>:<bytes>" per part makes the encoding decodable, so ("a","bc") and ("ab","c")
  // hash different inputs. Group order counts: detectors state their group_by list in order.
  std::string input;
  append_part(input, detector);
  append_part(input, workflow);
  for (const auto& [key, value] : group) {
    append_part(input, key);
    append_part(input, value);
  }
  return core::sha256_hex(input).substr(0, kFingerprintChars);
}

json::object to_json(const Signal& s) {
  json::object o;
  o["id"] = s.id();
  o["seq"] = s.seq;
  o["source"] = to_string(s.source);
  put(o, "detector", s.detector);
  put(o, "workflow", s.workflow);
  o["category"] = to_string(s.category);
  put(o, "owasp", s.owasp);
  o["impact"] = to_string(s.impact);
  put(o, "summary", s.summary);
  put(o, "fingerprint", s.fingerprint);
  json::object group;
  for (const auto& [key, value] : s.group) group[key] = value;
  o["group"] = std::move(group);
  put(o, "trace_id", s.trace_id);
  put(o, "span_id", s.span_id);
  if (s.span_seq != 0) o["span_seq"] = s.span_seq;
  put(o, "tool", s.tool);
  put(o, "user_id", s.user_id);
  put(o, "session_id", s.session_id);
  put(o, "account_id", s.account_id);
  put(o, "record_id", s.record_id);
  o["observed"] = s.observed;
  o["event_time"] = core::format_rfc3339_nanos(s.event_time);
  o["detected_at"] = core::format_rfc3339_nanos(s.detected_at);
  o["resolved"] = s.resolved;
  put(o, "hunt_id", s.hunt_id);
  if (s.incident != 0) o["incident"] = incident_id(s.incident);
  return o;
}

Signal signal_from_json(const json::object& o) {
  Signal s;
  s.seq = get_int(o, "seq");
  if (s.seq == 0) {
    // An object written by hand may carry only the id.
    std::string id = get_string(o, "id");
    if (id.rfind("sig-", 0) == 0) {
      std::int64_t n = 0;
      bool digits = id.size() > 4 && id.size() <= 4 + 18;
      for (std::size_t i = 4; digits && i < id.size(); ++i) {
        if (id[i] < '0' || id[i] > '9') digits = false;
        n = n * 10 + (id[i] - '0');
      }
      if (digits) s.seq = n;
    }
  }
  s.source = parse_signal_source(get_string(o, "source")).value_or(SignalSource::kDetector);
  s.detector = get_string(o, "detector");
  s.workflow = get_string(o, "workflow");
  s.category = parse_category(get_string(o, "category")).value_or(Category::kPolicyViolation);
  s.owasp = get_string(o, "owasp");
  s.impact = parse_impact(get_string(o, "impact")).value_or(Impact::kMedium);
  s.summary = get_string(o, "summary");
  s.fingerprint = get_string(o, "fingerprint");
  if (const auto* g = o.if_contains("group"); g != nullptr && g->is_object()) {
    for (const auto& [key, value] : g->as_object()) {
      if (value.is_string()) s.group.emplace_back(std::string(key), std::string(value.as_string()));
    }
  }
  s.trace_id = get_string(o, "trace_id");
  s.span_id = get_string(o, "span_id");
  s.span_seq = get_int(o, "span_seq");
  s.tool = get_string(o, "tool");
  s.user_id = get_string(o, "user_id");
  s.session_id = get_string(o, "session_id");
  s.account_id = get_string(o, "account_id");
  s.record_id = get_string(o, "record_id");
  if (const auto* v = o.if_contains("observed"); v != nullptr && v->is_object()) {
    s.observed = v->as_object();
  }
  s.event_time = get_time(o, "event_time");
  s.detected_at = get_time(o, "detected_at");
  if (const auto* v = o.if_contains("resolved"); v != nullptr && v->is_bool()) {
    s.resolved = v->as_bool();
  }
  s.hunt_id = get_string(o, "hunt_id");
  s.incident = parse_incident_id(get_string(o, "incident")).value_or(0);
  return s;
}

}  // namespace aiir::model
