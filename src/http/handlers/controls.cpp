// The containment API: the decision the application asks for before it acts, the controls in
// force (set, staged lift, lift) and the decisions recorded as evidence. contain::ControlService
// owns every rule; these handlers parse and render.
#include <boost/json.hpp>

#include <string>
#include <string_view>
#include <utility>

#include "contain/decision.h"
#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/handlers/query.h"
#include "http/problem.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;

Response not_running() {
  return problem(core::Error(core::Code::kUnavailable, "containment is not running"));
}

contain::Actor actor_of(const Request& r) {
  return {r.principal.key_id, r.principal.key_name, r.principal.role};
}

// A member that must be a string when present; "" when absent.
core::Result<std::string> string_member(const json::object& body, std::string_view key) {
  auto text = optional_string(body, key);
  if (!text.ok()) return text.error();
  return text->value_or("");
}

// The body of POST /v1/decide.
core::Result<contain::DecideRequest> decide_request(const Request& r) {
  auto body = parse_json_object(r);
  if (!body.ok()) return body.error();
  contain::DecideRequest request;
  auto workflow = required_text(*body, "workflow", "the workflow's id as the inventory names it");
  if (!workflow.ok()) return workflow.error();
  request.workflow = std::move(*workflow);
  auto action = required_text(*body, "action",
                              "llm, output, tool:<name>, retrieve:<source> or write:<target>");
  if (!action.ok()) return action.error();
  request.action = std::move(*action);
  if (const auto* attributes = body->if_contains("attributes")) {
    if (!attributes->is_object() && !attributes->is_null()) {
      return core::invalid("'attributes' must be an object (tool arguments, user, account, ...)");
    }
    if (attributes->is_object()) request.attributes = attributes->get_object();
  }
  for (auto [key, field] : {std::pair{"user", &request.user_id},
                            std::pair{"account", &request.account_id},
                            std::pair{"trace_id", &request.trace_id}}) {
    auto text = string_member(*body, key);
    if (!text.ok()) return text.error();
    *field = std::move(*text);
  }
  return request;
}

// The application instance that asks, and the controls version it has applied, from the
// X-Aiir-Instance and X-Aiir-Controls-Version headers (both optional).
std::string_view instance_of(const Request& r) {
  return r.header("x-aiir-instance").value_or(std::string_view());
}

// The control, and for one in force, which live instances of its workflow have applied it and
// when: whether a kill switch has taken effect is measured, not assumed.
json::object control_json(const Services& s, const model::Control& control) {
  json::object o = model::to_json(control);
  if (s.instances == nullptr || control.lifted_at != 0) return o;
  json::array instances;
  int applied = 0;
  for (const auto& a : s.instances->applications(control.workflow, control.controls_version)) {
    json::object i{{"instance", a.instance}, {"applied", a.applied}};
    if (a.applied) {
      ++applied;
      i["applied_at"] = core::format_rfc3339_nanos(a.at);
      if (a.at >= control.set_at) {
        i["after_ms"] = static_cast<double>(a.at - control.set_at) / 1e6;
      }
    }
    instances.push_back(std::move(i));
  }
  const auto pending = static_cast<std::int64_t>(instances.size()) - applied;
  o["applied_by"] = json::object{
      {"instances", std::move(instances)}, {"applied", applied}, {"pending", pending}};
  return o;
}

Response control_answer(const Services& s, int status, const core::Result<model::Control>& control) {
  if (!control.ok()) return problem(control.error());
  Response out = json_response(status, control_json(s, *control));
  if (status == 201) out.headers.emplace_back("Location", "/v1/controls/" + control->id);
  return out;
}

}  // namespace

Handler decide(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.controls == nullptr) return not_running();
    auto request = decide_request(r);
    if (!request.ok()) return problem(request.error());
    const core::UnixNanos now = s.clock.now();
    auto snapshot = s.controls->snapshot();
    auto decision = contain::decide(*snapshot, *request, now);
    if (!decision.ok()) return problem(decision.error());
    const std::string_view instance = instance_of(r);
    if (s.instances != nullptr && !instance.empty()) {
      // The version the instance has applied rides along on its decide calls: a busy instance
      // acknowledges without a separate heartbeat.
      auto applied = whole_number(r.header("x-aiir-controls-version").value_or(""));
      if (applied) s.instances->applied(instance, *applied, request->workflow);
    }
    if (s.decisions != nullptr) s.decisions->offer(*request, *decision, instance, now);
    return Response::json(200, json::serialize(contain::to_json(*decision)));
  });
}

