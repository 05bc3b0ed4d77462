#include <boost/json.hpp>

#include "detect/external_signal.h"
#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/handlers/query.h"
#include "http/problem.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;

core::Result<store::SignalQuery> signal_query(const Request& r) {
  store::SignalQuery q;
  auto text = [&r](const char* name) { return std::string(r.query_param(name).value_or("")); };
  q.detector = text("detector");
  q.workflow = text("workflow");
  q.fingerprint = text("fingerprint");
  q.trace_id = text("trace_id");
  q.hunt_id = text("hunt");
  if (auto category = r.query_param("category"); category && !category->empty()) {
    q.category = model::parse_category(*category);
    if (!q.category) {
      std::string names;
      for (const auto& [name, value] : model::category_names()) {
        names += (names.empty() ? "" : ", ") + std::string(name);
      }
      return core::invalid("'category' must be one of " + names);
    }
  }
  if (auto source = r.query_param("source"); source && !source->empty()) {
    q.source = model::parse_signal_source(*source);
    if (!q.source) {
      return core::invalid("'source' must be one of detector, hunt, api, alertmanager");
    }
    q.include_hunts = *q.source == model::SignalSource::kHunt;
  }
  auto since = time_param(r, "since");
  if (!since.ok()) return since.error();
  q.since = *since;
  auto until = time_param(r, "until");
  if (!until.ok()) return until.error();
  q.until = *until;
  AIIR_RETURN_IF_ERROR(paging_params(r, q.limit, q.before));
  return q;
}

// Stores external signals; answers with what was stored and what was a repeat.
Response store_external(Services& s, const std::vector<model::Signal>& signals, int created) {
  auto stored = s.store.commit_signals(signals, "", 0);
  if (!stored.ok()) return problem(stored.error());
  if (!stored->empty() && s.incidents != nullptr) s.incidents->notify();
  json::array out;
  for (const auto& signal : *stored) out.push_back(model::to_json(signal));
  const std::size_t repeats = signals.size() - stored->size();
  return json_response(stored->empty() ? 200 : created,
                       json::object{{"stored", stored->size()},
                                    {"duplicates", repeats},
                                    {"signals", std::move(out)}});
}

}  // namespace

Handler list_signals(Services& s) {
  return sync_handler([&s](Request& r) {
    auto query = signal_query(r);
    if (!query.ok()) return problem(query.error());
    auto page = s.store.query_signals(*query);
    if (!page.ok()) return problem(page.error());
    json::array signals;
    for (const auto& signal : page->signals) signals.push_back(model::to_json(signal));
    return list_page("signals", std::move(signals), page->next_cursor);
  });
}

Handler get_signal(Services& s) {
  return sync_handler([&s](Request& r) {
    const std::string id(r.param("id"));
    std::int64_t seq = 0;
    try {
      if (id.rfind("sig-", 0) != 0) throw std::invalid_argument("prefix");
      std::size_t used = 0;
      seq = std::stoll(id.substr(4), &used);
      if (used != id.size() - 4) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return problem(core::not_found("no signal '" + id + "'; signal ids look like sig-42"));
    }
    auto signal = s.store.get_signal(seq);
    if (!signal.ok()) return problem(signal.error());
    if (!*signal) return problem(core::not_found("no signal '" + id + "'"));
    return json_response(200, model::to_json(**signal));
  });
}

Handler report_signal(Services& s) {
  return sync_handler([&s](Request& r) {
    auto signal = detect::signal_from_report(r.body, r.principal.key_name, s.clock.now());
    if (!signal.ok()) return problem(signal.error());
    return store_external(s, {*signal}, 201);
  });
}

Handler alertmanager_webhook(Services& s) {
  return sync_handler([&s](Request& r) {
    auto signals = detect::signals_from_alertmanager(r.body, s.clock.now());
    if (!signals.ok()) return problem(signals.error());
    return store_external(s, *signals, 200);
  });
}

}  // namespace aiir::http::handlers
