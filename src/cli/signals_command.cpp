// `aiir signals list|show|report`, `aiir hunt` and `aiir hunts list|show`: clients of
// /v1/signals, POST /v1/detectors/{id}/hunt and /v1/hunts.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <tuple>
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

// ---- rendering ---------------------------------------------------------------------------------

// A number member rounded to a whole number ("-" when absent).
std::string whole(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_number()) return "-";
  return std::to_string(std::llround(v->to_number<double>()));
}

bool is_true(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

void pretty(std::ostream& out, const json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) + 2, ' ');
  const std::string close(static_cast<std::size_t>(indent), ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out << "{\n";
    std::size_t i = 0;
    for (const auto& [key, value] : v.get_object()) {
      out << pad << json::serialize(json::string(key)) << ": ";
      pretty(out, value, indent + 2);
      out << (++i < v.get_object().size() ? ",\n" : "\n");
    }
    out << close << "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    out << "[\n";
    std::size_t i = 0;
    for (const auto& value : v.get_array()) {
      out << pad;
      pretty(out, value, indent + 2);
      out << (++i < v.get_array().size() ? ",\n" : "\n");
    }
    out << close << "]";
  } else {
    out << json::serialize(v);
  }
}

// report_failure, plus `hint` when the key was refused (401, 403).
int report_refusal(const ClientResponse& r, const std::string& hint) {
  report_failure(r);
  if (r.status == 401 || r.status == 403) std::cerr << hint << "\n";
  return 1;
}

// ---- signals -----------------------------------------------------------------------------------

struct SignalArgs {
  std::string id;
  std::map<std::string, std::string> filters;  // query parameters for /v1/signals
  std::string since;
  std::string until;
  int limit = 50;
  // report
  std::map<std::string, std::string> report;  // body member -> value, strings only
  std::vector<std::string> labels;            // KEY=VALUE
  std::string observed;                       // a JSON object
  std::string time;
};

int list_signals(const Context& ctx, const SignalArgs& args) {
  std::string target = "/v1/signals?limit=" + std::to_string(args.limit);
  for (const auto& [key, value] : args.filters) {
    if (!value.empty()) target += "&" + key + "=" + http::percent_encode(value);
  }
  const core::UnixNanos now = wall_now();
  for (const auto& [flag, name, text] :
       {std::tuple{"--since", "since", &args.since}, std::tuple{"--until", "until", &args.until}}) {
    if (text->empty()) continue;
    std::string t;
    if (!resolve_time(flag, *text, now, t)) return 2;
    target += std::string("&") + name + "=" + http::percent_encode(t);
  }
  int status = 0;
  auto body = get_answer(ctx, target, status);
  if (!body) return status;
  const auto* signals = body->if_contains("signals");
  if (signals == nullptr || !signals->is_array() || signals->get_array().empty()) {
    std::cout << "No signals match.";
    if (args.filters.at("hunt").empty() && args.filters.at("source").empty()) {
      std::cout << " Findings of retro-hunts are listed apart: --hunt ID or --source hunt.";
    }
    std::cout << "\n";
    return 0;
  }
  Table table(
      {"ID", "DETECTED", "DETECTOR", "WORKFLOW", "CATEGORY", "IMPACT", "SUBJECT", "SUMMARY"});
  for (const auto& item : signals->get_array()) {
    const auto& s = item.as_object();
    const std::string summary = (is_true(s, "resolved") ? "[resolved] " : "") + field(s, "summary");
    const std::string account = field(s, "account_id");
    table.add({field(s, "id"), local_short(field(s, "detected_at")), field(s, "detector"),
               field(s, "workflow"), field(s, "category"), field(s, "impact"),
               account != "-" ? account : field(s, "user_id"), shorten(summary, 70)});
  }
  std::cout << table.render();
  if (field(*body, "next_cursor") != "-") {
    std::cout << "(more: --cursor " << field(*body, "next_cursor") << ")\n";
  }
  return 0;
}

}  // namespace

int list_workflow_signals(const Context& ctx, const std::string& workflow) {
  SignalArgs args;
  args.filters["workflow"] = workflow;
  return list_signals(ctx, args);
}

