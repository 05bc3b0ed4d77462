// The incident settings beside aiir.yaml: severity.yaml replacing the shipped default, and
// escalation.yaml with the workflows' references to it checked once it exists.
#include "config/incident_settings.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "process.h"

namespace aiir::config {
namespace {

using testing::TempDir;
using testing::write_file;

// A workflow whose escalation_policy is on line 5 of its file.
std::string workflow(const std::string& id, const std::string& policy) {
  return "id: " + id +
         "\n"
         "name: FAQ bot\n"
         "business_owner: {name: Ann, contact: ann@example.com}\n"
         "technical_owner: {name: Bots team, contact: '#bots'}\n"
         "escalation_policy: " +
         policy +
         "\n"
         "risk:\n"
         "  customer_exposure: external\n"
         "  data_sensitivity: public\n"
         "  autonomy: recommends\n"
         "  reversibility: easy\n";
}

constexpr const char* kEscalation =
    "policies:\n"
    "  support-ai-oncall:\n"
    "    incident_lead: \"pager:support-ai\"\n"
    "    legal: legal@example.com\n"
    "  devprod-business-hours:\n"
    "    incident_lead: devprod@example.com\n";

// A severity.yaml unlike the default: everything starts critical, one rule.
constexpr const char* kSeverity =
    "baseline: {low: critical, medium: critical, high: critical, critical: critical}\n"
    "rules:\n"
    "  - when: {users_at_least: 1}\n"
    "    at_least: critical\n"
    "    reason: \"{users} users\"\n";

::testing::AssertionResult HasError(const core::Diagnostics& diags, const std::string& file,
                                    int line, const std::string& text) {
  for (const auto& d : diags.items()) {
    if (d.file == file && d.line == line && d.message.find(text) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no error at " << file << ":" << line << " containing \"" << text << "\"; got:\n"
         << diags.to_string();
}

TEST(IncidentSettings, WithoutSeverityYamlTheDefaultPolicyApplies) {
  TempDir dir;
  core::Diagnostics diags;
  auto c = load_config(dir.path(), diags);
  ASSERT_TRUE(c) << diags.to_string();
  EXPECT_EQ(c->severity_policy, incident::default_severity_policy());
}

TEST(IncidentSettings, SeverityYamlReplacesTheDefault) {
  TempDir dir;
  write_file(dir.file("severity.yaml"), kSeverity);
  core::Diagnostics diags;
  auto c = load_config(dir.path(), diags);
  ASSERT_TRUE(c) << diags.to_string();
  EXPECT_NE(c->severity_policy, incident::default_severity_policy());
  EXPECT_EQ(c->severity_policy.baseline[0], model::Severity::kCritical);
  ASSERT_EQ(c->severity_policy.rules.size(), 1u);
  EXPECT_EQ(c->severity_policy.rules[0].users_at_least, 1);
}

TEST(IncidentSettings, BrokenSeverityYamlIsReportedAtItsLine) {
  TempDir dir;
  write_file(dir.file("severity.yaml"),
             "baseline: {low: low, medium: medium, high: high, critical: critical}\n"
             "rules:\n"
             "  - when: {users_at_least: 1}\n"
             "    at_least: hihg\n"
             "    reason: many users\n");
  core::Diagnostics diags;
  EXPECT_FALSE(load_config(dir.path(), diags));
  EXPECT_TRUE(HasError(diags, dir.file("severity.yaml"), 4, "did you mean 'high'?"));
}

TEST(IncidentSettings, WithoutEscalationYamlReferencesAreNotChecked) {
  TempDir dir;
  write_file(dir.file("workflows/faq.yaml"), workflow("faq-bot", "not-written-yet"));
  core::Diagnostics diags;
  auto c = load_config(dir.path(), diags);
  ASSERT_TRUE(c) << diags.to_string();
  EXPECT_TRUE(c->escalation_policies.empty());
  EXPECT_EQ(c->find_escalation_policy("not-written-yet"), nullptr);
}

TEST(IncidentSettings, EscalationYamlIsReadAndFoundByName) {
  TempDir dir;
  write_file(dir.file("escalation.yaml"), kEscalation);
  write_file(dir.file("workflows/faq.yaml"), workflow("faq-bot", "support-ai-oncall"));
  core::Diagnostics diags;
  auto c = load_config(dir.path(), diags);
  ASSERT_TRUE(c) << diags.to_string();
  ASSERT_EQ(c->escalation_policies.size(), 2u);
  EXPECT_EQ(c->escalation_policies[0].name, "devprod-business-hours");  // sorted by name
  const incident::EscalationPolicy* p = c->find_escalation_policy("support-ai-oncall");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->who(model::IncidentRole::kLegal), "legal@example.com");
  EXPECT_EQ(c->find_escalation_policy("nobody"), nullptr);
  EXPECT_EQ(c->find_escalation_policy(""), nullptr);
  // The roles an incident about the workflow starts with: the policy's lead, the owners.
  auto roles = incident::initial_roles(c->find_workflow("faq-bot"), p);
  ASSERT_FALSE(roles.empty());
  EXPECT_EQ(roles[0].who, "pager:support-ai");
}

TEST(IncidentSettings, UnknownPolicyReferenceIsReportedAtTheWorkflowWithASuggestion) {
  TempDir dir;
  write_file(dir.file("escalation.yaml"), kEscalation);
  write_file(dir.file("workflows/faq.yaml"), workflow("faq-bot", "support-ai-on-call"));
  write_file(dir.file("workflows/wiki.yaml"), workflow("wiki-bot", "nothing-like-it"));
  core::Diagnostics diags;
  EXPECT_FALSE(load_config(dir.path(), diags));
  EXPECT_TRUE(HasError(diags, dir.file("workflows/faq.yaml"), 5,
                       "workflow 'faq-bot': escalation_policy 'support-ai-on-call' is not "
                       "defined in"));
  EXPECT_TRUE(
      HasError(diags, dir.file("workflows/faq.yaml"), 5, "did you mean 'support-ai-oncall'?"));
  EXPECT_TRUE(HasError(diags, dir.file("workflows/wiki.yaml"), 5,
                       "(defined: devprod-business-hours, support-ai-oncall)"));
  EXPECT_EQ(diags.size(), 2u) << diags.to_string();
}

TEST(IncidentSettings, BrokenEscalationYamlIsReportedOnceNotAtEveryReference) {
  TempDir dir;
  write_file(dir.file("escalation.yaml"),
             "policies:\n"
             "  support-ai-oncall:\n"
             "    incidnet_lead: \"pager:support-ai\"\n");
  write_file(dir.file("workflows/faq.yaml"), workflow("faq-bot", "support-ai-oncall"));
  core::Diagnostics diags;
  EXPECT_FALSE(load_config(dir.path(), diags));
  EXPECT_TRUE(HasError(diags, dir.file("escalation.yaml"), 3, "did you mean 'incident_lead'?"));
  EXPECT_EQ(diags.size(), 1u) << diags.to_string();
}

TEST(IncidentSettings, ExampleDirectoryDefinesEveryPolicyItsWorkflowsName) {
  core::Diagnostics diags;
  auto c = load_config(std::string(AIIR_SOURCE_DIR) + "/examples", diags);
  ASSERT_TRUE(c) << diags.to_string();
  // examples/severity.yaml is the default written out.
  EXPECT_EQ(c->severity_policy, incident::default_severity_policy());
  ASSERT_FALSE(c->workflows.empty());
  for (const auto& w : c->workflows) {
    ASSERT_FALSE(w.escalation_policy.empty()) << w.id;
    EXPECT_NE(c->find_escalation_policy(w.escalation_policy), nullptr) << w.id;
  }
}

}  // namespace
}  // namespace aiir::config
