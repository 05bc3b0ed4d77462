// `aiir incidents ...`: the responder's console. Lists and shows incidents, acts on them (ack,
// contain, resolve, close, reopen, assign, severity, classify, note, merge, split), shows response
// metrics and follows every incident's timeline live (`watch`). A client of /v1/incidents and
// /v1/timeline; every rule lives in the server, which says what was wrong.
#include <cmath>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "cli/context.h"
#include "cli/json_util.h"
#include "cli/table.h"
#include "cli/time_args.h"
#include "http/url.h"

namespace aiir::cli {
namespace {

namespace json = boost::json;

// How long one watch request waits for news: well under the server's 60 s limit, so a quiet
// feed costs one request every 25 s.
constexpr int kWatchWaitSeconds = 25;
// Events per request of `watch`.
constexpr int kWatchPage = 1000;

// ---- times -------------------------------------------------------------------------------------

// "2026-11-23T10:00:01Z": UTC to the second, the same width on every line of `watch`.
std::string utc_seconds(const std::string& rfc3339) {
  core::UnixNanos t = 0;
  if (!core::parse_rfc3339(rfc3339, t)) return rfc3339;
  std::time_t secs = static_cast<std::time_t>(t / core::kNanosPerSecond);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

// Seconds as a person reads a response time: "850ms", "42s", "4m32s", "3h05m", "2d04h".
std::string duration(double seconds) {
  if (!std::isfinite(seconds)) return "-";
  const std::string sign = seconds < 0 ? "-" : "";
  seconds = std::fabs(seconds);
  char buf[32];
  const auto whole = static_cast<long long>(std::llround(seconds));
  if (seconds < 1) {
    std::snprintf(buf, sizeof buf, "%lldms", std::llround(seconds * 1000));
  } else if (seconds < 60) {
    std::snprintf(buf, sizeof buf, seconds < 10 ? "%.1fs" : "%.0fs", seconds);
  } else if (whole < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", whole / 60, whole % 60);
  } else if (whole < 24 * 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", whole / 3600, whole % 3600 / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", whole / 86400, whole % 86400 / 3600);
  }
  return sign + buf;
}

std::string duration_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_number() ? duration(v->to_number<double>()) : "-";
}

// ---- rendering ---------------------------------------------------------------------------------

const json::array& array_of(const json::object& o, std::string_view key) {
  static const json::array kEmpty;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? v->get_array() : kEmpty;
}

// One timeline event on one line, as `watch` prints it:
// "2026-11-23T10:00:01Z INC-4 severity_changed  medium → high: 12 users affected (system)".
std::string event_line(const json::object& e) {
  const std::string summary = field(e, "summary") != "-" ? field(e, "summary") : "";
  std::string line = utc_seconds(field(e, "time")) + " " + field(e, "incident") + " " +
                     field(e, "kind") + "  " + summary;
  if (field(e, "reason") != "-") line += ": " + field(e, "reason");
  return line + " (" + field(e, "actor") + ")";
}

void print_incident(const json::object& i) {
  std::cout << field(i, "id") << "  " << field(i, "severity") << "  " << field(i, "state") << "\n"
            << field(i, "title") << "\n\n";
  std::cout << "Severity:        " << field(i, "severity") << "\n";
  for (const auto& reason : array_of(i, "severity_reasons")) {
    std::cout << "                 - "
              << (reason.is_string() ? std::string(reason.get_string()) : json::serialize(reason))
              << "\n";
  }
  const auto* pages = i.if_contains("pages_people");
  std::cout << "Classification:  " << field(i, "classification")
            << (pages != nullptr && pages->is_bool() && pages->get_bool()
                    ? " (pages people)"
                    : " (counted and reviewed; pages no one)")
            << "\n";
  auto line = [&i](const char* label, std::string_view key) {
    if (field(i, key) != "-") std::cout << label << field(i, key) << "\n";
  };
  line("Workflow:        ", "workflow");
  line("Detector:        ", "detector");
  line("Category:        ", "category");
  line("Linked to:       ", "linked_to");
  line("Merged into:     ", "merged_into");
  const auto& roles = array_of(i, "roles");
  for (std::size_t n = 0; n < roles.size(); ++n) {
    if (!roles[n].is_object()) continue;
    const auto& r = roles[n].get_object();
    std::cout << (n == 0 ? "Roles:           " : "                 ") << field(r, "role") << ": "
              << field(r, "who") << "\n";
  }
  std::cout << "Blast radius:    " << field(i, "signal_count") << " signal(s), "
            << field(i, "distinct_users") << " user(s), " << field(i, "distinct_accounts")
            << " account(s), " << field(i, "records_written") << " record(s) written";
  if (field(i, "recurrences") != "-" && field(i, "recurrences") != "0") {
    std::cout << "; recurred " << field(i, "recurrences") << " time(s)";
  }
  std::cout << "\n";
  if (field(i, "first_seen") != "-") {
    std::cout << "Seen:            " << local_short(field(i, "first_seen")) << " .. "
              << local_short(field(i, "last_seen")) << "\n";
  }
  for (const auto& [label, key] : {std::pair{"Opened:          ", "opened_at"},
                                   std::pair{"Acknowledged:    ", "acknowledged_at"},
                                   std::pair{"Contained:       ", "contained_at"},
                                   std::pair{"Resolved:        ", "resolved_at"},
                                   std::pair{"Closed:          ", "closed_at"}}) {
    if (field(i, key) != "-") std::cout << label << local_short(field(i, key)) << "\n";
  }
  std::cout << "Response times:  detect " << duration_of(i, "time_to_detect_seconds")
            << ", acknowledge " << duration_of(i, "time_to_acknowledge_seconds") << ", contain "
            << duration_of(i, "time_to_contain_seconds") << ", resolve "
            << duration_of(i, "time_to_resolve_seconds") << "\n";

  const auto& timeline = array_of(i, "timeline");
  std::cout << "\nTimeline:\n";
  Table table({"TIME", "ACTOR", "KIND", "SUMMARY", "REASON"});
  for (const auto& item : timeline) {
    if (!item.is_object()) continue;
    const auto& e = item.get_object();
    table.add({local_short(field(e, "time")), field(e, "actor"), field(e, "kind"),
               shorten(field(e, "summary"), 70), shorten(field(e, "reason"), 60)});
  }
  std::cout << table.render();
  const auto* truncated = i.if_contains("timeline_truncated");
  if (truncated != nullptr && truncated->is_bool() && truncated->get_bool() && !timeline.empty()) {
    std::cout << "(the first " << timeline.size() << " events; the rest: GET /v1/incidents/"
              << field(i, "id") << "/timeline?after=" << field(timeline.back().as_object(), "seq")
              << ")\n";
  }
}

// ---- commands ----------------------------------------------------------------------------------

struct IncidentArgs {
  std::string id;
  std::map<std::string, std::string> filters;  // query parameters of GET /v1/incidents
  std::string since;
  int limit = 50;
  std::string reason;
  std::string value;               // the severity, classification or role
  std::vector<std::string> words;  // assign's WHO, note's TEXT
  std::vector<std::string> sources;
  std::vector<std::string> signals;
  std::string merged;
  std::string title;
  std::int64_t after = -1;  // watch: -1 starts at the current end
};

// `target` plus `&since=` when --since was given; false, after saying why, on a malformed one.
bool with_since(const std::string& since, std::string& target) {
  if (since.empty()) return true;
  std::string t;
  if (!resolve_time("--since", since, wall_now(), t)) return false;
  target += (target.find('?') == std::string::npos ? "?" : "&") + std::string("since=") +
            http::percent_encode(t);
  return true;
}

int list_incidents(const Context& ctx, const IncidentArgs& args) {
  std::string target = "/v1/incidents?limit=" + std::to_string(args.limit);
  for (const auto& [key, value] : args.filters) {
    if (!value.empty()) target += "&" + key + "=" + http::percent_encode(value);
  }
  if (!with_since(args.since, target)) return 2;
  int status = 0;
  auto body = get_answer(ctx, target, status);
  if (!body) return status;
  const auto& incidents = array_of(*body, "incidents");
  if (incidents.empty()) {
    std::cout << "No incidents match.\n";
    return 0;
  }
  Table table({"ID", "SEVERITY", "CLASS", "STATE", "WORKFLOW", "SIGNALS", "USERS", "OPENED",
               "TITLE"});
  for (const auto& item : incidents) {
    const auto& i = item.as_object();
    table.add({field(i, "id"), field(i, "severity"), field(i, "classification"),
               field(i, "state"), field(i, "workflow"), field(i, "signal_count"),
               field(i, "distinct_users"), local_short(field(i, "opened_at")),
               shorten(field(i, "title"), 60)});
  }
  std::cout << table.render();
  if (field(*body, "next_cursor") != "-") {
    std::cout << "(more: --cursor " << field(*body, "next_cursor") << ")\n";
  }
  return 0;
}

int show_incident(const Context& ctx, const IncidentArgs& args) {
  int status = 0;
  auto incident = get_answer(ctx, "/v1/incidents/" + http::percent_encode(args.id), status);
  if (!incident) return status;
  print_incident(*incident);
  return 0;
}

// Posts an action and prints what it changed; a refusal says where the incident can go instead.
int act(const Context& ctx, const std::string& id, const std::string& action,
        const json::object& body) {
  auto client = ctx.client();
  auto r = client.post("/v1/incidents/" + http::percent_encode(id) + "/" + action,
                       json::serialize(body));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) {
    report_failure(*r);
    const json::value problem = parse_body(r->body);
    const auto* allowed = problem.is_object() ? problem.get_object().if_contains("allowed_states")
                                              : nullptr;
    if (r->status == 409 && allowed != nullptr && allowed->is_array()) {
      const auto& p = problem.get_object();
      if (field(p, "merged_into") != "-") {
        std::cerr << id << " was merged into " << field(p, "merged_into")
                  << ": act on that one, or take it out again with `aiir incidents split "
                  << field(p, "merged_into") << " --incident " << id << "`.\n";
      } else if (allowed->get_array().empty()) {
        std::cerr << id << " is " << field(p, "state") << ": nothing can change it any more.\n";
      } else {
        std::cerr << "From " << field(p, "state") << ", " << id
                  << " can go to: " << joined(allowed->get_array()) << "\n";
      }
    } else if (r->status == 401 || r->status == 403) {
      std::cerr << "Acting on incidents needs a responder (or admin) key; pass it with --key or "
                   "AIIR_API_KEY.\n";
    }
    return 1;
  }
  if (print_json(ctx, *r)) return 0;
  auto answer = parse_body(r->body).as_object();
  const auto* incident = answer.if_contains("incident");
  if (incident != nullptr && incident->is_object()) {
    const auto& i = incident->get_object();
    std::cout << field(i, "id") << ": " << field(i, "state") << ", severity "
              << field(i, "severity") << ", " << field(i, "classification") << "\n";
  }
  for (const auto& e : array_of(answer, "events")) {
    if (e.is_object()) std::cout << "  " << event_line(e.get_object()) << "\n";
  }
  return 0;
}

