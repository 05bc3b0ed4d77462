#include <iostream>

#include <boost/json.hpp>

#include "cli/context.h"
#include "cli/json_util.h"
#include "cli/table.h"
#include "http/url.h"

namespace aiir::cli {

int list_workflows(const Context& ctx) {
  auto client = ctx.client();
  auto r = client.get("/v1/workflows");
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) return report_failure(*r);
  if (ctx.json) {
    std::cout << r->body << "\n";
    return 0;
  }
  Table table({"ID", "TIER", "EXPOSURE", "DATA", "AUTONOMY", "BUSINESS OWNER", "SPANS"});
  auto body = parse_body(r->body).as_object();
  for (const auto& item : body["workflows"].as_array()) {
    const auto& w = item.as_object();
    std::string owner = field(w.at("business_owner").as_object(), "name");
    table.add({field(w, "id"), field(w, "risk_tier"), field(w, "customer_exposure"),
               field(w, "data_sensitivity"), field(w, "autonomy"), owner, field(w, "spans")});
  }
  if (const auto* u = body.if_contains("unregistered"); u != nullptr && u->is_array()) {
    for (const auto& item : u->as_array()) {
      const auto& w = item.as_object();
      table.add({field(w, "id"), "?", "-", "-", "-", "UNREGISTERED: no owner", field(w, "spans")});
    }
  }
  std::cout << table.render();
  return 0;
}

namespace {

void print_list(const char* title, const boost::json::array& items) {
  std::cout << title << ":\n";
  for (const auto& item : items) {
    std::cout << "  - " << (item.is_string() ? std::string(item.as_string())
                                             : boost::json::serialize(item))
              << "\n";
  }
}

void print_workflow(const boost::json::object& w) {
  const auto& tier = w.at("risk_tier").as_object();
  const auto& risk = w.at("risk").as_object();
  std::cout << field(w, "id") << ": " << field(w, "name") << "\n"
            << "  " << field(w, "description") << "\n\n"
            << "Risk tier " << field(tier, "tier") << " of 4\n";
  print_list("Because", tier.at("reasons").as_array());
  print_list("Required before more autonomy", tier.at("required_capabilities").as_array());
  const auto& bo = w.at("business_owner").as_object();
  const auto& to = w.at("technical_owner").as_object();
  std::cout << "\nBusiness owner:   " << field(bo, "name") << " <" << field(bo, "contact") << ">\n"
            << "Technical owner:  " << field(to, "name") << " <" << field(to, "contact") << ">\n"
            << "Escalation:       " << field(w, "escalation_policy") << "\n"
            << "Exposure:         " << field(risk, "customer_exposure") << "\n"
            << "Data:             " << field(risk, "data_sensitivity") << " (content policy "
            << field(w, "content_policy") << ", retention " << field(w, "retention_days")
            << " days)\n"
            << "Autonomy:         " << field(risk, "autonomy") << "\n"
            << "Reversibility:    " << field(risk, "reversibility") << "\n";
  Table tools({"TOOL", "SIDE EFFECT", "REVERSIBLE"});
  for (const auto& t : w.at("tools").as_array()) {
    const auto& o = t.as_object();
    tools.add({field(o, "name"), field(o, "side_effect"), field(o, "reversible")});
  }
  std::cout << "\n" << tools.render();
  Table parts({"PART", "NAME", "CURRENT", "VERSIONS"});
  for (const auto& p : w.at("versioned_parts").as_array()) {
    const auto& o = p.as_object();
    std::string versions;
    for (const auto& v : o.at("versions").as_array()) {
      if (!versions.empty()) versions += ", ";
      versions += std::string(v.as_string());
    }
    parts.add({field(o, "kind"), field(o, "name"), field(o, "current"), versions});
  }
  std::cout << "\n" << parts.render() << "\n";
  print_list("Containment options", w.at("containment").as_array());
  std::cout << "Defined in " << field(w, "source") << "\n";
}

}  // namespace

int show_workflow(const Context& ctx, const std::string& id) {
  auto client = ctx.client();
  auto r = client.get("/v1/workflows/" + http::percent_encode(id));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) return report_failure(*r);
  if (ctx.json) {
    std::cout << r->body << "\n";
    return 0;
  }
  print_workflow(parse_body(r->body).as_object());
  return 0;
}

void add_workflows_commands(CLI::App& app, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto* workflows = app.add_subcommand("workflows", "the workflow inventory");
  workflows->require_subcommand(1);
  auto* list = workflows->add_subcommand("list", "every workflow with its risk tier");
  list->callback([&ctx] { ctx.action = [&ctx] { return list_workflows(ctx); }; });
  auto* show = workflows->add_subcommand("show", "one workflow: owners, risk tier and reasons");
  show->add_option("id", *id, "workflow id")->required();
  show->callback([&ctx, id] { ctx.action = [&ctx, id] { return show_workflow(ctx, *id); }; });
}

}  // namespace aiir::cli
