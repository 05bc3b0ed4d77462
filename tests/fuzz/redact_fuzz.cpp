// libFuzzer target for the sensitive-data engine and ingest redaction: any byte string must redact
// without crashing, in time linear in its size, and redaction must be idempotent (redacting the
// result again changes nothing), which also means no placeholder or leftover ever forms a new
// e-mail, card, secret... find() must report ordered, disjoint regions inside the text, and
// replacing them must be redaction's first sweep (so redacting that gives redact's result).
// It also runs the JSON-aware path (as an attribute value) under redact and hash_only.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ingest/content_policy.h"
#include "scan/sensitive_data.h"

namespace {

const aiir::scan::SensitiveData& redactor() {
  static const aiir::scan::SensitiveData instance;
  return instance;
}

[[noreturn]] void fail(const char* what, const std::string& input, const std::string& once,
                       const std::string& twice) {
  std::fprintf(stderr, "%s\ninput: [%s]\nonce:  [%s]\ntwice: [%s]\n", what, input.c_str(),
               once.c_str(), twice.c_str());
  std::abort();
}

void check_find(const std::string& input, const std::string& redacted_once) {
  const std::vector<aiir::scan::Finding> found = redactor().find(input);
  std::string replaced;
  std::size_t copied = 0;
  for (const aiir::scan::Finding& f : found) {
    if (f.begin < copied || f.end <= f.begin || f.end > input.size())
      fail("find() regions out of order or bounds", input, redacted_once, "");
    replaced.append(input, copied, f.begin - copied);
    std::string placeholder(aiir::scan::to_string(f.kind));
    for (char& c : placeholder) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    replaced += "<" + placeholder + ">";
    copied = f.end;
  }
  replaced.append(input, copied, std::string::npos);
  std::string settled = replaced;
  redactor().redact(settled);
  if (settled != redacted_once)
    fail("redact(find-replaced(x)) != redact(x)", input, redacted_once, settled);
}

void check_text(const std::string& input) {
  std::string once = input;
  redactor().redact(once);
  std::string twice = once;
  if (redactor().redact(twice) != 0 || twice != once)
    fail("redact(redact(x)) != redact(x)", input, once, twice);
  check_find(input, once);
}

void check_attribute(const std::string& input) {
  aiir::model::AiSpan span;
  span.attributes = {{"fuzz", input}};
  span.tool_result = input;
  aiir::ingest::apply_content_policy(span, aiir::model::ContentPolicy::kRedact, redactor());
  aiir::model::AiSpan again = span;
  aiir::ingest::apply_content_policy(again, aiir::model::ContentPolicy::kRedact, redactor());
  if (again.attributes[0].json_value != span.attributes[0].json_value)
    fail("attribute redaction not idempotent", input, span.attributes[0].json_value,
         again.attributes[0].json_value);
  if (again.tool_result != span.tool_result)
    fail("tool result redaction not idempotent", input, span.tool_result, again.tool_result);

  aiir::model::AiSpan hashed;
  hashed.attributes = {{"fuzz", input}};
  aiir::ingest::apply_content_policy(hashed, aiir::model::ContentPolicy::kHashOnly, redactor());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  check_text(input);
  check_attribute(input);
  return 0;
}
