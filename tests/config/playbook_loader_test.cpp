// Reading playbooks and authority rules: the formats, every mistake at its line with a
// suggestion, references to workflows, tools and versions checked against the inventory, and
// load_config picking both up.
#include "config/playbook_loader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "config/config.h"
#include "process.h"

namespace aiir::config {
namespace {

constexpr const char* kFile = "playbooks/refunds.yaml";

std::vector<model::Workflow> inventory() {
  model::Workflow w;
  w.id = "support-refunds";
  w.tools = {{"issue_refund", model::SideEffect::kPayment, false, ""}};
  w.versioned_parts = {{model::VersionedPartKind::kPrompt, "refund-policy", "v7", {"v6", "v7"}}};
  w.containment = {model::ContainmentOption::kPause, model::ContainmentOption::kDisableTool,
                   model::ContainmentOption::kPinVersion};
  return {w};
}

::testing::AssertionResult HasError(const core::Diagnostics& diags, int line,
                                    const std::string& text) {
  for (const auto& d : diags.items()) {
    if (d.line == line && d.message.find(text) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no error at line " << line << " containing \"" << text
                                       << "\"; got:\n"
                                       << diags.to_string();
}

constexpr const char* kPlaybook =
    "id: duplicate-refunds\n"                                   // 1
    "title: Duplicate refunds\n"                                // 2
    "match:\n"                                                  // 3
    "  workflows: [support-refunds]\n"                          // 4
    "  risk_tiers: [3, 4]\n"                                    // 5
    "  categories: [tool_misuse, data_exposure]\n"              // 6
    "  classifications: ai_incident\n"                          // 7
    "  min_severity: critical\n"                                // 8
    "classification: ai_incident\n"                             // 9
    "automatic:\n"                                              // 10
    "  - kind: disable_tool\n"                                  // 11
    "    tool: issue_refund\n"                                  // 12
    "    expires_after: 4h\n"                                   // 13
    "approval:\n"                                               // 14
    "  - kind: pin_version\n"                                   // 15
    "    part_kind: prompt\n"                                   // 16
    "    part_name: refund-policy\n"                            // 17
    "    version: previous\n"                                   // 18
    "    approvers: [business_owner, role:admin]\n"             // 19
    "checklists:\n"                                             // 20
    "  incident_lead: [Confirm refunds stopped]\n"              // 21
    "  legal: [Check refund regulations, Notify the regulator if needed]\n";  // 22

TEST(PlaybookLoader, ReadsAWholePlaybook) {
  core::Diagnostics diags;
  auto playbooks = read_playbooks_text(kPlaybook, kFile, inventory(), diags);
  ASSERT_TRUE(diags.empty()) << diags.to_string();
  ASSERT_EQ(playbooks.size(), 1u);
  const auto& p = playbooks[0];
  EXPECT_EQ(p.id, "duplicate-refunds");
  EXPECT_EQ(p.source_line, 1);
  EXPECT_EQ(p.match.workflows, std::vector<std::string>{"support-refunds"});
  EXPECT_EQ(p.match.risk_tiers, (std::vector<int>{3, 4}));
  EXPECT_EQ(p.match.categories.size(), 2u);
  EXPECT_EQ(p.match.classifications,
            std::vector<model::Classification>{model::Classification::kAiIncident});
  EXPECT_EQ(p.match.min_severity, model::Severity::kCritical);
  EXPECT_EQ(p.classification, model::Classification::kAiIncident);
  ASSERT_EQ(p.automatic.size(), 1u);
  EXPECT_EQ(p.automatic[0].control.kind, model::ControlKind::kDisableTool);
  EXPECT_EQ(p.automatic[0].expires_after, 4 * 3600 * core::kNanosPerSecond);
  ASSERT_EQ(p.approval.size(), 1u);
  EXPECT_TRUE(p.approval[0].previous_version);
  EXPECT_EQ(p.approval[0].approvers.size(), 2u);
  ASSERT_EQ(p.checklists.size(), 2u);
  EXPECT_EQ(p.checklists[1].role, model::IncidentRole::kLegal);
  EXPECT_EQ(p.checklists[1].tasks.size(), 2u);
}

TEST(PlaybookLoader, ReadsAListOfPlaybooks) {
  core::Diagnostics diags;
  auto playbooks = read_playbooks_text(
      "playbooks:\n"
      "  - {id: a, match: {min_severity: high}, checklists: {incident_lead: [Page the owner]}}\n"
      "  - {id: b, match: {}, automatic: [{kind: pause}]}\n",
      kFile, inventory(), diags);
  ASSERT_TRUE(diags.empty()) << diags.to_string();
  EXPECT_EQ(playbooks.size(), 2u);
}

TEST(PlaybookLoader, MisspeltNamesAreReportedAtTheirLineWithASuggestion) {
  std::string text = kPlaybook;
  auto replace = [&](const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
  };
  replace("workflows: [support-refunds]", "workflows: [support-refund]");
  replace("min_severity: critical", "min_severity: critcal");
  replace("kind: disable_tool", "kind: disable_tol");
  replace("approvers: [business_owner,", "approvers: [busines_owner,");
  replace("  legal: [", "  legl: [");
  core::Diagnostics diags;
  auto playbooks = read_playbooks_text(text, kFile, inventory(), diags);
  EXPECT_TRUE(playbooks.empty());
  EXPECT_TRUE(HasError(diags, 4, "unknown workflow 'support-refund'; did you mean 'support-refunds'?"));
  EXPECT_TRUE(HasError(diags, 8, "did you mean 'critical'?"));
  EXPECT_TRUE(HasError(diags, 11, "unknown control kind 'disable_tol'; did you mean 'disable_tool'?"));
  EXPECT_TRUE(HasError(diags, 19, "did you mean 'business_owner'?"));
  EXPECT_TRUE(HasError(diags, 22, "unknown key 'legl'"));
  for (const auto& d : diags.items()) EXPECT_EQ(d.file, kFile);
}

TEST(PlaybookLoader, ActionsAreCheckedAgainstTheWorkflows) {
  core::Diagnostics diags;
  read_playbooks_text(
      "id: p\n"
      "match: {workflows: [support-refunds]}\n"
      "automatic:\n"
      "  - {kind: disable_tool, tool: send_email}\n"
      "  - {kind: block_source, source: wiki}\n"
      "approval:\n"
      "  - {kind: pin_version, part_name: refund-policy, version: v1, approvers: [legal]}\n",
      kFile, inventory(), diags);
  EXPECT_TRUE(HasError(diags, 4, "declares no tool 'send_email' (declared: issue_refund)"));
  EXPECT_TRUE(HasError(diags, 5, "does not declare containment 'block_source'"));
  EXPECT_TRUE(HasError(diags, 7, "version 'v1'"));
}

TEST(PlaybookLoader, ApprovalsNeedApproversAndPlaybooksMustDoSomething) {
  core::Diagnostics diags;
  read_playbooks_text(
      "playbooks:\n"
      "  - id: p\n"
      "    match: {}\n"
      "    approval:\n"
      "      - kind: pause\n"
      "  - id: q\n"
      "    match: {}\n",
      kFile, inventory(), diags);
  EXPECT_TRUE(HasError(diags, 5, "needs approvers"));
  EXPECT_TRUE(HasError(diags, 6, "does nothing"));
}

TEST(PlaybookLoader, DuplicateIdsNameTheFirst) {
  core::Diagnostics diags;
  auto playbooks = read_playbooks_text(
      "playbooks:\n  - {id: a, match: {}, automatic: [{kind: pause}]}\n"
      "  - {id: a, match: {}, automatic: [{kind: pause}]}\n",
      kFile, inventory(), diags);
  check_playbook_set(playbooks, diags);
  EXPECT_TRUE(HasError(diags, 3, "duplicate playbook id 'a' (first defined at " +
                                     std::string(kFile) + ":2)"));
}

TEST(AuthorityLoader, ReadsRules) {
  core::Diagnostics diags;
  auto rules = read_authority_text(
      "authority:\n"
      "  - actions: [pause, disable_tool, lift]\n"
      "    workflows: [support-refunds]\n"
      "    who: [incident_lead, business_owner, key:alice, role:admin]\n"
      "  - actions: [pin_version]\n"
      "    risk_tiers: [4]\n"
      "    who: business_owner\n",
      "authority.yaml", inventory(), diags);
  ASSERT_TRUE(rules) << diags.to_string();
  ASSERT_EQ(rules->rules.size(), 2u);
  EXPECT_EQ(rules->rules[0].who.size(), 4u);
  EXPECT_EQ(rules->rules[0].source_line, 2);
  EXPECT_EQ(rules->rules[1].risk_tiers, std::vector<int>{4});
}

TEST(AuthorityLoader, MistakesAreLocatedWithSuggestions) {
  core::Diagnostics diags;
  auto rules = read_authority_text(
      "authority:\n"
      "  - actions: [pause, pin]\n"
      "    workflows: [support-refundz]\n"
      "    who: [incident_led, role:boss]\n"
      "  - actions: [pause]\n",
      "authority.yaml", inventory(), diags);
  EXPECT_FALSE(rules);
  EXPECT_TRUE(HasError(diags, 2, "unknown action 'pin'"));
  EXPECT_TRUE(HasError(diags, 3, "did you mean 'support-refunds'?"));
  EXPECT_TRUE(HasError(diags, 4, "did you mean 'incident_lead'?"));
  EXPECT_TRUE(HasError(diags, 4, "'role:boss' is not"));
  EXPECT_TRUE(HasError(diags, 5, "needs who"));
}

TEST(PlaybookConfig, LoadConfigReadsPlaybooksAndAuthority) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.file("workflows"));
  std::filesystem::create_directories(dir.file("playbooks"));
  testing::write_file(dir.file("workflows/refunds.yaml"),
                      "id: support-refunds\n"
                      "name: Refunds\n"
                      "business_owner: {name: Dana, contact: dana@example.com}\n"
                      "technical_owner: {name: Team, contact: '#team'}\n"
                      "risk: {customer_exposure: external, data_sensitivity: personal,\n"
                      "       autonomy: acts_with_approval, reversibility: costly}\n"
                      "tools: [{name: issue_refund, side_effect: payment}]\n"
                      "containment: [pause, disable_tool]\n");
  testing::write_file(dir.file("playbooks/refunds.yaml"),
                      "id: refunds\nmatch: {workflows: [support-refunds]}\n"
                      "automatic: [{kind: disable_tool, tool: issue_refund}]\n");
  testing::write_file(dir.file("authority.yaml"),
                      "authority:\n  - {actions: [pause], who: [incident_lead]}\n");
  core::Diagnostics diags;
  auto config = load_config(dir.path(), diags);
  ASSERT_TRUE(config) << diags.to_string();
  ASSERT_EQ(config->playbooks.size(), 1u);
  EXPECT_EQ(config->playbooks[0].id, "refunds");
  EXPECT_EQ(config->authority.rules.size(), 1u);

  testing::write_file(dir.file("playbooks/bad.yaml"),
                      "id: bad\nmatch: {workflows: [support-refundz]}\n"
                      "automatic: [{kind: pause}]\n");
  core::Diagnostics bad;
  EXPECT_FALSE(load_config(dir.path(), bad));
  EXPECT_NE(bad.to_string().find("bad.yaml:2:"), std::string::npos) << bad.to_string();
}

}  // namespace
}  // namespace aiir::config
