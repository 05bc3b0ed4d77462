#include "ingest/otlp_json.h"

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <system_error>

namespace aiir::ingest {
namespace {

namespace od = simdjson::ondemand;
using Type = AnyValue::Type;

// arrayValue/kvlistValue may nest this deep. Decoding them recurses, so the bound keeps hostile
// input from exhausting the stack; real attributes rarely nest more than two or three levels.
constexpr int kMaxValueDepth = 32;

// The JSON path of the element being decoded, kept on the stack as the decoder descends and
// turned into text only when there is an error to report, so the success path never allocates
// for it.
struct Path {
  const Path* parent = nullptr;
  std::string_view name;  // a field name, or empty for an array element
  std::size_t index = 0;
  bool is_element = false;

  Path field(std::string_view field_name) const { return {this, field_name, 0, false}; }
  Path element(std::size_t i) const { return {this, {}, i, true}; }

  void append_to(std::string& out) const {
    if (parent != nullptr) parent->append_to(out);
    if (is_element) {
      out += '[';
      out += std::to_string(index);
      out += ']';
    } else if (!name.empty()) {
      if (!out.empty()) out += '.';
      out += name;
    }
  }
};

core::Error problem_at(const Path& path, std::string_view problem) {
  std::string message;
  path.append_to(message);
  if (message.empty()) message = "the request body";
  message += ": ";
  message += problem;
  return core::invalid(std::move(message));
}

// simdjson reports malformed JSON lazily, where the decoder happens to be reading, so the path
// says where the damage was found.
core::Error malformed_at(const Path& path, simdjson::error_code error) {
  return problem_at(path, std::string("malformed JSON (") + simdjson::error_message(error) + ")");
}

// Field names in OTLP/JSON are lowerCamelCase; proto3 JSON parsers also accept the proto names.
bool named(std::string_view key, std::string_view camel, std::string_view snake) {
  return key == camel || key == snake;
}

// The JSON type of a value, or an error. Reading the type does not consume the value.
core::Status type_of(od::value& value, const Path& path, od::json_type& type) {
  if (auto error = value.type().get(type)) return malformed_at(path, error);
  return {};
}

// --- Containers -------------------------------------------------------------------------------

// Calls on_field(key, value) for each field of `object`. Fields come in any order and unknown ones
// are simply not consumed: On-Demand skips what the callback leaves unread.
template <typename OnField>
core::Status for_each_field(od::object object, const Path& path, OnField&& on_field) {
  for (auto field : object) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return malformed_at(path, error);
    od::value value;
    if (auto error = field.value().get(value)) return malformed_at(path.field(key), error);
    AIIR_RETURN_IF_ERROR(on_field(key, value));
  }
  return {};
}

// proto3 JSON: null stands for the default value, so a null message is an empty one.
template <typename OnField>
core::Status for_each_field(od::value value, const Path& path, OnField&& on_field) {
  od::json_type type;
  AIIR_RETURN_IF_ERROR(type_of(value, path, type));
  if (type == od::json_type::null) return {};
  if (type != od::json_type::object) return problem_at(path, "expected an object");
  od::object object;
  if (auto error = value.get_object().get(object)) return malformed_at(path, error);
  return for_each_field(object, path, on_field);
}

template <typename OnElement>
core::Status for_each_element(od::value value, const Path& path, OnElement&& on_element) {
  od::json_type type;
  AIIR_RETURN_IF_ERROR(type_of(value, path, type));
  if (type == od::json_type::null) return {};
  if (type != od::json_type::array) return problem_at(path, "expected an array");
  od::array array;
  if (auto error = value.get_array().get(array)) return malformed_at(path, error);
  std::size_t index = 0;
  for (auto element_result : array) {
    Path element_path = path.element(index++);
    od::value element;
    if (auto error = element_result.get(element)) return malformed_at(element_path, error);
    AIIR_RETURN_IF_ERROR(on_element(element, element_path));
  }
  return {};
}

// Appends one decoded element per array element, so the vector never holds half-built entries.
template <typename T, typename Decode>
core::Status append_each(od::value value, const Path& path, std::vector<T>& out, Decode&& decode) {
  return for_each_element(value, path, [&](od::value element, const Path& element_path) -> core::Status {
    T item;
    AIIR_RETURN_IF_ERROR(decode(element, element_path, item));
    out.push_back(std::move(item));
    return core::Status();
  });
}

// --- Scalars ----------------------------------------------------------------------------------

core::Status read_string(od::value value, const Path& path, std::string& out) {
  od::json_type type;
  AIIR_RETURN_IF_ERROR(type_of(value, path, type));
  if (type == od::json_type::null) return {};
  if (type != od::json_type::string) return problem_at(path, "expected a string");
  std::string_view text;
  if (auto error = value.get_string().get(text)) return malformed_at(path, error);
  out.assign(text);
  return {};
}

// Ids are hex in OTLP/JSON; whether they are well-formed is the caller's decision (it rejects just
// that span), so only the case is normalized here.
core::Status read_id(od::value value, const Path& path, std::string& out) {
  AIIR_RETURN_IF_ERROR(read_string(value, path, out));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return {};
}

template <typename Int>
std::optional<Int> parse_integer(std::string_view text) {
  Int n{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// 64-bit integers are strings of digits in proto3 JSON (JavaScript numbers lose precision past
// 2^53), but exporters also send plain numbers; both are accepted. Int is std::uint64_t for the
// fixed64 times and std::int64_t for intValue.
template <typename Int>
core::Status read_integer(od::value value, const Path& path, Int& out) {
  static constexpr std::string_view kExpected = "expected an integer or a string of digits";
  od::json_type type;
  AIIR_RETURN_IF_ERROR(type_of(value, path, type));
  if (type == od::json_type::null) return {};
  if (type == od::json_type::number) {
    Int n{};
    simdjson::error_code error;
    if constexpr (std::is_signed_v<Int>) {
      error = value.get_int64().get(n);
    } else {
      error = value.get_uint64().get(n);
    }
    if (error) return problem_at(path, kExpected);
    out = n;
    return {};
  }
  if (type != od::json_type::string) return problem_at(path, kExpected);
  std::string_view text;
  if (auto error = value.get_string().get(text)) return malformed_at(path, error);
  auto n = parse_integer<Int>(text);
  if (!n) return problem_at(path, kExpected);
  out = *n;
  return {};
}

// Times are fixed64 on the wire; like the protobuf decoder, values past INT64_MAX wrap rather than
// fail, and the caller judges whether the time is plausible.
core::Status read_time(od::value value, const Path& path, core::UnixNanos& out) {
  std::uint64_t nanos = 0;
  AIIR_RETURN_IF_ERROR(read_integer(value, path, nanos));
  out = static_cast<core::UnixNanos>(nanos);
  return {};
}

// Maps a proto enum value name ("SPAN_KIND_SERVER") to its number; proto3 JSON parsers accept
// names although OTLP/JSON exporters send numbers.
using EnumNames = std::optional<int> (*)(std::string_view);

core::Status read_enum(od::value value, const Path& path, EnumNames names, int& out) {
  static constexpr std::string_view kExpected = "expected an enum number";
  od::json_type type;
  AIIR_RETURN_IF_ERROR(type_of(value, path, type));
  if (type == od::json_type::null) return {};
  std::optional<std::int64_t> n;
  if (type == od::json_type::number) {
    std::int64_t number = 0;
    if (!value.get_int64().get(number)) n = number;
  } else if (type == od::json_type::string) {
    std::string_view text;
    if (auto error = value.get_string().get(text)) return malformed_at(path, error);
    n = parse_integer<std::int64_t>(text);
    if (!n) {
      if (auto by_name = names(text)) n = *by_name;
    }
  }
  // Enums are int32 in proto; anything wider is not an enum value.
  if (!n || *n < std::numeric_limits<std::int32_t>::min() ||
      *n > std::numeric_limits<std::int32_t>::max()) {
    return problem_at(path, kExpected);
  }
  out = static_cast<int>(*n);
  return {};
}

std::optional<int> span_kind_named(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
      "SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
  for (int i = 0; i < static_cast<int>(std::size(kNames)); ++i) {
    if (name == kNames[i]) return i;
  }
  return std::nullopt;
}

std::optional<int> status_code_named(std::string_view name) {
  if (name == "STATUS_CODE_UNSET") return 0;
  if (name == "STATUS_CODE_OK") return 1;
  if (name == "STATUS_CODE_ERROR") return 2;
  return std::nullopt;
}

// SEVERITY_NUMBER_<LEVEL>[2|3|4]: each level spans four numbers starting at TRACE = 1.
std::optional<int> severity_number_named(std::string_view name) {
  static constexpr std::string_view kPrefix = "SEVERITY_NUMBER_";
  static constexpr std::string_view kLevels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  if (name == "UNSPECIFIED") return 0;
  int offset = 0;
  if (!name.empty() && name.back() >= '2' && name.back() <= '4') {
    offset = name.back() - '1';
    name.remove_suffix(1);
  }
  for (int i = 0; i < static_cast<int>(std::size(kLevels)); ++i) {
    if (name == kLevels[i]) return 1 + 4 * i + offset;
  }
  return std::nullopt;
}

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;  // '-' and '_' are the URL-safe alphabet, which proto3
  if (c == '/' || c == '_') return 63;  // JSON parsers accept as well
  return -1;
}

// proto3 JSON bytes: base64, standard or URL-safe alphabet, padding optional.
std::optional<std::string> decode_base64(std::string_view text) {
  std::size_t end = text.size();
  int padding = 0;
  while (end > 0 && text[end - 1] == '=' && padding < 2) {
    --end;
    ++padding;
  }
  if ((padding > 0 && text.size() % 4 != 0) || end % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(end / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (std::size_t i = 0; i < end; ++i) {
    int v = sextet(text[i]);
    if (v < 0) return std::nullopt;
    bits = ((bits << 6) | static_cast<std::uint32_t>(v)) & 0xFFFFFF;
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xFF));
    }
  }
  return out;
}

// proto3 JSON doubles: a number, or a string holding one or "NaN", "Infinity", "-Infinity".
std::optional<double> parse_double(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return d;
}

// --- AnyValue ---------------------------------------------------------------------------------

core::Status decode_any_value(od::value value, const Path& path, int depth, AnyValue& out);

core::Status decode_key_value(od::value value, const Path& path, int depth, KeyValue& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (key == "key") return read_string(field, path.field("key"), out.key);
    if (key == "value") return decode_any_value(field, path.field("value"), depth, out.value);
    return core::Status();
  });
}

