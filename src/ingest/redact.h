// src/ingest/redact.h
#pragma once
// Applying a workflow's content policy to AI content at ingest: keep it, redact personal data and
// secrets into typed placeholders, or keep only hashes. Patterns are RE2 (linear time on hostile
// input) and all of them are tested against a text in one pass with RE2::Set; only the patterns
// that matched are then applied, so clean text costs one scan.

#include <memory>
#include <string>
#include <string_view>

#include "model/ai_span.h"
#include "model/workflow.h"
#include "store/store.h"

namespace aiir::ingest {

class Redactor {
 public:
  // Compiles the built-in patterns once; share one instance across threads (const use is
  // thread-safe: RE2 and RE2::Set matching are const and thread-safe).
  Redactor();
  ~Redactor();
  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;

  // Replaces personal data and secrets in `text` by typed placeholders (<EMAIL>, <PHONE>,
  // <CARD>, <IBAN>, <SSN>, <IP_ADDRESS>, <SECRET>); returns how many were replaced. Idempotent:
  // redacting the result again replaces nothing.
  int redact(std::string& text) const;

 private:
  struct Patterns;
  std::unique_ptr<Patterns> patterns_;
};

// A Luhn-valid payment card number: 13-19 digits starting 2-6 (the networks' first digits).
bool is_card_number_text(std::string_view digits);

// The functions below are in redact_content.cpp.

// "sha256:" + 64 lower-case hex of `text`; "" for "".
std::string content_hash(std::string_view text);

// Applies `policy` to every content field: input/output message content and tool-call arguments,
// tool arguments and result, retrieved document content, and string values of attributes no
// mapping claimed (Attribute::json_value is JSON text: for a JSON string, redact inside the string
// and re-serialize; for other JSON leave as is under redact; under hash_only hash string values
// too). Records the policy in span.content_policy ("raw", "redact", "hash_only").
void apply_content_policy(model::AiSpan& span, model::ContentPolicy policy,
                          const Redactor& redactor);
void apply_content_policy(store::SpanContent& content, model::ContentPolicy policy,
                          const Redactor& redactor);

}  // namespace aiir::ingest
