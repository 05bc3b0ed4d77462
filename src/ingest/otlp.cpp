#include "ingest/otlp.h"

#include <boost/json.hpp>

#include <charconv>
#include <cmath>

#include "core/base64.h"
#include "core/crypto.h"

namespace aiir::ingest {
namespace {

namespace json = boost::json;

// Shortest text that reads back as the same double ("25.5", not Boost.JSON's "2.55E1"), so a
// user's attribute search for 25.5 matches what was stored. JSON has no NaN or infinity: null.
void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, ec == std::errc() ? end : buf);
}

void append_json(std::string& out, const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kEmpty: out += "null"; return;
    case AnyValue::Type::kString: out += json::serialize(json::string(v.string_value)); return;
    case AnyValue::Type::kBool: out += v.bool_value ? "true" : "false"; return;
    case AnyValue::Type::kInt: out += std::to_string(v.int_value); return;
    case AnyValue::Type::kDouble: append_double(out, v.double_value); return;
    case AnyValue::Type::kBytes: out += json::serialize(json::string(core::base64_encode(v.string_value))); return;
    case AnyValue::Type::kArray: {
      out += '[';
      for (std::size_t i = 0; i < v.array_value.size(); ++i) {
        if (i > 0) out += ',';
        append_json(out, v.array_value[i]);
      }
      out += ']';
      return;
    }
    case AnyValue::Type::kKvList: {
      out += '{';
      for (std::size_t i = 0; i < v.kvlist_value.size(); ++i) {
        if (i > 0) out += ',';
        out += json::serialize(json::string(v.kvlist_value[i].key));
        out += ':';
        append_json(out, v.kvlist_value[i].value);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

AnyValue AnyValue::of_string(std::string s) {
  AnyValue v;
  v.type = Type::kString;
  v.string_value = std::move(s);
  return v;
}
AnyValue AnyValue::of_int(std::int64_t i) {
  AnyValue v;
  v.type = Type::kInt;
  v.int_value = i;
  return v;
}
AnyValue AnyValue::of_double(double d) {
  AnyValue v;
  v.type = Type::kDouble;
  v.double_value = d;
  return v;
}
AnyValue AnyValue::of_bool(bool b) {
  AnyValue v;
  v.type = Type::kBool;
  v.bool_value = b;
  return v;
}

std::string to_json_text(const AnyValue& value) {
  std::string out;
  append_json(out, value);
  return out;
}

std::string to_text(const AnyValue& value) {
  switch (value.type) {
    case AnyValue::Type::kString: return value.string_value;
    case AnyValue::Type::kEmpty: return "";
    default: return to_json_text(value);
  }
}

std::size_t TraceBatch::span_count() const {
  std::size_t n = 0;
  for (const auto& r : resource_spans) {
    for (const auto& s : r.scope_spans) n += s.spans.size();
  }
  return n;
}

std::size_t LogBatch::record_count() const {
  std::size_t n = 0;
  for (const auto& r : resource_logs) {
    for (const auto& s : r.scope_logs) n += s.log_records.size();
  }
  return n;
}

core::Error too_many_elements() {
  return core::Error(core::Code::kPayloadTooLarge,
                     "the request holds more than " + std::to_string(kMaxElementsPerRequest) +
                         " spans, events, log records and attributes; send smaller batches");
}

std::string hex_id(std::string_view bytes) { return core::hex_encode(bytes); }

}  // namespace aiir::ingest
