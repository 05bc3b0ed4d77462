// POST /v1/traces and /v1/logs on the real binary, as exporters and a careless client use them.
#include <gtest/gtest.h>

#include <filesystem>

#include <boost/json.hpp>
#include <boost/asio.hpp>

#include "cli/http_client.h"
#include "core/gzip.h"
#include "process.h"

namespace aiir {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* kTrace = "5b8efff798038103d269b633813fc60c";

std::string now_nanos() {
  return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

// A recent span (older ones could be purged by retention while the test runs).
std::string body_with(const std::string& span_id, const std::string& trace_id = kTrace) {
  std::string start = now_nanos();
  return std::string(R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support-refunds-agent"}}]},"scopeSpans":[{"spans":[{"traceId":")") +
         trace_id + R"(","spanId":")" + span_id +
         R"(","name":"execute_tool issue_refund","kind":1,"startTimeUnixNano":)" + start +
         R"(,"endTimeUnixNano":")" + start + R"(","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},{"key":"gen_ai.tool.name","value":{"stringValue":"issue_refund"}},{"key":"gen_ai.tool.call.arguments","value":{"stringValue":"{\"order_id\":\"A-1001\",\"amount\":25}"}},{"key":"retry.count","value":{"intValue":2}}]}]}]}]})";
}

class IngestHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_file(dir_.file("config/aiir.yaml"),
                        "server: {port: 0, port_file: ../port, max_body_bytes: 200000}\n"
                        "store: {path: ../data/aiir.db}\n"
                        "auth: {admin_key_file: ../data/admin.key}\n");
    std::filesystem::create_directories(dir_.file("config/workflows"));
    std::filesystem::copy(std::string(AIIR_SOURCE_DIR) + "/examples/workflows/support-refunds.yaml",
                          dir_.file("config/workflows/support-refunds.yaml"));
    server_ = std::make_unique<testing::Process>(
        std::vector<std::string>{AIIR_BINARY, "serve", "--config", dir_.file("config")},
        dir_.path());
    ASSERT_TRUE(testing::eventually([&] { return !testing::read_file(dir_.file("port")).empty(); }, 20s))
        << server_->stderr_text();
    port_ = std::stoi(testing::read_file(dir_.file("port")));
    url_ = "http://127.0.0.1:" + std::to_string(port_);
    admin_ = testing::read_file(dir_.file("data/admin.key"));
    admin_.erase(admin_.find_last_not_of('\n') + 1);
    cli::HttpClient client(url_, admin_);
    auto created = client.post("/v1/keys", R"({"role":"ingest","name":"collector"})");
    ASSERT_TRUE(created.ok() && created->status == 201);
    ingest_ = std::string(json::parse(created->body).as_object()["secret"].as_string());
  }

  cli::ClientResponse post(const std::string& path, const std::string& body,
                           const std::string& type = "application/json",
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
    cli::HttpClient client(url_, ingest_);
    auto r = client.request("POST", path, body, type, headers);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : cli::ClientResponse{};
  }

  json::object trace() {
    cli::HttpClient client(url_, admin_);
    auto r = client.get(std::string("/v1/traces/") + kTrace);
    EXPECT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.error().message());
    return r.ok() && r->status == 200 ? json::parse(r->body).as_object() : json::object{};
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Process> server_;
  int port_ = 0;
  std::string url_;
  std::string admin_;
  std::string ingest_;
};

