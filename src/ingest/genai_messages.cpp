#include "ingest/genai_messages.h"

namespace aiir::ingest {
namespace {

namespace json = boost::json;

const json::value* member(const json::value& v, std::string_view key) {
  if (!v.is_object()) return nullptr;
  return v.as_object().if_contains(key);
}

std::string member_text(const json::value& v, std::string_view key) {
  const json::value* m = member(v, key);
  return m == nullptr || m->is_null() ? std::string() : json_text(*m);
}

json::value structural(const AnyValue& value, const json::storage_ptr& sp) {
  switch (value.type) {
    case AnyValue::Type::kEmpty: return json::value(nullptr, sp);
    case AnyValue::Type::kString:
    case AnyValue::Type::kBytes: return json::value(value.string_value, sp);
    case AnyValue::Type::kBool: return json::value(value.bool_value, sp);
    case AnyValue::Type::kInt: return json::value(value.int_value, sp);
    case AnyValue::Type::kDouble: return json::value(value.double_value, sp);
    case AnyValue::Type::kArray: {
      json::array a(sp);
      for (const auto& item : value.array_value) a.push_back(structural(item, sp));
      return a;
    }
    case AnyValue::Type::kKvList: {
      json::object o(sp);
      for (const auto& kv : value.kvlist_value) o[kv.key] = structural(kv.value, sp);
      return o;
    }
  }
  return json::value(nullptr, sp);
}

model::Message message_from_openai_shape(const json::value& m, std::string default_role) {
  model::Message out;
  out.role = member_text(m, "role");
  if (out.role.empty()) out.role = std::move(default_role);
  if (const json::value* content = member(m, "content")) out.content = content_text(*content);
  if (const json::value* calls = member(m, "tool_calls")) out.tool_calls = tool_calls_from_json(*calls);
  return out;
}

}  // namespace

json::value json_of(const AnyValue& value, json::storage_ptr sp) {
  if (value.type == AnyValue::Type::kString) {
    const std::string& s = value.string_value;
    auto first = s.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && (s[first] == '[' || s[first] == '{')) {
      boost::system::error_code ec;
      json::value parsed = json::parse(s, ec, sp);
      if (!ec) return parsed;
    }
    return json::value(s, sp);
  }
  return structural(value, sp);
}

std::string content_text(const json::value& content) {
  if (content.is_string()) return std::string(content.as_string());
  if (content.is_array()) {
    std::string out;
    for (const auto& part : content.as_array()) {
      std::string text = member_text(part, "text");
      if (text.empty()) text = member_text(part, "content");
      if (text.empty()) continue;
      if (!out.empty()) out += "\n";
      out += text;
    }
    return out;
  }
  if (content.is_null()) return "";
  return json::serialize(content);
}

std::string json_text(const json::value& value) {
  if (value.is_string()) return std::string(value.as_string());
  return json::serialize(value);
}

std::vector<std::pair<std::string, std::string>> tool_calls_from_json(const json::value& value) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!value.is_array()) return out;
  for (const auto& call : value.as_array()) {
    const json::value* function = member(call, "function");
    const json::value& source = function != nullptr ? *function : call;
    std::string name = member_text(source, "name");
    std::string arguments = member_text(source, "arguments");
    if (!name.empty() || !arguments.empty()) out.emplace_back(std::move(name), std::move(arguments));
  }
  return out;
}

std::vector<model::Message> messages_from_parts_json(const json::value& value,
                                                     std::vector<std::string>* finish_reasons) {
  std::vector<model::Message> out;
  if (!value.is_array()) return out;
  for (const auto& item : value.as_array()) {
    if (!item.is_object()) continue;
    model::Message message;
    message.role = member_text(item, "role");
    const json::value* parts = member(item, "parts");
    if (parts == nullptr) {
      // Not the parts form: the OpenAI-like {role, content, tool_calls} some libraries emit.
      out.push_back(message_from_openai_shape(item, message.role));
      continue;
    }
    if (parts->is_array()) {
      for (const auto& part : parts->as_array()) {
        std::string type = member_text(part, "type");
        if (type == "text" || type == "reasoning") {
          if (!message.content.empty()) message.content += "\n";
          message.content += member_text(part, "content");
        } else if (type == "tool_call") {
          message.tool_calls.emplace_back(member_text(part, "name"),
                                          member_text(part, "arguments"));
        } else if (type == "tool_call_response") {
          if (!message.content.empty()) message.content += "\n";
          message.content += member_text(part, "response");
        }
      }
    }
    if (finish_reasons != nullptr) {
      std::string reason = member_text(item, "finish_reason");
      if (!reason.empty()) finish_reasons->push_back(std::move(reason));
    }
    out.push_back(std::move(message));
  }
  return out;
}

std::optional<EventMessage> message_from_event(std::string_view event_name,
                                               const json::value& payload) {
  static constexpr std::pair<std::string_view, std::string_view> kInputEvents[] = {
      {"gen_ai.system.message", "system"},
      {"gen_ai.user.message", "user"},
      {"gen_ai.assistant.message", "assistant"},
      {"gen_ai.tool.message", "tool"},
  };
  for (const auto& [name, role] : kInputEvents) {
    if (event_name != name) continue;
    EventMessage out;
    out.message = message_from_openai_shape(payload, std::string(role));
    if (payload.is_string()) out.message.content = std::string(payload.as_string());
    return out;
  }
  if (event_name == "gen_ai.choice") {
    EventMessage out;
    out.is_output = true;
    const json::value* message = member(payload, "message");
    out.message = message_from_openai_shape(message != nullptr ? *message : payload, "assistant");
    out.finish_reason = member_text(payload, "finish_reason");
    return out;
  }
  return std::nullopt;
}

}  // namespace aiir::ingest