core::Status decode_attributes(od::value value, const Path& path, Attributes& out) {
  return append_each(value, path, out, [](od::value element, const Path& p, KeyValue& kv) -> core::Status {
    return decode_key_value(element, p, 0, kv);
  });
}

// The `values` of an ArrayValue or KeyValueList, one level deeper than the value holding them.
core::Status decode_array_value(od::value value, const Path& path, int depth, AnyValue& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (key != "values") return core::Status();
    return append_each(field, path.field("values"), out.array_value,
                       [&](od::value element, const Path& p, AnyValue& item) -> core::Status {
                         return decode_any_value(element, p, depth + 1, item);
                       });
  });
}

core::Status decode_kvlist_value(od::value value, const Path& path, int depth, AnyValue& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (key != "values") return core::Status();
    return append_each(field, path.field("values"), out.kvlist_value,
                       [&](od::value element, const Path& p, KeyValue& item) -> core::Status {
                         return decode_key_value(element, p, depth + 1, item);
                       });
  });
}

core::Status decode_bytes_value(od::value value, const Path& path, AnyValue& out) {
  std::string text;
  AIIR_RETURN_IF_ERROR(read_string(value, path, text));
  auto bytes = decode_base64(text);
  if (!bytes) return problem_at(path, "expected base64");
  out.string_value = std::move(*bytes);
  return {};
}

