#pragma once
// Internal to normalization: the dialect mappers and the helpers they share. Each mapper fills
// only fields still empty, so the order of calls sets precedence (aiir, OpenInference, GenAI).

#include <optional>
#include <string>

#include "ingest/attributes.h"
#include "ingest/otlp.h"
#include "model/ai_span.h"

namespace aiir::ingest::dialect {

// What a mapper learned about the span's kind, decided once all mappers ran.
struct KindHints {
  std::optional<model::SpanKind> aiir;   // aiir.kind
  std::string openinference;             // openinference.span.kind, e.g. "LLM"
  std::string traceloop;                 // traceloop.span.kind, e.g. "tool"
};

void map_aiir(AttributeView& a, model::AiSpan& out, KindHints& hints);
void map_openinference(AttributeView& a, model::AiSpan& out, KindHints& hints);
void map_genai(AttributeView& a, const OtlpSpan& span, model::AiSpan& out, KindHints& hints);

inline void fill(std::string& field, std::optional<std::string> value) {
  if (field.empty() && value) field = std::move(*value);
}
template <typename T>
void fill(std::optional<T>& field, std::optional<T> value) {
  if (!field && value) field = value;
}

// The number at the start of `key` ("3.message.role" → 3, rest ".message.role").
std::optional<std::size_t> leading_index(std::string_view key, std::string_view& rest);

}  // namespace aiir::ingest::dialect
