#include "contain/approval.h"

#include "model/incident.h"
#include "model/json_fields.h"

namespace aiir::contain {
namespace {

namespace json = boost::json;
using namespace model::json_fields;

json::object approval_body(const Approval& a) {
  json::object body;
  body["playbook"] = a.playbook;
  body["control"] = model::to_json(a.control);
  if (a.expires_after > 0) body["expires_after_seconds"] = a.expires_after / core::kNanosPerSecond;
  json::array approvers;
  for (const auto& w : a.approvers) approvers.emplace_back(to_string(w));
  body["approvers"] = std::move(approvers);
  put(body, "decided_by", a.decided_by);
  put_time(body, "decided_at", a.decided_at);
  put(body, "reason", a.reason);
  put(body, "control_id", a.control_id);
  put(body, "error", a.error);
  return body;
}

}  // namespace

core::Result<Approval> approval_from_record(const store::Record& r) {
  Approval a;
  a.id = r.id;
  a.incident = r.incident;
  a.workflow = r.workflow;
  a.state = r.state;
  a.requested_at = r.time;
  a.playbook = get_string(r.body, "playbook");
  const auto* control = r.body.if_contains("control");
  if (control == nullptr || !control->is_object()) {
    return core::internal("approval '" + r.id + "' is stored without its control");
  }
  auto parsed = model::control_from_json(control->as_object());
  if (!parsed.ok()) {
    return core::internal("approval '" + r.id + "': " + parsed.error().message());
  }
  a.control = std::move(*parsed);
  a.expires_after = get_int(r.body, "expires_after_seconds") * core::kNanosPerSecond;
  if (const auto* approvers = r.body.if_contains("approvers"); approvers && approvers->is_array()) {
    for (const auto& v : approvers->as_array()) {
      if (!v.is_string()) continue;
      if (auto who = parse_authorized(v.as_string())) a.approvers.push_back(*who);
    }
  }
  a.decided_by = get_string(r.body, "decided_by");
  a.decided_at = get_time(r.body, "decided_at");
  a.reason = get_string(r.body, "reason");
  a.control_id = get_string(r.body, "control_id");
  a.error = get_string(r.body, "error");
  return a;
}

store::Record approval_record(const Approval& a) {
  store::Record r;
  r.kind = kApprovalRecord;
  r.id = a.id;
  r.workflow = a.workflow;
  r.state = a.state;
  r.incident = a.incident;
  r.time = a.requested_at;
  r.body = approval_body(a);
  return r;
}

json::object to_json(const Approval& a) {
  json::object o = approval_body(a);
  o["id"] = a.id;
  o["incident"] = model::incident_id(a.incident);
  o["workflow"] = a.workflow;
  o["state"] = a.state;
  put_time(o, "requested_at", a.requested_at);
  // The control is what approving sets: "action" reads better in a list of approvals.
  o["action"] = std::move(o["control"]);
  o.erase("control");
  return o;
}

}  // namespace aiir::contain
