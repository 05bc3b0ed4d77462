// Starts the real `aiir serve` binary on an ephemeral loopback port and uses it as an operator
// would: the first admin key, keys with roles, the inventory, reload, and a graceful SIGTERM.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <csignal>
#include <filesystem>

#include "cli/http_client.h"
#include "process.h"

namespace aiir {
namespace {

using namespace std::chrono_literals;
using testing::Process;
using testing::TempDir;

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_file(dir_.file("config/aiir.yaml"),
                        "version: 1\n"
                        "server:\n"
                        "  listen_address: 127.0.0.1\n"
                        "  port: 0\n"
                        "  port_file: ../port\n"
                        "store:\n"
                        "  path: ../data/aiir.db\n"
                        "auth:\n"
                        "  admin_key_file: ../data/admin.key\n"
                        "log:\n"
                        "  format: json\n");
    std::filesystem::create_directories(dir_.file("config/workflows"));
    for (const auto& entry : std::filesystem::directory_iterator(
             std::string(AIIR_SOURCE_DIR) + "/examples/workflows")) {
      std::filesystem::copy(entry.path(),
                            dir_.file("config/workflows/") + entry.path().filename().string());
    }
  }

  void start_server() {
    std::filesystem::remove(dir_.file("port"));
    server_ = std::make_unique<Process>(
        std::vector<std::string>{AIIR_BINARY, "serve", "--config", dir_.file("config")},
        dir_.path());
    ASSERT_TRUE(testing::eventually(
        [&] { return !testing::read_file(dir_.file("port")).empty(); }, 20s))
        << server_->stderr_text();
    url_ = "http://127.0.0.1:" + std::to_string(std::stoi(testing::read_file(dir_.file("port"))));
  }

  testing::RunResult cli(std::vector<std::string> args, const std::string& key) {
    std::vector<std::string> argv{AIIR_BINARY, "--server", url_, "--key", key};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_command(argv, dir_.path());
  }

  std::string admin_key() {
    std::string key = testing::read_file(dir_.file("data/admin.key"));
    while (!key.empty() && key.back() == '\n') key.pop_back();
    return key;
  }

  TempDir dir_;
  std::unique_ptr<Process> server_;
  std::string url_;
};

