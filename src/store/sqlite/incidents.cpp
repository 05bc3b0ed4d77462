#include "store/sqlite/filter.h"
#include "store/sqlite/stored_json.h"
#include "store/sqlite/tables.h"

namespace aiir::store::sqlite {
namespace {

namespace json = boost::json;

template <typename T, typename Parse>
core::Result<T> parse_body(const std::string& text, const char* what, std::int64_t key,
                           Parse parse) {
  auto body = stored_object(text, std::string(what) + " " + std::to_string(key));
  if (!body.ok()) return body.error();
  return parse(*body);
}

// The audit entry that records a timeline event: the same facts, hash-chained.
model::AuditEntry audit_of(const model::TimelineEvent& event) {
  model::AuditEntry entry;
  entry.time = event.time;
  entry.actor = event.actor.empty() ? "system" : event.actor;
  entry.action = "incident." + std::string(model::to_string(event.kind));
  entry.subject = model::incident_id(event.incident);
  json::object detail{{"summary", event.summary}, {"timeline_seq", event.seq}};
  if (!event.reason.empty()) detail["reason"] = event.reason;
  if (!event.detail.empty()) detail["detail"] = event.detail;
  entry.detail = json::serialize(detail);
  return entry;
}

}  // namespace

core::Status insert_timeline_event(Db& db, model::TimelineEvent& event) {
  Stmt insert(db, "INSERT INTO incident_timeline (incident, time, kind, body) VALUES (?, ?, ?, ?)");
  insert.bind(1, event.incident).bind(2, event.time).bind(3, model::to_string(event.kind));
  insert.bind(4, json::serialize(model::to_json(event)));
  AIIR_RETURN_IF_ERROR(insert.run());
  event.seq = sqlite3_last_insert_rowid(db.get());
  auto audited = insert_audit(db, audit_of(event));
  if (!audited.ok()) return audited.error();
  return {};
}

core::Result<IncidentChange> upsert_incident(Db& db, const IncidentChange& change) {
  IncidentChange out = change;
  model::Incident& incident = out.incident;
  if (incident.number == 0) {
    Stmt next(db, "SELECT coalesce(max(number), 0) + 1 FROM incidents");
    auto row = next.step();
    if (!row.ok()) return row.error();
    incident.number = next.integer(0);
  }
  Stmt save(db,
            "INSERT INTO incidents (number, fingerprint, workflow, state, severity, "
            "classification, opened_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
            "(number) DO UPDATE SET fingerprint = excluded.fingerprint, workflow = "
            "excluded.workflow, state = excluded.state, severity = excluded.severity, "
            "classification = excluded.classification, opened_at = excluded.opened_at, body = "
            "excluded.body");
  save.bind(1, incident.number).bind(2, incident.fingerprint).bind(3, incident.workflow);
  save.bind(4, model::to_string(incident.state)).bind(5, model::to_string(incident.severity));
  save.bind(6, model::to_string(incident.classification)).bind(7, incident.opened_at);
  save.bind(8, json::serialize(model::to_json(incident)));
  AIIR_RETURN_IF_ERROR(save.run());

  for (model::TimelineEvent& event : out.events) {
    event.incident = incident.number;
    AIIR_RETURN_IF_ERROR(insert_timeline_event(db, event));
  }
  Stmt member(db, "UPDATE signals SET incident = ? WHERE seq = ?");
  for (std::int64_t signal : out.signals) {
    member.bind(1, incident.number).bind(2, signal);
    AIIR_RETURN_IF_ERROR(member.run());
  }
  return out;
}

core::Result<std::optional<model::Incident>> select_incident(Db& db, std::int64_t number) {
  Stmt s(db, "SELECT body FROM incidents WHERE number = ?");
  s.bind(1, number);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<model::Incident>();
  auto incident = parse_body<model::Incident>(s.text(0), "incident", number,
                                              model::incident_from_json);
  if (!incident.ok()) return incident.error();
  incident->number = number;
  return std::optional<model::Incident>(std::move(*incident));
}

core::Result<IncidentPage> select_incidents(Db& db, const IncidentQuery& q) {
  Filter where;
  where.equals("workflow", q.workflow).equals("fingerprint", q.fingerprint);
  if (q.state) where.equals("state", std::string(model::to_string(*q.state)));
  if (q.severity) where.equals("severity", std::string(model::to_string(*q.severity)));
  if (q.classification) {
    where.equals("classification", std::string(model::to_string(*q.classification)));
  }
  where.at_least("opened_at", q.since).below("number", q.before);
  const int limit = page_limit(q.limit);
  Stmt s(db, "SELECT number, body FROM incidents" + where.sql() + " ORDER BY number DESC LIMIT ?");
  s.bind(where.bind(s), static_cast<std::int64_t>(limit) + 1);
  IncidentPage page;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    const std::int64_t number = s.integer(0);
    auto incident = parse_body<model::Incident>(s.text(1), "incident", number,
                                                model::incident_from_json);
    if (!incident.ok()) return incident.error();
    incident->number = number;
    page.incidents.push_back(std::move(*incident));
  }
  page.next_cursor = end_page(page.incidents, limit, [](const auto& i) { return i.number; });
  return page;
}

core::Result<std::vector<IncidentCount>> count_incidents_by_kind(Db& db) {
  Stmt s(db,
         "SELECT workflow, state, severity, classification, count(*) FROM incidents GROUP BY "
         "workflow, state, severity, classification ORDER BY workflow, state, severity, "
         "classification");
  std::vector<IncidentCount> out;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    IncidentCount count;
    count.workflow = s.text(0);
    count.state = model::parse_incident_state(s.text(1)).value_or(model::IncidentState::kOpen);
    count.severity = model::parse_severity(s.text(2)).value_or(model::Severity::kLow);
    count.classification = model::parse_classification(s.text(3))
                               .value_or(model::Classification::kAiIncident);
    count.count = s.integer(4);
    out.push_back(std::move(count));
  }
  return out;
}

core::Result<std::vector<model::TimelineEvent>> select_timeline(Db& db, std::int64_t incident,
                                                                std::int64_t after_seq,
                                                                int limit) {
  Stmt s(db,
         "SELECT seq, body, incident FROM incident_timeline WHERE (? = 0 OR incident = ?) AND "
         "seq > ? ORDER BY seq LIMIT ?");
  s.bind(1, incident).bind(2, incident).bind(3, after_seq);
  s.bind(4, static_cast<std::int64_t>(page_limit(limit)));
  std::vector<model::TimelineEvent> out;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    const std::int64_t seq = s.integer(0);
    auto event = parse_body<model::TimelineEvent>(s.text(1), "timeline event", seq,
                                                  model::timeline_event_from_json);
    if (!event.ok()) return event.error();
    event->seq = seq;
    event->incident = s.integer(2);
    out.push_back(std::move(*event));
  }
  return out;
}

core::Result<std::int64_t> select_last_timeline_seq(Db& db) {
  Stmt s(db, "SELECT coalesce(max(seq), 0) FROM incident_timeline");
  auto row = s.step();
  if (!row.ok()) return row.error();
  return s.integer(0);
}

}  // namespace aiir::store::sqlite
