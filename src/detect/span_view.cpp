#include "detect/span_view.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace aiir::detect {
namespace {

namespace json = boost::json;

std::optional<json::value> parse_json(std::string_view text) {
  if (text.empty()) return std::nullopt;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return std::nullopt;
  return value;
}

// Follows `path` from `root`: object members by name, array elements by an all-digit segment.
const json::value* follow(const json::value* at, const std::vector<std::string>& path,
                          std::size_t from) {
  for (std::size_t i = from; i < path.size() && at != nullptr; ++i) {
    const std::string& part = path[i];
    if (const auto* object = at->if_object()) {
      at = object->if_contains(part);
    } else if (const auto* array = at->if_array()) {
      std::size_t index = 0;
      const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      at = ec == std::errc() && end == part.data() + part.size() && index < array->size()
               ? &(*array)[index]
               : nullptr;
    } else {
      at = nullptr;
    }
  }
  return at;
}

std::string number_text(double number) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, number);
  return ec == std::errc() ? std::string(buffer, end) : std::string();
}

}  // namespace

SpanView::SpanView(const model::AiSpan& span, const ContentScanner* scanner) : span_(span) {
  if (scanner != nullptr) scan_.emplace(*scanner, span);
}

const ScanResult& SpanView::scan(int spec) {
  static const ScanResult kNone;
  return scan_ ? scan_->result(spec) : kNone;
}

std::string_view SpanView::keep(std::string text) {
  texts_.push_back(std::move(text));
  return texts_.back();
}

const json::value* SpanView::json_of(FieldId id) {
  auto& slot = id == FieldId::kToolArguments ? arguments_ : result_;
  if (!slot) {
    slot.emplace(parse_json(id == FieldId::kToolArguments ? span_.tool_arguments
                                                           : span_.tool_result));
  }
  return *slot ? &**slot : nullptr;
}

// Scalars become one value; with `expand`, an array becomes one value per scalar element (a
// condition on "tags" holds when any tag matches). Objects and nested arrays are their JSON text.
void SpanView::add_json(const json::value& value, std::vector<FieldValue>& out, bool expand) {
  switch (value.kind()) {
    case json::kind::null:
      return;
    case json::kind::string: {
      const auto& s = value.get_string();
      out.push_back({std::string_view(s.data(), s.size()), std::nullopt, std::nullopt});
      return;
    }
    case json::kind::bool_:
      out.push_back({value.get_bool() ? "true" : "false", std::nullopt, value.get_bool()});
      return;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: {
      const double number = value.to_number<double>();
      out.push_back({keep(number_text(number)), number, std::nullopt});
      return;
    }
    case json::kind::array:
      if (expand) {
        for (const auto& element : value.get_array()) add_json(element, out, false);
        return;
      }
      [[fallthrough]];
    case json::kind::object:
      out.push_back({keep(json::serialize(value)), std::nullopt, std::nullopt});
      return;
  }
}