TEST_F(ServeTest, OperatorLifecycleFromFirstStartToSigterm) {
  start_server();

  // First start: an admin key in a file only its owner can read.
  std::string admin = admin_key();
  ASSERT_EQ(admin.rfind("aiir_", 0), 0u);
  struct stat st{};
  ASSERT_EQ(::stat(dir_.file("data/admin.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_NE(server_->stderr_text().find("admin.key"), std::string::npos);

  // Keys through the CLI.
  auto created = cli({"--json", "keys", "create", "--role", "viewer", "--name", "dashboard"}, admin);
  ASSERT_EQ(created.status, 0) << created.err;
  std::string viewer(boost::json::parse(created.out).as_object()["secret"].as_string());
  auto listed = cli({"keys", "list"}, admin);
  ASSERT_EQ(listed.status, 0);
  EXPECT_NE(listed.out.find("dashboard"), std::string::npos);
  EXPECT_EQ(listed.out.find(viewer), std::string::npos);

  // The inventory, as a table and as JSON.
  auto table = cli({"workflows", "list"}, viewer);
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("support-refunds"), std::string::npos);
  EXPECT_NE(table.out.find("BUSINESS OWNER"), std::string::npos);
  auto json = cli({"--json", "workflows", "list"}, viewer);
  ASSERT_EQ(json.status, 0);
  EXPECT_EQ(boost::json::parse(json.out).as_object()["workflows"].as_array().size(), 3u);
  auto show = cli({"workflows", "show", "support-refunds"}, viewer);
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_NE(show.out.find("Risk tier 4 of 4"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("issue_refund"), std::string::npos);

  // A viewer cannot create keys; a missing key is 401; both exit non-zero with the reason.
  auto forbidden = cli({"keys", "create", "--role", "admin", "--name", "x"}, viewer);
  EXPECT_EQ(forbidden.status, 1);
  EXPECT_NE(forbidden.err.find("403"), std::string::npos);
  auto anonymous = cli({"workflows", "list"}, "");
  EXPECT_EQ(anonymous.status, 1);
  EXPECT_NE(anonymous.err.find("401"), std::string::npos);

  // An invalid config on SIGHUP is refused, the running one kept, and the log says why.
  testing::write_file(dir_.file("config/workflows/broken.yaml"), "id: broken\nname: [\n");
  server_->signal(SIGHUP);
  ASSERT_TRUE(testing::eventually(
      [&] { return server_->stderr_text().find("reload refused") != std::string::npos; }, 10s));
  EXPECT_NE(server_->stderr_text().find("broken.yaml:"), std::string::npos);
  auto still = cli({"--json", "workflows", "list"}, viewer);
  EXPECT_EQ(boost::json::parse(still.out).as_object()["workflows"].as_array().size(), 3u);

  // The same through the API: 422 with every located error.
  auto refused = cli({"reload"}, admin);
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("broken.yaml:"), std::string::npos) << refused.err;

  // Fixed: the reload applies.
  std::filesystem::remove(dir_.file("config/workflows/broken.yaml"));
  auto applied = cli({"reload"}, admin);
  EXPECT_EQ(applied.status, 0) << applied.err;

  // SIGTERM: a clean exit, and nothing secret in the log.
  server_->signal(SIGTERM);
  auto status = server_->wait(15s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
  std::string log = server_->stderr_text();
  EXPECT_NE(log.find("stopped"), std::string::npos);
  EXPECT_EQ(log.find(admin), std::string::npos);
  EXPECT_EQ(log.find(viewer), std::string::npos);
  // JSON-lines logs: every line parses.
  std::size_t pos = 0;
  while (pos < log.size()) {
    std::size_t end = log.find('\n', pos);
    std::string line = log.substr(pos, end - pos);
    boost::system::error_code ec;
    boost::json::parse(line, ec);
    EXPECT_FALSE(ec) << line;
    pos = end == std::string::npos ? log.size() : end + 1;
  }

  // Restart on the same store: no second admin key, existing keys keep working.
  start_server();
  EXPECT_EQ(admin_key(), admin);
  auto again = cli({"workflows", "list"}, viewer);
  EXPECT_EQ(again.status, 0) << again.err;
  server_->signal(SIGINT);
  EXPECT_EQ(server_->wait(15s).value_or(-1), 0);
}

TEST_F(ServeTest, RefusesToStartOnAnInvalidConfig) {
  testing::write_file(dir_.file("config/workflows/typo.yaml"),
                      "id: typo\nname: Typo\nbusines_owner: {name: A, contact: a@example.com}\n");
  Process server({AIIR_BINARY, "serve", "--config", dir_.file("config")}, dir_.path());
  auto status = server.wait(20s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 1);
  EXPECT_NE(server.stderr_text().find("typo.yaml:3:1"), std::string::npos) << server.stderr_text();
}

TEST_F(ServeTest, DemoRunsTheLoopAndStopsCleanly) {
  auto demo = testing::run_command({AIIR_BINARY, "demo", "--config",
                                    std::string(AIIR_SOURCE_DIR) + "/examples"},
                                   dir_.path(), 60s);
  EXPECT_EQ(demo.status, 0) << demo.out << demo.err;
  EXPECT_NE(demo.out.find("support-refunds"), std::string::npos);
  EXPECT_NE(demo.out.find("-> 401"), std::string::npos);
  EXPECT_NE(demo.out.find("-> 403"), std::string::npos);
  // A signal becomes an incident with a severity and its reasons, a responder acts on it, and
  // the audit log that recorded it all verifies.
  EXPECT_NE(demo.out.find("INC-1  high  open"), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("- personal data exposed"), std::string::npos);
  EXPECT_NE(demo.out.find("acknowledged → contained: refund tool disabled"), std::string::npos);
  EXPECT_NE(demo.err.find(" can go to: resolved"), std::string::npos) << demo.err;
  // The refund tool is disabled for the duplicate-refund incident and the agent obeys.
  EXPECT_NE(demo.out.find("disable_tool issue_refund on support-refunds"), std::string::npos);
  EXPECT_NE(demo.out.find("may I look up order A-1001?  aiir: allow"), std::string::npos);
  EXPECT_NE(demo.out.find("may I refund order A-1001 again?  aiir: deny"), std::string::npos)
      << demo.out;
  EXPECT_NE(demo.out.find("audit log intact"), std::string::npos);
  EXPECT_NE(demo.out.find("Demo complete."), std::string::npos);
}

}  // namespace
}  // namespace aiir
