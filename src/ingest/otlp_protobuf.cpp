#include "ingest/otlp_protobuf.h"

#include <google/protobuf/arena.h>

#include "ingest/proto/logs.pb.h"
#include "ingest/proto/trace.pb.h"

namespace aiir::ingest {
namespace {

namespace pb = opentelemetry::proto;
namespace pbc = opentelemetry::proto::common::v1;

// Generated messages nest at most this deep through ArrayValue/KeyValueList before protobuf's own
// recursion limit (100) refuses the request; converting them recursively is therefore bounded.
AnyValue convert(const pbc::AnyValue& in);

Attributes convert(const google::protobuf::RepeatedPtrField<pbc::KeyValue>& in) {
  Attributes out;
  out.reserve(in.size());
  for (const auto& kv : in) out.push_back({kv.key(), convert(kv.value())});
  return out;
}

AnyValue convert(const pbc::AnyValue& in) {
  AnyValue out;
  switch (in.value_case()) {
    case pbc::AnyValue::kStringValue:
      out.type = AnyValue::Type::kString;
      out.string_value = in.string_value();
      break;
    case pbc::AnyValue::kBoolValue:
      out.type = AnyValue::Type::kBool;
      out.bool_value = in.bool_value();
      break;
    case pbc::AnyValue::kIntValue:
      out.type = AnyValue::Type::kInt;
      out.int_value = in.int_value();
      break;
    case pbc::AnyValue::kDoubleValue:
      out.type = AnyValue::Type::kDouble;
      out.double_value = in.double_value();
      break;
    case pbc::AnyValue::kBytesValue:
      out.type = AnyValue::Type::kBytes;
      out.string_value = in.bytes_value();
      break;
    case pbc::AnyValue::kArrayValue:
      out.type = AnyValue::Type::kArray;
      out.array_value.reserve(in.array_value().values_size());
      for (const auto& v : in.array_value().values()) out.array_value.push_back(convert(v));
      break;
    case pbc::AnyValue::kKvlistValue:
      out.type = AnyValue::Type::kKvList;
      out.kvlist_value = convert(in.kvlist_value().values());
      break;
    case pbc::AnyValue::VALUE_NOT_SET:
      break;
  }
  return out;
}

OtlpScope convert(const pbc::InstrumentationScope& in) { return {in.name(), in.version()}; }

OtlpSpan convert(const pb::collector::trace::v1::Span& in) {
  OtlpSpan out;
  out.trace_id = hex_id(in.trace_id());
  out.span_id = hex_id(in.span_id());
  out.parent_span_id = hex_id(in.parent_span_id());
  out.name = in.name();
  out.kind = in.kind();
  out.start_time = static_cast<core::UnixNanos>(in.start_time_unix_nano());
  out.end_time = static_cast<core::UnixNanos>(in.end_time_unix_nano());
  out.attributes = convert(in.attributes());
  out.events.reserve(in.events_size());
  for (const auto& e : in.events()) {
    out.events.push_back(
        {e.name(), static_cast<core::UnixNanos>(e.time_unix_nano()), convert(e.attributes())});
  }
  int code = in.status().code();
  out.status_code = code == 1 ? OtlpStatusCode::kOk
                    : code == 2 ? OtlpStatusCode::kError
                                : OtlpStatusCode::kUnset;
  out.status_message = in.status().message();
  return out;
}

OtlpLogRecord convert(const pb::collector::logs::v1::LogRecord& in) {
  OtlpLogRecord out;
  out.time = static_cast<core::UnixNanos>(in.time_unix_nano());
  out.observed_time = static_cast<core::UnixNanos>(in.observed_time_unix_nano());
  out.severity_number = in.severity_number();
  out.severity_text = in.severity_text();
  out.body = convert(in.body());
  out.attributes = convert(in.attributes());
  out.trace_id = hex_id(in.trace_id());
  out.span_id = hex_id(in.span_id());
  out.event_name = in.event_name();
  return out;
}

// --- Element budget ------------------------------------------------------------------------
// Counts what a request would decode into by walking the protobuf wire format, without
// allocating, so that hostile bodies are refused before libprotobuf builds them. Malformed bytes
// end the walk quietly: the real parse reports them.

class ElementCounter {
 public:
  std::size_t count = 0;
  bool over() const { return count > kMaxElementsPerRequest; }

  void export_request(std::string_view m, bool logs) {
    for_each_message_field(m, [&](int field, std::string_view v) {
      if (field == 1) logs ? resource_logs(v) : resource_spans(v);
    });
  }

 private:
  static constexpr int kMaxDepth = 100;  // libprotobuf's own recursion limit