// The body members given on the command line; empty ones are left out.
json::object members(std::initializer_list<std::pair<const char*, std::string>> given) {
  json::object body;
  for (const auto& [key, value] : given) {
    if (!value.empty()) body[key] = value;
  }
  return body;
}

std::string words(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out;
}

int merge(const Context& ctx, const IncidentArgs& args) {
  json::array sources;
  for (const auto& s : args.sources) sources.emplace_back(s);
  json::object body = members({{"reason", args.reason}});
  body["incidents"] = std::move(sources);
  return act(ctx, args.id, "merge", body);
}

int split(const Context& ctx, const IncidentArgs& args) {
  if (args.signals.empty() == args.merged.empty()) {
    std::cerr << "aiir: name what to take out: --signal sig-12 (repeatable) to move signals into "
                 "a new incident, or --incident INC-3 to undo a merge\n";
    return 2;
  }
  json::object body = members({{"incident", args.merged}, {"title", args.title},
                               {"reason", args.reason}});
  if (!args.signals.empty()) {
    json::array signals;
    for (const auto& s : args.signals) signals.emplace_back(s);
    body["signals"] = std::move(signals);
  }
  return act(ctx, args.id, "split", body);
}

std::string percentiles(const json::object& group, std::string_view key) {
  const auto* v = group.if_contains(key);
  if (v == nullptr || !v->is_object()) return "-";
  const auto& t = v->get_object();
  if (field(t, "count") == "0" || field(t, "count") == "-") return "-";
  return duration_of(t, "p50") + " / " + duration_of(t, "p90") + " (" + field(t, "count") + ")";
}