Handler list_controls(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.controls == nullptr) return not_running();
    auto lifted = r.query_param("include_lifted");
    const bool include_lifted = lifted && (*lifted == "true" || *lifted == "1");
    auto workflow = r.query_param("workflow").value_or(std::string_view());
    json::array controls;
    for (const auto& control : s.controls->list(include_lifted)) {
      if (!workflow.empty() && control.workflow != workflow) continue;
      controls.push_back(control_json(s, control));
    }
    return json_response(200, json::object{{"version", s.controls->snapshot()->version()},
                                           {"controls", std::move(controls)}});
  });
}

Handler get_control(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.controls == nullptr) return not_running();
    const std::string id(r.param("id"));
    for (const auto& control : s.controls->list(/*include_lifted=*/true)) {
      if (control.id == id) return json_response(200, control_json(s, control));
    }
    return problem(core::not_found("no control has id '" + id + "'; list them with GET /v1/controls"));
  });
}

Handler set_control(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.controls == nullptr) return not_running();
    auto body = parse_json_object(r);
    if (!body.ok()) return problem(body.error());
    auto control = model::control_from_json(*body);
    if (!control.ok()) return problem(control.error());
    if (control->reason.empty()) {
      return problem(core::invalid("'reason' is required: say why the control is set, in words a "
                                   "responder reads"));
    }
    return control_answer(s, 201, s.controls->set(std::move(*control), actor_of(r)));
  });
}

Handler lift_control(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.controls == nullptr) return not_running();
    auto body = parse_json_object(r);
    if (!body.ok()) return problem(body.error());
    auto reason = required_text(*body, "reason", "say why the control is lifted");
    if (!reason.ok()) return problem(reason.error());
    std::int64_t percent = 100;
    if (const auto* p = body->if_contains("percent")) {
      if (!p->is_int64() && !p->is_uint64()) {
        return problem(core::invalid("'percent' must be a whole number within 1..100 (100 lifts "
                                     "the control fully; less lets that share of traffic through)"));
      }
      percent = p->to_number<std::int64_t>();
    }
    if (percent < 1 || percent > 100) {
      return problem(core::invalid("'percent' is " + std::to_string(percent) +
                                   "; it must be within 1..100"));
    }
    return control_answer(s, 200, s.controls->lift(std::string(r.param("id")),
                                                static_cast<int>(percent), actor_of(r), *reason));
  });
}

Handler list_decisions(Services& s) {
  return sync_handler([&s](Request& r) {
    store::DecisionQuery query;
    query.workflow = std::string(r.query_param("workflow").value_or(""));
    query.trace_id = std::string(r.query_param("trace_id").value_or(""));
    query.verdict = std::string(r.query_param("decision").value_or(""));
    if (!query.verdict.empty() && query.verdict != "allow" && query.verdict != "deny" &&
        query.verdict != "review" && query.verdict != "degrade") {
      return problem(core::invalid("'decision' must be one of allow, degrade, review, deny; got '" +
                                   query.verdict + "'"));
    }
    auto since = time_param(r, "since");
    if (!since.ok()) return problem(since.error());
    query.since = *since;
    auto until = time_param(r, "until");
    if (!until.ok()) return problem(until.error());
    query.until = *until;
    if (auto paged = paging_params(r, query.limit, query.before); !paged.ok()) {
      return problem(paged.error());
    }
    auto page = s.store.query_decisions(query);
    if (!page.ok()) return problem(page.error());
    json::array decisions;
    for (const auto& d : page->decisions) {
      json::object o = d.body;
      o["seq"] = d.seq;
      o["time"] = d.time;
      o["workflow"] = d.workflow;
      o["action"] = d.action;
      if (!d.trace_id.empty()) o["trace_id"] = d.trace_id;
      if (!d.instance.empty()) o["instance"] = d.instance;
      decisions.push_back(std::move(o));
    }
    return list_page("decisions", std::move(decisions), page->next_cursor);
  });
}

}  // namespace aiir::http::handlers
