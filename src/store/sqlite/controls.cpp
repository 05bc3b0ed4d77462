#include "model/incident.h"
#include "store/sqlite/stored_json.h"
#include "store/sqlite/tables.h"

namespace aiir::store::sqlite {
namespace {

namespace json = boost::json;

constexpr const char* kVersionCursor = "controls.version";

core::UnixNanos time_of(const ControlChange& change) {
  return change.at != 0 ? change.at : change.control.set_at;
}

std::string actor_of(const ControlChange& change) {
  return change.actor.empty() ? "system" : change.actor;
}

// "pause on support-chat", "disable_tool issue_refund on refund-agent": enough for a responder
// reading the timeline to know which control without opening it.
std::string describe(const model::Control& control) {
  std::string what(model::to_string(control.kind));
  const std::string& name = !control.tool.empty()     ? control.tool
                            : !control.source.empty() ? control.source
                            : !control.part_name.empty() ? control.part_name
                                                         : control.target;
  if (!name.empty()) what += " " + name;
  return what + " on " + control.workflow;
}

std::string summary_of(const ControlChange& change) {
  const model::Control& c = change.control;
  if (change.action == "set") return "Control " + c.id + " set: " + describe(c);
  if (change.action == "stage") {
    return "Control " + c.id + " lifted for " + std::to_string(c.lift_percent) +
           "% of traffic: " + describe(c);
  }
  if (change.action == "lift") return "Control " + c.id + " lifted: " + describe(c);
  return "Control " + c.id + " " + change.action + ": " + describe(c);
}

json::object detail_of(const ControlChange& change) {
  return {{"control", change.control.id},
          {"action", change.action},
          {"kind", model::to_string(change.control.kind)},
          {"workflow", change.control.workflow},
          {"lift_percent", change.control.lift_percent}};
}

}  // namespace

core::Result<std::int64_t> upsert_control(Db& db, const ControlChange& change) {
  auto previous = select_controls_version(db);
  if (!previous.ok()) return previous;
  const std::int64_t version = *previous + 1;
  model::Control control = change.control;
  control.controls_version = version;
  Stmt save(db,
            "INSERT INTO controls (id, workflow, kind, lifted_at, body) VALUES (?, ?, ?, ?, ?) ON "
            "CONFLICT (id) DO UPDATE SET workflow = excluded.workflow, kind = excluded.kind, "
            "lifted_at = excluded.lifted_at, body = excluded.body");
  save.bind(1, control.id).bind(2, control.workflow).bind(3, model::to_string(control.kind));
  if (control.lifted_at != 0) {
    save.bind(4, control.lifted_at);
  } else {
    save.bind_null(4);
  }
  save.bind(5, json::serialize(model::to_json(control)));
  AIIR_RETURN_IF_ERROR(save.run());

  json::object detail = detail_of(change);
  if (!change.reason.empty()) detail["reason"] = change.reason;
  if (control.incident != 0) detail["incident"] = model::incident_id(control.incident);
  auto audited = insert_audit(db, {0, time_of(change), actor_of(change),
                                   "control." + change.action, control.id,
                                   json::serialize(detail), "", ""});
  if (!audited.ok()) return audited.error();

  if (control.incident != 0) {
    model::TimelineEvent event;
    event.incident = control.incident;
    event.time = time_of(change);
    event.actor = actor_of(change);
    event.kind = model::TimelineKind::kControlChanged;
    event.summary = summary_of(change);
    event.reason = change.reason;
    event.detail = detail_of(change);
    AIIR_RETURN_IF_ERROR(insert_timeline_event(db, event));
  }

  AIIR_RETURN_IF_ERROR(update_cursor(db, kVersionCursor, version));
  return version;
}

core::Result<std::vector<model::Control>> select_controls(Db& db, bool include_lifted) {
  // rowid order is insertion order: oldest first, and a control keeps its place when changed.
  Stmt s(db, std::string("SELECT id, body FROM controls") +
                 (include_lifted ? "" : " WHERE lifted_at IS NULL") + " ORDER BY rowid");
  std::vector<model::Control> out;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    auto body = stored_object(s.text(1), "control " + s.text(0));
    if (!body.ok()) return body.error();
    auto control = model::control_from_json(*body);
    if (!control.ok()) {
      return core::internal("control " + s.text(0) + " in the store: " +
                            control.error().message());
    }
    out.push_back(std::move(*control));
  }
  return out;
}

core::Result<std::int64_t> select_controls_version(Db& db) {
  auto position = select_cursor(db, kVersionCursor);
  if (!position.ok()) return position.error();
  return position->value_or(0);
}

}  // namespace aiir::store::sqlite