int metrics(const Context& ctx, const IncidentArgs& args) {
  std::string target = "/v1/incidents/metrics";
  if (!with_since(args.since, target)) return 2;
  int status = 0;
  auto body = get_answer(ctx, target, status);
  if (!body) return status;
  const auto& groups = array_of(*body, "groups");
  if (groups.empty()) {
    std::cout << "No incidents opened since " << local_short(field(*body, "since")) << ".\n";
    return 0;
  }
  std::cout << "Incidents opened since " << local_short(field(*body, "since"))
            << "; times are median / 90th percentile (incidents measured):\n";
  Table table({"WORKFLOW", "SEVERITY", "INCIDENTS", "OPEN", "DETECT", "ACKNOWLEDGE", "CONTAIN",
               "RESOLVE"});
  for (const auto& item : groups) {
    const auto& g = item.as_object();
    table.add({field(g, "workflow"), field(g, "severity"), field(g, "incidents"), field(g, "open"),
               percentiles(g, "time_to_detect_seconds"),
               percentiles(g, "time_to_acknowledge_seconds"),
               percentiles(g, "time_to_contain_seconds"),
               percentiles(g, "time_to_resolve_seconds")});
  }
  std::cout << table.render();
  return 0;
}

// One page of the live feed after `after` (-1: after the current end); the events, and where the
// next page starts in `after`.
core::Result<json::array> feed_page(HttpClient& client, std::int64_t& after, int wait) {
  std::string target = "/v1/timeline?after=" +
                       (after < 0 ? std::string("latest") : std::to_string(after)) +
                       "&limit=" + std::to_string(kWatchPage);
  if (wait > 0) target += "&wait=" + std::to_string(wait);
  auto r = client.get(target);
  if (!r.ok()) return r.error();
  if (r->status != 200) {
    return core::Error(core::Code::kUnavailable,
                       "the server answered " + std::to_string(r->status) + ": " +
                           problem_detail(*r));
  }
  json::value body = parse_body(r->body);
  if (!body.is_object() || !body.get_object().contains("next_after")) {
    return core::internal("the server's timeline answer has no next_after: " + r->body);
  }
  const auto& o = body.get_object();
  after = o.at("next_after").to_number<std::int64_t>();
  return array_of(o, "events");
}

