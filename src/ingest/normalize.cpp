#include "ingest/normalize.h"

#include <cctype>

#include "ingest/attributes.h"
#include "ingest/dialects.h"

namespace aiir::ingest {

namespace dialect {

std::optional<std::size_t> leading_index(std::string_view key, std::string_view& rest) {
  std::size_t i = 0;
  std::size_t value = 0;
  while (i < key.size() && std::isdigit(static_cast<unsigned char>(key[i])) && i < 6) {
    value = value * 10 + static_cast<std::size_t>(key[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  rest = key.substr(i);
  return value;
}

std::vector<model::Message> IndexedMessages::take() {
  std::vector<model::Message> out;
  out.reserve(messages_.size());
  for (auto& [index, message] : messages_) {
    for (auto& [call, name_args] : calls_[index]) message.tool_calls.push_back(std::move(name_args));
    out.push_back(std::move(message));
  }
  messages_.clear();
  calls_.clear();
  return out;
}

}  // namespace dialect

namespace {

using model::SpanKind;

std::optional<SpanKind> kind_from_openinference(std::string_view k) {
  if (k == "LLM") return SpanKind::kLlm;
  if (k == "TOOL") return SpanKind::kTool;
  if (k == "RETRIEVER" || k == "RERANKER") return SpanKind::kRetrieval;
  if (k == "EMBEDDING") return SpanKind::kEmbedding;
  if (k == "AGENT") return SpanKind::kAgent;
  if (k == "CHAIN") return SpanKind::kChain;
  if (k == "GUARDRAIL") return SpanKind::kGuardrail;
  if (k == "EVALUATOR") return SpanKind::kEvaluator;
  if (k.empty()) return std::nullopt;
  return SpanKind::kOther;
}

std::optional<SpanKind> kind_from_operation(std::string_view op) {
  if (op == "chat" || op == "text_completion" || op == "generate_content" ||
      op == "completion") {
    return SpanKind::kLlm;
  }
  if (op == "embeddings" || op == "embedding") return SpanKind::kEmbedding;
  if (op == "execute_tool") return SpanKind::kTool;
  if (op == "invoke_agent" || op == "create_agent") return SpanKind::kAgent;
  if (op == "retrieval" || op == "retrieve") return SpanKind::kRetrieval;
  return std::nullopt;
}

std::optional<SpanKind> kind_from_traceloop(std::string_view k) {
  if (k == "tool") return SpanKind::kTool;
  if (k == "agent") return SpanKind::kAgent;
  if (k == "workflow" || k == "task") return SpanKind::kChain;
  return std::nullopt;
}

// Precedence: what the application said (aiir.kind), then the most specific dialect, then what
// the fields imply.
SpanKind decide_kind(const dialect::KindHints& hints, const model::AiSpan& s) {
  if (hints.aiir) return *hints.aiir;
  if (auto k = kind_from_openinference(hints.openinference)) return *k;
  if (auto k = kind_from_operation(s.operation)) return *k;
  if (auto k = kind_from_traceloop(hints.traceloop)) return *k;
  if (!s.review_decision.empty()) return SpanKind::kReview;
  if (!s.write_target.empty()) return SpanKind::kWrite;
  if (!s.tool_name.empty()) return SpanKind::kTool;
  if (!s.documents.empty()) return SpanKind::kRetrieval;
  if (!s.request_model.empty() || !s.response_model.empty()) return SpanKind::kLlm;
  return SpanKind::kOther;
}

std::string string_attribute(const Attributes& attributes, std::string_view key) {
  for (auto it = attributes.rbegin(); it != attributes.rend(); ++it) {
    if (it->key == key && it->value.type == AnyValue::Type::kString) return it->value.string_value;
  }
  return "";
}

// Resource attributes that attribution and the span's own fields use; the rest are kept.
std::vector<model::Attribute> kept_resource_attributes(const Attributes& resource) {
  std::vector<model::Attribute> out;
  for (const auto& kv : resource) {
    if (kv.key == "service.name" || kv.key == "aiir.workflow") continue;
    out.push_back({kv.key, to_json_text(kv.value)});
  }
  return out;
}

}  // namespace

std::optional<std::string> unusable_reason(const OtlpSpan& span) {
  if (!model::valid_trace_id(span.trace_id)) {
    return "traceId must be 16 bytes (32 hex characters), not all zero";
  }
  if (!model::valid_span_id(span.span_id)) {
    return "spanId must be 8 bytes (16 hex characters), not all zero";
  }
  // Some exporters write a root's missing parent as eight zero bytes: accepted like an empty one.
  bool zero_parent = span.parent_span_id == "0000000000000000";
  if (!span.parent_span_id.empty() && !zero_parent && !model::valid_span_id(span.parent_span_id)) {
    return "parentSpanId must be empty or 8 bytes (16 hex characters)";
  }
  return std::nullopt;
}

std::string workflow_of_resource(const Attributes& resource, const config::Config& config) {
  std::string workflow = string_attribute(resource, "aiir.workflow");
  if (!workflow.empty()) return workflow;
  if (const auto* w = config.workflow_for_service(string_attribute(resource, "service.name"))) {
    return w->id;
  }
  return "";
}

model::AiSpan normalize_span(const OtlpSpan& span, const Attributes& resource,
                             const config::Config& config) {
  model::AiSpan out;
  out.trace_id = span.trace_id;
  out.span_id = span.span_id;
  out.parent_span_id = span.parent_span_id;
  out.name = span.name;
  out.start_time = span.start_time;
  out.end_time = span.end_time;
  out.status = span.status_code == OtlpStatusCode::kOk      ? model::SpanStatus::kOk
               : span.status_code == OtlpStatusCode::kError ? model::SpanStatus::kError
                                                            : model::SpanStatus::kUnset;
  out.status_message = span.status_message;
  out.service_name = string_attribute(resource, "service.name");

  AttributeView a(span.attributes);
  dialect::KindHints hints;
  dialect::map_aiir(a, out, hints);
  dialect::map_openinference(a, out, hints);
  dialect::map_genai(a, span, out, hints);
  // Identity of the person and conversation, shared by OpenTelemetry and OpenInference.
  dialect::fill(out.user_id, a.text("user.id"));
  dialect::fill(out.user_id, a.text("enduser.id"));
  dialect::fill(out.session_id, a.text("session.id"));
  dialect::fill(out.error_type, a.text("error.type"));
  if (out.model_version.empty()) {
    out.model_version = out.response_model.empty() ? out.request_model : out.response_model;
  }
  out.kind = decide_kind(hints, out);

  std::string workflow = string_attribute(span.attributes, "aiir.workflow");
  out.workflow = workflow.empty() ? workflow_of_resource(resource, config) : workflow;
  out.registered = !out.workflow.empty() && config.find_workflow(out.workflow) != nullptr;

  out.attributes = a.unclaimed();
  out.resource_attributes = kept_resource_attributes(resource);
  return out;
}

}  // namespace aiir::ingest
