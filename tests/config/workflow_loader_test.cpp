// Workflow files: what a complete workflow reads as, and every mistake a user makes in one.
#include "config/workflow_loader.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "core/yaml_reader.h"
#include "process.h"

namespace aiir::config {
namespace {

using testing::TempDir;
using testing::write_file;

constexpr const char* kMinimal =
    "id: faq-bot\n"
    "name: FAQ bot\n"
    "business_owner: {name: Ann, contact: ann@example.com}\n"
    "technical_owner: {name: Bots team, contact: '#bots'}\n"
    "risk:\n"
    "  customer_exposure: external\n"
    "  data_sensitivity: public\n"
    "  autonomy: recommends\n"
    "  reversibility: easy\n";

std::optional<model::Workflow> read(const std::string& yaml, core::Diagnostics& diags) {
  auto node = core::load_yaml_text(yaml, "w.yaml", diags);
  if (!node) return std::nullopt;
  return read_workflow(*node, "w.yaml", diags);
}

TEST(WorkflowLoader, ExampleRefundWorkflowReadsCompletely) {
  core::Diagnostics diags;
  auto ws = read_workflow_file(std::string(AIIR_SOURCE_DIR) + "/examples/workflows/support-refunds.yaml",
                               diags);
  ASSERT_EQ(ws.size(), 1u) << diags.to_string();
  const auto& w = ws[0];
  EXPECT_EQ(w.id, "support-refunds");
  EXPECT_EQ(w.business_owner.name, "Dana Whitfield");
  EXPECT_EQ(w.technical_owner.contact, "#support-ai-oncall");
  EXPECT_EQ(w.risk.customer_exposure, model::CustomerExposure::kExternal);
  EXPECT_EQ(w.risk.autonomy, model::Autonomy::kActsWithApproval);
  ASSERT_NE(w.find_tool("issue_refund"), nullptr);
  EXPECT_EQ(w.find_tool("issue_refund")->side_effect, model::SideEffect::kPayment);
  EXPECT_FALSE(w.find_tool("issue_refund")->reversible);
  ASSERT_EQ(w.versioned_parts.size(), 3u);
  EXPECT_EQ(w.versioned_parts[0].current, "v7");
  EXPECT_EQ(w.versioned_parts[1].versions, std::vector<std::string>{"gpt-4o-2024-08-06"});
  EXPECT_TRUE(w.supports(model::ContainmentOption::kDisableTool));
  EXPECT_EQ(w.pause_fallback.kind, model::PauseFallback::Kind::kHumanQueue);
  EXPECT_EQ(w.retention_days, 180);
  EXPECT_EQ(w.source_line, 3);
}

TEST(WorkflowLoader, DefaultsFollowDataSensitivity) {
  core::Diagnostics diags;
  auto w = read(kMinimal, diags);
  ASSERT_TRUE(w) << diags.to_string();
  EXPECT_EQ(w->content_policy, model::ContentPolicy::kRaw);  // public data
  EXPECT_EQ(w->retention_days, 30);

  std::string personal = kMinimal;
  personal.replace(personal.find("public"), 6, "personal");
  auto p = read(personal, diags);
  ASSERT_TRUE(p) << diags.to_string();
  EXPECT_EQ(p->content_policy, model::ContentPolicy::kRedact);
}

TEST(WorkflowLoader, MissingRequiredKeysAreEachNamed) {
  core::Diagnostics diags;
  EXPECT_FALSE(read("id: x\nrisk: {customer_exposure: internal}\n", diags));
  std::string text = diags.to_string();
  for (const char* key : {"'name'", "'business_owner'", "'technical_owner'",
                          "'data_sensitivity'", "'autonomy'", "'reversibility'"}) {
    EXPECT_NE(text.find(std::string("missing required key ") + key), std::string::npos)
        << key << "\n" << text;
  }
}

TEST(WorkflowLoader, WrongValuesSuggestTheIntendedOne) {
  core::Diagnostics diags;
  std::string yaml = std::string(kMinimal) +
                     "containment: [pasue]\n"
                     "tools:\n"
                     "  - {name: t, side_effect: paymnet}\n"
                     "retention_days: 0\n"
                     "owner: me\n";
  EXPECT_FALSE(read(yaml, diags));
  std::string text = diags.to_string();
  EXPECT_NE(text.find("w.yaml:10:15: containment: unknown option 'pasue'; did you mean 'pause'?"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("did you mean 'payment'"), std::string::npos) << text;
  EXPECT_NE(text.find("w.yaml:13:"), std::string::npos) << text;  // retention_days
  EXPECT_NE(text.find("w.yaml:14:1: unknown key 'owner'"), std::string::npos) << text;
}

TEST(WorkflowLoader, BadIdIsRejected) {
  core::Diagnostics diags;
  std::string yaml = kMinimal;
  yaml.replace(0, std::string("id: faq-bot").size(), "id: FAQ_Bot");
  EXPECT_FALSE(read(yaml, diags));
  EXPECT_NE(diags.to_string().find("must be lowercase letters"), std::string::npos);
}

TEST(WorkflowLoader, ToolsWithSideEffectsNeedAWayToStopThem) {
  core::Diagnostics diags;
  std::string yaml = std::string(kMinimal) +
                     "tools: [{name: send_email, side_effect: external_communication}]\n"
                     "containment: [force_review]\n";
  EXPECT_FALSE(read(yaml, diags));
  EXPECT_NE(diags.to_string().find("neither 'pause' nor 'disable_tool'"), std::string::npos)
      << diags.to_string();

  core::Diagnostics ok;
  EXPECT_TRUE(read(std::string(kMinimal) +
                       "tools: [{name: send_email, side_effect: external_communication}]\n"
                       "containment: [disable_tool]\n",
                   ok))
      << ok.to_string();
}

TEST(WorkflowLoader, CurrentVersionMustBeAKnownVersion) {
  core::Diagnostics diags;
  EXPECT_FALSE(read(std::string(kMinimal) +
                        "versioned_parts: [{kind: prompt, name: p, current: v3, versions: [v1, v2]}]\n",
                    diags));
  EXPECT_NE(diags.to_string().find("current version 'v3' is not in its versions list"),
            std::string::npos);
}

TEST(WorkflowLoader, RawContentOfPersonalDataIsRefused) {
  core::Diagnostics diags;
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("public"), 6, "personal");
  EXPECT_FALSE(read(yaml + "content_policy: raw\n", diags));
  EXPECT_NE(diags.to_string().find("use redact or hash_only"), std::string::npos);
}

TEST(WorkflowLoader, CannedMessageFallbackNeedsAMessage) {
  core::Diagnostics diags;
  EXPECT_FALSE(read(std::string(kMinimal) + "pause_fallback: {kind: canned_message}\n", diags));
  EXPECT_NE(diags.to_string().find("needs a message"), std::string::npos);
}

TEST(WorkflowLoader, AFileMayHoldAListOfWorkflows) {
  TempDir dir;
  std::string second = kMinimal;
  second.replace(0, std::string("id: faq-bot").size(), "id: faq-bot-2");
  auto indent = [](const std::string& text) {
    std::string out = "  - ";
    for (char c : text) {
      out += c;
      if (c == '\n') out += "    ";
    }
    return out;
  };
  write_file(dir.file("workflows/both.yaml"),
             "workflows:\n" + indent(kMinimal) + "\n" + indent(second) + "\n");
  core::Diagnostics diags;
  auto c = load_config(dir.path(), diags);
  ASSERT_TRUE(c) << diags.to_string();
  ASSERT_EQ(c->workflows.size(), 2u);
  EXPECT_EQ(c->workflows[1].id, "faq-bot-2");
}

TEST(WorkflowLoader, DuplicateIdsAndServiceNamesAcrossFilesPointAtTheFirst) {
  TempDir dir;
  write_file(dir.file("workflows/a.yaml"), std::string(kMinimal) + "service_names: [bot]\n");
  write_file(dir.file("workflows/b.yml"), std::string(kMinimal) + "service_names: [bot]\n");
  std::string other = kMinimal;
  other.replace(0, std::string("id: faq-bot").size(), "id: other");
  write_file(dir.file("workflows/c.yaml"), other + "service_names: [bot]\n");
  write_file(dir.file("workflows/notes.txt"), "not yaml, ignored");
  core::Diagnostics diags;
  EXPECT_FALSE(load_config(dir.path(), diags));
  std::string text = diags.to_string();
  EXPECT_NE(text.find("b.yml:1:1: duplicate workflow id 'faq-bot' (first defined at "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("a.yaml:1)"), std::string::npos) << text;
  EXPECT_NE(text.find("c.yaml:1:1: service name 'bot' is already claimed by workflow 'faq-bot'"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace aiir::config