namespace {

void print_signal(const json::object& s) {
  std::cout << field(s, "id") << "  " << field(s, "category");
  if (field(s, "owasp") != "-") std::cout << " (" << field(s, "owasp") << ")";
  std::cout << "  impact " << field(s, "impact") << "\n" << field(s, "summary") << "\n\n";
  auto line = [&s](const char* label, std::string_view key) {
    std::string value = field(s, key);
    if (value != "-") std::cout << label << value << "\n";
  };
  std::cout << "Source:       " << field(s, "source") << " " << field(s, "detector") << "\n";
  line("Hunt:         ", "hunt_id");
  line("Workflow:     ", "workflow");
  line("Happened:     ", "event_time");
  line("Detected:     ", "detected_at");
  if (is_true(s, "resolved")) std::cout << "Resolved:     yes (the sender said it ended)\n";
  line("Account:      ", "account_id");
  line("User:         ", "user_id");
  line("Session:      ", "session_id");
  line("Record:       ", "record_id");
  line("Trace:        ", "trace_id");
  line("Span:         ", "span_id");
  line("Span seq:     ", "span_seq");
  line("Fingerprint:  ", "fingerprint");
  if (const auto* g = s.if_contains("group");
      g != nullptr && g->is_object() && !g->get_object().empty()) {
    std::string group;
    for (const auto& [key, value] : g->get_object()) {
      if (!group.empty()) group += ", ";
      group += std::string(key) + "=" +
               (value.is_string() ? std::string(value.get_string()) : json::serialize(value));
    }
    std::cout << "Group:        " << group << "\n";
  }
  if (const auto* o = s.if_contains("observed");
      o != nullptr && !o->is_null() && !(o->is_object() && o->get_object().empty())) {
    std::cout << "Observed:\n  ";
    pretty(std::cout, *o, 2);
    std::cout << "\n";
  }
  std::cout << "\n";
  if (field(s, "trace_id") != "-") {
    std::cout << "The trace:         aiir traces show " << field(s, "trace_id") << "\n";
  }
  if (field(s, "fingerprint") != "-") {
    std::cout << "Same fingerprint:  aiir signals list --fingerprint " << field(s, "fingerprint")
              << (field(s, "hunt_id") != "-" ? " --hunt " + field(s, "hunt_id") : "") << "\n";
  }
}

int show_signal(const Context& ctx, const SignalArgs& args) {
  int status = 0;
  auto signal = get_answer(ctx, "/v1/signals/" + http::percent_encode(args.id), status);
  if (!signal) return status;
  print_signal(*signal);
  return 0;
}

// The body of POST /v1/signals from the flags; false, after saying why, on a malformed flag.
bool report_body(const SignalArgs& args, json::object& body) {
  for (const auto& [key, value] : args.report) {
    if (!value.empty()) body[key] = value;
  }
  if (!args.labels.empty()) {
    json::object labels;
    for (const auto& label : args.labels) {
      auto eq = label.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "aiir: --label takes KEY=VALUE (e.g. --label ticket=Z-123), got '" << label
                  << "'\n";
        return false;
      }
      labels[label.substr(0, eq)] = label.substr(eq + 1);
    }
    body["labels"] = std::move(labels);
  }
  if (!args.observed.empty()) {
    boost::system::error_code ec;
    json::value observed = json::parse(args.observed, ec);
    if (ec || !observed.is_object()) {
      std::cerr << "aiir: --observed takes a JSON object, e.g. --observed '{\"order\": \"A-1\"}'; "
                << "got '" << args.observed << "'\n";
      return false;
    }
    body["observed"] = std::move(observed);
  }
  if (!args.time.empty()) {
    std::string t;
    if (!resolve_time("--time", args.time, wall_now(), t)) return false;
    body["time"] = t;
  }
  return true;
}

int report_signal(const Context& ctx, const SignalArgs& args) {
  json::object body;
  if (!report_body(args, body)) return 2;
  auto client = ctx.client();
  auto r = client.post("/v1/signals", json::serialize(body));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 201 && r->status != 200) {
    return report_refusal(*r,
                          "Reports need an ingest key: create one with `aiir keys create --role "
                          "ingest --name <reporter>` and pass it with --key or AIIR_API_KEY.");
  }
  if (print_json(ctx, *r)) return 0;
  auto answer = parse_body(r->body).as_object();
  const auto* stored = answer.if_contains("signals");
  if (stored == nullptr || !stored->is_array() || stored->get_array().empty()) {
    std::cout << "Not stored again: a report with idempotency key '"
              << args.report.at("idempotency_key") << "' was stored before.\n";
    return 0;
  }
  const auto& s = stored->get_array().front().as_object();
  std::cout << "Stored " << field(s, "id") << " (" << field(s, "category") << ", impact "
            << field(s, "impact") << ").\n"
            << "See it: aiir signals show " << field(s, "id") << "\n";
  return 0;
}