void SpanView::values(const FieldRef& field, std::vector<FieldValue>& out) {
  out.clear();
  const auto text = [&out](std::string_view value) {
    if (!value.empty()) out.push_back({value, std::nullopt, std::nullopt});
  };
  const auto number = [&](std::optional<double> value) {
    if (value && std::isfinite(*value)) out.push_back({keep(number_text(*value)), *value, {}});
  };
  const auto integer = [&](std::optional<std::int64_t> value) {
    if (value) number(static_cast<double>(*value));
  };
  const model::AiSpan& s = span_;
  switch (field.id) {
    case FieldId::kTraceId: return text(s.trace_id);
    case FieldId::kSpanId: return text(s.span_id);
    case FieldId::kParentSpanId: return text(s.parent_span_id);
    case FieldId::kName: return text(s.name);
    case FieldId::kKind: return text(model::to_string(s.kind));
    case FieldId::kStatus: return text(model::to_string(s.status));
    case FieldId::kStatusMessage: return text(s.status_message);
    case FieldId::kErrorType: return text(s.error_type);
    case FieldId::kWorkflow: return text(s.workflow);
    case FieldId::kService: return text(s.service_name);
    case FieldId::kUserId: return text(s.user_id);
    case FieldId::kSessionId: return text(s.session_id);
    case FieldId::kAccountId: return text(s.account_id);
    case FieldId::kRecordId: return text(s.record_id);
    case FieldId::kPromptVersion: return text(s.prompt_version);
    case FieldId::kModelVersion: return text(s.model_version);
    case FieldId::kIndexVersion: return text(s.index_version);
    case FieldId::kProvider: return text(s.provider);
    case FieldId::kOperation: return text(s.operation);
    case FieldId::kRequestModel: return text(s.request_model);
    case FieldId::kResponseModel: return text(s.response_model);
    case FieldId::kTemperature: return number(s.temperature);
    case FieldId::kTopP: return number(s.top_p);
    case FieldId::kMaxTokens: return integer(s.max_tokens);
    case FieldId::kInputTokens: return integer(s.usage.input);
    case FieldId::kOutputTokens: return integer(s.usage.output);
    case FieldId::kFinishReasons:
      for (const auto& reason : s.finish_reasons) text(reason);
      return;
    case FieldId::kToolName: return text(s.tool_name);
    case FieldId::kToolCallId: return text(s.tool_call_id);
    case FieldId::kToolArguments:
    case FieldId::kToolResult: {
      if (field.path.empty()) {
        return text(field.id == FieldId::kToolArguments ? s.tool_arguments : s.tool_result);
      }
      if (const json::value* at = follow(json_of(field.id), field.path, 0)) {
        add_json(*at, out, true);
      }
      return;
    }
    case FieldId::kReviewDecision: return text(s.review_decision);
    case FieldId::kReviewer: return text(s.reviewer);
    case FieldId::kWriteTarget: return text(s.write_target);
    case FieldId::kWriteRecordId: return text(s.write_record_id);
    case FieldId::kWriteAction: return text(s.write_action);
    case FieldId::kContentPolicy: return text(s.content_policy);
    case FieldId::kDurationMs:
      if (s.start_time > 0 && s.end_time >= s.start_time) {
        number(static_cast<double>(s.end_time - s.start_time) / 1e6);
      }
      return;
    case FieldId::kInputText:
      for (const auto& m : s.input_messages) text(m.content);
      return;
    case FieldId::kOutputText:
      for (const auto& m : s.output_messages) text(m.content);
      return;
    case FieldId::kOutputToolCalls:
      for (const auto& m : s.output_messages) {
        for (const auto& call : m.tool_calls) text(call.first);
      }
      return;
    case FieldId::kDocumentSources:
      for (const auto& d : s.documents) text(d.source);
      return;
    case FieldId::kDocumentIds:
      for (const auto& d : s.documents) text(d.id);
      return;
    case FieldId::kDocumentText:
      for (const auto& d : s.documents) text(d.content);
      return;
    case FieldId::kDocumentCount:
      if (s.kind == model::SpanKind::kRetrieval || !s.documents.empty()) {
        number(static_cast<double>(s.documents.size()));
      }
      return;
    case FieldId::kDocumentScores:
      for (const auto& d : s.documents) number(d.score);
      return;
    case FieldId::kAttribute:
    case FieldId::kResourceAttribute: {
      if (field.path.empty()) return;
      const auto& list = field.id == FieldId::kAttribute ? s.attributes : s.resource_attributes;
      for (const auto& attribute : list) {
        if (attribute.key != field.path[0]) continue;
        auto parsed = parse_json(attribute.json_value);
        if (!parsed) return text(attribute.json_value);
        attribute_values_.push_back(std::move(*parsed));
        add_json(attribute_values_.back(), out, true);
        return;
      }
      return;
    }
  }
}

std::string SpanView::first_text(const FieldRef& field) {
  values(field, scratch_);
  return scratch_.empty() ? std::string() : std::string(scratch_.front().text);
}

}  // namespace aiir::detect
