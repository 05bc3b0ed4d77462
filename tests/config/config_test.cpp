// aiir.yaml: defaults, every setting, and the errors a user makes.
#include "config/config.h"

#include <gtest/gtest.h>

#include "process.h"

namespace aiir::config {
namespace {

using testing::TempDir;
using testing::write_file;

std::string all_messages(const core::Diagnostics& d) { return d.to_string(); }

TEST(Config, ExampleDirectoryLoadsWithItsThreeWorkflows) {
  core::Diagnostics diags;
  auto c = load_config(std::string(AIIR_SOURCE_DIR) + "/examples", diags);
  ASSERT_TRUE(c) << all_messages(diags);
  ASSERT_EQ(c->workflows.size(), 3u);
  EXPECT_EQ(c->workflows[0].id, "crm-enrichment");  // sorted by id
  EXPECT_EQ(c->workflows[2].id, "support-refunds");
  ASSERT_NE(c->workflow_for_service("support-refunds-agent"), nullptr);
  EXPECT_EQ(c->workflow_for_service("support-refunds-agent")->id, "support-refunds");
  EXPECT_EQ(c->workflow_for_service("nobody"), nullptr);
}

TEST(Config, AbsentFileMeansDefaults) {
  TempDir dir;
  core::Diagnostics diags;
  auto c = load_config(dir.path(), diags);
  ASSERT_TRUE(c) << all_messages(diags);
  EXPECT_EQ(c->server.listen_address, "127.0.0.1");
  EXPECT_EQ(c->server.port, 8080);
  EXPECT_EQ(c->server.max_body_bytes, 16 * 1024 * 1024);
  EXPECT_EQ(c->store.path, "data/aiir.db");
  EXPECT_EQ(c->resolve(c->store.path), dir.path() + "/data/aiir.db");
  EXPECT_TRUE(c->workflows.empty());
}

TEST(Config, ReadsEverySetting) {
  TempDir dir;
  write_file(dir.file("aiir.yaml"),
             "version: 1\n"
             "server:\n"
             "  listen_address: 127.0.0.2\n"
             "  port: 9000\n"
             "  port_file: run/port\n"
             "  max_body_bytes: 4096\n"
             "  header_timeout_seconds: 3\n"
             "  read_timeout_seconds: 4\n"
             "  idle_timeout_seconds: 5\n"
             "  threads: 2\n"
             "store: {backend: sqlite, path: /var/lib/aiir/aiir.db}\n"
             "log: {format: json, level: debug}\n"
             "auth: {admin_key_file: secret/admin.key, raw_content_roles: [legal]}\n");
  core::Diagnostics diags;
  auto c = load_config(dir.path(), diags);
  ASSERT_TRUE(c) << all_messages(diags);
  EXPECT_EQ(c->server.listen_address, "127.0.0.2");
  EXPECT_EQ(c->server.port, 9000);
  EXPECT_EQ(c->resolve(c->server.port_file), dir.path() + "/run/port");
  EXPECT_EQ(c->server.max_body_bytes, 4096);
  EXPECT_EQ(c->server.header_timeout_seconds, 3);
  EXPECT_EQ(c->server.read_timeout_seconds, 4);
  EXPECT_EQ(c->server.idle_timeout_seconds, 5);
  EXPECT_EQ(c->server.threads, 2);
  EXPECT_EQ(c->resolve(c->store.path), "/var/lib/aiir/aiir.db");
  EXPECT_EQ(c->log.format, core::LogFormat::kJson);
  EXPECT_EQ(c->log.level, "debug");
  EXPECT_EQ(c->auth.raw_content_roles, std::vector<std::string>{"legal"});
}

TEST(Config, EveryErrorIsReportedWithItsLocation) {
  TempDir dir;
  write_file(dir.file("aiir.yaml"),
             "server:\n"
             "  port: 70000\n"
             "  listen_adress: 0.0.0.0\n"
             "log:\n"
             "  format: xml\n"
             "auth:\n"
             "  raw_content_roles: [legal, lawyer]\n");
  core::Diagnostics diags;
  EXPECT_FALSE(load_config(dir.path(), diags));
  std::string text = all_messages(diags);
  EXPECT_EQ(diags.size(), 4u) << text;
  EXPECT_NE(text.find("aiir.yaml:2:9: "), std::string::npos) << text;
  EXPECT_NE(text.find("65535"), std::string::npos) << text;
  EXPECT_NE(text.find("aiir.yaml:3:3: unknown key 'listen_adress' in server; did you mean "
                      "'listen_address'?"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("aiir.yaml:5:11: "), std::string::npos) << text;
  EXPECT_NE(text.find("text, json"), std::string::npos) << text;
  EXPECT_NE(text.find("unknown role 'lawyer'"), std::string::npos) << text;
}

TEST(Config, DecisionRecordingDefaultsToStopsPlusASampleAndIsChecked) {
  TempDir dir;
  core::Diagnostics diags;
  auto defaults = load_config(dir.path(), diags);
  ASSERT_TRUE(defaults) << all_messages(diags);
  EXPECT_EQ(defaults->decisions.record, DecisionConfig::Record::kSampled);
  EXPECT_DOUBLE_EQ(defaults->decisions.sample_rate, 0.01);

  write_file(dir.file("aiir.yaml"), "decisions: {record: all, sample_rate: 0.5}\n");
  auto all = load_config(dir.path(), diags);
  ASSERT_TRUE(all) << all_messages(diags);
  EXPECT_EQ(all->decisions.record, DecisionConfig::Record::kAll);
  EXPECT_DOUBLE_EQ(all->decisions.sample_rate, 0.5);

  write_file(dir.file("aiir.yaml"), "decisions:\n  record: some\n  sample_rate: 2\n");
  EXPECT_FALSE(load_config(dir.path(), diags));
  const std::string text = all_messages(diags);
  EXPECT_NE(text.find("aiir.yaml:2:11: "), std::string::npos) << text;
  EXPECT_NE(text.find("all, sampled, none"), std::string::npos) << text;
  EXPECT_NE(text.find("aiir.yaml:3:16: "), std::string::npos) << text;
}

TEST(Config, RefusesAFileForANewerAiir) {
  TempDir dir;
  write_file(dir.file("aiir.yaml"), "version: 2\n");
  core::Diagnostics diags;
  EXPECT_FALSE(load_config(dir.path(), diags));
  EXPECT_NE(all_messages(diags).find("newer than this aiir understands"), std::string::npos);
}

TEST(Config, SyntaxErrorNamesLineAndColumn) {
  TempDir dir;
  write_file(dir.file("aiir.yaml"), "server:\n  port: [1, 2\n");
  core::Diagnostics diags;
  EXPECT_FALSE(load_config(dir.path(), diags));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_GT(diags.items()[0].line, 1);
  EXPECT_NE(diags.items()[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(Config, MissingDirectoryIsAClearError) {
  core::Diagnostics diags;
  EXPECT_FALSE(load_config("/nonexistent/aiir-config", diags));
  EXPECT_NE(all_messages(diags).find("not a configuration directory"), std::string::npos);
}

}  // namespace
}  // namespace aiir::config
