// OpenInference (Arize Phoenix and its instrumentations): openinference.span.kind, llm.*,
// tool.*, retrieval.documents.*, input.value / output.value, session.id, user.id.
#include <map>

#include "ingest/dialects.h"
#include "ingest/genai_messages.h"

namespace aiir::ingest::dialect {
namespace {

namespace json = boost::json;

// llm.input_messages.<i>.message.role / .content / .contents.<k>.message_content.text /
// .tool_calls.<m>.tool_call.function.name|arguments
std::vector<model::Message> indexed_messages(AttributeView& a, std::string_view prefix) {
  IndexedMessages messages;
  std::map<std::size_t, std::map<std::size_t, std::string>> contents;  // multi-part content
  for (auto [key, value] : a.with_prefix(prefix)) {
    std::string_view rest;
    auto index = leading_index(key, rest);
    if (!index) continue;
    model::Message& m = messages.message(*index);
    if (rest == ".message.role") {
      m.role = to_text(*value);
    } else if (rest == ".message.content") {
      m.content = to_text(*value);
    } else if (rest.rfind(".message.contents.", 0) == 0) {
      std::string_view part_rest;
      auto part = leading_index(rest.substr(18), part_rest);
      if (part && part_rest == ".message_content.text") contents[*index][*part] = to_text(*value);
    } else if (rest.rfind(".message.tool_calls.", 0) == 0) {
      std::string_view call_rest;
      auto call = leading_index(rest.substr(20), call_rest);
      if (!call) continue;
      if (call_rest == ".tool_call.function.name") {
        messages.tool_call(*index, *call).first = to_text(*value);
      }
      if (call_rest == ".tool_call.function.arguments") {
        messages.tool_call(*index, *call).second = to_text(*value);
      }
    }
  }
  for (auto& [index, parts] : contents) {
    model::Message& m = messages.message(index);
    if (!m.content.empty()) continue;
    for (const auto& [part, text] : parts) {
      if (!m.content.empty()) m.content += "\n";
      m.content += text;
    }
  }
  return messages.take();
}

std::vector<model::RetrievedDocument> documents(AttributeView& a, std::string_view prefix) {
  std::map<std::size_t, model::RetrievedDocument> by_index;
  for (auto [key, value] : a.with_prefix(prefix)) {
    std::string_view rest;
    auto index = leading_index(key, rest);
    if (!index) continue;
    auto& d = by_index[*index];
    if (rest == ".document.id") d.id = to_text(*value);
    if (rest == ".document.content") d.content = to_text(*value);
    if (rest == ".document.score") {
      if (value->type == AnyValue::Type::kDouble) d.score = value->double_value;
      if (value->type == AnyValue::Type::kInt) d.score = static_cast<double>(value->int_value);
    }
    if (rest == ".document.metadata") {
      json::value metadata = json_of(*value);
      if (const auto* source = metadata.is_object() ? metadata.as_object().if_contains("source")
                                                    : nullptr) {
        d.source = json_text(*source);
      }
    }
  }
  std::vector<model::RetrievedDocument> out;
  for (auto& [index, d] : by_index) out.push_back(std::move(d));
  return out;
}

void invocation_parameters(AttributeView& a, model::AiSpan& out) {
  const AnyValue* params = a.find("llm.invocation_parameters");
  if (params == nullptr) return;
  json::value v = json_of(*params);
  if (!v.is_object()) return;
  const auto& o = v.as_object();
  auto number = [&](std::string_view key) -> std::optional<double> {
    const json::value* x = o.if_contains(key);
    if (x == nullptr || !x->is_number()) return std::nullopt;
    return x->to_number<double>();
  };
  fill(out.temperature, number("temperature"));
  fill(out.top_p, number("top_p"));
  for (const char* key : {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
    if (auto n = number(key); n && !out.max_tokens) out.max_tokens = static_cast<std::int64_t>(*n);
  }
  if (const json::value* model = o.if_contains("model"); model && model->is_string()) {
    fill(out.request_model, std::optional<std::string>(std::string(model->as_string())));
  }
}

}  // namespace

void map_openinference(AttributeView& a, model::AiSpan& out, KindHints& hints) {
  bool present = a.has("openinference.span.kind") || a.has_prefix("llm.") ||
                 a.has_prefix("retrieval.documents.") || a.has("input.value");
  if (!present) return;
  if (auto kind = a.text("openinference.span.kind")) hints.openinference = *kind;

  invocation_parameters(a, out);
  fill(out.response_model, a.text("llm.model_name"));
  // OpenInference names the model that answered; the requested one is in the parameters.
  if (out.request_model.empty()) out.request_model = out.response_model;
  fill(out.request_model, a.text("embedding.model_name"));
  fill(out.provider, a.text("llm.provider"));
  fill(out.provider, a.text("llm.system"));
  fill(out.usage.input, a.integer("llm.token_count.prompt"));
  fill(out.usage.output, a.integer("llm.token_count.completion"));
  a.ignore("llm.token_count.total");
  fill(out.prompt_version, a.text("llm.prompt_template.version"));
  if (out.finish_reasons.empty()) out.finish_reasons = a.strings("llm.finish_reason");

  if (out.input_messages.empty()) out.input_messages = indexed_messages(a, "llm.input_messages.");
  if (out.output_messages.empty()) out.output_messages = indexed_messages(a, "llm.output_messages.");
  if (out.documents.empty()) out.documents = documents(a, "retrieval.documents.");

  fill(out.tool_name, a.text("tool.name"));
  fill(out.tool_name, a.text("tool_call.function.name"));
  fill(out.tool_arguments, a.text("tool_call.function.arguments"));
  fill(out.tool_call_id, a.text("tool_call.id"));

  // input.value / output.value carry the step's whole input and output. For a tool they are its
  // arguments and result; for an LLM step they repeat the messages read above; for other steps
  // they are the only record of the content, kept as messages so the content policy applies.
  auto input = a.text("input.value");
  auto output = a.text("output.value");
  a.ignore("input.mime_type");
  a.ignore("output.mime_type");
  if (hints.openinference == "TOOL") {
    fill(out.tool_arguments, input);
    fill(out.tool_result, output);
  } else if (hints.openinference != "LLM") {
    if (input && out.input_messages.empty()) out.input_messages.push_back({"input", *input, {}});
    if (output && out.output_messages.empty()) {
      out.output_messages.push_back({"output", *output, {}});
    }
  }
}

}  // namespace aiir::ingest::dialect
