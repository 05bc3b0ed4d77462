// Durability under crashes: while clients export spans continuously, the server is killed with
// SIGKILL at random moments, several times. Every span whose request was answered 200 must be in
// the store afterwards, and the store must open cleanly each time.
#include <gtest/gtest.h>

#include <filesystem>

#include <atomic>
#include <csignal>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "cli/http_client.h"
#include "core/crypto.h"
#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir {
namespace {

using namespace std::chrono_literals;

constexpr int kSpansPerRequest = 20;
constexpr int kKills = 4;
constexpr int kClients = 3;

std::string export_body(const std::string& trace_id) {
  // Recent times: older spans would be (rightly) purged by retention when the server restarts.
  std::string start = std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
  std::string spans;
  for (int i = 0; i < kSpansPerRequest; ++i) {
    char span_id[17];
    std::snprintf(span_id, sizeof span_id, "%016x", i + 1);
    if (i > 0) spans += ",";
    spans += std::string(R"({"traceId":")") + trace_id + R"(","spanId":")" + span_id +
             R"(","name":"chat","startTimeUnixNano":")" + start + R"(","endTimeUnixNano":")" + start + R"(","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.input.messages","value":{"stringValue":"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Where is my refund for order A-1001? It has been two weeks.\"}]}]"}}]})";
  }
  return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support-refunds-agent"}}]},"scopeSpans":[{"spans":[)" +
         spans + "]}]}]}";
}

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_file(dir_.file("config/aiir.yaml"),
                        "server: {port: 0, port_file: ../port}\n"
                        "store: {path: ../data/aiir.db}\n"
                        "auth: {admin_key_file: ../data/admin.key}\n");
  }

  std::string start() {
    std::filesystem::remove(dir_.file("port"));
    server_ = std::make_unique<testing::Process>(
        std::vector<std::string>{AIIR_BINARY, "serve", "--config", dir_.file("config")},
        dir_.path());
    EXPECT_TRUE(testing::eventually(
        [&] { return !testing::read_file(dir_.file("port")).empty(); }, 20s))
        << server_->stderr_text();
    return "http://127.0.0.1:" + std::to_string(std::stoi(testing::read_file(dir_.file("port"))));
  }

  std::string ingest_key(const std::string& url) {
    std::string admin = testing::read_file(dir_.file("data/admin.key"));
    admin.erase(admin.find_last_not_of('\n') + 1);
    cli::HttpClient client(url, admin);
    auto r = client.post("/v1/keys", R"({"role":"ingest","name":"crash-test"})");
    EXPECT_TRUE(r.ok() && r->status == 201);
    auto secret = r->body.substr(r->body.find("\"secret\":\"") + 10);
    return secret.substr(0, secret.find('"'));
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Process> server_;
};

TEST_F(CrashTest, EverySpanAnswered200SurvivesKillMinus9) {
  std::mutex mu;
  std::set<std::string> acknowledged;  // trace ids whose export was answered 200
  std::mt19937 random(20261123);
  std::string url = start();
  std::string key = ingest_key(url);

  for (int round = 0; round <= kKills; ++round) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, url] {
        cli::HttpClient client(url, key);
        while (!stop) {
          std::string trace_id = core::random_hex(16);
          auto r = client.request("POST", "/v1/traces", export_body(trace_id), "application/json");
          if (r.ok() && r->status == 200) {
            std::lock_guard lock(mu);
            acknowledged.insert(trace_id);
          }
          if (!r.ok()) std::this_thread::sleep_for(5ms);  // the server is down: retry later
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 700));
    if (round < kKills) {
      server_->signal(SIGKILL);
      ASSERT_TRUE(server_->wait(10s).has_value());
    }
    stop = true;
    for (auto& t : clients) t.join();
    if (round < kKills) {
      url = start();  // must open the crashed store
      ASSERT_TRUE(server_->running()) << server_->stderr_text();
    }
  }
  server_->signal(SIGKILL);
  ASSERT_TRUE(server_->wait(10s).has_value());
  ASSERT_GT(acknowledged.size(), 20u) << "too little load to prove anything";

  auto opened = store::open_sqlite_store({dir_.file("data/aiir.db")});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  std::size_t missing = 0;
  for (const auto& trace_id : acknowledged) {
    auto spans = (*opened)->get_trace(trace_id);
    ASSERT_TRUE(spans.ok());
    if (spans->size() != static_cast<std::size_t>(kSpansPerRequest)) {
      if (missing++ < 3) ADD_FAILURE() << "trace " << trace_id << " has " << spans->size() << " spans";
    }
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged exports";
}

}  // namespace
}  // namespace aiir
