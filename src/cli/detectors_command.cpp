// `aiir detectors list|show`: clients of /v1/detectors.
#include <cstdio>
#include <iostream>
#include <string>

#include <boost/json.hpp>

#include "cli/context.h"
#include "cli/json_util.h"
#include "cli/table.h"
#include "http/url.h"

namespace aiir::cli {
namespace {

namespace json = boost::json;

// The strings of an array member joined by ", "; `empty` when absent or empty.
std::string joined(const json::object& o, std::string_view key, const std::string& empty) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_array() || v->get_array().empty()) return empty;
  std::string out;
  for (const auto& item : v->get_array()) {
    if (!out.empty()) out += ", ";
    out += item.is_string() ? std::string(item.get_string()) : json::serialize(item);
  }
  return out;
}

// Milliseconds spent evaluating, from evaluation_seconds; "-" when detection is not running.
std::string cost_ms(const json::object& d) {
  const auto* v = d.if_contains("evaluation_seconds");
  if (v == nullptr || !v->is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v->to_number<double>() * 1000.0);
  return buf;
}

bool enabled(const json::object& d) {
  const auto* v = d.if_contains("enabled");
  return v == nullptr || !v->is_bool() || v->get_bool();
}

int list_detectors(const Context& ctx) {
  auto client = ctx.client();
  auto r = client.get("/v1/detectors");
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) return report_failure(*r);
  if (ctx.json) {
    std::cout << r->body << "\n";
    return 0;
  }
  auto body = parse_body(r->body).as_object();
  const auto* detectors = body.if_contains("detectors");
  if (detectors == nullptr || !detectors->is_array() || detectors->get_array().empty()) {
    std::cout << "No detectors loaded. Add detectors/*.yaml to the configuration directory (see "
                 "docs/detectors.md), check them with `aiir validate DIR`, then reload.\n";
    return 0;
  }
  Table table(
      {"ID", "CATEGORY", "OWASP", "IMPACT", "STATEFUL", "SCOPE", "EVALS", "SIGNALS", "COST(ms)"});
  for (const auto& item : detectors->get_array()) {
    const auto& d = item.as_object();
    table.add({field(d, "id") + (enabled(d) ? "" : " (disabled)"), field(d, "category"),
               field(d, "owasp"), field(d, "impact"), field(d, "stateful"),
               joined(d, "scope_workflows", "all"), field(d, "evaluations"), field(d, "signals"),
               cost_ms(d)});
  }
  std::cout << table.render();
  return 0;
}

// "24h", "90m", "45s" for a whole number of seconds; "-" when absent.
std::string hours(const json::object& d, const char* key) {
  const auto* v = d.if_contains(key);
  if (v == nullptr || !v->is_int64()) return "-";
  const std::int64_t s = v->as_int64();
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

void print_detector(const json::object& d) {
  const std::string id = field(d, "id");
  std::cout << id << (enabled(d) ? "" : "  (disabled)") << "\n"
            << "  " << field(d, "description") << "\n\n"
            << "Category:     " << field(d, "category");
  if (field(d, "owasp") != "-") std::cout << " (" << field(d, "owasp") << ")";
  std::cout << "\n"
            << "Impact:       " << field(d, "impact") << "\n"
            << "Scope:        " << joined(d, "scope_workflows", "every workflow") << "\n"
            << "Group by:     " << joined(d, "group_by", "-") << "\n"
            << "Stateful:     " << field(d, "stateful") << "\n"
            << "Incidents:    " << field(d, "incident_classification") << "; group window "
            << hours(d, "incident_group_window_seconds") << ", reopen cooldown "
            << hours(d, "incident_reopen_cooldown_seconds") << "\n"
            << "Defined in:   " << field(d, "source") << "\n";
  if (d.contains("evaluations")) {
    std::cout << "\nSince the server started:\n"
              << "  evaluations     " << field(d, "evaluations") << "\n"
              << "  matches         " << field(d, "matches") << "\n"
              << "  signals         " << field(d, "signals") << "\n"
              << "  evaluation ms   " << cost_ms(d) << "\n"
              << "  window groups   " << field(d, "window_groups") << "\n";
  } else {
    std::cout << "\nNo counters: live detection is not running on this server.\n";
  }
  std::cout << "\nIts signals:   aiir signals list --detector " << id << "\n"
            << "Hunt the past: aiir hunt " << id << " --from 7d\n";
}

int show_detector(const Context& ctx, const std::string& id) {
  auto client = ctx.client();
  auto r = client.get("/v1/detectors/" + http::percent_encode(id));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) return report_failure(*r);
  if (ctx.json) {
    std::cout << r->body << "\n";
    return 0;
  }
  print_detector(parse_body(r->body).as_object());
  return 0;
}

}  // namespace

void add_detectors_commands(CLI::App& app, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto* detectors = app.add_subcommand("detectors", "the detector set and what each one costs");
  detectors->require_subcommand(1);
  auto* list = detectors->add_subcommand("list", "every detector with its counters");
  list->callback([&ctx] { ctx.action = [&ctx] { return list_detectors(ctx); }; });
  auto* show = detectors->add_subcommand("show", "one detector: scope, grouping, counters");
  show->add_option("id", *id, "detector id")->required();
  show->callback([&ctx, id] { ctx.action = [&ctx, id] { return show_detector(ctx, *id); }; });
}

}  // namespace aiir::cli