core::Status decode_double_value(od::value value, const Path& path, AnyValue& out) {
  od::json_type type;
  AIIR_RETURN_IF_ERROR(type_of(value, path, type));
  if (type == od::json_type::number) {
    if (value.get_double().get(out.double_value)) return problem_at(path, "expected a number");
    return {};
  }
  std::string text;
  if (type == od::json_type::string) AIIR_RETURN_IF_ERROR(read_string(value, path, text));
  auto d = parse_double(text);
  if (type != od::json_type::string || !d) {
    return problem_at(path, "expected a number, or a string holding one, \"NaN\" or \"Infinity\"");
  }
  out.double_value = *d;
  return {};
}

core::Status decode_bool_value(od::value value, const Path& path, AnyValue& out) {
  if (value.get_bool().get(out.bool_value)) return problem_at(path, "expected true or false");
  return {};
}

// Which AnyValue member a JSON field sets; kEmpty for fields that are not one of them.
Type value_field_type(std::string_view key) {
  if (named(key, "stringValue", "string_value")) return Type::kString;
  if (named(key, "boolValue", "bool_value")) return Type::kBool;
  if (named(key, "intValue", "int_value")) return Type::kInt;
  if (named(key, "doubleValue", "double_value")) return Type::kDouble;
  if (named(key, "bytesValue", "bytes_value")) return Type::kBytes;
  if (named(key, "arrayValue", "array_value")) return Type::kArray;
  if (named(key, "kvlistValue", "kvlist_value")) return Type::kKvList;
  return Type::kEmpty;
}