// ---- retro-hunts -------------------------------------------------------------------------------

constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr auto kPlainProgressInterval = std::chrono::seconds(1);

struct HuntArgs {
  std::string detector;
  std::string id;
  std::string from;
  std::string to;
  std::vector<std::string> workflows;
  bool no_wait = false;
};

std::string percent(const json::object& hunt) {
  const auto* p = hunt.if_contains("progress");
  if (p == nullptr || !p->is_number()) return "-";
  return std::to_string(static_cast<int>(std::floor(p->to_number<double>() * 100))) + "%";
}

void print_hunt(const json::object& h) {
  std::cout << field(h, "id") << "  detector " << field(h, "detector") << "  " << field(h, "state")
            << " " << percent(h) << "\n"
            << "Range:        " << field(h, "from") << " .. " << field(h, "to") << "\n";
  if (const auto* w = h.if_contains("workflows");
      w != nullptr && w->is_array() && !w->get_array().empty()) {
    std::cout << "Workflows:    ";
    for (const auto& id : w->get_array()) std::cout << json::serialize(id) << " ";
    std::cout << "\n";
  }
  std::cout << "Spans:        " << field(h, "scanned_spans") << " of " << field(h, "total_spans")
            << " scanned, " << field(h, "judged_spans") << " judged by the detector\n"
            << "Signals:      " << field(h, "signals") << "\n"
            << "Started:      " << field(h, "started_at") << "\n";
  if (field(h, "finished_at") != "-") {
    std::cout << "Finished:     " << field(h, "finished_at") << " (" << whole(h, "spans_per_second")
              << " spans/s)\n";
  }
  if (field(h, "error") != "-") std::cout << "Error:        " << field(h, "error") << "\n";
}

// Shows a running hunt's progress on stderr: one line rewritten in place on a terminal, a plain
// line a second otherwise (logs and pipes).
class ProgressLine {
 public:
  ProgressLine() : tty_(::isatty(STDERR_FILENO) == 1) {}
  ~ProgressLine() { finish(); }

  void update(const json::object& hunt) {
    const auto now = Clock::now();
    if (!tty_ && now - last_ < kPlainProgressInterval) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const auto* scanned = hunt.if_contains("scanned_spans");
    std::string text = field(hunt, "id") + "  " + percent(hunt) + "  " +
                       field(hunt, "scanned_spans") + " of " + field(hunt, "total_spans") +
                       " spans  " + field(hunt, "signals") + " signals";
    // The server gives spans/s only at the end; meanwhile it is measured here.
    if (seconds > 0.5 && scanned != nullptr && scanned->is_number()) {
      text +=
          "  " + std::to_string(std::llround(scanned->to_number<double>() / seconds)) + " spans/s";
    }
    if (tty_) {
      std::cerr << "\r" << text << "\033[K" << std::flush;
      drawn_ = true;
    } else {
      std::cerr << text << "\n";
    }
  }

