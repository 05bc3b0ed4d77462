// `aiir controls ...`: the responder's hands on a running workflow. Lists the controls in force
// and sets them (pause, force-review, disable-tool, narrow-tool, pin, block-source, stop-writes),
// resumes a paused workflow and lifts a control, fully or in stages. A client of /v1/controls;
// every rule (what a workflow allows, who may) lives in the server, which says what was wrong.
#include <boost/json.hpp>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.h"
#include "cli/json_util.h"
#include "cli/table.h"
#include "cli/time_args.h"
#include "http/url.h"

namespace aiir::cli {
namespace {

namespace json = boost::json;

struct ControlArgs {
  std::string workflow;
  std::string name;  // tool, source or part=version, by verb
  std::string reason;
  std::string incident;
  std::string expires;  // --for: a duration ahead, or an RFC 3339 time
  std::string target;
  std::string part_kind = "prompt";
  std::vector<std::string> max;    // narrow-tool --max amount=100
  std::vector<std::string> allow;  // narrow-tool --allow segment=smb,consumer
  std::vector<std::string> when;   // force-review --when account_segment=enterprise
  std::string id;
  int percent = 100;
  bool all = false;
};

// "amount=100" → ("amount", "100"); nullopt, after saying what `flag` takes, otherwise.
std::optional<std::pair<std::string, std::string>> split_pair(const char* flag,
                                                              const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    std::cerr << "aiir: " << flag << " takes NAME=VALUE; got '" << text << "'\n";
    return std::nullopt;
  }
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// What the control concerns, in one cell: the tool, source, write target or pinned version.
std::string subject_of(const json::object& c) {
  const std::string kind = field(c, "kind");
  if (kind == "pin_version") {
    return field(c, "part_kind") + ":" + field(c, "part_name") + "=" + field(c, "version");
  }
  for (const char* key : {"tool", "source", "target"}) {
    if (c.contains(key)) return field(c, key);
  }
  return kind == "stop_writes" ? "all targets" : "-";
}

void print_control(const json::object& c, std::string_view what) {
  std::cout << what << " " << field(c, "id") << ": " << field(c, "kind") << " "
            << subject_of(c) << " on " << field(c, "workflow");
  if (const auto* lift = c.if_contains("lift_percent"); lift && lift->is_number() &&
                                                        lift->to_number<int>() > 0 &&
                                                        !c.contains("lifted_at")) {
    std::cout << " (lifted for " << lift->to_number<int>() << "% of traffic)";
  }
  std::cout << " — controls version " << field(c, "controls_version") << "\n";
}

int send_control(const Context& ctx, const std::string& target, const json::object& body,
                 int expected, std::string_view what) {
  auto client = ctx.client();
  auto r = client.post(target, json::serialize(body));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != expected) {
    report_failure(*r);
    if (r->status == 401 || r->status == 403) {
      std::cerr << "Changing controls needs a responder (or admin) key with authority for this "
                   "workflow; pass it with --key or AIIR_API_KEY.\n";
    }
    return 1;
  }
  if (print_json(ctx, *r)) return 0;
  json::value answer = parse_body(r->body);
  if (answer.is_object()) print_control(answer.as_object(), what);
  return 0;
}

// The body every verb shares: workflow, kind, reason, incident and expiry.
std::optional<json::object> base_body(const ControlArgs& a, std::string_view kind) {
  json::object body{{"workflow", a.workflow}, {"kind", kind}, {"reason", a.reason}};
  if (!a.incident.empty()) body["incident"] = a.incident;
  if (!a.expires.empty()) {
    const core::UnixNanos now = wall_now();
    core::UnixNanos until = 0;
    if (core::parse_rfc3339(a.expires, until)) {
      body["expires_at"] = a.expires;
    } else if (auto back = parse_time_arg(a.expires, now)) {
      body["expires_at"] = core::format_rfc3339(now + (now - *back));
    } else {
      std::cerr << "aiir: --for takes a duration (30m, 2h, 1d) or an RFC 3339 time; got '"
                << a.expires << "'\n";
      return std::nullopt;
    }
  }
  return body;
}

int set_control(const Context& ctx, const ControlArgs& a, std::string_view kind) {
  auto body = base_body(a, kind);
  if (!body) return 2;
  if (kind == "disable_tool" || kind == "narrow_tool") (*body)["tool"] = a.name;
  if (kind == "block_source") (*body)["source"] = a.name;
  if (kind == "stop_writes" && !a.target.empty()) (*body)["target"] = a.target;
  if (kind == "pin_version") {
    auto pin = split_pair("pin", a.name);
    if (!pin) return 2;
    (*body)["part_kind"] = a.part_kind;
    (*body)["part_name"] = pin->first;
    (*body)["version"] = pin->second;
  }
  if (kind == "narrow_tool") {
    json::array limits;
    for (const auto& m : a.max) {
      auto limit = split_pair("--max", m);
      if (!limit) return 2;
      try {
        limits.push_back(json::object{{"argument", limit->first}, {"max", std::stod(limit->second)}});
      } catch (const std::exception&) {
        std::cerr << "aiir: --max " << m << ": the limit must be a number\n";
        return 2;
      }
    }
    for (const auto& allowed : a.allow) {
      auto limit = split_pair("--allow", allowed);
      if (!limit) return 2;
      json::array values;
      for (const auto& v : split_commas(limit->second)) values.emplace_back(v);
      limits.push_back(json::object{{"argument", limit->first}, {"allowed", std::move(values)}});
    }
    (*body)["limits"] = std::move(limits);
  }
  if (kind == "force_review" && !a.when.empty()) {
    json::object when;
    for (const auto& w : a.when) {
      auto condition = split_pair("--when", w);
      if (!condition) return 2;
      json::array values;
      for (const auto& v : split_commas(condition->second)) values.emplace_back(v);
      when[condition->first] = std::move(values);
    }
    (*body)["when"] = std::move(when);
  }
  return send_control(ctx, "/v1/controls", *body, 201, "set");
}

int lift_control(const Context& ctx, const std::string& id, int percent,
                 const std::string& reason) {
  json::object body{{"reason", reason}, {"percent", percent}};
  return send_control(ctx, "/v1/controls/" + http::percent_encode(id) + "/lift", body, 200,
                      percent == 100 ? "lifted" : "staged");
}

// The controls in force, as the server lists them; nullopt after reporting a failure.
std::optional<json::array> controls_in_force(const Context& ctx, const std::string& query) {
  auto client = ctx.client();
  auto r = client.get("/v1/controls" + query);
  if (!r.ok()) {
    report_failure(r.error());
    return std::nullopt;
  }
  if (r->status != 200) {
    report_failure(*r);
    return std::nullopt;
  }
  json::value answer = parse_body(r->body);
  if (!answer.is_object() || !answer.as_object().contains("controls")) return json::array{};
  return answer.as_object().at("controls").as_array();
}

// "2/3": how many of the workflow's live instances have applied the control ("-" when the
// server tracks none).
std::string applied_of(const json::object& c) {
  const auto* by = c.if_contains("applied_by");
  if (by == nullptr || !by->is_object()) return "-";
  const auto& o = by->get_object();
  const std::string applied = field(o, "applied");
  const std::string pending = field(o, "pending");
  if (applied == "-" || pending == "-") return "-";
  return applied + "/" + std::to_string(std::stoll(applied) + std::stoll(pending));
}

int list_controls(const Context& ctx, const ControlArgs& a) {
  std::string query = "?include_lifted=" + std::string(a.all ? "true" : "false");
  if (!a.workflow.empty()) query += "&workflow=" + http::percent_encode(a.workflow);
  if (ctx.json) {
    auto client = ctx.client();
    auto r = client.get("/v1/controls" + query);
    if (!r.ok()) return report_failure(r.error());
    if (r->status != 200) return report_failure(*r);
    std::cout << r->body << "\n";
    return 0;
  }
  auto controls = controls_in_force(ctx, query);
  if (!controls) return 1;
  if (controls->empty()) {
    std::cout << (a.all ? "No controls have been set.\n" : "No controls in force.\n");
    return 0;
  }
  Table table(
      {"ID", "WORKFLOW", "KIND", "ON", "LIFTED", "APPLIED", "INCIDENT", "SET BY", "REASON"});
  for (const auto& item : *controls) {
    const auto& c = item.as_object();
    std::string lifted = c.contains("lifted_at") ? "fully"
                         : field(c, "lift_percent") == "-" || field(c, "lift_percent") == "0"
                             ? "-"
                             : field(c, "lift_percent") + "%";
    table.add({field(c, "id"), field(c, "workflow"), field(c, "kind"), subject_of(c), lifted,
               applied_of(c), field(c, "incident"), field(c, "set_by"),
               shorten(field(c, "reason"), 48)});
  }
  std::cout << table.render();
  return 0;
}

// Lifts every pause in force on the workflow.
int resume_workflow(const Context& ctx, const ControlArgs& a) {
  auto controls = controls_in_force(ctx, "?workflow=" + http::percent_encode(a.workflow));
  if (!controls) return 1;
  int lifted = 0;
  for (const auto& item : *controls) {
    const auto& c = item.as_object();
    if (field(c, "kind") != "pause") continue;
    if (int status = lift_control(ctx, field(c, "id"), a.percent, a.reason); status != 0) {
      return status;
    }
    ++lifted;
  }
  if (lifted == 0) {
    std::cerr << "aiir: " << a.workflow << " is not paused (no pause control in force)\n";
    return 1;
  }
  return 0;
}

}  // namespace