std::string_view value_field_name(Type type) {
  switch (type) {
    case Type::kString: return "stringValue";
    case Type::kBool: return "boolValue";
    case Type::kInt: return "intValue";
    case Type::kDouble: return "doubleValue";
    case Type::kBytes: return "bytesValue";
    case Type::kArray: return "arrayValue";
    case Type::kKvList: return "kvlistValue";
    case Type::kEmpty: break;
  }
  return "";
}

core::Status decode_value_field(od::value field, const Path& path, Type type, int depth,
                                AnyValue& out) {
  switch (type) {
    case Type::kString: return read_string(field, path, out.string_value);
    case Type::kBool: return decode_bool_value(field, path, out);
    case Type::kInt: return read_integer(field, path, out.int_value);
    case Type::kDouble: return decode_double_value(field, path, out);
    case Type::kBytes: return decode_bytes_value(field, path, out);
    case Type::kArray: return decode_array_value(field, path, depth, out);
    case Type::kKvList: return decode_kvlist_value(field, path, depth, out);
    case Type::kEmpty: break;
  }
  return {};
}

// `depth` counts the arrayValue/kvlistValue levels around this value.
core::Status decode_any_value(od::value value, const Path& path, int depth, AnyValue& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    Type type = value_field_type(key);
    if (type == Type::kEmpty) return core::Status();
    Path field_path = path.field(value_field_name(type));
    od::json_type json_type;
    AIIR_RETURN_IF_ERROR(type_of(field, field_path, json_type));
    if (json_type == od::json_type::null) return core::Status();  // proto3: same as absent
    if (out.type != Type::kEmpty) {
      return problem_at(field_path, "an AnyValue holds exactly one value, and this is a second");
    }
    if ((type == Type::kArray || type == Type::kKvList) && depth >= kMaxValueDepth) {
      return problem_at(field_path, "arrayValue/kvlistValue nested more than " +
                                        std::to_string(kMaxValueDepth) + " levels deep");
    }
    out.type = type;
    return decode_value_field(field, field_path, type, depth, out);
  });
}

// --- Messages shared by traces and logs --------------------------------------------------------

core::Status decode_resource(od::value value, const Path& path, Attributes& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (key == "attributes") return decode_attributes(field, path.field("attributes"), out);
    return core::Status();
  });
}

core::Status decode_scope(od::value value, const Path& path, OtlpScope& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (key == "name") return read_string(field, path.field("name"), out.name);
    if (key == "version") return read_string(field, path.field("version"), out.version);
    return core::Status();
  });
}

// --- Traces -----------------------------------------------------------------------------------

