// `aiir approvals ...`: the actions an incident's playbooks proposed and that wait for someone
// with authority: list them, approve one (aiir sets the control), or refuse it with a reason.
// A client of /v1/incidents/{id}/approvals; the server checks who may and says who may not.
#include <boost/json.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "cli/context.h"
#include "cli/json_util.h"
#include "cli/table.h"
#include "http/url.h"

namespace aiir::cli {
namespace {

namespace json = boost::json;

struct ApprovalArgs {
  std::string incident;
  std::string approval;
  std::string reason;
};

std::string base(const ApprovalArgs& a) {
  return "/v1/incidents/" + http::percent_encode(a.incident) + "/approvals";
}

// "pin_version prompt:refund-policy=v6": what approving would set.
std::string action_of(const json::object& approval) {
  const auto* action = approval.if_contains("action");
  if (action == nullptr || !action->is_object()) return "-";
  const auto& c = action->get_object();
  std::string text = field(c, "kind");
  if (field(c, "kind") == "pin_version") {
    return text + " " + field(c, "part_kind") + ":" + field(c, "part_name") + "=" +
           field(c, "version");
  }
  for (const char* key : {"tool", "source", "target"}) {
    if (c.contains(key)) return text + " " + field(c, key);
  }
  return text;
}

int list(const Context& ctx, const ApprovalArgs& a) {
  int status = 0;
  auto answer = get_answer(ctx, base(a), status);
  if (!answer) return status;
  const auto* approvals = answer->if_contains("approvals");
  if (approvals == nullptr || !approvals->is_array() || approvals->get_array().empty()) {
    std::cout << "No playbook proposed actions for " << a.incident << ".\n";
    return 0;
  }
  Table table({"ID", "STATE", "PLAYBOOK", "ACTION", "WHO MAY APPROVE", "DECIDED BY", "REASON"});
  for (const auto& item : approvals->get_array()) {
    const auto& o = item.as_object();
    const auto* approvers = o.if_contains("approvers");
    table.add({field(o, "id"), field(o, "state"), field(o, "playbook"), action_of(o),
               approvers != nullptr && approvers->is_array() ? joined(approvers->get_array())
                                                             : "-",
               field(o, "decided_by"), shorten(field(o, "reason"), 40)});
  }
  std::cout << table.render();
  return 0;
}

int decide(const Context& ctx, const ApprovalArgs& a, const std::string& verb) {
  json::object body;
  if (!a.reason.empty()) body["reason"] = a.reason;
  auto client = ctx.client();
  auto r = client.post(base(a) + "/" + http::percent_encode(a.approval) + "/" + verb,
                       json::serialize(body));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) return report_failure(*r);
  if (print_json(ctx, *r)) return 0;
  json::value answer = parse_body(r->body);
  if (!answer.is_object()) return 0;
  const auto& o = answer.as_object();
  std::cout << field(o, "id") << ": " << field(o, "state") << " (" << action_of(o) << ")";
  if (field(o, "control_id") != "-") std::cout << ", control " << field(o, "control_id");
  std::cout << "\n";
  return 0;
}

}  // namespace

void add_approvals_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ApprovalArgs>();
  auto* approvals = app.add_subcommand(
      "approvals", "actions playbooks proposed for an incident, waiting for someone with authority");
  approvals->require_subcommand(1);

  auto* list_command = approvals->add_subcommand("list", "an incident's proposed actions");
  list_command->add_option("incident", args->incident, "the incident (INC-4)")->required();
  list_command->callback([&ctx, args] { ctx.action = [&ctx, args] { return list(ctx, *args); }; });

  for (const auto& [verb, help] :
       {std::pair{"approve", "approve a proposed action: aiir sets the control"},
        std::pair{"refuse", "refuse a proposed action, with a reason"}}) {
    auto* command = approvals->add_subcommand(verb, help);
    command->add_option("incident", args->incident, "the incident (INC-4)")->required();
    command->add_option("approval", args->approval, "the approval's id (apr-4-...)")->required();
    auto* reason = command->add_option("--reason", args->reason, "why, for the timeline");
    if (std::string(verb) == "refuse") reason->required();
    command->callback([&ctx, args, verb = std::string(verb)] {
      ctx.action = [&ctx, args, verb] { return decide(ctx, *args, verb); };
    });
  }
}

}  // namespace aiir::cli
