#include "detect/external_signal.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/ai_span.h"

namespace aiir::detect {
namespace {

namespace json = boost::json;

using Group = std::vector<std::pair<std::string, std::string>>;

constexpr int kMaxJsonDepth = 64;
constexpr std::size_t kMaxEchoedChars = 64;  // of a rejected value, quoted back in a message
constexpr std::string_view kGoZeroTime = "0001-01-01T00:00:00";

// ---- JSON helpers --------------------------------------------------------------------------

std::string_view kind_name(json::kind kind) {
  switch (kind) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

// `text` as it is safe to quote in an error message: bounded, on a code point boundary.
std::string echo(std::string_view text) {
  if (text.size() <= kMaxEchoedChars) return std::string(text);
  std::size_t end = kMaxEchoedChars;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// The first `max_chars` code points of `text`.
std::string utf8_truncate(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && chars++ == max_chars) {
      return std::string(text.substr(0, i));
    }
  }
  return std::string(text);
}

// "line 3, column 14" of byte `offset`; columns count bytes, as editors that show byte columns do.
std::string position_of(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

// Parses a request body. Boost.JSON's one-shot parser says what is wrong but not where; only for
// a body that failed is it fed again a byte at a time to find the offset, so valid bodies pay
// nothing for the position in the message.
core::Result<json::object> parse_object(std::string_view body, std::string_view what) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  json::value value = json::parse(body, ec, {}, options);
  if (ec) {
    json::stream_parser locator({}, options);
    std::size_t offset = body.size();
    boost::system::error_code at;
    for (std::size_t i = 0; i < body.size(); ++i) {
      locator.write(body.data() + i, 1, at);
      if (at) {
        offset = i;
        break;
      }
    }
    return core::invalid("the body is not valid JSON: " + ec.message() + " at " +
                         position_of(body, offset) + " (byte " + std::to_string(offset) + ")");
  }
  if (!value.is_object()) {
    return core::invalid("the body must be a JSON object (" + std::string(what) + "), not " +
                         std::string(kind_name(value.kind())));
  }
  return std::move(value.as_object());
}

// The string at `key`, nullopt when absent or null, or an error naming `path` for another type.
core::Result<std::optional<std::string>> optional_string(const json::object& o,
                                                         std::string_view key,
                                                         const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) {
    return core::invalid(path + ": expected a string, got " + std::string(kind_name(v->kind())));
  }
  return std::optional<std::string>(std::string(v->as_string()));
}

// The object at `key`, nullptr when absent or null, or an error naming `path` for another type.
core::Result<const json::object*> optional_object(const json::object& o, std::string_view key,
                                                  const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return static_cast<const json::object*>(nullptr);
  if (!v->is_object()) {
    return core::invalid(path + ": expected an object, got " + std::string(kind_name(v->kind())));
  }
  return &v->as_object();
}

std::string string_or_empty(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// ---- names and times -------------------------------------------------------------------------

template <typename Names>
std::string name_list(const Names& names) {
  std::string out;
  for (const auto& entry : names) {
    if (!out.empty()) out += ", ";
    out += entry.first;
  }
  return out;
}

// Levenshtein distance, for "did you mean" on a misspelt member name. Names are short.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool is_go_zero_time(std::string_view text) {
  return text.substr(0, kGoZeroTime.size()) == kGoZeroTime;
}

// core::parse_rfc3339, for times aiir can use: 1970 and later (it refuses what UnixNanos cannot
// hold).
bool parse_time(std::string_view text, core::UnixNanos& out) {
  return core::parse_rfc3339(text, out) && out >= 0;
}

std::string time_error(const std::string& path, std::string_view text) {
  return path + ": '" + echo(text) +
         "' is not an RFC 3339 time; write e.g. 2026-11-23T10:15:30Z or "
         "2026-11-23T11:15:30.5+01:00";
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---- reports ---------------------------------------------------------------------------------

constexpr std::array<std::string_view, 16> kReportMembers = {
    "workflow", "category", "summary",         "impact",     "source_name", "trace_id",
    "span_id",  "user_id",  "session_id",      "account_id", "record_id",   "labels",
    "observed", "time",     "idempotency_key", "owasp"};

core::Status check_report_members(const json::object& body) {
  for (const auto& member : body) {
    std::string_view key = member.key();
    if (std::find(kReportMembers.begin(), kReportMembers.end(), key) != kReportMembers.end()) {
      continue;
    }
    std::string message = "unknown member '" + echo(key) + "'";
    std::string_view closest;
    std::size_t best = 3;  // suggest only near misses
    for (std::string_view known : kReportMembers) {
      std::size_t d = edit_distance(key, known);
      if (d < best) {
        best = d;
        closest = known;
      }
    }
    if (!closest.empty()) {
      message += "; did you mean '" + std::string(closest) + "'?";
    } else {
      message += "; the members are";
      for (std::size_t i = 0; i < kReportMembers.size(); ++i) {
        message += (i == 0 ? " " : ", ");
        message += kReportMembers[i];
      }
    }
    return core::invalid(std::move(message));
  }
  return core::Status::Ok();
}

// Reads the optional string `key` of a report into `out` (left as is when absent).
core::Status read_string(const json::object& body, std::string_view key, std::string& out) {
  auto value = optional_string(body, key, std::string(key));
  if (!value) return value.error();
  if (*value) out = std::move(**value);
  return core::Status::Ok();
}

core::Status read_ids(const json::object& body, model::Signal& s) {
  AIIR_RETURN_IF_ERROR(read_string(body, "trace_id", s.trace_id));
  AIIR_RETURN_IF_ERROR(read_string(body, "span_id", s.span_id));
  if (!s.trace_id.empty() && !model::valid_trace_id(s.trace_id)) {
    return core::invalid("trace_id: '" + echo(s.trace_id) +
                         "' is not a trace id; send the 32 hex characters of the W3C/OTLP trace "
                         "id (not all zero)");
  }
  if (!s.span_id.empty() && !model::valid_span_id(s.span_id)) {
    return core::invalid("span_id: '" + echo(s.span_id) +
                         "' is not a span id; send the 16 hex characters of the OTLP span id "
                         "(not all zero)");
  }
  if (!s.span_id.empty() && s.trace_id.empty()) {
    return core::invalid(
        "span_id: send trace_id too; a span id names a span only within its trace");
  }
  s.trace_id = to_lower(s.trace_id);
  s.span_id = to_lower(s.span_id);
  AIIR_RETURN_IF_ERROR(read_string(body, "user_id", s.user_id));
  AIIR_RETURN_IF_ERROR(read_string(body, "session_id", s.session_id));
  AIIR_RETURN_IF_ERROR(read_string(body, "account_id", s.account_id));
  AIIR_RETURN_IF_ERROR(read_string(body, "record_id", s.record_id));
  return core::Status::Ok();
}

core::Status read_classification(const json::object& body, model::Signal& s) {
  auto category = optional_string(body, "category", "category");
  if (!category) return category.error();
  if (!*category) {
    return core::invalid("category: required; one of " + name_list(model::category_names()));
  }
  auto parsed = model::parse_category(**category);
  if (!parsed) {
    return core::invalid("category: unknown '" + echo(**category) + "'; one of " +
                         name_list(model::category_names()));
  }
  s.category = *parsed;
  s.owasp = std::string(model::default_owasp_id(s.category));

  std::string owasp;
  AIIR_RETURN_IF_ERROR(read_string(body, "owasp", owasp));
  if (!owasp.empty()) {
    if (!model::valid_owasp_id(owasp)) {
      return core::invalid("owasp: '" + echo(owasp) +
                           "' is not an OWASP Top 10 for LLM Applications id; write LLM01:2025 .. "
                           "LLM10:2025, or omit it to use the category's default");
    }
    s.owasp = owasp.size() == 5 ? owasp + ":2025" : owasp;
  }

  std::string impact;
  AIIR_RETURN_IF_ERROR(read_string(body, "impact", impact));
  if (!impact.empty()) {
    auto parsed_impact = model::parse_impact(impact);
    if (!parsed_impact) {
      return core::invalid("impact: unknown '" + echo(impact) + "'; one of " +
                           name_list(model::impact_names()));
    }
    s.impact = *parsed_impact;
  }
  return core::Status::Ok();
}

core::Status read_summary(const json::object& body, model::Signal& s) {
  auto summary = optional_string(body, "summary", "summary");
  if (!summary) return summary.error();
  if (!*summary) return core::invalid("summary: required; one line a responder reads");
  std::string& text = **summary;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return core::invalid("summary: empty; say in one line what was seen");
  }
  std::size_t length = utf8_length(text);
  if (length > kMaxSummaryChars) {
    return core::invalid("summary: " + std::to_string(length) +
                         " characters; shorten it to at most " + std::to_string(kMaxSummaryChars) +
                         " and put details in 'observed'");
  }
  s.summary = std::move(text);
  return core::Status::Ok();
}

core::Status read_labels(const json::object& body, Group& group) {
  auto labels = optional_object(body, "labels", "labels");
  if (!labels) return labels.error();
  if (*labels == nullptr) return core::Status::Ok();
  for (const auto& [key, value] : **labels) {
    if (key.empty()) return core::invalid("labels: a label has an empty name; name every label");
    if (!value.is_string()) {
      return core::invalid("labels." + echo(key) + ": expected a string, got " +
                           std::string(kind_name(value.kind())) +
                           "; labels are text, so quote numbers (\"5\")");
    }
    group.emplace_back(std::string(key), std::string(value.as_string()));
  }
  return core::Status::Ok();
}

core::Status read_report(const json::object& body, std::string_view reporter, core::UnixNanos now,
                         model::Signal& s) {
  AIIR_RETURN_IF_ERROR(check_report_members(body));
  AIIR_RETURN_IF_ERROR(read_classification(body, s));
  AIIR_RETURN_IF_ERROR(read_summary(body, s));
  AIIR_RETURN_IF_ERROR(read_string(body, "workflow", s.workflow));

  auto source_name = optional_string(body, "source_name", "source_name");
  if (!source_name) return source_name.error();
  if (*source_name && (*source_name)->empty()) {
    return core::invalid("source_name: empty; name the reporting system or omit it");
  }
  s.detector = *source_name ? **source_name : std::string(reporter);
  if (s.detector.empty()) s.detector = "api";

  AIIR_RETURN_IF_ERROR(read_ids(body, s));
  AIIR_RETURN_IF_ERROR(read_labels(body, s.group));

  auto observed = optional_object(body, "observed", "observed");
  if (!observed) return observed.error();
  if (*observed != nullptr) s.observed = **observed;

  auto time = optional_string(body, "time", "time");
  if (!time) return time.error();
  s.event_time = now;
  if (*time && !parse_time(**time, s.event_time)) return core::invalid(time_error("time", **time));

  auto key = optional_string(body, "idempotency_key", "idempotency_key");
  if (!key) return key.error();
  if (*key) {
    if ((*key)->empty()) return core::invalid("idempotency_key: empty; send a key or omit it");
    if ((*key)->size() > kMaxIdempotencyKeyBytes) {
      return core::invalid("idempotency_key: " + std::to_string((*key)->size()) +
                           " bytes; use at most " + std::to_string(kMaxIdempotencyKeyBytes) +
                           " (a ticket id or a UUID)");
    }
    s.dedup_key = "api:" + std::string(reporter) + ":" + **key;
  }
  return core::Status::Ok();
}

// ---- Alertmanager --------------------------------------------------------------------------

model::Impact impact_from_severity(std::string_view severity) {
  std::string s = to_lower(severity);
  if (s == "critical") return model::Impact::kCritical;
  if (s == "error" || s == "high" || s == "page") return model::Impact::kHigh;
  if (s == "warning" || s == "warn") return model::Impact::kMedium;
  if (s == "info" || s == "none" || s == "low") return model::Impact::kLow;
  return model::Impact::kMedium;
}

std::string label(const Group& labels, std::string_view name) {
  for (const auto& [key, value] : labels) {
    if (key == name) return value;
  }
  return "";
}

model::Category category_from_labels(const Group& labels) {
  for (std::string_view name : {"aiir_category", "category"}) {
    if (auto c = model::parse_category(label(labels, name))) return *c;
  }
  return model::Category::kAvailability;
}

struct Payload {
  std::string status;  // the group's status, for alerts that do not state their own
  std::string external_url;
};

core::Result<model::Signal> read_alert(const json::value& value, std::size_t index,
                                       const Payload& payload, core::UnixNanos now) {
  const std::string path = "alerts[" + std::to_string(index) + "]";
  if (!value.is_object()) {
    return core::invalid(path + ": expected an object, got " +
                         std::string(kind_name(value.kind())));
  }
  const json::object& alert = value.as_object();

  auto labels_object = optional_object(alert, "labels", path + ".labels");
  if (!labels_object) return labels_object.error();
  if (*labels_object == nullptr) {
    return core::invalid(path +
                         ".labels: missing; every Alertmanager alert has labels (at least "
                         "alertname)");
  }
  Group labels;
  for (const auto& [key, v] : **labels_object) {
    if (!v.is_string()) {
      return core::invalid(path + ".labels." + echo(key) + ": expected a string, got " +
                           std::string(kind_name(v.kind())));
    }
    labels.emplace_back(std::string(key), std::string(v.as_string()));
  }
  auto annotations = optional_object(alert, "annotations", path + ".annotations");
  if (!annotations) return annotations.error();

  auto status = optional_string(alert, "status", path + ".status");
  if (!status) return status.error();
  std::string state = *status ? **status : payload.status;
  if (state != "firing" && state != "resolved") {
    return core::invalid(path + ".status: '" + echo(state) + "'; expected firing or resolved");
  }

  auto starts_at = optional_string(alert, "startsAt", path + ".startsAt");
  if (!starts_at) return starts_at.error();
  if (!*starts_at)
    return core::invalid(path + ".startsAt: missing; every alert says when it began");
  model::Signal s;
  s.event_time = now;
  if (!is_go_zero_time(**starts_at) && !parse_time(**starts_at, s.event_time)) {
    return core::invalid(time_error(path + ".startsAt", **starts_at));
  }
  auto ends_at = optional_string(alert, "endsAt", path + ".endsAt");
  if (!ends_at) return ends_at.error();
  core::UnixNanos ends = 0;
  bool has_end = *ends_at && !is_go_zero_time(**ends_at);
  if (has_end && !parse_time(**ends_at, ends)) {
    return core::invalid(time_error(path + ".endsAt", **ends_at));
  }
  std::string generator_url = string_or_empty(alert, "generatorURL");
  std::string am_fingerprint = string_or_empty(alert, "fingerprint");

  std::string alertname = label(labels, "alertname");
  s.source = model::SignalSource::kAlertmanager;
  s.detector = alertname.empty() ? "alertmanager" : "alertmanager:" + alertname;
  s.workflow = label(labels, "aiir_workflow");
  if (s.workflow.empty()) s.workflow = label(labels, "workflow");
  s.category = category_from_labels(labels);
  s.owasp = std::string(model::default_owasp_id(s.category));
  s.impact = impact_from_severity(label(labels, "severity"));

  std::string summary;
  if (*annotations != nullptr) {
    summary = string_or_empty(**annotations, "summary");
    if (summary.empty()) summary = string_or_empty(**annotations, "description");
  }
  if (summary.empty()) summary = alertname.empty() ? "Alertmanager alert" : alertname;
  s.summary = utf8_truncate(summary, kMaxSummaryChars);

  for (const auto& entry : labels) {
    if (entry.first != "alertname") s.group.push_back(entry);
  }
  std::sort(s.group.begin(), s.group.end());
  s.fingerprint = model::signal_fingerprint(s.detector, s.workflow, s.group);
  s.user_id = label(labels, "user_id");
  s.account_id = label(labels, "account_id");
  s.resolved = state == "resolved";
  s.detected_at = now;

  s.observed["labels"] = **labels_object;
  if (*annotations != nullptr) s.observed["annotations"] = **annotations;
  if (!generator_url.empty()) s.observed["generator_url"] = generator_url;
  if (!am_fingerprint.empty()) s.observed["alertmanager_fingerprint"] = am_fingerprint;
  if (has_end) s.observed["ends_at"] = **ends_at;
  if (!payload.external_url.empty()) s.observed["external_url"] = payload.external_url;

  // Alertmanager repeats a firing notification every repeat_interval with the same startsAt;
  // the key makes that one signal, and the resolution (or a new firing) another.
  s.dedup_key = "am:" + (am_fingerprint.empty() ? s.fingerprint : am_fingerprint) + ":" +
                **starts_at + ":" + state;
  return s;
}

}  // namespace

