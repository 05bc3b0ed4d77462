#include "server_fixture.h"

#include <cstdio>
#include <filesystem>

#include "core/clock.h"

namespace aiir::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

json::object attribute(const char* key, const std::string& value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}

}  // namespace

const char* const kBigRefundDetector = R"(
  - id: big-refund
    description: A refund above 500
    category: excessive_agency
    impact: critical
    scope: {workflows: [support-refunds]}
    group_by: [account_id]
    match:
      all:
        - {field: kind, equals: tool}
        - {field: tool.name, equals: issue_refund}
        - {field: tool.arguments.amount, gt: 500}
)";

std::string trace_id(int n) {
  char id[33];
  std::snprintf(id, sizeof id, "4bf92f3577b34da6a3ce929d%08x", n);
  return id;
}

std::string span_id(int n) {
  char id[17];
  std::snprintf(id, sizeof id, "00f067aa%08x", n);
  return id;
}

std::string otlp_export(const std::vector<ToolCall>& calls) {
  json::array spans;
  core::UnixNanos start = core::SystemClock().now() -
                          static_cast<core::UnixNanos>(calls.size()) * core::kNanosPerMilli;
  for (const auto& call : calls) {
    json::object arguments{{"order_id", call.order}, {"amount", call.amount}};
    json::array attributes{attribute("gen_ai.operation.name", "execute_tool"),
                           attribute("gen_ai.tool.name", call.tool),
                           attribute("gen_ai.tool.call.arguments", json::serialize(arguments)),
                           attribute("aiir.account.id", call.account)};
    spans.push_back(
        json::object{{"traceId", call.trace_id},
                     {"spanId", call.span_id},
                     {"name", "execute_tool " + call.tool},
                     {"kind", 1},
                     {"startTimeUnixNano", std::to_string(start)},
                     {"endTimeUnixNano", std::to_string(start + 5 * core::kNanosPerMilli)},
                     {"attributes", std::move(attributes)}});
    start += core::kNanosPerMilli;
  }
  json::object resource{
      {"attributes", json::array{attribute("service.name", "support-refunds-agent")}}};
  json::object body{
      {"resourceSpans",
       json::array{json::object{{"resource", std::move(resource)},
                                {"scopeSpans", json::array{json::object{{"spans", spans}}}}}}}};
  return json::serialize(body);
}

std::string text(const json::value& v, std::string_view key) {
  if (!v.is_object()) return "";
  const json::value* member = v.as_object().if_contains(key);
  return member != nullptr && member->is_string() ? std::string(member->as_string()) : "";
}

void ServerTest::SetUp() {
  write_file(dir_.file("config/aiir.yaml"),
             "server: {port: 0, port_file: ../port}\n"
             "store: {path: ../data/aiir.db}\n"
             "auth: {admin_key_file: ../data/admin.key}\n");
  std::filesystem::create_directories(dir_.file("config/workflows"));
  std::filesystem::copy(std::string(AIIR_SOURCE_DIR) + "/examples/workflows/support-refunds.yaml",
                        dir_.file("config/workflows/support-refunds.yaml"));
  start();
  if (HasFatalFailure()) return;
  ingest_ = create_key("ingest", "collector");
  viewer_ = create_key("viewer", "dashboard");
  responder_ = create_key("responder", "on-call");
}

void ServerTest::start() {
  // The server writes the port file once it listens; an old one would say so too early.
  std::filesystem::remove(dir_.file("port"));
  server_ = std::make_unique<Process>(
      std::vector<std::string>{AIIR_BINARY, "serve", "--config", dir_.file("config")},
      dir_.path());
  ASSERT_TRUE(eventually([&] { return !read_file(dir_.file("port")).empty(); }, 20s))
      << server_->stderr_text();
  url_ = "http://127.0.0.1:" + std::to_string(std::stoi(read_file(dir_.file("port"))));
  admin_ = read_file(dir_.file("data/admin.key"));
  admin_.erase(admin_.find_last_not_of('\n') + 1);
}

std::string ServerTest::create_key(const std::string& role, const std::string& name) {
  auto r = send(admin_, "POST", "/v1/keys", R"({"role":")" + role + R"(","name":")" + name + "\"}");
  EXPECT_EQ(r.status, 201) << r.body;
  if (r.status != 201) return "";
  return std::string(json::parse(r.body).as_object()["secret"].as_string());
}

cli::ClientResponse ServerTest::send(const std::string& key, const std::string& method,
                                     const std::string& path, const std::string& body) {
  cli::HttpClient client(url_, key);
  auto r = client.request(method, path, body);
  EXPECT_TRUE(r.ok()) << method << " " << path << ": " << r.error().message();
  return r.ok() ? *r : cli::ClientResponse{};
}

json::object ServerTest::get_json(const std::string& path) {
  auto r = send(viewer_, "GET", path);
  EXPECT_EQ(r.status, 200) << path << ": " << r.body;
  return r.status == 200 ? json::parse(r.body).as_object() : json::object{};
}

}  // namespace aiir::testing
