#include "investigate/trace_reader.h"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

namespace aiir::investigate {
namespace {

void withhold(model::AiSpan& s) {
  for (auto* messages : {&s.input_messages, &s.output_messages}) {
    for (auto& m : *messages) {
      if (!m.content.empty()) m.content = kWithheld;
      for (auto& call : m.tool_calls) {
        if (!call.second.empty()) call.second = kWithheld;
      }
    }
  }
  if (!s.tool_arguments.empty()) s.tool_arguments = kWithheld;
  if (!s.tool_result.empty()) s.tool_result = kWithheld;
  for (auto& d : s.documents) {
    if (!d.content.empty()) d.content = kWithheld;
  }
}

}  // namespace

TraceReader::TraceReader(store::Store& store, const core::Clock& clock,
                         std::vector<model::Role> raw_content_roles)
    : store_(store), clock_(clock), raw_content_roles_(std::move(raw_content_roles)) {}

core::Status TraceReader::check_raw_allowed(const Reader& reader) const {
  if (!reader.raw_requested) return {};
  if (std::find(raw_content_roles_.begin(), raw_content_roles_.end(), reader.role) !=
      raw_content_roles_.end()) {
    return {};
  }
  std::string allowed;
  for (auto role : raw_content_roles_) {
    if (!allowed.empty()) allowed += ", ";
    allowed += model::to_string(role);
  }
  return core::Error(core::Code::kPermissionDenied,
                     "role " + std::string(model::to_string(reader.role)) +
                         " may not read raw AI content; roles allowed by auth.raw_content_roles: " +
                         (allowed.empty() ? "none" : allowed));
}

int TraceReader::apply_content_rules(std::vector<model::AiSpan>& spans,
                                     const Reader& reader) const {
  int withheld = 0;
  for (auto& span : spans) {
    if (span.content_policy != "raw") continue;
    if (reader.raw_requested) continue;  // allowed: check_raw_allowed ran before
    withhold(span);
    ++withheld;
  }
  return withheld;
}

core::Status TraceReader::audit_raw_read(const Reader& reader, const std::string& subject,
                                         int spans) {
  model::AuditEntry entry;
  entry.time = clock_.now();
  entry.actor = reader.key_id;
  entry.action = "span.raw_read";
  entry.subject = subject;
  entry.detail = boost::json::serialize(boost::json::object{
      {"role", model::to_string(reader.role)}, {"raw_spans", spans}});
  auto appended = store_.append_audit(entry);
  if (!appended.ok()) return appended.error();
  return {};
}

core::Result<TraceView> TraceReader::trace(const std::string& trace_id, const Reader& reader) {
  if (!model::valid_trace_id(trace_id)) {
    return core::invalid("'" + trace_id +
                         "' is not a trace id: expected 32 hex characters, as in OTLP JSON");
  }
  AIIR_RETURN_IF_ERROR(check_raw_allowed(reader));
  std::string id = trace_id;
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto spans = store_.get_trace(id);
  if (!spans.ok()) return spans.error();
  if (spans->empty()) {
    return core::not_found("no spans of trace " + id +
                           " are stored (never received, or purged by retention)");
  }
  TraceView view;
  view.trace_id = id;
  view.spans = std::move(*spans);
  int raw = static_cast<int>(std::count_if(view.spans.begin(), view.spans.end(),
                                           [](const auto& s) { return s.content_policy == "raw"; }));
  view.withheld_spans = apply_content_rules(view.spans, reader);
  if (reader.raw_requested && raw > 0) {
    // The read is recorded before the content is handed out: no audit entry, no content.
    AIIR_RETURN_IF_ERROR(audit_raw_read(reader, "trace:" + id, raw));
    view.raw_content_shown = true;
  }
  return view;
}

core::Result<store::SpanPage> TraceReader::spans(const store::SpanQuery& query,
                                                 const Reader& reader) {
  AIIR_RETURN_IF_ERROR(check_raw_allowed(reader));
  auto page = store_.query_spans(query);
  if (!page.ok()) return page;
  apply_content_rules(page->spans, reader);
  int raw = static_cast<int>(std::count_if(page->spans.begin(), page->spans.end(),
                                           [](const auto& s) { return s.content_policy == "raw"; }));
  if (reader.raw_requested && raw > 0) {
    AIIR_RETURN_IF_ERROR(audit_raw_read(reader, "span-search", raw));
  }
  return page;
}

}  // namespace aiir::investigate
