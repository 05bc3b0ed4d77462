// The OpenTelemetry GenAI semantic conventions, in their current form and the older one many
// instrumentations still emit, and OpenLLMetry's indexed prompt/completion attributes.
#include <map>

#include "ingest/dialects.h"
#include "ingest/genai_messages.h"

namespace aiir::ingest::dialect {
namespace {

namespace json = boost::json;

// gen_ai.prompt.<i>.role / .content / .tool_calls.<m>.name|arguments and the same under
// gen_ai.completion.<i> (with .finish_reason), as OpenLLMetry (Traceloop) writes them.
std::vector<model::Message> openllmetry_messages(AttributeView& a, std::string_view prefix,
                                                 std::vector<std::string>* finish_reasons) {
  IndexedMessages messages;
  for (auto [key, value] : a.with_prefix(prefix)) {
    std::string_view rest;
    auto index = leading_index(key, rest);
    if (!index) continue;
    model::Message& m = messages.message(*index);
    if (rest == ".role") {
      m.role = to_text(*value);
    } else if (rest == ".content") {
      // Some versions store the content as a JSON array of parts; keep it whole if no part is text.
      json::value content = json_of(*value);
      m.content = content_text(content);
      if (m.content.empty() && content.is_array()) m.content = json_text(content);
    } else if (rest == ".finish_reason") {
      if (finish_reasons != nullptr) finish_reasons->push_back(to_text(*value));
    } else if (rest.rfind(".tool_calls.", 0) == 0) {
      std::string_view call_rest;
      auto call = leading_index(rest.substr(12), call_rest);
      if (!call) continue;
      if (call_rest == ".name") messages.tool_call(*index, *call).first = to_text(*value);
      if (call_rest == ".arguments") messages.tool_call(*index, *call).second = to_text(*value);
    }
  }
  return messages.take();
}

// The span event's attributes as one JSON object, the payload shape of the older conventions.
json::value event_payload(const OtlpEvent& event) {
  json::object o;
  for (const auto& kv : event.attributes) o[kv.key] = json_of(kv.value);
  // The oldest form: gen_ai.content.prompt / gen_ai.content.completion events holding the whole
  // message list as JSON under gen_ai.prompt / gen_ai.completion.
  return o;
}

void messages_from_events(const OtlpSpan& span, model::AiSpan& out) {
  bool had_input = !out.input_messages.empty();
  bool had_output = !out.output_messages.empty();
  for (const auto& event : span.events) {
    json::value payload = event_payload(event);
    if (event.name == "gen_ai.content.prompt" || event.name == "gen_ai.content.completion") {
      bool is_prompt = event.name == "gen_ai.content.prompt";
      const json::value* list =
          payload.as_object().if_contains(is_prompt ? "gen_ai.prompt" : "gen_ai.completion");
      if (list == nullptr) continue;
      auto messages = messages_from_parts_json(*list, nullptr);
      auto& target = is_prompt ? out.input_messages : out.output_messages;
      if (!(is_prompt ? had_input : had_output)) {
        target.insert(target.end(), messages.begin(), messages.end());
      }
      continue;
    }
    auto message = message_from_event(event.name, payload);
    if (!message) continue;
    if (message->is_output) {
      if (had_output) continue;
      out.output_messages.push_back(std::move(message->message));
      if (!message->finish_reason.empty()) out.finish_reasons.push_back(message->finish_reason);
    } else if (!had_input) {
      out.input_messages.push_back(std::move(message->message));
    }
  }
}

}  // namespace

void map_genai(AttributeView& a, const OtlpSpan& span, model::AiSpan& out, KindHints& hints) {
  bool present = a.has_prefix("gen_ai.") || a.has_prefix("llm.") ||
                 a.has_prefix("traceloop.") || !span.events.empty();
  if (!present) return;
  fill(out.operation, a.text("gen_ai.operation.name"));
  fill(out.provider, a.text("gen_ai.provider.name"));
  fill(out.provider, a.text("gen_ai.system"));
  fill(out.request_model, a.text("gen_ai.request.model"));
  fill(out.response_model, a.text("gen_ai.response.model"));
  fill(out.temperature, a.number("gen_ai.request.temperature"));
  fill(out.top_p, a.number("gen_ai.request.top_p"));
  fill(out.max_tokens, a.integer("gen_ai.request.max_tokens"));
  fill(out.usage.input, a.integer("gen_ai.usage.input_tokens"));
  fill(out.usage.input, a.integer("gen_ai.usage.prompt_tokens"));
  fill(out.usage.output, a.integer("gen_ai.usage.output_tokens"));
  fill(out.usage.output, a.integer("gen_ai.usage.completion_tokens"));
  if (out.finish_reasons.empty()) out.finish_reasons = a.strings("gen_ai.response.finish_reasons");
  fill(out.session_id, a.text("gen_ai.conversation.id"));
  fill(out.tool_name, a.text("gen_ai.tool.name"));
  fill(out.tool_call_id, a.text("gen_ai.tool.call.id"));
  fill(out.tool_arguments, a.text("gen_ai.tool.call.arguments"));
  fill(out.tool_result, a.text("gen_ai.tool.call.result"));

  // Current conventions: whole message lists as JSON.
  if (out.input_messages.empty()) {
    if (const AnyValue* system = a.find("gen_ai.system_instructions")) {
      json::value parts = json_of(*system);
      model::Message instructions{"system", "", {}};
      if (parts.is_array()) {
        for (const auto& part : parts.as_array()) {
          if (const auto* c = part.is_object() ? part.as_object().if_contains("content") : nullptr) {
            if (!instructions.content.empty()) instructions.content += "\n";
            instructions.content += json_text(*c);
          }
        }
      } else {
        instructions.content = json_text(parts);
      }
      out.input_messages.push_back(std::move(instructions));
    }
    if (const AnyValue* input = a.find("gen_ai.input.messages")) {
      json::monotonic_resource scratch;  // the parsed list lives only while it is read
      auto messages = messages_from_parts_json(json_of(*input, &scratch), nullptr);
      out.input_messages.insert(out.input_messages.end(), messages.begin(), messages.end());
    }
  }
  if (out.output_messages.empty()) {
    if (const AnyValue* output = a.find("gen_ai.output.messages")) {
      json::monotonic_resource scratch;
      std::vector<std::string> reasons;
      out.output_messages = messages_from_parts_json(json_of(*output, &scratch), &reasons);
      if (out.finish_reasons.empty()) out.finish_reasons = std::move(reasons);
    }
  }

  // OpenLLMetry.
  if (out.input_messages.empty()) out.input_messages = openllmetry_messages(a, "gen_ai.prompt.", nullptr);
  if (out.output_messages.empty()) {
    std::vector<std::string> reasons;
    out.output_messages = openllmetry_messages(a, "gen_ai.completion.", &reasons);
    if (out.finish_reasons.empty()) out.finish_reasons = std::move(reasons);
  }
  if (auto type = a.text("llm.request.type")) fill(out.operation, type);
  if (auto kind = a.text("traceloop.span.kind")) hints.traceloop = *kind;
  a.ignore("llm.usage.total_tokens");
  fill(out.prompt_version, a.text("traceloop.prompt.version"));
  if (hints.traceloop == "tool") {
    fill(out.tool_name, a.text("traceloop.entity.name"));
    fill(out.tool_arguments, a.text("traceloop.entity.input"));
    fill(out.tool_result, a.text("traceloop.entity.output"));
  }

  // Older conventions: one event per message on the span.
  messages_from_events(span, out);
}

}  // namespace aiir::ingest::dialect
