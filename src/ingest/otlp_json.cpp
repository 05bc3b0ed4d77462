#include "ingest/otlp_json.h"

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/base64.h"

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

// The JSON type of a value, or an error. Reading the type does not consume the value.
core::Status type_of(od::value& value, const Path& path, od::json_type& type) {
  if (auto error = value.type().get(type)) return malformed_at(path, error);
  return {};
}

// --- Containers -------------------------------------------------------------------------------

// One field of the object being decoded.
struct Field {
  std::string_view key;
  od::value value;
  const Path& object_path;

  // The field's path when its key is `camel` or the proto name `snake`, so that one line both
  // recognizes a field and names it in errors; nullopt for any other key.
  std::optional<Path> named(std::string_view camel, std::string_view snake = {}) const {
    if (key == camel || (!snake.empty() && key == snake)) return object_path.field(camel);
    return std::nullopt;
  }
};

// Calls on_field(Field) for each field of `object`. Fields come in any order, and unknown ones are
// simply not consumed: On-Demand skips whatever the callback leaves unread.
template <typename OnField>
core::Status for_each_field(od::object object, const Path& path, OnField&& on_field) {
  for (auto field : object) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return malformed_at(path, error);
    od::value value;
    if (auto error = field.value().get(value)) return malformed_at(path.field(key), error);
    AIIR_RETURN_IF_ERROR(on_field(Field{key, value, path}));
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

// Decodes a message (an od::value, or the document's od::object) into `out`: decode_field(field,
// out) handles the fields it knows and returns Ok for the others.
template <typename Json, typename T, typename DecodeField>
core::Status decode_message(Json json, const Path& path, T& out, DecodeField&& decode_field) {
  return for_each_field(json, path, [&](const Field& field) { return decode_field(field, out); });
}

// How many more elements (kMaxElementsPerRequest) the request being decoded on this thread may
// produce; reset per request.
thread_local std::size_t elements_left = 0;

// Decodes a repeated message field, appending one T per element.
template <typename T, typename DecodeField>
core::Status decode_messages(od::value value, const Path& path, std::vector<T>& out,
                             DecodeField&& decode_field) {
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
    if (elements_left == 0) return too_many_elements();
    --elements_left;
    AIIR_RETURN_IF_ERROR(decode_message(element, element_path, out.emplace_back(), decode_field));
  }
  return {};
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
  static constexpr std::string_view kLevels[] = {"TRACE", "DEBUG", "INFO",
                                                 "WARN",  "ERROR", "FATAL"};
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

// The members of AnyValue's `value` oneof.
struct ValueMember {
  std::string_view camel;
  std::string_view snake;
  Type type;
};
constexpr ValueMember kValueMembers[] = {
    {"stringValue", "string_value", Type::kString}, {"boolValue", "bool_value", Type::kBool},
    {"intValue", "int_value", Type::kInt},          {"doubleValue", "double_value", Type::kDouble},
    {"bytesValue", "bytes_value", Type::kBytes},    {"arrayValue", "array_value", Type::kArray},
    {"kvlistValue", "kvlist_value", Type::kKvList}};

core::Status any_value_field(const Field& f, int depth, AnyValue& out);

// KeyValue of attributes (depth 0) or of a kvlistValue (the depth of the list's values).
core::Status key_value_field(const Field& f, int depth, KeyValue& out) {
  if (auto p = f.named("key")) return read_string(f.value, *p, out.key);
  if (auto p = f.named("value")) {
    return decode_message(f.value, *p, out.value, [depth](const Field& g, AnyValue& value) {
      return any_value_field(g, depth, value);
    });
  }
  return {};
}

core::Status decode_attributes(od::value value, const Path& path, Attributes& out) {
  return decode_messages(value, path, out,
                         [](const Field& f, KeyValue& kv) { return key_value_field(f, 0, kv); });
}

// ArrayValue{values} and KeyValueList{values}: the values sit one level deeper than `depth`.
core::Status decode_array_value(od::value value, const Path& path, int depth, AnyValue& out) {
  return for_each_field(value, path, [&](const Field& f) -> core::Status {
    auto p = f.named("values");
    if (!p) return {};
    return decode_messages(f.value, *p, out.array_value, [depth](const Field& g, AnyValue& item) {
      return any_value_field(g, depth + 1, item);
    });
  });
}

core::Status decode_kvlist_value(od::value value, const Path& path, int depth, AnyValue& out) {
  return for_each_field(value, path, [&](const Field& f) -> core::Status {
    auto p = f.named("values");
    if (!p) return {};
    return decode_messages(f.value, *p, out.kvlist_value, [depth](const Field& g, KeyValue& kv) {
      return key_value_field(g, depth + 1, kv);
    });
  });
}

core::Status decode_bytes_value(od::value value, const Path& path, AnyValue& out) {
  std::string text;
  AIIR_RETURN_IF_ERROR(read_string(value, path, text));
  auto bytes = core::base64_decode(text);
  if (!bytes) return problem_at(path, "expected base64");
  out.string_value = std::move(*bytes);
  return {};
}

core::Status decode_double_value(od::value value, const Path& path, AnyValue& out) {
  static constexpr std::string_view kExpected =
      "expected a number, or a string holding a number, \"NaN\", \"Infinity\" or \"-Infinity\"";
  od::json_type type;
  AIIR_RETURN_IF_ERROR(type_of(value, path, type));
  if (type == od::json_type::number) {
    if (value.get_double().get(out.double_value)) return problem_at(path, kExpected);
    return {};
  }
  if (type != od::json_type::string) return problem_at(path, kExpected);
  std::string_view text;
  if (auto error = value.get_string().get(text)) return malformed_at(path, error);
  auto d = parse_double(text);
  if (!d) return problem_at(path, kExpected);
  out.double_value = *d;
  return {};
}

core::Status decode_bool_value(od::value value, const Path& path, AnyValue& out) {
  if (value.get_bool().get(out.bool_value)) return problem_at(path, "expected true or false");
  return {};
}

// Decodes the oneof member `type` of an AnyValue, `depth` arrayValue/kvlistValue levels deep.
core::Status decode_value_member(od::value value, const Path& path, Type type, int depth,
                                 AnyValue& out) {
  od::json_type json_type;
  AIIR_RETURN_IF_ERROR(type_of(value, path, json_type));
  if (json_type == od::json_type::null) return {};  // proto3: a null member is an absent one
  if (out.type != Type::kEmpty) {
    return problem_at(path, "an AnyValue holds exactly one value, and this is a second");
  }
  if ((type == Type::kArray || type == Type::kKvList) && depth >= kMaxValueDepth) {
    return problem_at(path, "arrayValue/kvlistValue nested more than " +
                                std::to_string(kMaxValueDepth) + " levels deep");
  }
  out.type = type;
  switch (type) {
    case Type::kString: return read_string(value, path, out.string_value);
    case Type::kBool: return decode_bool_value(value, path, out);
    case Type::kInt: return read_integer(value, path, out.int_value);
    case Type::kDouble: return decode_double_value(value, path, out);
    case Type::kBytes: return decode_bytes_value(value, path, out);
    case Type::kArray: return decode_array_value(value, path, depth, out);
    case Type::kKvList: return decode_kvlist_value(value, path, depth, out);
    case Type::kEmpty: break;
  }
  return {};
}

core::Status any_value_field(const Field& f, int depth, AnyValue& out) {
  for (const ValueMember& member : kValueMembers) {
    if (auto p = f.named(member.camel, member.snake)) {
      return decode_value_member(f.value, *p, member.type, depth, out);
    }
  }
  return {};
}

// --- Messages shared by traces and logs --------------------------------------------------------

core::Status resource_field(const Field& f, Attributes& out) {
  if (auto p = f.named("attributes")) return decode_attributes(f.value, *p, out);
  return {};
}

core::Status scope_field(const Field& f, OtlpScope& out) {
  if (auto p = f.named("name")) return read_string(f.value, *p, out.name);
  if (auto p = f.named("version")) return read_string(f.value, *p, out.version);
  return {};
}

// --- Traces -----------------------------------------------------------------------------------

core::Status event_field(const Field& f, OtlpEvent& out) {
  if (auto p = f.named("timeUnixNano", "time_unix_nano")) return read_time(f.value, *p, out.time);
  if (auto p = f.named("name")) return read_string(f.value, *p, out.name);
  if (auto p = f.named("attributes")) return decode_attributes(f.value, *p, out.attributes);
  return {};
}

core::Status status_field(const Field& f, OtlpSpan& out) {
  if (auto p = f.named("code")) {
    int code = 0;
    AIIR_RETURN_IF_ERROR(read_enum(f.value, *p, status_code_named, code));
    // As in the protobuf decoder, a code this version does not know reads as unset.
    out.status_code = code == 1   ? OtlpStatusCode::kOk
                      : code == 2 ? OtlpStatusCode::kError
                                  : OtlpStatusCode::kUnset;
    return {};
  }
  if (auto p = f.named("message")) return read_string(f.value, *p, out.status_message);
  return {};
}

core::Status span_field(const Field& f, OtlpSpan& out) {
  if (auto p = f.named("traceId", "trace_id")) return read_id(f.value, *p, out.trace_id);
  if (auto p = f.named("spanId", "span_id")) return read_id(f.value, *p, out.span_id);
  if (auto p = f.named("parentSpanId", "parent_span_id")) {
    return read_id(f.value, *p, out.parent_span_id);
  }
  if (auto p = f.named("name")) return read_string(f.value, *p, out.name);
  if (auto p = f.named("kind")) return read_enum(f.value, *p, span_kind_named, out.kind);
  if (auto p = f.named("startTimeUnixNano", "start_time_unix_nano")) {
    return read_time(f.value, *p, out.start_time);
  }
  if (auto p = f.named("endTimeUnixNano", "end_time_unix_nano")) {
    return read_time(f.value, *p, out.end_time);
  }
  if (auto p = f.named("attributes")) return decode_attributes(f.value, *p, out.attributes);
  if (auto p = f.named("events")) return decode_messages(f.value, *p, out.events, event_field);
  if (auto p = f.named("status")) return decode_message(f.value, *p, out, status_field);
  return {};
}

core::Status scope_spans_field(const Field& f, ScopeSpans& out) {
  if (auto p = f.named("scope")) return decode_message(f.value, *p, out.scope, scope_field);
  if (auto p = f.named("spans")) return decode_messages(f.value, *p, out.spans, span_field);
  return {};
}

core::Status resource_spans_field(const Field& f, ResourceSpans& out) {
  if (auto p = f.named("resource")) {
    return decode_message(f.value, *p, out.resource, resource_field);
  }
  if (auto p = f.named("scopeSpans", "scope_spans")) {
    return decode_messages(f.value, *p, out.scope_spans, scope_spans_field);
  }
  return {};
}

core::Status trace_request_field(const Field& f, TraceBatch& out) {
  if (auto p = f.named("resourceSpans", "resource_spans")) {
    return decode_messages(f.value, *p, out.resource_spans, resource_spans_field);
  }
  return {};
}

// --- Logs -------------------------------------------------------------------------------------

core::Status log_record_field(const Field& f, OtlpLogRecord& out) {
  if (auto p = f.named("timeUnixNano", "time_unix_nano")) return read_time(f.value, *p, out.time);
  if (auto p = f.named("observedTimeUnixNano", "observed_time_unix_nano")) {
    return read_time(f.value, *p, out.observed_time);
  }
  if (auto p = f.named("severityNumber", "severity_number")) {
    return read_enum(f.value, *p, severity_number_named, out.severity_number);
  }
  if (auto p = f.named("severityText", "severity_text")) {
    return read_string(f.value, *p, out.severity_text);
  }
  if (auto p = f.named("body")) {
    return decode_message(f.value, *p, out.body, [](const Field& g, AnyValue& body) {
      return any_value_field(g, 0, body);
    });
  }
  if (auto p = f.named("attributes")) return decode_attributes(f.value, *p, out.attributes);
  if (auto p = f.named("traceId", "trace_id")) return read_id(f.value, *p, out.trace_id);
  if (auto p = f.named("spanId", "span_id")) return read_id(f.value, *p, out.span_id);
  if (auto p = f.named("eventName", "event_name")) return read_string(f.value, *p, out.event_name);
  return {};
}

core::Status scope_logs_field(const Field& f, ScopeLogs& out) {
  if (auto p = f.named("scope")) return decode_message(f.value, *p, out.scope, scope_field);
  if (auto p = f.named("logRecords", "log_records")) {
    return decode_messages(f.value, *p, out.log_records, log_record_field);
  }
  return {};
}

core::Status resource_logs_field(const Field& f, ResourceLogs& out) {
  if (auto p = f.named("resource")) {
    return decode_message(f.value, *p, out.resource, resource_field);
  }
  if (auto p = f.named("scopeLogs", "scope_logs")) {
    return decode_messages(f.value, *p, out.scope_logs, scope_logs_field);
  }
  return {};
}

core::Status logs_request_field(const Field& f, LogBatch& out) {
  if (auto p = f.named("resourceLogs", "resource_logs")) {
    return decode_messages(f.value, *p, out.resource_logs, resource_logs_field);
  }
  return {};
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

// A thread's parser keeps buffers sized for the largest body it has read (several times the body).
// Past this size they are given back, so one 16 MiB request does not pin that memory per thread.
constexpr std::size_t kRetainedParserCapacity = 4 * 1024 * 1024;

// Decodes the document in `padded`, which must be one JSON object, field by field into a Batch.
// `message_name` names the expected request in errors.
template <typename Batch, typename DecodeField>
core::Result<Batch> decode_document(od::parser& parser, const simdjson::padded_string& padded,
                                    std::string_view message_name, DecodeField&& decode_field) {
  od::document document;
  if (auto error = parser.iterate(padded).get(document)) return not_json(error);
  od::json_type type;
  if (auto error = document.type().get(type)) return not_json(error);
  if (type != od::json_type::object) {
    if (!is_valid_non_object(document, type)) return not_json(simdjson::TAPE_ERROR);
    return core::invalid("the request body must be a JSON object (an " + std::string(message_name) +
                         ")");
  }
  const Path root;
  od::object object;
  if (auto error = document.get_object().get(object)) return malformed_at(root, error);
  Batch batch;
  auto status = decode_message(object, root, batch, decode_field);
  if (!status.ok()) return status.error();
  // On-Demand stops reading at the object's end; anything after it is not one JSON value.
  if (document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return core::invalid("the request body has content after the JSON object");
  }
  return batch;
}

template <typename Batch, typename DecodeField>
core::Result<Batch> decode_request(std::string_view body, std::string_view message_name,
                                   DecodeField&& decode_field) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; the body's buffer promises none.
  simdjson::padded_string padded(body);
  // One parser per thread: it is not thread-safe, and reusing it saves allocating per request.
  thread_local od::parser parser;
  elements_left = kMaxElementsPerRequest;
  auto result = decode_document<Batch>(parser, padded, message_name, decode_field);
  if (parser.capacity() > kRetainedParserCapacity) parser = od::parser();
  return result;
}

}  // namespace

core::Result<TraceBatch> decode_traces_json(std::string_view body) {
  return decode_request<TraceBatch>(body, "ExportTraceServiceRequest", trace_request_field);
}

core::Result<LogBatch> decode_logs_json(std::string_view body) {
  return decode_request<LogBatch>(body, "ExportLogsServiceRequest", logs_request_field);
}

}  // namespace aiir::ingest
