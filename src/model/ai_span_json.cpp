#include "model/ai_span_json.h"

#include "core/clock.h"

namespace aiir::model {
namespace {

namespace json = boost::json;

void put(json::object& o, std::string_view key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

template <typename T>
void put(json::object& o, std::string_view key, const std::optional<T>& value) {
  if (value) o[key] = *value;
}

std::string get_string(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<double> get_double(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

std::optional<std::int64_t> get_int(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->to_number<std::int64_t>();
}

const json::object& get_object(const json::object& o, std::string_view key) {
  static const json::object kEmpty;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->as_object() : kEmpty;
}

const json::array& get_array(const json::object& o, std::string_view key) {
  static const json::array kEmpty;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? v->as_array() : kEmpty;
}

json::array messages_json(const std::vector<Message>& messages, const json::storage_ptr& sp) {
  json::array out(sp);
  for (const auto& m : messages) {
    json::object mo(sp);
    mo["role"] = m.role;
    // A message that only calls tools has no text; say nothing rather than "".
    if (!m.content.empty() || m.tool_calls.empty()) mo["content"] = m.content;
    if (!m.tool_calls.empty()) {
      json::array calls(sp);
      for (const auto& [name, arguments] : m.tool_calls) {
        json::object call(sp);
        call["name"] = name;
        call["arguments"] = arguments;
        calls.push_back(std::move(call));
      }
      mo["tool_calls"] = std::move(calls);
    }
    out.push_back(std::move(mo));
  }
  return out;
}

std::vector<Message> messages_from(const json::array& array) {
  std::vector<Message> out;
  for (const auto& item : array) {
    if (!item.is_object()) continue;
    const auto& mo = item.as_object();
    Message m{get_string(mo, "role"), get_string(mo, "content"), {}};
    for (const auto& call : get_array(mo, "tool_calls")) {
      if (call.is_object()) {
        m.tool_calls.emplace_back(get_string(call.as_object(), "name"),
                                  get_string(call.as_object(), "arguments"));
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

json::object attributes_json(const std::vector<Attribute>& attributes, const json::storage_ptr& sp) {
  json::object out(sp);
  for (const auto& a : attributes) {
    boost::system::error_code ec;
    json::value v = json::parse(a.json_value, ec, sp);
    out[a.key] = ec ? json::value(a.json_value, sp) : std::move(v);
  }
  return out;
}

std::vector<Attribute> attributes_from(const json::object& o) {
  std::vector<Attribute> out;
  for (const auto& [key, value] : o) {
    out.push_back({std::string(key), json::serialize(value)});
  }
  return out;
}

SpanStatus status_from(std::string_view text) {
  if (text == "ok") return SpanStatus::kOk;
  if (text == "error") return SpanStatus::kError;
  return SpanStatus::kUnset;
}

}  // namespace

json::object to_json(const AiSpan& s, json::storage_ptr sp) {
  json::object o(sp);
  o["trace_id"] = s.trace_id;
  o["span_id"] = s.span_id;
  put(o, "parent_span_id", s.parent_span_id);
  o["name"] = s.name;
  o["kind"] = to_string(s.kind);
  o["start_time"] = core::format_rfc3339(s.start_time);
  o["end_time"] = core::format_rfc3339(s.end_time);
  o["start_time_unix_nano"] = s.start_time;
  o["end_time_unix_nano"] = s.end_time;
  o["duration_ms"] = static_cast<double>(s.end_time - s.start_time) / 1e6;
  o["status"] = to_string(s.status);
  put(o, "status_message", s.status_message);
  put(o, "error_type", s.error_type);
  put(o, "workflow", s.workflow);
  o["registered"] = s.registered;
  put(o, "service_name", s.service_name);
  put(o, "user_id", s.user_id);
  put(o, "session_id", s.session_id);
  put(o, "account_id", s.account_id);
  put(o, "record_id", s.record_id);
  put(o, "prompt_version", s.prompt_version);
  put(o, "model_version", s.model_version);
  put(o, "index_version", s.index_version);
  put(o, "provider", s.provider);
  put(o, "operation", s.operation);
  put(o, "request_model", s.request_model);
  put(o, "response_model", s.response_model);
  put(o, "temperature", s.temperature);
  put(o, "top_p", s.top_p);
  put(o, "max_tokens", s.max_tokens);
  if (s.usage.input || s.usage.output) {
    json::object usage(sp);
    put(usage, "input_tokens", s.usage.input);
    put(usage, "output_tokens", s.usage.output);
    o["usage"] = std::move(usage);
  }
  if (!s.finish_reasons.empty()) {
    json::array reasons(sp);
    for (const auto& r : s.finish_reasons) reasons.emplace_back(r);
    o["finish_reasons"] = std::move(reasons);
  }
  if (!s.input_messages.empty()) o["input_messages"] = messages_json(s.input_messages, sp);
  if (!s.output_messages.empty()) o["output_messages"] = messages_json(s.output_messages, sp);
  if (!s.tool_name.empty() || !s.tool_arguments.empty() || !s.tool_result.empty()) {
    json::object tool(sp);
    put(tool, "name", s.tool_name);
    put(tool, "call_id", s.tool_call_id);
    put(tool, "arguments", s.tool_arguments);
    put(tool, "result", s.tool_result);
    o["tool"] = std::move(tool);
  }
  if (!s.documents.empty()) {
    json::array docs(sp);
    for (const auto& d : s.documents) {
      json::object doc(sp);
      put(doc, "id", d.id);
      put(doc, "source", d.source);
      put(doc, "score", d.score);
      put(doc, "content", d.content);
      docs.push_back(std::move(doc));
    }
    o["documents"] = std::move(docs);
  }
  if (!s.review_decision.empty() || !s.reviewer.empty()) {
    json::object review(sp);
    put(review, "decision", s.review_decision);
    put(review, "reviewer", s.reviewer);
    o["review"] = std::move(review);
  }
  if (!s.write_target.empty() || !s.write_record_id.empty() || !s.write_action.empty()) {
    json::object write(sp);
    put(write, "target", s.write_target);
    put(write, "record_id", s.write_record_id);
    put(write, "action", s.write_action);
    o["write"] = std::move(write);
  }
  put(o, "content_policy", s.content_policy);
  if (!s.attributes.empty()) o["attributes"] = attributes_json(s.attributes, sp);
  if (!s.resource_attributes.empty()) {
    o["resource_attributes"] = attributes_json(s.resource_attributes, sp);
  }
  return o;
}

AiSpan ai_span_from_json(const json::object& o) {
  AiSpan s;
  s.trace_id = get_string(o, "trace_id");
  s.span_id = get_string(o, "span_id");
  s.parent_span_id = get_string(o, "parent_span_id");
  s.name = get_string(o, "name");
  s.kind = parse_span_kind(get_string(o, "kind")).value_or(SpanKind::kOther);
  s.start_time = get_int(o, "start_time_unix_nano").value_or(0);
  s.end_time = get_int(o, "end_time_unix_nano").value_or(0);
  s.status = status_from(get_string(o, "status"));
  s.status_message = get_string(o, "status_message");
  s.error_type = get_string(o, "error_type");
  s.workflow = get_string(o, "workflow");
  if (const auto* r = o.if_contains("registered"); r != nullptr && r->is_bool()) {
    s.registered = r->as_bool();
  }
  s.service_name = get_string(o, "service_name");
  s.user_id = get_string(o, "user_id");
  s.session_id = get_string(o, "session_id");
  s.account_id = get_string(o, "account_id");
  s.record_id = get_string(o, "record_id");
  s.prompt_version = get_string(o, "prompt_version");
  s.model_version = get_string(o, "model_version");
  s.index_version = get_string(o, "index_version");
  s.provider = get_string(o, "provider");
  s.operation = get_string(o, "operation");
  s.request_model = get_string(o, "request_model");
  s.response_model = get_string(o, "response_model");
  s.temperature = get_double(o, "temperature");
  s.top_p = get_double(o, "top_p");
  s.max_tokens = get_int(o, "max_tokens");
  const auto& usage = get_object(o, "usage");
  s.usage.input = get_int(usage, "input_tokens");
  s.usage.output = get_int(usage, "output_tokens");
  for (const auto& r : get_array(o, "finish_reasons")) {
    if (r.is_string()) s.finish_reasons.emplace_back(r.as_string());
  }
  s.input_messages = messages_from(get_array(o, "input_messages"));
  s.output_messages = messages_from(get_array(o, "output_messages"));
  const auto& tool = get_object(o, "tool");
  s.tool_name = get_string(tool, "name");
  s.tool_call_id = get_string(tool, "call_id");
  s.tool_arguments = get_string(tool, "arguments");
  s.tool_result = get_string(tool, "result");
  for (const auto& d : get_array(o, "documents")) {
    if (!d.is_object()) continue;
    const auto& doc = d.as_object();
    s.documents.push_back({get_string(doc, "id"), get_string(doc, "source"),
                           get_double(doc, "score"), get_string(doc, "content")});
  }
  const auto& review = get_object(o, "review");
  s.review_decision = get_string(review, "decision");
  s.reviewer = get_string(review, "reviewer");
  const auto& write = get_object(o, "write");
  s.write_target = get_string(write, "target");
  s.write_record_id = get_string(write, "record_id");
  s.write_action = get_string(write, "action");
  s.content_policy = get_string(o, "content_policy");
  s.attributes = attributes_from(get_object(o, "attributes"));
  s.resource_attributes = attributes_from(get_object(o, "resource_attributes"));
  return s;
}

}  // namespace aiir::model