  // Clears the line on a terminal so that what follows starts on a clean one.
  void finish() {
    if (drawn_) std::cerr << "\r\033[K" << std::flush;
    drawn_ = false;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool tty_;
  bool drawn_ = false;
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_ = started_;
};

// Exit status for a finished hunt: 0 when done, 1 otherwise (the message says why).
int hunt_outcome(const Context& ctx, const json::object& h) {
  const std::string id = field(h, "id");
  const std::string state = field(h, "state");
  if (ctx.json) {
    std::cout << json::serialize(h) << "\n";
  } else if (state == "done") {
    std::cout << id << " done: " << field(h, "signals") << " signal(s) from detector "
              << field(h, "detector") << " in " << field(h, "scanned_spans") << " spans ("
              << field(h, "judged_spans") << " judged), " << whole(h, "spans_per_second")
              << " spans/s.\n";
    if (field(h, "signals") != "0") {
      std::cout << "List them: aiir signals list --hunt " << id << "\n"
                << "(hunt findings are kept apart from live signals and page no one)\n";
    }
  }
  if (state == "done") return 0;
  const std::string again = "`aiir hunt " + field(h, "detector") + "`";
  if (state == "failed") {
    std::cerr << "aiir: " << id << " failed: " << field(h, "error") << "\nFix that and run "
              << again << " again.\n";
    if (field(h, "signals") != "0") {
      std::cerr << "What it found before failing: aiir signals list --hunt " << id << "\n";
    }
  } else if (state == "cancelled") {
    std::cerr << "aiir: " << id << " was cancelled (the server stopped); run " << again
              << " again\n";
  } else {
    std::cerr << "aiir: " << id << " ended in state '" << state << "'\n";
  }
  return 1;
}

// Polls the hunt until it is no longer running, showing progress; the final state in `hunt`.
// Returns 0, or the exit status after reporting why it lost track.
int wait_for_hunt(HttpClient& client, json::object& hunt) {
  const std::string id = field(hunt, "id");
  ProgressLine progress;
  while (field(hunt, "state") == "running") {
    std::this_thread::sleep_for(kPollInterval);
    auto r = client.get("/v1/hunts/" + http::percent_encode(id));
    json::value next = r.ok() && r->status == 200 ? parse_body(r->body) : json::value();
    if (!next.is_object()) {
      progress.finish();
      if (!r.ok()) {
        report_failure(r.error());
      } else {
        report_failure(*r);
      }
      std::cerr << "Lost track of " << id << "; it may still be running: aiir hunts show " << id
                << "\n";
      return 1;
    }
    hunt = std::move(next.as_object());
    progress.update(hunt);
  }
  return 0;
}

int start_hunt(const Context& ctx, const HuntArgs& args) {
  json::object body;
  const core::UnixNanos now = wall_now();
  for (const auto& [flag, name, text] :
       {std::tuple{"--from", "from", &args.from}, std::tuple{"--to", "to", &args.to}}) {
    if (text->empty()) continue;  // the server's defaults: the last 24 hours up to now
    std::string t;
    if (!resolve_time(flag, *text, now, t)) return 2;
    body[name] = t;
  }
  if (!args.workflows.empty()) {
    json::array workflows;
    for (const auto& w : args.workflows) workflows.emplace_back(w);
    body["workflows"] = std::move(workflows);
  }
  auto client = ctx.client();
  auto r = client.post("/v1/detectors/" + http::percent_encode(args.detector) + "/hunt",
                       json::serialize(body));
  if (!r.ok()) return report_failure(r.error());
  if (r->status == 404) {
    report_failure(*r);
    std::cerr << "The detector ids: aiir detectors list\n";
    return 1;
  }
  if (r->status != 202) {
    return report_refusal(
        *r, "Retro-hunts need a responder (or admin) key; pass it with --key or AIIR_API_KEY.");
  }
  json::value started = parse_body(r->body);
  if (!started.is_object() || field(started.as_object(), "id") == "-") {
    std::cerr << "aiir: the server started a hunt but named no hunt id: " << r->body << "\n";
    return 1;
  }
  json::object hunt = std::move(started.as_object());
  const std::string id = field(hunt, "id");
  if (args.no_wait) {
    if (print_json(ctx, *r)) return 0;
    std::cout << "Started " << id << ": detector " << field(hunt, "detector") << " over "
              << field(hunt, "from") << " .. " << field(hunt, "to") << "\n"
              << "Progress: aiir hunts show " << id << "\n"
              << "Findings: aiir signals list --hunt " << id << "\n";
    return 0;
  }
  if (int status = wait_for_hunt(client, hunt); status != 0) return status;
  return hunt_outcome(ctx, hunt);
}

int list_hunts(const Context& ctx) {
  int status = 0;
  auto body = get_answer(ctx, "/v1/hunts", status);
  if (!body) return status;
  const auto* hunts = body->if_contains("hunts");
  if (hunts == nullptr || !hunts->is_array() || hunts->get_array().empty()) {
    std::cout << "No retro-hunts since the server started. Start one: aiir hunt DETECTOR\n";
    return 0;
  }
  Table table({"ID", "DETECTOR", "STATE", "PROGRESS", "SPANS", "SIGNALS", "STARTED", "RANGE"});
  for (const auto& item : hunts->get_array()) {
    const auto& h = item.as_object();
    table.add({field(h, "id"), field(h, "detector"), field(h, "state"), percent(h),
               field(h, "scanned_spans") + "/" + field(h, "total_spans"), field(h, "signals"),
               local_short(field(h, "started_at")),
               local_short(field(h, "from")) + " .. " + local_short(field(h, "to"))});
  }
  std::cout << table.render();
  return 0;
}

int show_hunt(const Context& ctx, const HuntArgs& args) {
  int status = 0;
  auto hunt = get_answer(ctx, "/v1/hunts/" + http::percent_encode(args.id), status);
  if (!hunt) return status;
  print_hunt(*hunt);
  if (field(*hunt, "signals") != "0") {
    std::cout << "\nFindings: aiir signals list --hunt " << field(*hunt, "id") << "\n";
  }
  return 0;
}

}  // namespace