core::Result<model::Signal> signal_from_report(std::string_view json_body,
                                               std::string_view reporter, core::UnixNanos now) {
  auto body = parse_object(json_body, "a signal report");
  if (!body) return body.error();
  model::Signal s;
  s.source = model::SignalSource::kApi;
  s.detected_at = now;
  AIIR_RETURN_IF_ERROR(read_report(*body, reporter, now, s));
  s.fingerprint = model::signal_fingerprint(s.detector, s.workflow, s.group);
  return s;
}

core::Result<std::vector<model::Signal>> signals_from_alertmanager(std::string_view json_body,
                                                                   core::UnixNanos now) {
  auto parsed = parse_object(json_body, "an Alertmanager webhook payload");
  if (!parsed) return parsed.error();
  const json::object& body = *parsed;

  auto version = optional_string(body, "version", "version");
  if (!version) return version.error();
  if (!*version) {
    return core::invalid(
        "version: missing; aiir reads Alertmanager webhook payloads of version "
        "\"4\"");
  }
  if (**version != "4") {
    return core::invalid("version: '" + echo(**version) +
                         "' is not supported; aiir reads Alertmanager webhook payloads of version "
                         "\"4\"");
  }
  Payload payload;
  auto status = optional_string(body, "status", "status");
  if (!status) return status.error();
  if (*status) payload.status = **status;
  auto external_url = optional_string(body, "externalURL", "externalURL");
  if (!external_url) return external_url.error();
  if (*external_url) payload.external_url = **external_url;

  const json::value* alerts = body.if_contains("alerts");
  if (alerts == nullptr || alerts->is_null()) {
    return core::invalid("alerts: missing; an Alertmanager payload lists its alerts");
  }
  if (!alerts->is_array()) {
    return core::invalid("alerts: expected an array, got " +
                         std::string(kind_name(alerts->kind())));
  }
  std::vector<model::Signal> out;
  out.reserve(alerts->as_array().size());
  std::size_t index = 0;
  for (const json::value& alert : alerts->as_array()) {
    auto signal = read_alert(alert, index++, payload, now);
    if (!signal) return signal.error();
    out.push_back(std::move(*signal));
  }
  return out;
}

}  // namespace aiir::detect
