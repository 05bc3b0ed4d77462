// Containment's documents (review items, approvals, drill results) in one table, each saved with
// its audit trail in the caller's transaction.
#include <boost/json.hpp>

#include "store/sqlite/filter.h"
#include "store/sqlite/stored_json.h"
#include "store/sqlite/tables.h"

namespace aiir::store::sqlite {
namespace {

namespace json = boost::json;

core::Result<Record> read_record(const Stmt& s) {
  Record record;
  record.seq = s.integer(0);
  record.kind = s.text(1);
  record.id = s.text(2);
  record.workflow = s.text(3);
  record.state = s.text(4);
  record.incident = s.integer(5);
  record.time = s.integer(6);
  auto body = stored_object(s.text(7), record.kind + " " + record.id);
  if (!body.ok()) return body.error();
  record.body = std::move(*body);
  return record;
}

constexpr const char* kColumns = "seq, kind, id, workflow, state, incident, time, body";

}  // namespace

core::Result<Record> upsert_record(Db& db, const RecordChange& change) {
  const Record& record = change.record;
  if (record.kind.empty() || record.id.empty()) {
    return core::invalid("a record needs a kind and an id");
  }
  Stmt save(db,
            "INSERT INTO records (kind, id, workflow, state, incident, time, body) VALUES (?, ?, "
            "?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET workflow = excluded.workflow, "
            "state = excluded.state, incident = excluded.incident, body = excluded.body");
  save.bind(1, record.kind).bind(2, record.id).bind(3, record.workflow).bind(4, record.state);
  save.bind(5, record.incident).bind(6, record.time).bind(7, json::serialize(record.body));
  AIIR_RETURN_IF_ERROR(save.run());

  const core::UnixNanos at = change.at != 0 ? change.at : record.time;
  const std::string actor = change.actor.empty() ? "system" : change.actor;
  if (!change.action.empty()) {
    json::object detail = change.detail;
    if (!change.reason.empty()) detail["reason"] = change.reason;
    if (!record.workflow.empty()) detail["workflow"] = record.workflow;
    if (record.incident != 0) detail["incident"] = model::incident_id(record.incident);
    auto audited = insert_audit(db, {0, at, actor, record.kind + "." + change.action, record.id,
                                     json::serialize(detail), "", ""});
    if (!audited.ok()) return audited.error();
  }
  if (change.event) {
    model::TimelineEvent event = *change.event;
    if (event.time == 0) event.time = at;
    if (event.actor.empty()) event.actor = actor;
    AIIR_RETURN_IF_ERROR(insert_timeline_event(db, event));
  }
  auto stored = select_record(db, record.kind, record.id);
  if (!stored.ok()) return stored.error();
  if (!*stored) return core::internal(record.kind + " " + record.id + " vanished after saving");
  return std::move(**stored);
}

core::Result<std::optional<Record>> select_record(Db& db, const std::string& kind,
                                                  const std::string& id) {
  Stmt s(db, std::string("SELECT ") + kColumns + " FROM records WHERE kind = ? AND id = ?");
  s.bind(1, kind).bind(2, id);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<Record>();
  auto record = read_record(s);
  if (!record.ok()) return record.error();
  return std::optional<Record>(std::move(*record));
}

core::Result<RecordPage> select_records(Db& db, const RecordQuery& q) {
  if (q.kind.empty()) return core::invalid("a record query needs a kind");
  Filter where;
  where.equals("kind", q.kind).equals("workflow", q.workflow).in("state", q.states);
  if (q.incident != 0) where.condition("incident = ?", {q.incident});
  where.below("seq", q.before);
  const int limit = page_limit(q.limit);
  Stmt s(db, std::string("SELECT ") + kColumns + " FROM records" + where.sql() +
                 " ORDER BY seq DESC LIMIT ?");
  s.bind(where.bind(s), static_cast<std::int64_t>(limit) + 1);
  RecordPage page;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    auto record = read_record(s);
    if (!record.ok()) return record.error();
    page.records.push_back(std::move(*record));
  }
  page.next_cursor = end_page(page.records, limit, [](const auto& r) { return r.seq; });
  return page;
}

}  // namespace aiir::store::sqlite