core::Status decode_event(od::value value, const Path& path, OtlpEvent& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (named(key, "timeUnixNano", "time_unix_nano")) {
      return read_time(field, path.field("timeUnixNano"), out.time);
    }
    if (key == "name") return read_string(field, path.field("name"), out.name);
    if (key == "attributes") return decode_attributes(field, path.field("attributes"), out.attributes);
    return core::Status();
  });
}

core::Status decode_status(od::value value, const Path& path, OtlpSpan& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (key == "code") {
      int code = 0;
      AIIR_RETURN_IF_ERROR(read_enum(field, path.field("code"), status_code_named, code));
      // As in the protobuf decoder, codes this version does not know read as unset.
      out.status_code = code == 1   ? OtlpStatusCode::kOk
                        : code == 2 ? OtlpStatusCode::kError
                                    : OtlpStatusCode::kUnset;
      return core::Status();
    }
    if (key == "message") return read_string(field, path.field("message"), out.status_message);
    return core::Status();
  });
}

core::Status decode_span_field(std::string_view key, od::value field, const Path& path,
                               OtlpSpan& out) {
  if (named(key, "traceId", "trace_id")) return read_id(field, path.field("traceId"), out.trace_id);
  if (named(key, "spanId", "span_id")) return read_id(field, path.field("spanId"), out.span_id);
  if (named(key, "parentSpanId", "parent_span_id")) {
    return read_id(field, path.field("parentSpanId"), out.parent_span_id);
  }
  if (key == "name") return read_string(field, path.field("name"), out.name);
  if (key == "kind") return read_enum(field, path.field("kind"), span_kind_named, out.kind);
  if (named(key, "startTimeUnixNano", "start_time_unix_nano")) {
    return read_time(field, path.field("startTimeUnixNano"), out.start_time);
  }
  if (named(key, "endTimeUnixNano", "end_time_unix_nano")) {
    return read_time(field, path.field("endTimeUnixNano"), out.end_time);
  }
  if (key == "attributes") return decode_attributes(field, path.field("attributes"), out.attributes);
  if (key == "events") return append_each(field, path.field("events"), out.events, decode_event);
  if (key == "status") return decode_status(field, path.field("status"), out);
  return {};
}

core::Status decode_span(od::value value, const Path& path, OtlpSpan& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    return decode_span_field(key, field, path, out);
  });
}

core::Status decode_scope_spans(od::value value, const Path& path, ScopeSpans& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (key == "scope") return decode_scope(field, path.field("scope"), out.scope);
    if (key == "spans") return append_each(field, path.field("spans"), out.spans, decode_span);
    return core::Status();
  });
}

core::Status decode_resource_spans(od::value value, const Path& path, ResourceSpans& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (key == "resource") return decode_resource(field, path.field("resource"), out.resource);
    if (named(key, "scopeSpans", "scope_spans")) {
      return append_each(field, path.field("scopeSpans"), out.scope_spans, decode_scope_spans);
    }
    return core::Status();
  });
}

// --- Logs -------------------------------------------------------------------------------------

core::Status decode_log_record_field(std::string_view key, od::value field, const Path& path,
                                     OtlpLogRecord& out) {
  if (named(key, "timeUnixNano", "time_unix_nano")) {
    return read_time(field, path.field("timeUnixNano"), out.time);
  }
  if (named(key, "observedTimeUnixNano", "observed_time_unix_nano")) {
    return read_time(field, path.field("observedTimeUnixNano"), out.observed_time);
  }
  if (named(key, "severityNumber", "severity_number")) {
    return read_enum(field, path.field("severityNumber"), severity_number_named,
                     out.severity_number);
  }
  if (named(key, "severityText", "severity_text")) {
    return read_string(field, path.field("severityText"), out.severity_text);
  }
  if (key == "body") return decode_any_value(field, path.field("body"), 0, out.body);
  if (key == "attributes") return decode_attributes(field, path.field("attributes"), out.attributes);
  if (named(key, "traceId", "trace_id")) return read_id(field, path.field("traceId"), out.trace_id);
  if (named(key, "spanId", "span_id")) return read_id(field, path.field("spanId"), out.span_id);
  if (named(key, "eventName", "event_name")) {
    return read_string(field, path.field("eventName"), out.event_name);
  }
  return {};
}

