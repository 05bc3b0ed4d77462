#include "model/ai_span.h"

#include <array>
#include <cctype>

namespace aiir::model {
namespace {

constexpr std::array<std::pair<std::string_view, SpanKind>, 11> kSpanKindNames{{
    {"llm", SpanKind::kLlm},
    {"tool", SpanKind::kTool},
    {"retrieval", SpanKind::kRetrieval},
    {"embedding", SpanKind::kEmbedding},
    {"agent", SpanKind::kAgent},
    {"chain", SpanKind::kChain},
    {"guardrail", SpanKind::kGuardrail},
    {"evaluator", SpanKind::kEvaluator},
    {"review", SpanKind::kReview},
    {"write", SpanKind::kWrite},
    {"other", SpanKind::kOther},
}};

}  // namespace

std::string_view to_string(SpanKind kind) {
  for (const auto& [name, k] : kSpanKindNames) {
    if (k == kind) return name;
  }
  return "other";
}

std::optional<SpanKind> parse_span_kind(std::string_view text) {
  for (const auto& [name, k] : kSpanKindNames) {
    if (name == text) return k;
  }
  return std::nullopt;
}

std::string_view to_string(SpanStatus status) {
  switch (status) {
    case SpanStatus::kUnset: return "unset";
    case SpanStatus::kOk: return "ok";
    case SpanStatus::kError: return "error";
  }
  return "unset";
}

namespace {

bool valid_hex_id(std::string_view id, std::size_t length) {
  if (id.size() != length) return false;
  bool nonzero = false;
  for (char c : id) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    if (c != '0') nonzero = true;
  }
  return nonzero;
}

}  // namespace

bool valid_trace_id(std::string_view id) { return valid_hex_id(id, 32); }
bool valid_span_id(std::string_view id) { return valid_hex_id(id, 16); }

}  // namespace aiir::model