int set_workflow_control(const Context& ctx, const std::string& workflow, std::string_view kind,
                         const std::string& name, const std::string& reason,
                         const std::string& incident) {
  ControlArgs args;
  args.workflow = workflow;
  args.name = name;
  args.reason = reason;
  args.incident = incident;
  return set_control(ctx, args, kind);
}

int list_workflow_controls(const Context& ctx, const std::string& workflow) {
  ControlArgs args;
  args.workflow = workflow;
  return list_controls(ctx, args);
}

void add_controls_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ControlArgs>();
  auto* controls = app.add_subcommand(
      "controls", "containment: pause, force review, disable or narrow tools, pin versions, ...");
  controls->require_subcommand(1);
  auto on = [&ctx, args](CLI::App* command, std::function<int(const Context&, const ControlArgs&)> run) {
    command->callback([&ctx, args, run] { ctx.action = [&ctx, args, run] { return run(ctx, *args); }; });
  };
  // The options every setting verb takes.
  auto setting = [args](CLI::App* command) {
    command->add_option("workflow", args->workflow, "the workflow's id")->required();
    command->add_option("--reason", args->reason, "why, in words a responder reads")->required();
    command->add_option("--incident", args->incident, "the incident it belongs to (INC-4)");
    command->add_option("--for", args->expires,
                        "lift it by itself after this long (2h, 1d) or at this RFC 3339 time");
  };

  auto* list = controls->add_subcommand("list", "the controls in force");
  list->add_option("--workflow", args->workflow, "only this workflow's");
  list->add_flag("--all", args->all, "lifted ones too");
  on(list, list_controls);

  auto* pause = controls->add_subcommand(
      "pause", "stop the workflow: every action denied, outputs by its pause fallback");
  setting(pause);
  on(pause, [](const Context& c, const ControlArgs& a) { return set_control(c, a, "pause"); });

  auto* resume = controls->add_subcommand("resume", "lift the pause of a workflow");
  resume->add_option("workflow", args->workflow, "the workflow's id")->required();
  resume->add_option("--reason", args->reason, "why it is safe again")->required();
  resume->add_option("--percent", args->percent,
                     "let this share of traffic through first (staged); 100 resumes fully")
      ->check(CLI::Range(1, 100));
  on(resume, resume_workflow);

  auto* review = controls->add_subcommand("force-review", "hold outputs for human review");
  setting(review);
  review->add_option("--when", args->when,
                     "only outputs whose attribute matches: ATTRIBUTE=VALUE[,VALUE...] (repeatable)");
  on(review, [](const Context& c, const ControlArgs& a) { return set_control(c, a, "force_review"); });

  auto* disable = controls->add_subcommand("disable-tool", "deny every call of a tool");
  setting(disable);
  disable->add_option("tool", args->name, "the tool's name as the workflow declares it")->required();
  on(disable, [](const Context& c, const ControlArgs& a) { return set_control(c, a, "disable_tool"); });

  auto* narrow = controls->add_subcommand("narrow-tool", "allow a tool only within limits");
  setting(narrow);
  narrow->add_option("tool", args->name, "the tool's name as the workflow declares it")->required();
  narrow->add_option("--max", args->max, "ARGUMENT=NUMBER: the largest value allowed (repeatable)");
  narrow->add_option("--allow", args->allow,
                     "ARGUMENT=VALUE[,VALUE...]: the only values allowed (repeatable)");
  on(narrow, [](const Context& c, const ControlArgs& a) { return set_control(c, a, "narrow_tool"); });

  auto* pin = controls->add_subcommand("pin", "roll back: use this version of a prompt, model or index");
  setting(pin);
  pin->add_option("version", args->name, "PART=VERSION, e.g. refund-policy=v6")->required();
  pin->add_option("--part-kind", args->part_kind, "prompt | model | retrieval_index")
      ->capture_default_str();
  on(pin, [](const Context& c, const ControlArgs& a) { return set_control(c, a, "pin_version"); });

  auto* block = controls->add_subcommand("block-source", "stop retrieving from a source");
  setting(block);
  block->add_option("source", args->name, "the retrieval source's name")->required();
  on(block, [](const Context& c, const ControlArgs& a) { return set_control(c, a, "block_source"); });

  auto* stop = controls->add_subcommand("stop-writes", "dry-run downstream writes");
  setting(stop);
  stop->add_option("--target", args->target, "only writes to this system (default: all)");
  on(stop, [](const Context& c, const ControlArgs& a) { return set_control(c, a, "stop_writes"); });

  auto* lift = controls->add_subcommand("lift", "lift a control, fully or for a share of traffic");
  lift->add_option("id", args->id, "the control's id (ctl-...)")->required();
  lift->add_option("--reason", args->reason, "why it can be lifted")->required();
  lift->add_option("--percent", args->percent,
                   "let this share of traffic through (staged); 100 lifts it fully")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  on(lift, [](const Context& c, const ControlArgs& a) {
    return lift_control(c, a.id, a.percent, a.reason);
  });
}

}  // namespace aiir::cli