core::Status decode_log_record(od::value value, const Path& path, OtlpLogRecord& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    return decode_log_record_field(key, field, path, out);
  });
}

core::Status decode_scope_logs(od::value value, const Path& path, ScopeLogs& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (key == "scope") return decode_scope(field, path.field("scope"), out.scope);
    if (named(key, "logRecords", "log_records")) {
      return append_each(field, path.field("logRecords"), out.log_records, decode_log_record);
    }
    return core::Status();
  });
}

core::Status decode_resource_logs(od::value value, const Path& path, ResourceLogs& out) {
  return for_each_field(value, path, [&](std::string_view key, od::value field) -> core::Status {
    if (key == "resource") return decode_resource(field, path.field("resource"), out.resource);
    if (named(key, "scopeLogs", "scope_logs")) {
      return append_each(field, path.field("scopeLogs"), out.scope_logs, decode_scope_logs);
    }
    return core::Status();
  });
}

// --- The request ------------------------------------------------------------------------------

core::Error not_json(simdjson::error_code error) {
  return core::invalid(std::string("the request body is not valid JSON (") +
                       simdjson::error_message(error) + ")");
}

// On-Demand classifies a document by its first byte only, so "this is not json" looks like the
// start of `true`. Reading the scalar tells a wrong-but-valid JSON body from one that is not JSON.
bool is_valid_non_object(od::document& document, od::json_type type) {
  switch (type) {
    case od::json_type::array: return true;
    case od::json_type::boolean: return !document.get_bool().error();
    case od::json_type::null: {
      bool is_null = false;
      return !document.is_null().get(is_null) && is_null;
    }
    case od::json_type::number: return !document.get_double().error();
    case od::json_type::string: return !document.get_string().error();
    case od::json_type::object: break;
  }
  return false;
}

// Parses `body` as one JSON object and calls on_field for each of its top-level fields.
// `message_name` names the expected request in errors.
template <typename OnField>
core::Status decode_request(std::string_view body, std::string_view message_name,
                            OnField&& on_field) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; the body's buffer promises none.
  simdjson::padded_string padded(body);
  // One parser per thread: it keeps its buffers between requests, and is not thread-safe.
  thread_local od::parser parser;
  od::document document;
  const Path root;
  if (auto error = parser.iterate(padded).get(document)) return not_json(error);
  od::json_type type;
  if (auto error = document.type().get(type)) return not_json(error);
  if (type != od::json_type::object) {
    if (!is_valid_non_object(document, type)) return not_json(simdjson::TAPE_ERROR);
    return core::invalid("the request body must be a JSON object (an " + std::string(message_name) +
                         ")");
  }
  od::object object;
  if (auto error = document.get_object().get(object)) return malformed_at(root, error);
  AIIR_RETURN_IF_ERROR(for_each_field(object, root, on_field));
  // On-Demand stops reading at the object's end; anything after it is not one JSON value.
  if (document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return core::invalid("the request body has content after the JSON object");
  }
  return {};
}

}  // namespace

core::Result<TraceBatch> decode_traces_json(std::string_view body) {
  TraceBatch batch;
  const Path root;
  auto status = decode_request(body, "ExportTraceServiceRequest",
                               [&](std::string_view key, od::value field) -> core::Status {
    if (!named(key, "resourceSpans", "resource_spans")) return core::Status();
    return append_each(field, root.field("resourceSpans"), batch.resource_spans,
                       decode_resource_spans);
  });
  if (!status.ok()) return status.error();
  return batch;
}

core::Result<LogBatch> decode_logs_json(std::string_view body) {
  LogBatch batch;
  const Path root;
  auto status = decode_request(body, "ExportLogsServiceRequest",
                               [&](std::string_view key, od::value field) -> core::Status {
    if (!named(key, "resourceLogs", "resource_logs")) return core::Status();
    return append_each(field, root.field("resourceLogs"), batch.resource_logs,
                       decode_resource_logs);
  });
  if (!status.ok()) return status.error();
  return batch;
}

}  // namespace aiir::ingest
