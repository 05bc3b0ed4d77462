#include <boost/json.hpp>

#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
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

// Reads an optional time filter given as RFC 3339 or as Unix nanoseconds.
core::Result<std::optional<core::UnixNanos>> time_param(const Request& r, const std::string& name) {
  auto text = r.query_param(name);
  if (!text || text->empty()) return std::optional<core::UnixNanos>();
  core::UnixNanos t = 0;
  if (core::parse_rfc3339(*text, t)) return std::optional<core::UnixNanos>(t);
  try {
    std::size_t used = 0;
    long long n = std::stoll(std::string(*text), &used);
    if (used == text->size()) return std::optional<core::UnixNanos>(n);
  } catch (const std::exception&) {
  }
  return core::invalid("'" + name + "' must be an RFC 3339 time (2026-11-23T10:00:00Z) or Unix "
                       "nanoseconds; got '" + std::string(*text) + "'");
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
  if (auto limit = r.query_param("limit"); limit && !limit->empty()) {
    try {
      q.limit = std::stoi(std::string(*limit));
    } catch (const std::exception&) {
      return core::invalid("'limit' must be a number from 1 to 1000");
    }
    if (q.limit < 1 || q.limit > 1000) return core::invalid("'limit' must be from 1 to 1000");
  }
  if (auto cursor = r.query_param("cursor"); cursor && !cursor->empty()) {
    try {
      q.before = std::stoll(std::string(*cursor));
    } catch (const std::exception&) {
      return core::invalid("'cursor' must be the next_cursor of a previous page");
    }
  }
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
    json::object out{{"spans", spans_json(page->spans)}};
    out["next_cursor"] = page->next_cursor ? json::value(std::to_string(*page->next_cursor))
                                           : json::value(nullptr);
    return json_response(200, out);
  });
}

}  // namespace aiir::http::handlers
