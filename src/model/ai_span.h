#pragma once
// AiSpan: one step of an AI workflow, normalized from whichever attribute dialect the
// instrumentation spoke (OpenTelemetry GenAI current and older forms, OpenLLMetry, OpenInference,
// aiir.*). Every later stage — detection, incidents, investigation, evidence — reads this type
// only, never the raw OTLP attributes.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace aiir::model {

enum class SpanKind {
  kLlm, kTool, kRetrieval, kEmbedding, kAgent, kChain, kGuardrail, kEvaluator, kReview, kWrite,
  kOther
};
std::string_view to_string(SpanKind kind);

// OTLP identifiers as aiir stores them: hex (either case), trace ids 32 characters and span ids
// 16, not all zero.
bool valid_trace_id(std::string_view id);
bool valid_span_id(std::string_view id);
std::optional<SpanKind> parse_span_kind(std::string_view text);

enum class SpanStatus { kUnset, kOk, kError };
std::string_view to_string(SpanStatus status);

struct Message {
  std::string role;     // system | user | assistant | tool
  std::string content;  // text, after the workflow's content policy was applied
  std::vector<std::pair<std::string, std::string>> tool_calls;  // (tool name, arguments JSON)
};

struct RetrievedDocument {
  std::string id;
  std::string source;
  std::optional<double> score;
  std::string content;  // after the content policy
};

struct TokenUsage {
  std::optional<std::int64_t> input;
  std::optional<std::int64_t> output;
};

// An attribute that no mapping claimed, kept verbatim as JSON text of its OTLP AnyValue
// (strings stay quoted), so nothing the application sent is lost.
struct Attribute {
  std::string key;
  std::string json_value;
};

struct AiSpan {
  // Identity (lower-case hex as in OTLP JSON).
  std::string trace_id;        // 32 hex
  std::string span_id;         // 16 hex
  std::string parent_span_id;  // empty at the root
  std::string name;
  SpanKind kind = SpanKind::kOther;
  core::UnixNanos start_time = 0;
  core::UnixNanos end_time = 0;
  SpanStatus status = SpanStatus::kUnset;
  std::string status_message;
  std::string error_type;

  // Where it belongs.
  std::string workflow;      // empty when no mapping found it; then `registered` is false
  bool registered = false;   // workflow is in the inventory
  std::string service_name;
  std::string user_id;
  std::string session_id;
  std::string account_id;
  std::string record_id;

  // Versions of the parts that produced it.
  std::string prompt_version;
  std::string model_version;
  std::string index_version;

  // Model call.
  std::string provider;        // openai, anthropic, aws.bedrock, ...
  std::string operation;       // chat, text_completion, embeddings, execute_tool, invoke_agent, ...
  std::string request_model;
  std::string response_model;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> max_tokens;
  TokenUsage usage;
  std::vector<std::string> finish_reasons;
  std::vector<Message> input_messages;
  std::vector<Message> output_messages;

  // Tool call.
  std::string tool_name;
  std::string tool_call_id;
  std::string tool_arguments;  // JSON text
  std::string tool_result;     // JSON or plain text

  // Retrieval.
  std::vector<RetrievedDocument> documents;

  // Human review.
  std::string review_decision;  // approved | rejected | edited
  std::string reviewer;

  // Downstream write.
  std::string write_target;     // crm.contact, payments.refund, ...
  std::string write_record_id;
  std::string write_action;     // create | update | delete | send | pay

  // The content policy that was applied at ingest (raw | redact | hash_only).
  std::string content_policy;

  std::vector<Attribute> attributes;           // span attributes no mapping claimed
  std::vector<Attribute> resource_attributes;  // resource attributes no mapping claimed
};

}  // namespace aiir::model
