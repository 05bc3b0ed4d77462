// src/ingest/content_policy.h
#pragma once
// Applying a workflow's content policy to AI content at ingest: keep it, redact personal data and
// secrets into typed placeholders (the pattern engine is scan::SensitiveData), or keep only
// hashes.

#include <string>
#include <string_view>

#include "model/ai_span.h"
#include "model/workflow.h"
#include "scan/sensitive_data.h"
#include "store/store.h"

namespace aiir::ingest {

// "sha256:" + 64 lower-case hex of `text`; "" for "".
std::string content_hash(std::string_view text);

// Applies `policy` to every content field: input/output message content and tool-call arguments,
// tool arguments and result, retrieved document content, and string values of attributes no
// mapping claimed (Attribute::json_value is JSON text: for a JSON string, redact inside the string
// and re-serialize; for other JSON leave as is under redact; under hash_only hash string values
// too). Records the policy in span.content_policy ("raw", "redact", "hash_only").
void apply_content_policy(model::AiSpan& span, model::ContentPolicy policy,
                          const scan::SensitiveData& redactor);
void apply_content_policy(store::SpanContent& content, model::ContentPolicy policy,
                          const scan::SensitiveData& redactor);

}  // namespace aiir::ingest
