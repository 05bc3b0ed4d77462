#pragma once
// The fields of an AiSpan that detector conditions, group-by keys and duplicate keys name, e.g.
// `kind`, `tool.name`, `tool.arguments.order_id`, `attributes.customer.segment`, `output.text`.
//
// A field yields zero or more values: none when the span lacks it, several for lists (finish
// reasons, retrieved document sources) and JSON arrays. A condition holds when any value does.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aiir::detect {

enum class FieldId {
  kTraceId, kSpanId, kParentSpanId, kName, kKind, kStatus, kStatusMessage, kErrorType,
  kWorkflow, kService, kUserId, kSessionId, kAccountId, kRecordId,
  kPromptVersion, kModelVersion, kIndexVersion,
  kProvider, kOperation, kRequestModel, kResponseModel, kTemperature, kTopP, kMaxTokens,
  kInputTokens, kOutputTokens, kFinishReasons,
  kToolName, kToolCallId,
  kToolArguments,  // the whole JSON text, or with a path: a value inside it
  kToolResult,     // likewise
  kReviewDecision, kReviewer,
  kWriteTarget, kWriteRecordId, kWriteAction,
  kContentPolicy, kDurationMs,
  kInputText,       // all input message content, one value per message
  kOutputText,      // all output message content, one value per message
  kOutputToolCalls, // names of tools the model asked to call in its output
  kDocumentSources, kDocumentIds, kDocumentText, kDocumentCount, kDocumentScores,
  kAttribute,          // attributes.<key>: an attribute no mapping claimed (path: [key, ...json])
  kResourceAttribute,  // resource.<key>
};

struct FieldRef {
  FieldId id = FieldId::kName;
  // For tool.arguments / tool.result: the JSON path below it ("order.id" → {"order", "id"};
  // an all-digit segment also indexes an array). For attributes.<key> / resource.<key>: path[0]
  // is the attribute key (which may contain dots; the longest key is taken as written).
  std::vector<std::string> path;
  std::string name;  // as written in the detector file, for messages and observed values
};

// Parses a field name. nullopt when it names no field (see field_names() for suggestions).
std::optional<FieldRef> parse_field(std::string_view name);

// The fixed field names (without the open-ended prefixes), for "did you mean" and the docs.
const std::vector<std::string>& field_names();

// True for fields whose values are numbers (temperature, tokens, duration_ms, document count and
// scores); JSON paths and attributes may be either and are compared by what they hold.
bool is_numeric_field(FieldId id);

}  // namespace aiir::detect
