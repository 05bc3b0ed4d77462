// The playbooks API: the playbooks loaded, and per incident the approvals its playbooks asked for
// (approve, refuse) and its checklists. contain::PlaybookService owns every rule, authority
// included; these handlers only parse and render.
#include <boost/json.hpp>

#include "contain/playbook_service.h"
#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/problem.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;

Response not_running() {
  return problem(core::Error(core::Code::kUnavailable, "playbooks are not running"));
}

core::Result<std::int64_t> path_incident(const Request& r) {
  const std::string_view id = r.param("id");
  if (auto number = model::parse_incident_id(id)) return *number;
  return core::not_found("no incident '" + std::string(id) + "'; incident ids look like INC-42");
}

// {"reason": "..."} or an empty body; nothing else.
core::Result<std::string> reason_member(const Request& r) {
  if (r.body.find_first_not_of(" \t\r\n") == std::string::npos) return std::string();
  auto body = parse_json_object(r);
  if (!body.ok()) return body.error();
  for (const auto& [key, value] : *body) {
    if (key != "reason") {
      return core::invalid("unknown member '" + std::string(key) + "'; this action takes reason");
    }
  }
  auto reason = optional_string(*body, "reason");
  if (!reason.ok()) return reason.error();
  return reason->value_or("");
}

Handler decide_approval(Services& s, bool approve) {
  return sync_handler([&s, approve](Request& r) {
    if (s.playbooks == nullptr) return not_running();
    auto number = path_incident(r);
    if (!number.ok()) return problem(number.error());
    auto reason = reason_member(r);
    if (!reason.ok()) return problem(reason.error());
    const contain::Actor actor{r.principal.key_id, r.principal.key_name, r.principal.role};
    const std::string approval(r.param("approval"));
    auto decided = approve ? s.playbooks->approve(*number, approval, actor, *reason)
                           : s.playbooks->refuse(*number, approval, actor, *reason);
    if (!decided.ok()) return problem(decided.error());
    return json_response(200, contain::to_json(*decided));
  });
}

}  // namespace

Handler list_playbooks(Services& s) {
  return sync_handler([&s](Request&) {
    json::array playbooks;
    for (const auto& p : s.config.get()->playbooks) playbooks.push_back(contain::to_json(p));
    return json_response(200, json::object{{"playbooks", std::move(playbooks)}});
  });
}

Handler list_approvals(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.playbooks == nullptr) return not_running();
    auto number = path_incident(r);
    if (!number.ok()) return problem(number.error());
    auto approvals = s.playbooks->approvals(*number);
    if (!approvals.ok()) return problem(approvals.error());
    json::array out;
    for (const auto& a : *approvals) out.push_back(contain::to_json(a));
    return json_response(200, json::object{{"approvals", std::move(out)}});
  });
}

Handler approve_approval(Services& s) { return decide_approval(s, true); }
Handler refuse_approval(Services& s) { return decide_approval(s, false); }

Handler incident_checklists(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.playbooks == nullptr) return not_running();
    auto number = path_incident(r);
    if (!number.ok()) return problem(number.error());
    auto items = s.playbooks->checklists(*number);
    if (!items.ok()) return problem(items.error());
    // Grouped by role, in role order, so a person finds their list in one place.
    json::array roles;
    for (const auto& item : *items) {
      const std::string role(model::to_string(item.role));
      if (roles.empty() || roles.back().as_object().at("role").as_string() != role) {
        json::object group{{"role", role}, {"tasks", json::array()}};
        if (!item.who.empty()) group["who"] = item.who;
        roles.push_back(std::move(group));
      }
      roles.back().as_object()["tasks"].as_array().push_back(
          json::object{{"task", item.task}, {"playbook", item.playbook}});
    }
    return json_response(200, json::object{{"incident", model::incident_id(*number)},
                                           {"checklists", std::move(roles)}});
  });
}

}  // namespace aiir::http::handlers
