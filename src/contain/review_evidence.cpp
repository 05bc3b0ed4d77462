#include "contain/review_evidence.h"

#include <algorithm>
#include <string_view>

namespace aiir::contain {
namespace {

namespace json = boost::json;
using model::AiSpan;
using model::SpanKind;

// Cuts `text` to at most `max` bytes at a UTF-8 character boundary, noting that it did.
std::string cut(const std::string& text, std::size_t max, bool& truncated) {
  if (text.size() <= max) return text;
  truncated = true;
  std::size_t end = max;
  // Step back over continuation bytes (10xxxxxx) so that no character is split.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

// Distinct non-empty values, in order of first appearance.
void add_distinct(json::array& out, const std::string& value) {
  if (value.empty()) return;
  for (const auto& v : out) {
    if (v.is_string() && v.get_string() == value) return;
  }
  out.emplace_back(value);
}

// Tool arguments as JSON when they are JSON (they usually are), as text otherwise.
json::value arguments_value(const std::string& text, std::size_t max, bool& truncated) {
  if (text.empty()) return nullptr;
  if (text.size() <= max) {
    boost::system::error_code ec;
    json::value parsed = json::parse(text, ec);
    if (!ec) return parsed;
  }
  return json::value(cut(text, max, truncated));
}

json::array messages_json(const std::vector<model::Message>& messages,
                          const EvidenceLimits& limits, bool& truncated) {
  json::array out;
  // The newest messages matter most: the question being answered is at the end.
  const std::size_t skip =
      messages.size() > limits.max_messages ? messages.size() - limits.max_messages : 0;
  if (skip > 0) truncated = true;
  for (std::size_t i = skip; i < messages.size(); ++i) {
    const auto& m = messages[i];
    json::object o{{"role", m.role}, {"content", cut(m.content, limits.max_text_bytes, truncated)}};
    if (!m.tool_calls.empty()) {
      json::array calls;
      for (const auto& [tool, arguments] : m.tool_calls) {
        calls.push_back(json::object{
            {"tool", tool},
            {"arguments", arguments_value(arguments, limits.max_text_bytes, truncated)}});
      }
      o["tool_calls"] = std::move(calls);
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

json::object review_evidence(const std::string& trace_id, TraceLookup lookup,
                             const std::vector<AiSpan>& spans, const std::string& error,
                             EvidenceLimits limits) {
  json::object out;
  if (lookup == TraceLookup::kUnreadable) {
    out["trace"] = "unreadable";
    out["trace_id"] = trace_id;
    out["note"] = "the trace could not be read: " + error + "; ask again, or read it with `aiir "
                  "traces show " + trace_id + "`";
    return out;
  }
  if (lookup == TraceLookup::kNotStored || spans.empty()) {
    out["trace"] = "not stored yet";
    out["trace_id"] = trace_id;
    out["note"] =
        "no span of this trace has reached aiir, so the retrieved documents, tool calls and "
        "versions behind this output cannot be shown. Spans may still be in the application's "
        "exporter queue (look again in a moment); if they never come, the application does not "
        "export traces for this workflow, or sent a different trace id. Only what the "
        "application submitted is shown meanwhile.";
    return out;
  }

  bool truncated = false;
  json::array prompt_versions, model_versions, index_versions, models, policies;
  json::array documents, tool_calls, errors;
  std::size_t documents_total = 0, tool_calls_total = 0;
  const AiSpan* last_llm = nullptr;
  for (const auto& span : spans) {
    add_distinct(prompt_versions, span.prompt_version);
    add_distinct(model_versions, span.model_version);
    add_distinct(index_versions, span.index_version);
    add_distinct(models, span.response_model.empty() ? span.request_model : span.response_model);
    add_distinct(policies, span.content_policy);
    if (span.kind == SpanKind::kLlm) last_llm = &span;
    for (const auto& d : span.documents) {
      if (++documents_total > limits.max_documents) continue;
      json::object doc{{"span_id", span.span_id}, {"id", d.id}, {"source", d.source},
                       {"content", cut(d.content, limits.max_text_bytes, truncated)}};
      if (d.score) doc["score"] = *d.score;
      documents.push_back(std::move(doc));
    }
    if (!span.tool_name.empty() && span.kind == SpanKind::kTool) {
      if (++tool_calls_total > limits.max_tool_calls) continue;
      json::object call{{"span_id", span.span_id},
                        {"tool", span.tool_name},
                        {"arguments", arguments_value(span.tool_arguments, limits.max_text_bytes,
                                                      truncated)},
                        {"status", model::to_string(span.status)}};
      if (!span.tool_result.empty()) {
        call["result"] = cut(span.tool_result, limits.max_text_bytes, truncated);
      }
      tool_calls.push_back(std::move(call));
    }
    if (span.status == model::SpanStatus::kError) {
      const std::string& message =
          span.status_message.empty() ? span.error_type : span.status_message;
      errors.push_back(
          json::object{{"span_id", span.span_id}, {"name", span.name}, {"message", message}});
    }
  }
  if (documents_total > limits.max_documents || tool_calls_total > limits.max_tool_calls) {
    truncated = true;
  }

  out["trace"] = "stored";
  out["trace_id"] = trace_id;
  out["spans"] = spans.size();
  out["versions"] = json::object{{"prompt", std::move(prompt_versions)},
                                 {"model", std::move(model_versions)},
                                 {"index", std::move(index_versions)}};
  out["models"] = std::move(models);
  out["content_policy"] = std::move(policies);
  out["retrieved_documents"] = std::move(documents);
  out["retrieved_documents_total"] = documents_total;
  out["tool_calls"] = std::move(tool_calls);
  out["tool_calls_total"] = tool_calls_total;
  out["conversation"] = last_llm != nullptr
                            ? messages_json(last_llm->input_messages, limits, truncated)
                            : json::array();
  out["errors"] = std::move(errors);
  out["truncated"] = truncated;
  return out;
}

json::object evidence_summary(const json::object& evidence) {
  json::object out;
  for (std::string_view key : {"trace", "trace_id"}) {
    if (const auto* v = evidence.if_contains(key)) out[key] = *v;
  }
  if (const auto* v = evidence.if_contains("retrieved_documents_total")) {
    out["retrieved_documents"] = *v;
  }
  if (const auto* v = evidence.if_contains("tool_calls_total")) out["tool_calls"] = *v;
  if (const auto* versions = evidence.if_contains("versions"); versions && versions->is_object()) {
    if (const auto* prompt = versions->get_object().if_contains("prompt")) {
      out["prompt_versions"] = *prompt;
    }
  }
  return out;
}

}  // namespace aiir::contain
