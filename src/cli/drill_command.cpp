// `aiir drill WORKFLOW [--timeout 30s]`: rehearse stopping a workflow. The server sets a drill
// control, waits until every live instance of the workflow has applied it (or the timeout), lifts
// it and stores the result; this prints each instance's time to apply and the verdict. A client
// of POST /v1/drills; docs/control-stream.md says what is measured.
#include <cctype>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "cli/context.h"
#include "cli/json_util.h"
#include "cli/table.h"

namespace aiir::cli {
namespace {

namespace json = boost::json;

// "30", "30s", "2m", "1m30s" → seconds; nullopt for anything else.
std::optional<std::int64_t> parse_seconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    std::int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > 1'000'000) return std::nullopt;
      ++i;
    }
    std::int64_t unit = 1;
    if (i < text.size()) {
      if (text[i] == 'm') unit = 60;
      else if (text[i] != 's') return std::nullopt;
      ++i;
    } else if (total != 0) {
      return std::nullopt;  // "1m30": the last number needs its unit too
    }
    total += n * unit;
  }
  return total;
}

std::string ms_text(const json::value& v) {
  if (!v.is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", v.to_number<double>());
  return buf;
}

void print_drill(const json::object& d) {
  Table table({"INSTANCE", "APPLIED", "TIME TO APPLY"});
  if (const auto* instances = d.if_contains("instances"); instances && instances->is_array()) {
    for (const auto& item : instances->as_array()) {
      if (!item.is_object()) continue;
      const auto& o = item.as_object();
      const json::value* ms = o.if_contains("time_to_apply_ms");
      bool applied = o.contains("applied") && o.at("applied").is_bool() && o.at("applied").as_bool();
      table.add({field(o, "instance"), applied ? "yes" : "NO (timed out)",
                 ms != nullptr ? ms_text(*ms) : "-"});
    }
  }
  const std::string state = field(d, "state");
  std::cout << "Drill " << field(d, "id") << " on " << field(d, "workflow") << " (control "
            << field(d, "control") << ", controls version " << field(d, "controls_version")
            << ")\n\n";
  if (state != "no_instances") std::cout << table.render() << "\n";
  if (state == "passed") {
    std::string slowest;
    if (const auto* s = d.if_contains("slowest"); s && s->is_object()) {
      slowest = field(s->as_object(), "instance") + ", " +
                ms_text(s->as_object().contains("time_to_apply_ms")
                            ? s->as_object().at("time_to_apply_ms")
                            : json::value());
    }
    std::cout << "PASSED: every live instance applied the drill control (slowest: " << slowest
              << ").\n";
  } else if (state == "failed") {
    std::cout << "FAILED: not every instance applied the drill control within "
              << field(d, "timeout_seconds") << " s";
    if (const auto* t = d.if_contains("timed_out"); t && t->is_array() && !t->as_array().empty()) {
      std::cout << " (" << joined(t->as_array()) << ")";
    }
    std::cout << ".\n";
  } else if (state == "no_instances") {
    std::cout << "NO INSTANCES: no live instance serves this workflow, so nothing was measured. "
                 "Instances count while connected to GET /v1/controls/stream or reporting to "
                 "POST /v1/controls/applied.\n";
  } else {
    std::cout << "State: " << state << "\n";
  }
  if (d.contains("lift_error")) {
    std::cout << "WARNING: " << field(d, "lift_error") << "\n";
  }
}

int run_drill(const Context& ctx, const std::string& workflow, const std::string& timeout) {
  auto seconds = parse_seconds(timeout);
  if (!seconds || *seconds < 1) {
    std::cerr << "error: --timeout '" << timeout
              << "' is not a duration; give seconds or minutes, e.g. 30s, 2m, 1m30s\n";
    return 2;
  }
  json::object body{{"workflow", workflow}, {"timeout_seconds", *seconds}};
  auto client = ctx.client();
  if (!ctx.json) {
    std::cout << "Drilling " << workflow << ": waiting up to " << *seconds
              << " s for every live instance to apply the drill control...\n";
  }
  auto r = client.post("/v1/drills", json::serialize(body));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) return report_failure(*r);
  if (print_json(ctx, *r)) return 0;
  auto answer = parse_body(r->body);
  if (!answer.is_object()) {
    std::cout << r->body << "\n";
    return 0;
  }
  print_drill(answer.as_object());
  return field(answer.as_object(), "state") == "failed" ? 1 : 0;
}

}  // namespace

void add_drill_command(CLI::App& app, Context& ctx) {
  auto workflow = std::make_shared<std::string>();
  auto timeout = std::make_shared<std::string>("30s");
  auto* drill = app.add_subcommand(
      "drill", "rehearse stopping a workflow: time how long a control takes to reach every "
               "live instance (exit 1 when some did not apply it in time)");
  drill->add_option("workflow", *workflow, "workflow id")->required();
  drill->add_option("--timeout", *timeout, "how long to wait for every instance (30s, 2m)")
      ->capture_default_str();
  drill->callback([&ctx, workflow, timeout] {
    ctx.action = [&ctx, workflow, timeout] { return run_drill(ctx, *workflow, *timeout); };
  });
}

}  // namespace aiir::cli