TEST_F(IngestHttpTest, JsonExportIsAcknowledgedAndReadableAsATrace) {
  auto r = post("/v1/traces", body_with("1111111111111111"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{}");
  auto t = trace();
  ASSERT_EQ(t["span_count"].as_int64(), 1);
  const auto& span = t["spans"].as_array()[0].as_object();
  EXPECT_EQ(span.at("kind").as_string(), "tool");
  EXPECT_EQ(span.at("workflow").as_string(), "support-refunds");
  EXPECT_EQ(span.at("tool").as_object().at("name").as_string(), "issue_refund");
  EXPECT_EQ(span.at("attributes").as_object().at("retry.count").as_int64(), 2);
}

TEST_F(IngestHttpTest, GzipBodyIsAccepted) {
  auto r = post("/v1/traces", core::gzip(body_with("2222222222222222")), "application/json",
                {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(trace()["span_count"].as_int64(), 1);
}

TEST_F(IngestHttpTest, ChunkedBodyWithoutContentLengthIsAccepted) {
  // How the OpenTelemetry JS exporters send: Transfer-Encoding: chunked, no Content-Length.
  std::string body = body_with("3333333333333333");
  std::string request = "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                        ingest_ + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                        "Connection: close\r\n\r\n";
  for (std::size_t pos = 0; pos < body.size(); pos += 100) {
    std::string chunk = body.substr(pos, 100);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    request += size + chunk + "\r\n";
  }
  request += "0\r\n\r\n";
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
  boost::asio::write(socket, boost::asio::buffer(request));
  std::string answer;
  boost::system::error_code ec;
  char buf[4096];
  while (true) {
    std::size_t n = socket.read_some(boost::asio::buffer(buf), ec);
    if (ec || n == 0) break;
    answer.append(buf, n);
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_EQ(trace()["span_count"].as_int64(), 1);
}

TEST_F(IngestHttpTest, PartialSuccessNamesTheRejectedSpans) {
  std::string good = body_with("4444444444444444");
  std::string bad = body_with("5555555555555555", "xyz");
  // Two resources in one request: one usable span, one with a malformed trace id.
  std::string both = good.substr(0, good.size() - 2) + "," +
                     bad.substr(std::string(R"({"resourceSpans":[)").size());
  auto r = post("/v1/traces", both);
  ASSERT_EQ(r.status, 200) << r.body;
  auto partial = json::parse(r.body).as_object()["partialSuccess"].as_object();
  EXPECT_EQ(partial["rejectedSpans"].as_int64(), 1);
  EXPECT_NE(std::string(partial["errorMessage"].as_string()).find("traceId"), std::string::npos);
  EXPECT_EQ(trace()["span_count"].as_int64(), 1);
}

TEST_F(IngestHttpTest, BadRequestsGetTheRightStatusAsProblemJson) {
  auto malformed = post("/v1/traces", R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":7}]}]}]})");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.content_type, "application/problem+json");

  auto wrong_type = post("/v1/traces", "hello", "text/plain");
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_NE(cli::problem_detail(wrong_type).find("application/x-protobuf"), std::string::npos);

  auto too_big = post("/v1/traces", std::string(300000, ' '));
  EXPECT_EQ(too_big.status, 413);

  cli::HttpClient viewer_less(url_, "");
  auto anonymous = viewer_less.request("POST", "/v1/traces", body_with("6666666666666666"));
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);

  cli::HttpClient admin(url_, admin_);
  auto created = admin.post("/v1/keys", R"({"role":"viewer","name":"v"})");
  std::string viewer(json::parse(created->body).as_object()["secret"].as_string());
  cli::HttpClient as_viewer(url_, viewer);
  auto forbidden = as_viewer.request("POST", "/v1/traces", body_with("6666666666666666"));
  EXPECT_EQ(forbidden->status, 403);
}

TEST_F(IngestHttpTest, LogsOnlyStoreGenAiContent) {
  ASSERT_EQ(post("/v1/traces", body_with("7777777777777777")).status, 200);
  std::string logs = std::string(R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support-refunds-agent"}}]},"scopeLogs":[{"logRecords":[{"eventName":"gen_ai.user.message","traceId":")") +
                     kTrace + R"(","spanId":"7777777777777777","body":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"Please refund A-1001"}}]}}}]}]}]})";
  auto r = post("/v1/logs", logs);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");
  auto span = trace()["spans"].as_array()[0].as_object();
  ASSERT_TRUE(span.contains("input_messages")) << json::serialize(span);
  EXPECT_EQ(span["input_messages"].as_array()[0].as_object()["content"].as_string(),
            "Please refund A-1001");
}

}  // namespace
}  // namespace aiir
