#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "app/server_app.h"
#include "cli/context.h"
#include "cli/demo_trace.h"
#include "cli/json_util.h"
#include "core/clock.h"
#include "core/crypto.h"

namespace aiir::cli {
namespace {

struct DemoArgs {
  std::string config_dir = AIIR_EXAMPLES_DIR;
  bool keep = false;
};

void heading(int step, const std::string& text) {
  std::cout << "\n== " << step << ". " << text << "\n";
}

// Creates a key through the API and returns its secret ("" on failure, already reported).
std::string create_key(HttpClient& admin, const std::string& role, const std::string& name) {
  auto r = admin.post("/v1/keys", boost::json::serialize(boost::json::object{
                                      {"role", role}, {"name", name}}));
  if (!r.ok() || r->status != 201) {
    std::cerr << "demo: could not create a " << role << " key\n";
    return "";
  }
  auto body = parse_body(r->body).as_object();
  std::cout << "  " << role << " key " << field(body, "id") << " for \"" << name << "\"\n";
  return field(body, "secret");
}

int run_demo(const Context& parent, const DemoArgs& args) {
  std::filesystem::path data = std::filesystem::temp_directory_path() /
                               ("aiir-demo-" + std::to_string(::getpid()));
  std::filesystem::create_directories(data);
  spdlog::set_level(spdlog::level::warn);

  app::ServeOptions options;
  options.config_dir = args.config_dir;
  options.data_dir = data.string();
  options.port = 0;
  options.log_to_stderr = false;
  core::SystemClock clock;
  auto started = app::ServerApp::start(options, clock);
  if (!started.ok()) {
    std::cerr << "demo: the server did not start: " << started.error().message() << "\n";
    return 1;
  }
  auto& server = *started;
  std::cout << "aiir demo: a real server on a free loopback port, with a temporary store and the\n"
               "example configuration in "
            << args.config_dir << "\n";

  heading(1, "Server started");
  std::cout << "  API:   " << server->base_url() << "\n"
            << "  Store: " << (data / "aiir.db").string() << "\n";

  heading(2, "First start: an admin key was created");
  std::cout << "  written to " << server->admin_key_file() << " (readable only by its owner);\n"
            << "  the store keeps only its SHA-256.\n";
  HttpClient admin(server->base_url(), server->bootstrap_key().value_or(""));

  heading(3, "Keys with narrower roles");
  std::string ingest_key = create_key(admin, "ingest", "otel-collector");
  std::string viewer_key = create_key(admin, "viewer", "dashboard");
  std::string responder_key = create_key(admin, "responder", "on-call engineer");

  heading(4, "The workflow inventory (aiir workflows list)");
  Context ctx = parent;
  ctx.server = server->base_url();
  ctx.key = viewer_key;
  ctx.json = false;
  int failures = list_workflows(ctx);

  heading(5, "One workflow, its owners and why it has its risk tier (aiir workflows show)");
  failures += show_workflow(ctx, "support-refunds");

  heading(6, "Every route is authenticated and role-checked");
  HttpClient anonymous(server->base_url(), "");
  HttpClient viewer(server->base_url(), viewer_key);
  HttpClient ingest(server->base_url(), ingest_key);
  auto no_key = anonymous.get("/v1/workflows");
  auto wrong_role = viewer.post("/v1/keys", R"({"role":"admin","name":"escalation attempt"})");
  auto ingest_reads = ingest.get("/v1/workflows");
  if (no_key.ok() && wrong_role.ok() && ingest_reads.ok()) {
    std::cout << "  no key           GET  /v1/workflows -> " << no_key->status << "\n"
              << "  viewer key       POST /v1/keys      -> " << wrong_role->status << ": "
              << problem_detail(*wrong_role) << "\n"
              << "  ingest key       GET  /v1/workflows -> " << ingest_reads->status << "\n";
  } else {
    ++failures;
  }

  heading(7, "A support-refund conversation arrives over OTLP (POST /v1/traces)");
  std::string trace_id = core::random_hex(16);
  auto exported = ingest.request("POST", "/v1/traces",
                                 simulated_refund_trace(trace_id, clock.now() - 5'000'000'000),
                                 "application/json");
  if (exported.ok() && exported->status == 200) {
    std::cout << "  6 spans in GenAI semantic conventions from service support-refunds-agent\n"
              << "  -> 200 once committed; attributed to workflow support-refunds;\n"
              << "     the customer's e-mail address was redacted at ingest (content_policy: redact)\n";
  } else {
    std::cout << "  export failed: "
              << (exported.ok() ? problem_detail(*exported) : exported.error().message()) << "\n";
    ++failures;
  }

  heading(8, "The trace, reconstructed step by step (aiir traces show)");
  failures += show_trace(ctx, trace_id, false);

  heading(9, "The same order refunded again, and the card read back (detection)");
  auto repeated = ingest.request(
      "POST", "/v1/traces",
      simulated_repeated_refund(core::random_hex(16), clock.now() - 2'000'000'000),
      "application/json");
  if (!repeated.ok() || repeated->status != 200) ++failures;
  std::cout << "  a retried agent run refunds order A-1001 a second time and tells the customer\n"
               "  their card number; the card is redacted at ingest, and detectors judge each\n"
               "  stored span once, off the ingest path:\n";
  // Detection runs beside ingest; give it a moment to judge the new spans.
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto listed = viewer.get("/v1/signals?workflow=support-refunds");
    if (listed.ok() && listed->body.find("duplicate-refund") != std::string::npos &&
        listed->body.find("financial-data-in-customer-output") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  failures += list_workflow_signals(ctx, "support-refunds");

  heading(10, "The signals became incidents, each with a severity and why (aiir incidents)");
  std::cout << "  signals with one fingerprint attach to one incident; its severity comes from\n"
               "  the workflow's risk profile, the signal and the blast radius, in words:\n";
  std::string first_incident;
  std::string refund_incident;
  for (int attempt = 0; attempt < 50 && first_incident.empty(); ++attempt) {
    auto listed = viewer.get("/v1/incidents?workflow=support-refunds");
    if (listed.ok() && listed->status == 200) {
      const boost::json::value answer = parse_body(listed->body);
      const auto* incidents = answer.is_object() ? answer.get_object().if_contains("incidents")
                                                 : nullptr;
      // The list is newest first; the demo shows the first one opened, and contains the
      // duplicate refunds (the incident a disabled refund tool stops).
      if (incidents != nullptr && incidents->is_array() && incidents->get_array().size() >= 2) {
        first_incident = field(incidents->get_array().back().as_object(), "id");
        for (const auto& incident : incidents->get_array()) {
          if (field(incident.as_object(), "detector") == "duplicate-refund") {
            refund_incident = field(incident.as_object(), "id");
          }
        }
      }
    }
    if (first_incident.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  failures += list_workflow_incidents(ctx, "support-refunds");
  if (first_incident.empty() || refund_incident.empty()) {
    ++failures;
  } else {
    std::cout << "\n";
    failures += show_incident(ctx, first_incident);
  }

  heading(11, "The on-call engineer acknowledges the duplicate refunds (aiir incidents ack)");
  Context responder = ctx;
  responder.key = responder_key;
  if (!refund_incident.empty()) {
    failures += act_on_incident(responder, refund_incident, "acknowledge", "");
  }

  heading(12, "Contain: the refund tool is disabled for this incident (aiir controls disable-tool)");
  if (!refund_incident.empty()) {
    failures += set_workflow_control(responder, "support-refunds", "disable_tool", "issue_refund",
                                     "refunds were issued twice; no refunds until we know why",
                                     refund_incident);
  }
  std::cout << "  the controls in force on support-refunds (a playbook may have added its own):\n";
  failures += list_workflow_controls(ctx, "support-refunds");

  heading(13, "The agent asks before it acts, and obeys (POST /v1/decide)");
  std::string app_key = create_key(admin, "app", "support-refunds agent");
  HttpClient agent(server->base_url(), app_key);
  for (const auto& [step, body] :
       {std::pair{"look up order A-1001",
                  R"({"workflow":"support-refunds","action":"tool:lookup_order","user":"cust-381"})"},
        std::pair{"refund order A-1001 again",
                  R"({"workflow":"support-refunds","action":"tool:issue_refund","user":"cust-381",)"
                  R"("attributes":{"arguments":{"order":"A-1001","amount":89.5}}})"}}) {
    auto asked = agent.post("/v1/decide", body);
    if (!asked.ok() || asked->status != 200) {
      ++failures;
      continue;
    }
    const boost::json::value answer = parse_body(asked->body);
    if (!answer.is_object()) continue;
    const auto& a = answer.get_object();
    std::cout << "  agent: may I " << step << "?  aiir: " << field(a, "decision");
    if (const auto* reasons = a.if_contains("reasons");
        reasons != nullptr && reasons->is_array() && !reasons->get_array().empty()) {
      std::cout << " (" << joined(reasons->get_array()) << ")";
    }
    std::cout << "\n";
    if (field(a, "decision") == "deny") {
      std::cout << "  agent: not refunding; the case goes to a person in the support team.\n";
    }
  }

  heading(14, "With the refunds stopped, the incident is contained (aiir incidents contain)");
  if (!refund_incident.empty()) {
    failures += act_on_incident(responder, refund_incident, "contain",
                                "refund tool disabled for the agent while we look");
    std::cout << "  a move the lifecycle does not allow is refused, saying what is:\n";
    act_on_incident(responder, refund_incident, "acknowledge", "");
  }

  heading(15, "Prometheus metrics (excerpt of GET /metrics)");
  auto metrics = admin.get("/metrics");
  if (metrics.ok()) {
    std::size_t shown = 0;
    std::size_t pos = 0;
    const std::string& text = metrics->body;
    while (pos < text.size() && shown < 16) {
      std::size_t end = text.find('\n', pos);
      std::string line = text.substr(pos, end - pos);
      const bool wanted =
          line.rfind("aiir_build_info", 0) == 0 ||
          line.rfind("aiir_http_requests_total{method=\"POST\",route=\"/v1/traces\"", 0) == 0 ||
          line.rfind("aiir_ingest_spans_accepted_total", 0) == 0 ||
          line.rfind("aiir_detection_spans_total", 0) == 0 ||
          (line.rfind("aiir_detector_signals_total{", 0) == 0 && line.back() != '0') ||
          line.rfind("aiir_incidents{", 0) == 0 ||
          line.rfind("aiir_incident_time_to_acknowledge_seconds_count", 0) == 0 ||
          (line.rfind("aiir_decisions_total{", 0) == 0 && line.back() != '0');
      if (wanted) {
        std::cout << "  " << line << "\n";
        ++shown;
      }
      pos = end == std::string::npos ? text.size() : end + 1;
    }
  }

  heading(16, "Every change is in the hash-chained audit log (aiir audit verify)");
  failures += verify_audit_file((data / "aiir.db").string());

  heading(17, "Graceful stop");
  server->stop();
  std::cout << "  in-flight requests finished, store flushed, server stopped.\n";
  if (!args.keep) std::filesystem::remove_all(data);
  std::cout << "\nDemo " << (failures == 0 ? "complete." : "finished with errors.") << "\n";
  return failures == 0 ? 0 : 1;
}

}  // namespace

void add_demo_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<DemoArgs>();
  auto* cmd = app.add_subcommand("demo", "run a server with the example config and walk the loop");
  cmd->add_option("--config", args->config_dir, "example config directory")->capture_default_str();
  cmd->add_flag("--keep", args->keep, "keep the temporary store afterwards");
  cmd->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_demo(ctx, *args); }; });
}

}  // namespace aiir::cli
