// The content policy over a span's fields (declared in content_policy.h). JSON fields are rewritten
// value by value so that redaction never breaks their escapes or shape.
#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "core/crypto.h"
#include "ingest/content_policy.h"

namespace aiir::ingest {
namespace {

namespace json = boost::json;
using std::size_t;

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// ---------------------------------------------------------------------------------------------
// JSON content: tool arguments, tool results and attribute values are JSON text. Redacting the
// text as a whole would split escapes ("\n" + "415..." reads as "n415") and could break the
// document; instead each string value is decoded, redacted and re-encoded, and the rest of the
// document is kept byte for byte.

constexpr int kMaxNestedJson = 3;  // JSON inside JSON strings, as tool results often are

std::optional<json::value> parse_json(std::string_view text) {
  json::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return std::nullopt;
  return value;
}

std::string encode_json_string(std::string_view s) { return json::serialize(json::string_view(s)); }

bool is_object_key(std::string_view doc, size_t after_literal) {
  size_t i = after_literal;
  while (i < doc.size() && (doc[i] == ' ' || doc[i] == '\n' || doc[i] == '\r' || doc[i] == '\t'))
    ++i;
  return i < doc.size() && doc[i] == ':';
}

// Calls `on_string(decoded)` for each string value (not object keys) and `on_number(token)` for
// each number of the valid JSON `doc`; they return the replacement JSON text, or nullopt to keep
// the original. Returns whether anything was replaced.
template <typename OnString, typename OnNumber>
bool rewrite_json_leaves(std::string& doc, OnString on_string, OnNumber on_number) {
  std::string out;
  size_t copied = 0, i = 0;
  bool changed = false;
  const size_t n = doc.size();
  const auto replace = [&](size_t begin, size_t end, const std::string& with) {
    out.append(doc, copied, begin - copied);
    out += with;
    copied = end;
    changed = true;
  };
  while (i < n) {
    const char c = doc[i];
    if (c == '"') {
      size_t j = i + 1;
      while (j < n && doc[j] != '"') j += doc[j] == '\\' ? 2 : 1;
      const size_t end = std::min(j + 1, n);
      if (!is_object_key(doc, end)) {
        std::optional<json::value> literal = parse_json(std::string_view(doc).substr(i, end - i));
        if (literal && literal->is_string()) {
          if (auto with = on_string(std::string(literal->get_string()))) replace(i, end, *with);
        }
      }
      i = end;
    } else if (c == '-' || is_ascii_digit(c)) {
      size_t j = i + 1;
      while (j < n && (is_ascii_digit(doc[j]) || doc[j] == '.' || doc[j] == 'e' || doc[j] == 'E' ||
                       doc[j] == '+' || doc[j] == '-'))
        ++j;
      if (auto with = on_number(std::string_view(doc).substr(i, j - i))) replace(i, j, *with);
      i = j;
    } else {
      ++i;
    }
  }
  if (!changed) return false;
  out.append(doc, copied, std::string::npos);
  doc.swap(out);
  return true;
}

bool looks_like_json_container(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && (s[first] == '{' || s[first] == '[');
}

// Redacts inside the string values of JSON text, and card numbers written as JSON numbers; text
// that is not JSON is redacted as plain text. Returns how many values were replaced.
int redact_json_or_text(std::string& text, const scan::SensitiveData& redactor, int depth) {
  if (!parse_json(text)) return redactor.redact(text);
  int count = 0;
  const auto on_string = [&](std::string value) -> std::optional<std::string> {
    const int n = depth < kMaxNestedJson && looks_like_json_container(value)
                      ? redact_json_or_text(value, redactor, depth + 1)
                      : redactor.redact(value);
    if (n == 0) return std::nullopt;
    count += n;
    return encode_json_string(value);
  };
  const auto on_number = [&](std::string_view token) -> std::optional<std::string> {
    const bool all_digits = std::all_of(token.begin(), token.end(),
                                        [](char c) { return c >= '0' && c <= '9'; });
    if (!all_digits || !scan::is_card_number_text(token)) return std::nullopt;
    ++count;
    return encode_json_string("<CARD>");
  };
  rewrite_json_leaves(text, on_string, on_number);
  return count;
}

// Under hash_only an attribute keeps its JSON shape, but each string value becomes its hash.
void hash_json_strings(std::string& json_value) {
  if (json_value.empty()) return;
  if (!parse_json(json_value)) {
    json_value = encode_json_string(content_hash(json_value));
    return;
  }
  rewrite_json_leaves(
      json_value,
      [](const std::string& value) -> std::optional<std::string> {
        if (value.empty()) return std::nullopt;
        return encode_json_string(content_hash(value));
      },
      [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
}

// ---------------------------------------------------------------------------------------------
// Policy over the fields of a span.

class FieldPolicy {
 public:
  // `policy` is kRedact or kHashOnly; kRaw never gets here.
  FieldPolicy(model::ContentPolicy policy, const scan::SensitiveData& redactor)
      : policy_(policy), redactor_(redactor) {}

  void text(std::string& value) const {
    if (redacting()) {
      redactor_.redact(value);
    } else {
      value = content_hash(value);
    }
  }
  // JSON text as a whole field (tool arguments and results): hashed whole under hash_only, since
  // its keys and numbers are content too.
  void json_text(std::string& value) const {
    if (redacting()) {
      redact_json_or_text(value, redactor_, 0);
    } else {
      value = content_hash(value);
    }
  }
  // An attribute's value keeps its JSON shape under both policies, so it still reads as the
  // string, number or list the application sent.
  void attribute(model::Attribute& attribute) const {
    if (redacting()) {
      redact_json_or_text(attribute.json_value, redactor_, 0);
    } else {
      hash_json_strings(attribute.json_value);
    }
  }
  void messages(std::vector<model::Message>& messages) const {
    for (auto& message : messages) {
      text(message.content);
      for (auto& [tool, arguments] : message.tool_calls) json_text(arguments);
    }
  }

 private:
  bool redacting() const { return policy_ == model::ContentPolicy::kRedact; }

  model::ContentPolicy policy_;
  const scan::SensitiveData& redactor_;
};

}  // namespace

std::string content_hash(std::string_view text) {
  if (text.empty()) return "";
  return "sha256:" + core::sha256_hex(text);
}

void apply_content_policy(model::AiSpan& span, model::ContentPolicy policy,
                          const scan::SensitiveData& redactor) {
  span.content_policy = std::string(model::to_string(policy));
  if (policy == model::ContentPolicy::kRaw) return;
  const FieldPolicy apply(policy, redactor);
  apply.messages(span.input_messages);
  apply.messages(span.output_messages);
  apply.json_text(span.tool_arguments);
  apply.json_text(span.tool_result);
  for (auto& document : span.documents) apply.text(document.content);
  for (auto& attribute : span.attributes) apply.attribute(attribute);
  for (auto& attribute : span.resource_attributes) apply.attribute(attribute);
}

void apply_content_policy(store::SpanContent& content, model::ContentPolicy policy,
                          const scan::SensitiveData& redactor) {
  if (policy == model::ContentPolicy::kRaw) return;
  const FieldPolicy apply(policy, redactor);
  apply.messages(content.input_messages);
  apply.messages(content.output_messages);
}

}  // namespace aiir::ingest
