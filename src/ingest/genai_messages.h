#pragma once
// The shapes in which GenAI instrumentations carry chat messages, read into model::Message:
//  - the current semantic conventions: `gen_ai.input.messages` / `gen_ai.output.messages`, a JSON
//    array of {role, parts: [{type: text, content} | {type: tool_call, id, name, arguments} |
//    {type: tool_call_response, id, response}], finish_reason}, sent as a JSON string or as a
//    structured AnyValue;
//  - the older event form, as span events or log records named `gen_ai.system.message`,
//    `gen_ai.user.message`, `gen_ai.assistant.message`, `gen_ai.tool.message` and `gen_ai.choice`,
//    whose body (or attributes) hold {content, role, tool_calls: [{id, function: {name,
//    arguments}}]} or, for a choice, {index, finish_reason, message: {...}}.

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/otlp.h"
#include "model/ai_span.h"

namespace aiir::ingest {

// The value as JSON: a string holding JSON is parsed (a plain string stays a JSON string), arrays
// and key-value lists convert structurally. `storage` lets a caller parse into a scratch buffer.
boost::json::value json_of(const AnyValue& value, boost::json::storage_ptr storage = {});

// Text of a JSON value for a content or arguments field: strings as they are, others serialized.
std::string json_text(const boost::json::value& value);

// Text of a message's content: a string, or the text parts of a content array
// ([{type: text, text: ...}], as OpenAI's API and several instrumentations send it).
std::string content_text(const boost::json::value& content);

// Messages of the current conventions. Finish reasons found on output messages are appended to
// `finish_reasons` when given.
std::vector<model::Message> messages_from_parts_json(const boost::json::value& value,
                                                     std::vector<std::string>* finish_reasons);

struct EventMessage {
  bool is_output = false;  // a choice (model output) rather than an input message
  model::Message message;
  std::string finish_reason;
};

// A message from an older-convention event; nullopt for events that are not messages.
// `payload` is the log body or an object built from the span event's attributes.
std::optional<EventMessage> message_from_event(std::string_view event_name,
                                               const boost::json::value& payload);

// Tool calls in OpenAI's shape [{id, type, function: {name, arguments}}] or the flat
// [{name, arguments}] some instrumentations use.
std::vector<std::pair<std::string, std::string>> tool_calls_from_json(
    const boost::json::value& value);

}  // namespace aiir::ingest