  static bool varint(std::string_view& in, std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
      auto byte = static_cast<std::uint8_t>(in.front());
      in.remove_prefix(1);
      out |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  // Calls on_field(number, payload) for each length-delimited field; skips scalar fields.
  template <typename F>
  void for_each_message_field(std::string_view in, F&& on_field) {
    while (!in.empty() && !over()) {
      std::uint64_t key = 0;
      if (!varint(in, key)) return;
      int field = static_cast<int>(key >> 3);
      switch (key & 7) {
        case 0: {
          std::uint64_t ignored = 0;
          if (!varint(in, ignored)) return;
          break;
        }
        case 1:
          if (in.size() < 8) return;
          in.remove_prefix(8);
          break;
        case 5:
          if (in.size() < 4) return;
          in.remove_prefix(4);
          break;
        case 2: {
          std::uint64_t length = 0;
          if (!varint(in, length) || length > in.size()) return;
          on_field(field, in.substr(0, length));
          in.remove_prefix(length);
          break;
        }
        default:
          return;
      }
    }
  }

  void key_values(std::string_view kv, int depth) {  // a KeyValue
    ++count;
    for_each_message_field(kv, [&](int field, std::string_view v) {
      if (field == 2) any_value(v, depth + 1);
    });
  }

  void any_value(std::string_view v, int depth) {
    if (depth > kMaxDepth) return;
    for_each_message_field(v, [&](int field, std::string_view inner) {
      if (field != 5 && field != 6) return;  // array_value, kvlist_value
      for_each_message_field(inner, [&](int item_field, std::string_view item) {
        if (item_field != 1) return;
        if (field == 5) {
          ++count;
          any_value(item, depth + 1);
        } else {
          key_values(item, depth + 1);
        }
      });
    });
  }

  void attributes_of(std::string_view m, int attributes_field) {
    for_each_message_field(m, [&](int field, std::string_view v) {
      if (field == attributes_field) key_values(v, 0);
    });
  }

  void resource_spans(std::string_view m) {
    for_each_message_field(m, [&](int field, std::string_view v) {
      if (field == 1) attributes_of(v, 1);  // Resource.attributes
      if (field == 2) {                     // ScopeSpans
        for_each_message_field(v, [&](int f, std::string_view span) {
          if (f != 2) return;
          ++count;
          for_each_message_field(span, [&](int sf, std::string_view sv) {
            if (sf == 9) key_values(sv, 0);  // Span.attributes
            if (sf == 11) {                  // Span.events
              ++count;
              attributes_of(sv, 3);
            }
          });
        });
      }
    });
  }

  void resource_logs(std::string_view m) {
    for_each_message_field(m, [&](int field, std::string_view v) {
      if (field == 1) attributes_of(v, 1);
      if (field == 2) {  // ScopeLogs
        for_each_message_field(v, [&](int f, std::string_view record) {
          if (f != 2) return;
          ++count;
          for_each_message_field(record, [&](int rf, std::string_view rv) {
            if (rf == 5) any_value(rv, 0);   // LogRecord.body
            if (rf == 6) key_values(rv, 0);  // LogRecord.attributes
          });
        });
      }
    });
  }
};

core::Status check_element_budget(std::string_view body, bool logs) {
  ElementCounter counter;
  counter.export_request(body, logs);
  if (!counter.over()) return {};
  return too_many_elements();
}

template <typename Message>
Message* parse(google::protobuf::Arena& arena, std::string_view body) {
  auto* message = google::protobuf::Arena::CreateMessage<Message>(&arena);
  if (body.size() > static_cast<std::size_t>(INT32_MAX) ||
      !message->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return nullptr;
  }
  return message;
}

}  // namespace

core::Result<TraceBatch> decode_traces_protobuf(std::string_view body) {
  AIIR_RETURN_IF_ERROR(check_element_budget(body, false));
  google::protobuf::Arena arena;
  auto* request = parse<pb::collector::trace::v1::ExportTraceServiceRequest>(arena, body);
  if (request == nullptr) {
    return core::invalid(
        "the body is not a valid OTLP ExportTraceServiceRequest in protobuf encoding; check the "
        "exporter's protocol setting (http/protobuf) or send application/json");
  }
  TraceBatch batch;
  batch.resource_spans.reserve(request->resource_spans_size());
  for (const auto& rs : request->resource_spans()) {
    ResourceSpans out;
    out.resource = convert(rs.resource().attributes());
    out.scope_spans.reserve(rs.scope_spans_size());
    for (const auto& ss : rs.scope_spans()) {
      ScopeSpans scope;
      scope.scope = convert(ss.scope());
      scope.spans.reserve(ss.spans_size());
      for (const auto& span : ss.spans()) scope.spans.push_back(convert(span));
      out.scope_spans.push_back(std::move(scope));
    }
    batch.resource_spans.push_back(std::move(out));
  }
  return batch;
}

core::Result<LogBatch> decode_logs_protobuf(std::string_view body) {
  AIIR_RETURN_IF_ERROR(check_element_budget(body, true));
  google::protobuf::Arena arena;
  auto* request = parse<pb::collector::logs::v1::ExportLogsServiceRequest>(arena, body);
  if (request == nullptr) {
    return core::invalid(
        "the body is not a valid OTLP ExportLogsServiceRequest in protobuf encoding; check the "
        "exporter's protocol setting (http/protobuf) or send application/json");
  }
  LogBatch batch;
  for (const auto& rl : request->resource_logs()) {
    ResourceLogs out;
    out.resource = convert(rl.resource().attributes());
    for (const auto& sl : rl.scope_logs()) {
      ScopeLogs scope;
      scope.scope = convert(sl.scope());
      scope.log_records.reserve(sl.log_records_size());
      for (const auto& record : sl.log_records()) scope.log_records.push_back(convert(record));
      out.scope_logs.push_back(std::move(scope));
    }
    batch.resource_logs.push_back(std::move(out));
  }
  return batch;
}

std::string encode_trace_response_protobuf(std::int64_t rejected, const std::string& message) {
  pb::collector::trace::v1::ExportTraceServiceResponse response;
  if (rejected > 0 || !message.empty()) {
    response.mutable_partial_success()->set_rejected_spans(rejected);
    response.mutable_partial_success()->set_error_message(message);
  }
  return response.SerializeAsString();
}

std::string encode_logs_response_protobuf(std::int64_t rejected, const std::string& message) {
  pb::collector::logs::v1::ExportLogsServiceResponse response;
  if (rejected > 0 || !message.empty()) {
    response.mutable_partial_success()->set_rejected_log_records(rejected);
    response.mutable_partial_success()->set_error_message(message);
  }
  return response.SerializeAsString();
}

}  // namespace aiir::ingest
