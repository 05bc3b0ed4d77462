#pragma once
// Internal to normalization: the dialect mappers and the helpers they share. Each mapper fills
// only fields still empty, so the order of calls sets precedence (aiir, OpenInference, GenAI).

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// Messages spread over indexed attributes (`gen_ai.prompt.<i>.role`,
// `llm.input_messages.<i>.message.tool_calls.<m>...`), gathered in numeric index order (not the
// keys' lexical order, where 10 sorts before 2), each with its tool calls in call order.
class IndexedMessages {
 public:
  model::Message& message(std::size_t index) { return messages_[index]; }
  // (name, arguments) of call `call` of message `index`.
  std::pair<std::string, std::string>& tool_call(std::size_t index, std::size_t call) {
    return calls_[index][call];
  }
  std::vector<model::Message> take();

 private:
  std::map<std::size_t, model::Message> messages_;
  std::map<std::size_t, std::map<std::size_t, std::pair<std::string, std::string>>> calls_;
};

}  // namespace aiir::ingest::dialect
