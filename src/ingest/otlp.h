#pragma once
// OTLP traces and logs as decoded from either wire format (protobuf or OTLP/JSON), before any
// interpretation. Both decoders produce exactly these types, so normalization is written once.
//
// Identifiers are lower-case hex, as in OTLP/JSON (empty when absent). Times are Unix nanoseconds.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace aiir::ingest {

struct KeyValue;

// OTLP's AnyValue. Arrays and key-value lists nest.
struct AnyValue {
  enum class Type { kEmpty, kString, kBool, kInt, kDouble, kBytes, kArray, kKvList };
  Type type = Type::kEmpty;
  std::string string_value;  // kString; kBytes holds the raw bytes
  bool bool_value = false;
  std::int64_t int_value = 0;
  double double_value = 0;
  std::vector<AnyValue> array_value;
  std::vector<KeyValue> kvlist_value;

  static AnyValue of_string(std::string s);
  static AnyValue of_int(std::int64_t v);
  static AnyValue of_double(double v);
  static AnyValue of_bool(bool v);
};

struct KeyValue {
  std::string key;
  AnyValue value;
};

using Attributes = std::vector<KeyValue>;

// JSON text of a value as aiir shows it: strings quoted, bytes as a base64 string, arrays and
// lists as JSON arrays and objects. Used to keep attributes that no mapping claimed.
std::string to_json_text(const AnyValue& value);
// The value as plain text: strings as they are, numbers and booleans printed, others as JSON.
std::string to_text(const AnyValue& value);

struct OtlpEvent {
  std::string name;
  core::UnixNanos time = 0;
  Attributes attributes;
};

enum class OtlpStatusCode { kUnset = 0, kOk = 1, kError = 2 };

struct OtlpSpan {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
  std::string name;
  int kind = 0;  // OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer
  core::UnixNanos start_time = 0;
  core::UnixNanos end_time = 0;
  Attributes attributes;
  std::vector<OtlpEvent> events;
  OtlpStatusCode status_code = OtlpStatusCode::kUnset;
  std::string status_message;
};

struct OtlpScope {
  std::string name;
  std::string version;
};

struct ScopeSpans {
  OtlpScope scope;
  std::vector<OtlpSpan> spans;
};

struct ResourceSpans {
  Attributes resource;
  std::vector<ScopeSpans> scope_spans;
};

// One ExportTraceServiceRequest.
struct TraceBatch {
  std::vector<ResourceSpans> resource_spans;
  std::size_t span_count() const;
};

struct OtlpLogRecord {
  core::UnixNanos time = 0;
  core::UnixNanos observed_time = 0;
  int severity_number = 0;
  std::string severity_text;
  AnyValue body;
  Attributes attributes;
  std::string trace_id;
  std::string span_id;
  std::string event_name;
};

struct ScopeLogs {
  OtlpScope scope;
  std::vector<OtlpLogRecord> log_records;
};

struct ResourceLogs {
  Attributes resource;
  std::vector<ScopeLogs> scope_logs;
};

// One ExportLogsServiceRequest.
struct LogBatch {
  std::vector<ResourceLogs> resource_logs;
  std::size_t record_count() const;
};

// The most spans, events, log records and key-values (at any nesting) one request may decode
// into. Each costs a few hundred bytes decoded, so a small body declaring millions of empty
// elements would otherwise expand a thousandfold; real exporters send far fewer (a 512-span batch
// with 20 attributes each is about 11,000). Both decoders refuse a request beyond it.
inline constexpr std::size_t kMaxElementsPerRequest = 500'000;
// The error (kPayloadTooLarge, 413) for a request beyond that budget.
core::Error too_many_elements();

// Lower-case hex of raw id bytes (protobuf carries ids as bytes).
std::string hex_id(std::string_view bytes);

}  // namespace aiir::ingest
