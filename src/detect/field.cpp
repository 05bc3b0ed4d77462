#include "detect/field.h"

#include <algorithm>
#include <array>
#include <utility>

namespace aiir::detect {
namespace {

struct Named {
  std::string_view name;
  FieldId id;
};

constexpr std::array<Named, 49> kFields{{
    {"trace_id", FieldId::kTraceId},
    {"span_id", FieldId::kSpanId},
    {"parent_span_id", FieldId::kParentSpanId},
    {"name", FieldId::kName},
    {"kind", FieldId::kKind},
    {"status", FieldId::kStatus},
    {"status_message", FieldId::kStatusMessage},
    {"error_type", FieldId::kErrorType},
    {"workflow", FieldId::kWorkflow},
    {"service", FieldId::kService},
    {"user_id", FieldId::kUserId},
    {"session_id", FieldId::kSessionId},
    {"account_id", FieldId::kAccountId},
    {"record_id", FieldId::kRecordId},
    {"prompt_version", FieldId::kPromptVersion},
    {"model_version", FieldId::kModelVersion},
    {"index_version", FieldId::kIndexVersion},
    {"provider", FieldId::kProvider},
    {"operation", FieldId::kOperation},
    {"request_model", FieldId::kRequestModel},
    {"response_model", FieldId::kResponseModel},
    {"temperature", FieldId::kTemperature},
    {"top_p", FieldId::kTopP},
    {"max_tokens", FieldId::kMaxTokens},
    {"usage.input_tokens", FieldId::kInputTokens},
    {"usage.output_tokens", FieldId::kOutputTokens},
    {"finish_reasons", FieldId::kFinishReasons},
    {"tool.name", FieldId::kToolName},
    {"tool.call_id", FieldId::kToolCallId},
    {"tool.arguments", FieldId::kToolArguments},
    {"tool.result", FieldId::kToolResult},
    {"review.decision", FieldId::kReviewDecision},
    {"review.reviewer", FieldId::kReviewer},
    {"write.target", FieldId::kWriteTarget},
    {"write.record_id", FieldId::kWriteRecordId},
    {"write.action", FieldId::kWriteAction},
    {"content_policy", FieldId::kContentPolicy},
    {"duration_ms", FieldId::kDurationMs},
    {"input.text", FieldId::kInputText},
    {"output.text", FieldId::kOutputText},
    {"output.tool_calls", FieldId::kOutputToolCalls},
    {"documents.source", FieldId::kDocumentSources},
    {"documents.id", FieldId::kDocumentIds},
    {"documents.text", FieldId::kDocumentText},
    {"documents.count", FieldId::kDocumentCount},
    {"documents.score", FieldId::kDocumentScores},
    // Open-ended prefixes, listed for suggestions; a bare prefix names nothing.
    {"attributes.", FieldId::kAttribute},
    {"resource.", FieldId::kResourceAttribute},
    {"tool.arguments.", FieldId::kToolArguments},
}};

// "a.b.0.c" → {"a", "b", "0", "c"}; nullopt on an empty segment.
std::optional<std::vector<std::string>> split_path(std::string_view path) {
  std::vector<std::string> parts;
  while (true) {
    const std::size_t dot = path.find('.');
    const std::string_view part = path.substr(0, dot);
    if (part.empty()) return std::nullopt;
    parts.emplace_back(part);
    if (dot == std::string_view::npos) return parts;
    path.remove_prefix(dot + 1);
  }
}

}  // namespace

std::optional<FieldRef> parse_field(std::string_view name) {
  FieldRef ref;
  ref.name = std::string(name);
  for (const auto& field : kFields) {
    if (field.name.back() != '.' && field.name == name) {
      ref.id = field.id;
      return ref;
    }
  }
  const auto with_prefix = [&](std::string_view prefix, FieldId id,
                               bool json_path) -> std::optional<FieldRef> {
    if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) {
      return std::nullopt;
    }
    const std::string_view rest = name.substr(prefix.size());
    ref.id = id;
    if (json_path) {
      auto parts = split_path(rest);
      if (!parts) return std::nullopt;
      ref.path = std::move(*parts);
    } else {
      ref.path = {std::string(rest)};  // attribute keys keep their dots
    }
    return ref;
  };
  if (auto r = with_prefix("tool.arguments.", FieldId::kToolArguments, true)) return r;
  if (auto r = with_prefix("tool.result.", FieldId::kToolResult, true)) return r;
  if (auto r = with_prefix("attributes.", FieldId::kAttribute, false)) return r;
  if (auto r = with_prefix("resource.", FieldId::kResourceAttribute, false)) return r;
  return std::nullopt;
}

const std::vector<std::string>& field_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& field : kFields) out.emplace_back(field.name);
    out.emplace_back("tool.result.");
    return out;
  }();
  return names;
}

bool is_numeric_field(FieldId id) {
  switch (id) {
    case FieldId::kTemperature:
    case FieldId::kTopP:
    case FieldId::kMaxTokens:
    case FieldId::kInputTokens:
    case FieldId::kOutputTokens:
    case FieldId::kDurationMs:
    case FieldId::kDocumentCount:
    case FieldId::kDocumentScores:
      return true;
    default:
      return false;
  }
}

}  // namespace aiir::detect
