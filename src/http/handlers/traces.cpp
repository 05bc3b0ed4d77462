#include <boost/json.hpp>

#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/handlers/query.h"
#include "http/problem.h"
#include "model/ai_span_json.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;

investigate::Reader reader_of(const Request& r) {
  auto raw = r.query_param("raw");
  return investigate::Reader{r.principal.key_id, r.principal.role,
                             raw && (*raw == "true" || *raw == "1")};
}

json::array spans_json(const std::vector<model::AiSpan>& spans) {
  json::array out;
  out.reserve(spans.size());
  for (const auto& s : spans) out.push_back(model::to_json(s));
  return out;
}

// An attribute filter value as JSON text: numbers and booleans as given, anything else a string.
std::string attribute_json(const std::string& value) {
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (!ec && (v.is_number() || v.is_bool())) return json::serialize(v);
  return json::serialize(json::value(value));
}

core::Result<store::SpanQuery> span_query(const Request& r) {
  store::SpanQuery q;
  auto text = [&r](const char* name) { return std::string(r.query_param(name).value_or("")); };
  q.workflow = text("workflow");
  q.trace_id = text("trace_id");
  q.user_id = text("user");
  q.session_id = text("session");
  q.account_id = text("account");
  q.record_id = text("record");
  q.prompt_version = text("prompt_version");
  q.model_version = text("model_version");
  q.index_version = text("index_version");
  q.tool_name = text("tool");
  if (auto kind = r.query_param("kind"); kind && !kind->empty()) {
    q.kind = model::parse_span_kind(*kind);
    if (!q.kind) {
      return core::invalid("'kind' must be one of llm, tool, retrieval, embedding, agent, chain, "
                           "guardrail, evaluator, review, write, other");
    }
  }
  auto from = time_param(r, "from");
  if (!from.ok()) return from.error();
  auto to = time_param(r, "to");
  if (!to.ok()) return to.error();
  q.from = *from;
  q.to = *to;
  AIIR_RETURN_IF_ERROR(paging_params(r, q.limit, q.before));
  for (const auto& [key, value] : r.query) {
    if (key.rfind("attr.", 0) == 0 && key.size() > 5) {
      q.attributes.emplace_back(key.substr(5), attribute_json(value));
    }
  }
  return q;
}

}  // namespace

Handler get_trace(Services& s) {
  return sync_handler([&s](Request& r) {
    auto view = s.traces.trace(std::string(r.param("trace_id")), reader_of(r));
    if (!view.ok()) return problem(view.error());
    json::object out{{"trace_id", view->trace_id},
                     {"span_count", view->spans.size()},
                     {"raw_content_shown", view->raw_content_shown},
                     {"withheld_spans", view->withheld_spans},
                     {"spans", spans_json(view->spans)}};
    return json_response(200, out);
  });
}

Handler search_spans(Services& s) {
  return sync_handler([&s](Request& r) {
    auto query = span_query(r);
    if (!query.ok()) return problem(query.error());
    auto page = s.traces.spans(*query, reader_of(r));
    if (!page.ok()) return problem(page.error());
    return list_page("spans", spans_json(page->spans), page->next_cursor);
  });
}

}  // namespace aiir::http::handlers