void print_events(const Context& ctx, const json::array& events) {
  for (const auto& e : events) {
    if (!e.is_object()) continue;
    std::cout << (ctx.json ? json::serialize(e) : event_line(e.get_object())) << "\n";
  }
  std::cout << std::flush;
}

int watch(const Context& ctx, const IncidentArgs& args) {
  auto client = ctx.client();
  std::int64_t after = args.after;
  if (after < 0) {
    // Starts at the current end: what happened before is `aiir incidents show`'s business. This
    // request does not wait, so that where the watch starts is told at once; it has events only
    // when one happened while the server looked.
    auto page = feed_page(client, after, 0);
    if (!page.ok()) return report_failure(page.error());
    print_events(ctx, *page);
  }
  std::cerr << "Watching every incident's timeline after event " << after
            << " (--after " << after << " resumes here); Ctrl-C stops.\n";
  for (;;) {
    auto page = feed_page(client, after, kWatchWaitSeconds);
    if (!page.ok()) return report_failure(page.error());
    print_events(ctx, *page);
  }
}

}  // namespace

int list_workflow_incidents(const Context& ctx, const std::string& workflow) {
  IncidentArgs args;
  args.filters["workflow"] = workflow;
  return list_incidents(ctx, args);
}

int show_incident(const Context& ctx, const std::string& id) {
  IncidentArgs args;
  args.id = id;
  return show_incident(ctx, args);
}

int act_on_incident(const Context& ctx, const std::string& id, const std::string& action,
                    const std::string& reason) {
  json::object body;
  if (!reason.empty()) body["reason"] = reason;
  return act(ctx, id, action, body);
}