void add_signals_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<SignalArgs>();
  auto* signals = app.add_subcommand("signals", "what detectors, people and monitoring noticed");
  signals->require_subcommand(1);

  auto* list = signals->add_subcommand("list", "live and reported signals, newest first");
  for (const auto& [flag, name, help] :
       {std::tuple{"--detector", "detector", "a detector id (or an external reporter's name)"},
        std::tuple{"--workflow", "workflow", "a workflow id"},
        std::tuple{"--category", "category", "data_exposure, tool_misuse, ... (docs/detectors.md)"},
        std::tuple{"--source", "source", "detector | hunt | api | alertmanager"},
        std::tuple{"--hunt", "hunt", "the findings of one retro-hunt (an id from aiir hunts list)"},
        std::tuple{"--trace", "trace_id", "signals about one trace"},
        std::tuple{"--fingerprint", "fingerprint", "signals of one detector/workflow/group"},
        std::tuple{"--cursor", "cursor", "the next page, as printed under the table"}}) {
    list->add_option(flag, args->filters[name], help);
  }
  list->add_option("--since", args->since, std::string("detected at or after: ") + kTimeForms);
  list->add_option("--until", args->until, "detected before: same forms as --since");
  list->add_option("--limit", args->limit, "signals per page (1-1000)")->capture_default_str();
  list->callback([&ctx, args] { ctx.action = [&ctx, args] { return list_signals(ctx, *args); }; });

  auto* show = signals->add_subcommand("show", "one signal with everything behind it");
  show->add_option("id", args->id, "signal id (sig-12)")->required();
  show->callback([&ctx, args] { ctx.action = [&ctx, args] { return show_signal(ctx, *args); }; });

  auto* report = signals->add_subcommand(
      "report", "report what a person or another system saw (needs an ingest key)");
  report
      ->add_option("--category", args->report["category"],
                   "misinformation, data_exposure, unsafe_output, ... (docs/detectors.md)")
      ->required();
  report->add_option("--summary", args->report["summary"], "one line a responder reads")
      ->required();
  for (const auto& [flag, name, help] :
       {std::tuple{"--workflow", "workflow", "the workflow it is about"},
        std::tuple{"--impact", "impact", "low | medium (default) | high | critical"},
        std::tuple{"--trace", "trace_id", "the trace it is about (32 hex)"},
        std::tuple{"--account", "account_id", "the affected account"},
        std::tuple{"--user", "user_id", "the affected user"},
        std::tuple{"--source-name", "source_name", "who reports (default: the key's name)"},
        std::tuple{"--idempotency-key", "idempotency_key",
                   "a retried report with the same key is stored once (a ticket id)"}}) {
    report->add_option(flag, args->report[name], help);
  }
  report->add_option("--label", args->labels, "KEY=VALUE, repeatable (--label ticket=Z-123)");
  report->add_option("--observed", args->observed, "the evidence as a JSON object");
  report->add_option("--time", args->time, std::string("when it happened: ") + kTimeForms);
  report->callback(
      [&ctx, args] { ctx.action = [&ctx, args] { return report_signal(ctx, *args); }; });
}

void add_hunt_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<HuntArgs>();
  auto* hunt = app.add_subcommand(
      "hunt", "run a detector over stored spans of a time range (a retro-hunt; responder)");
  hunt->add_option("detector", args->detector, "detector id (aiir detectors list)")->required();
  hunt->add_option("--from", args->from,
                   std::string("start of the range (default 24h): ") + kTimeForms);
  hunt->add_option("--to", args->to, "end of the range (default now): same forms as --from");
  hunt->add_option("--workflow", args->workflows,
                   "hunt only this workflow of the detector's scope (repeatable)");
  hunt->add_flag("--no-wait", args->no_wait, "start the hunt and return at once");
  hunt->callback([&ctx, args] { ctx.action = [&ctx, args] { return start_hunt(ctx, *args); }; });

  auto* hunts = app.add_subcommand("hunts", "retro-hunts and their progress");
  hunts->require_subcommand(1);
  auto* list = hunts->add_subcommand("list", "retro-hunts since the server started, newest first");
  list->callback([&ctx] { ctx.action = [&ctx] { return list_hunts(ctx); }; });
  auto* show = hunts->add_subcommand("show", "one retro-hunt's progress and outcome");
  show->add_option("id", args->id, "hunt id (from aiir hunts list)")->required();
  show->callback([&ctx, args] { ctx.action = [&ctx, args] { return show_hunt(ctx, *args); }; });
}

}  // namespace aiir::cli
