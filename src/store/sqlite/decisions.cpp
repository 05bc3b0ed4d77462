// The decisions answered to the application, kept as evidence of what was allowed or stopped.
#include <boost/json.hpp>

#include "store/sqlite/filter.h"
#include "store/sqlite/stored_json.h"
#include "store/sqlite/tables.h"

namespace aiir::store::sqlite {

namespace json = boost::json;

core::Status insert_decisions(Db& db, const std::vector<DecisionRecord>& decisions) {
  Stmt s(db,
         "INSERT INTO decisions (time, workflow, action, verdict, trace_id, instance, "
         "controls_version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& d : decisions) {
    s.bind(1, d.time).bind(2, d.workflow).bind(3, d.action).bind(4, d.verdict);
    s.bind_or_null(5, d.trace_id);
    s.bind_or_null(6, d.instance);
    s.bind(7, d.controls_version).bind(8, json::serialize(d.body));
    AIIR_RETURN_IF_ERROR(s.run());
  }
  return core::Status::Ok();
}

core::Result<DecisionPage> select_decisions(Db& db, const DecisionQuery& q) {
  Filter where;
  where.equals("workflow", q.workflow)
      .equals("trace_id", q.trace_id)
      .equals("verdict", q.verdict)
      .at_least("time", q.since)
      .below("time", q.until)
      .below("seq", q.before);
  const int limit = page_limit(q.limit);
  Stmt s(db,
         "SELECT seq, time, workflow, action, verdict, trace_id, instance, controls_version, "
         "body FROM decisions" +
             where.sql() + " ORDER BY seq DESC LIMIT ?");
  s.bind(where.bind(s), static_cast<std::int64_t>(limit) + 1);
  DecisionPage page;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    DecisionRecord d;
    d.seq = s.integer(0);
    d.time = s.integer(1);
    d.workflow = s.text(2);
    d.action = s.text(3);
    d.verdict = s.text(4);
    d.trace_id = s.is_null(5) ? "" : s.text(5);
    d.instance = s.is_null(6) ? "" : s.text(6);
    d.controls_version = s.integer(7);
    auto body = stored_object(s.text(8), "decision " + std::to_string(d.seq));
    if (!body.ok()) return body.error();
    d.body = std::move(*body);
    page.decisions.push_back(std::move(d));
  }
  page.next_cursor = end_page(page.decisions, limit, [](const auto& d) { return d.seq; });
  return page;
}

}  // namespace aiir::store::sqlite