void add_incidents_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<IncidentArgs>();
  auto* incidents =
      app.add_subcommand("incidents", "incidents: list, show, act on them, watch them live");
  incidents->require_subcommand(1);
  // Each verb sets what runs once parsing succeeded.
  auto on = [&ctx, args](CLI::App* command, int (*run)(const Context&, const IncidentArgs&)) {
    command->callback(
        [&ctx, args, run] { ctx.action = [&ctx, args, run] { return run(ctx, *args); }; });
  };
  auto id_arg = [args](CLI::App* command) {
    command->add_option("id", args->id, "incident id (INC-4)")->required();
  };

  auto* list = incidents->add_subcommand("list", "incidents, newest first");
  for (const auto& [flag, name, help] :
       {std::tuple{"--state", "state", "open | acknowledged | contained | resolved | closed"},
        std::tuple{"--severity", "severity", "low | medium | high | critical"},
        std::tuple{"--classification", "classification",
                   "quality_issue | near_miss | ai_incident | security_event"},
        std::tuple{"--workflow", "workflow", "a workflow id"},
        std::tuple{"--cursor", "cursor", "the next page, as printed under the table"}}) {
    list->add_option(flag, args->filters[name], help);
  }
  list->add_option("--since", args->since, std::string("opened at or after: ") + kTimeForms);
  list->add_option("--limit", args->limit, "incidents per page (1-1000)")->capture_default_str();
  on(list, list_incidents);

  auto* show = incidents->add_subcommand("show", "one incident: severity and why, roles, timeline");
  id_arg(show);
  on(show, show_incident);

  // An action on one incident: `VERB ID ...` posts body(args) to /v1/incidents/ID/<action>. The
  // caller adds the verb's own arguments, after the id.
  using Body = json::object (*)(const IncidentArgs&);
  auto action_command = [&ctx, args, incidents, id_arg](const char* verb, std::string action,
                                                        const std::string& help, Body body) {
    auto* command = incidents->add_subcommand(verb, help);
    id_arg(command);
    command->callback([&ctx, args, action = std::move(action), body] {
      ctx.action = [&ctx, args, action, body] { return act(ctx, args->id, action, body(*args)); };
    });
    return command;
  };

  // The lifecycle: open → acknowledged → contained → resolved → closed (reopen from resolved).
  for (const auto& [verb, action, help] :
       {std::tuple{"ack", "acknowledge", "acknowledge: someone is on it"},
        std::tuple{"contain", "contain", "the harm has stopped spreading"},
        std::tuple{"resolve", "resolve", "fixed; it may still be reopened"},
        std::tuple{"close", "close", "done, reviewed: closed is final"},
        std::tuple{"reopen", "reopen", "a resolved incident is back"}}) {
    auto* command = action_command(verb, action, help, [](const IncidentArgs& a) {
      return members({{"reason", a.reason}});
    });
    command->add_option("--reason", args->reason, "why, for the timeline");
  }

  auto* assign = action_command(
      "assign", "assign", "name who takes a role", [](const IncidentArgs& a) {
        return members({{"role", a.value}, {"who", words(a.words)}, {"reason", a.reason}});
      });
  assign
      ->add_option("role", args->value,
                   "incident_lead | business_owner | engineering | security | legal | "
                   "compliance | communications")
      ->required();
  assign->add_option("who", args->words, "name and contact, e.g. \"Dana <dana@example.com>\"")
      ->required();
  assign->add_option("--reason", args->reason, "why, for the timeline");

  auto* severity = action_command(
      "severity", "severity", "change the severity (with a reason)",
      [](const IncidentArgs& a) { return members({{"severity", a.value}, {"reason", a.reason}}); });
  severity->add_option("level", args->value, "low | medium | high | critical")->required();
  severity->add_option("--reason", args->reason, "why it changes")->required();

  auto* classify = action_command(
      "classify", "classification", "change the classification (with a reason)",
      [](const IncidentArgs& a) {
        return members({{"classification", a.value}, {"reason", a.reason}});
      });
  classify
      ->add_option("class", args->value,
                   "quality_issue | near_miss | ai_incident | security_event (the last two page)")
      ->required();
  classify->add_option("--reason", args->reason, "why it changes")->required();

  auto* note = action_command(
      "note", "notes", "add a note to the timeline",
      [](const IncidentArgs& a) { return members({{"text", words(a.words)}}); });
  note->add_option("text", args->words, "the note (quotes optional)")->required();

  auto* merge_command =
      incidents->add_subcommand("merge", "merge incidents into the first one named");
  merge_command->add_option("target", args->id, "the incident that stays (INC-4)")->required();
  merge_command->add_option("sources", args->sources, "the incidents merged into it")->required();
  merge_command->add_option("--reason", args->reason, "why they are one incident")->required();
  on(merge_command, merge);

  auto* split_command = incidents->add_subcommand(
      "split", "move signals into a new incident, or take a merged incident out again");
  id_arg(split_command);
  auto* by_signal =
      split_command->add_option("--signal", args->signals, "a signal to move (repeatable)");
  split_command->add_option("--incident", args->merged, "an incident merged into this one")
      ->excludes(by_signal);
  split_command->add_option("--title", args->title, "the new incident's title");
  split_command->add_option("--reason", args->reason, "why, for the timeline");
  on(split_command, split);

  auto* metrics_command = incidents->add_subcommand(
      "metrics", "time to detect, acknowledge, contain, resolve by workflow and severity");
  metrics_command->add_option("--since", args->since,
                              std::string("opened at or after (default 30d): ") + kTimeForms);
  on(metrics_command, metrics);

  auto* watch_command = incidents->add_subcommand(
      "watch", "print every incident's timeline events as they happen, until interrupted");
  watch_command->add_option("--after", args->after,
                            "start after this event (a seq; 0 replays everything); default: now");
  on(watch_command, watch);
}

}  // namespace aiir::cli
