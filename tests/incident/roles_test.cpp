// Roles: who an incident names when it opens, from the workflow's owners and its escalation
// policy, and every mistake in an escalation.yaml located at the line where it was made.
#include "incident/roles.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>

namespace aiir::incident {
namespace {

namespace fs = std::filesystem;
using model::IncidentRole;
using model::RoleAssignment;

// A file under the system temp dir, removed by the destructor.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static std::atomic<int> counter{0};
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = (fs::temp_directory_path() /
             ("aiir-roles-" + std::to_string(stamp) + "-" + std::to_string(counter++) + ".yaml"))
                .string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Some diagnostic is at `line` and contains `text`.
::testing::AssertionResult HasError(const core::Diagnostics& diags, int line,
                                    const std::string& text) {
  for (const auto& d : diags.items()) {
    if (d.line == line && d.message.find(text) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no error at line " << line << " containing \"" << text << "\"; got:\n"
         << diags.to_string();
}

model::Workflow refunds_workflow() {
  model::Workflow w;
  w.id = "support-refunds";
  w.business_owner = {"Dana Whitfield", "dana@example.com"};
  w.technical_owner = {"Support AI team", "#support-ai-oncall"};
  return w;
}

EscalationPolicy oncall_policy() {
  EscalationPolicy p;
  p.name = "support-ai-oncall";
  p.roles = {{IncidentRole::kIncidentLead, "pager:support-ai"},
             {IncidentRole::kSecurity, "security@example.com"},
             {IncidentRole::kLegal, "legal@example.com"}};
  return p;
}

std::vector<RoleAssignment> roles(std::initializer_list<std::pair<IncidentRole, std::string>> l) {
  std::vector<RoleAssignment> out;
  for (const auto& [role, who] : l) out.push_back({role, who});
  return out;
}

void expect_roles(const std::vector<RoleAssignment>& got, const std::vector<RoleAssignment>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].role, want[i].role) << "at " << i;
    EXPECT_EQ(got[i].who, want[i].who) << "at " << i;
  }
}

// ---------------------------------------------------------------------------------------------
// initial_roles

TEST(InitialRoles, WorkflowOnlyNamesOwnersAndTheTechnicalOwnerLeads) {
  model::Workflow w = refunds_workflow();
  expect_roles(initial_roles(&w, nullptr),
               roles({{IncidentRole::kIncidentLead, "Support AI team <#support-ai-oncall>"},
                      {IncidentRole::kBusinessOwner, "Dana Whitfield <dana@example.com>"},
                      {IncidentRole::kEngineering, "Support AI team <#support-ai-oncall>"}}));
}

TEST(InitialRoles, PolicyOnlyNamesWhatThePolicyNames) {
  EscalationPolicy p = oncall_policy();
  expect_roles(initial_roles(nullptr, &p), roles({{IncidentRole::kIncidentLead, "pager:support-ai"},
                                                  {IncidentRole::kSecurity, "security@example.com"},
                                                  {IncidentRole::kLegal, "legal@example.com"}}));
}

TEST(InitialRoles, PolicyWinsOverTheWorkflowForTheSameRole) {
  model::Workflow w = refunds_workflow();
  EscalationPolicy p = oncall_policy();
  p.roles.insert(p.roles.begin() + 1, {IncidentRole::kEngineering, "pager:support-ai-eng"});
  expect_roles(initial_roles(&w, &p),
               roles({{IncidentRole::kIncidentLead, "pager:support-ai"},
                      {IncidentRole::kBusinessOwner, "Dana Whitfield <dana@example.com>"},
                      {IncidentRole::kEngineering, "pager:support-ai-eng"},
                      {IncidentRole::kSecurity, "security@example.com"},
                      {IncidentRole::kLegal, "legal@example.com"}}));
}

TEST(InitialRoles, PolicyWithoutALeadLeavesTheLeadToTheTechnicalOwner) {
  model::Workflow w = refunds_workflow();
  EscalationPolicy p;
  p.name = "legal-only";
  p.roles = {{IncidentRole::kLegal, "legal@example.com"}};
  auto got = initial_roles(&w, &p);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0].role, IncidentRole::kIncidentLead);
  EXPECT_EQ(got[0].who, "Support AI team <#support-ai-oncall>");
  EXPECT_EQ(got.back().role, IncidentRole::kLegal);
}

TEST(InitialRoles, NeitherWorkflowNorPolicyStillNamesALead) {
  expect_roles(initial_roles(nullptr, nullptr),
               roles({{IncidentRole::kIncidentLead, std::string(kUnassignedLead)}}));
}

TEST(InitialRoles, WorkflowWithoutOwnersGetsTheUnassignedLead) {
  model::Workflow w;
  w.id = "bare";
  expect_roles(initial_roles(&w, nullptr),
               roles({{IncidentRole::kIncidentLead, std::string(kUnassignedLead)}}));
}

TEST(InitialRoles, OwnerWithOnlyANameOrOnlyAContactUsesWhatIsThere) {
  model::Workflow w;
  w.business_owner = {"Dana Whitfield", ""};
  w.technical_owner = {"", "#support-ai-oncall"};
  expect_roles(initial_roles(&w, nullptr),
               roles({{IncidentRole::kIncidentLead, "#support-ai-oncall"},
                      {IncidentRole::kBusinessOwner, "Dana Whitfield"},
                      {IncidentRole::kEngineering, "#support-ai-oncall"}}));
}

TEST(InitialRoles, BusinessOwnerLeadsWhenThereIsNoTechnicalOwner) {
  model::Workflow w;
  w.business_owner = {"", "dana@example.com"};
  expect_roles(initial_roles(&w, nullptr),
               roles({{IncidentRole::kIncidentLead, "dana@example.com"},
                      {IncidentRole::kBusinessOwner, "dana@example.com"}}));
}

TEST(EscalationPolicy, WhoNamesThePersonForARoleOrNothing) {
  EscalationPolicy p = oncall_policy();
  EXPECT_EQ(p.who(IncidentRole::kSecurity), "security@example.com");
  EXPECT_EQ(p.who(IncidentRole::kCompliance), "");
}

// ---------------------------------------------------------------------------------------------
// read_escalation_policies

TEST(ReadEscalationPolicies, ReadsEveryRoleSortedByName) {
  TempFile file(
      "policies:\n"
      "  support-ai-oncall:\n"
      "    incident_lead: \"pager:support-ai\"\n"
      "    security: security-oncall@example.com\n"
      "    legal: legal@example.com\n"
      "  devprod-business-hours:\n"
      "    incident_lead: devprod@example.com\n"
      "    business_owner: Priya <priya@example.com>\n"
      "    engineering: \"#devprod\"\n"
      "    security: security@example.com\n"
      "    legal: legal@example.com\n"
      "    compliance: compliance@example.com\n"
      "    communications: comms@example.com\n");
  core::Diagnostics diags;
  auto policies = read_escalation_policies(file.path(), diags);
  ASSERT_TRUE(policies) << diags.to_string();
  EXPECT_TRUE(diags.empty());
  ASSERT_EQ(policies->size(), 2u);
  const EscalationPolicy& devprod = (*policies)[0];
  EXPECT_EQ(devprod.name, "devprod-business-hours");
  EXPECT_EQ(devprod.source_file, file.path());
  EXPECT_EQ(devprod.source_line, 6);
  ASSERT_EQ(devprod.roles.size(), 7u);
  for (std::size_t i = 0; i < devprod.roles.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(devprod.roles[i].role), i);  // in IncidentRole order
  }
  EXPECT_EQ(devprod.who(IncidentRole::kBusinessOwner), "Priya <priya@example.com>");
  EXPECT_EQ(devprod.who(IncidentRole::kCommunications), "comms@example.com");
  const EscalationPolicy& support = (*policies)[1];
  EXPECT_EQ(support.name, "support-ai-oncall");
  EXPECT_EQ(support.source_line, 2);
  EXPECT_EQ(support.who(IncidentRole::kIncidentLead), "pager:support-ai");
  EXPECT_EQ(support.who(IncidentRole::kSecurity), "security-oncall@example.com");
  EXPECT_EQ(support.who(IncidentRole::kEngineering), "");
}

TEST(ReadEscalationPolicies, MisspeltRoleIsReportedAtItsLineWithASuggestion) {
  TempFile file(
      "policies:\n"
      "  support-ai-oncall:\n"
      "    incident_lead: \"pager:support-ai\"\n"
      "    secuirty: security@example.com\n");
  core::Diagnostics diags;
  EXPECT_FALSE(read_escalation_policies(file.path(), diags));
  EXPECT_TRUE(HasError(diags, 4, "unknown key 'secuirty'"));
  EXPECT_TRUE(HasError(diags, 4, "did you mean 'security'?"));
  ASSERT_EQ(diags.size(), 1u) << diags.to_string();
  EXPECT_EQ(diags.items()[0].file, file.path());
  EXPECT_EQ(diags.items()[0].column, 5);
}

TEST(ReadEscalationPolicies, BadPolicyNameIsAnError) {
  TempFile file(
      "policies:\n"
      "  Support_AI:\n"
      "    incident_lead: \"pager:support-ai\"\n"
      "  -oncall:\n"
      "    incident_lead: \"pager:oncall\"\n");
  core::Diagnostics diags;
  EXPECT_FALSE(read_escalation_policies(file.path(), diags));
  EXPECT_TRUE(HasError(diags, 2, "policy name 'Support_AI' must be lowercase letters"));
  EXPECT_TRUE(HasError(diags, 4, "policy name '-oncall'"));
}

TEST(ReadEscalationPolicies, EmptyValuesAreErrors) {
  TempFile file(
      "policies:\n"
      "  support-ai-oncall:\n"
      "    incident_lead: \"\"\n"
      "    legal:\n"
      "    security: \"  \"\n"
      "  nobody:\n"
      "  nobody-either: {}\n");
  core::Diagnostics diags;
  EXPECT_FALSE(read_escalation_policies(file.path(), diags));
  EXPECT_TRUE(HasError(diags, 3, "policy 'support-ai-oncall'.incident_lead is empty"));
  EXPECT_TRUE(HasError(diags, 4, ".legal is empty"));
  EXPECT_TRUE(HasError(diags, 5, ".security is empty"));
  EXPECT_TRUE(HasError(diags, 6, "policy 'nobody' names nobody"));
  EXPECT_TRUE(HasError(diags, 7, "policy 'nobody-either' names nobody"));
}

TEST(ReadEscalationPolicies, RoleMustBeASingleValue) {
  TempFile file(
      "policies:\n"
      "  support-ai-oncall:\n"
      "    legal: [a@example.com, b@example.com]\n");
  core::Diagnostics diags;
  EXPECT_FALSE(read_escalation_policies(file.path(), diags));
  EXPECT_TRUE(HasError(diags, 3, "legal must be a single value"));
}

TEST(ReadEscalationPolicies, RepeatedPolicyNameIsAnError) {
  TempFile file(
      "policies:\n"
      "  oncall: {incident_lead: a@example.com}\n"
      "  oncall: {incident_lead: b@example.com}\n");
  core::Diagnostics diags;
  EXPECT_FALSE(read_escalation_policies(file.path(), diags));
  EXPECT_TRUE(HasError(diags, 3, "policy 'oncall' is defined twice (first at line 2)"));
}

// Found by the escalation_policies fuzz target (corpus/escalation_policies/duplicate-role.yaml):
// yaml-cpp keeps both keys and the second person was silently left out.
TEST(ReadEscalationPolicies, RepeatedRoleIsAnError) {
  TempFile file(
      "policies:\n"
      "  oncall:\n"
      "    incident_lead: a@example.com\n"
      "    security: security@example.com\n"
      "    incident_lead: b@example.com\n");
  core::Diagnostics diags;
  EXPECT_FALSE(read_escalation_policies(file.path(), diags));
  EXPECT_TRUE(HasError(diags, 5, "policy 'oncall': key 'incident_lead' is given twice (first at line 3)"));
  ASSERT_EQ(diags.size(), 1u) << diags.to_string();
  EXPECT_EQ(diags.items()[0].column, 5);
}

TEST(ReadEscalationPolicies, NotAMappingIsAnError) {
  {
    TempFile file("- support-ai-oncall\n");
    core::Diagnostics diags;
    EXPECT_FALSE(read_escalation_policies(file.path(), diags));
    EXPECT_TRUE(HasError(diags, 1, "escalation.yaml must be a mapping"));
  }
  {
    TempFile file("policies: [support-ai-oncall]\n");
    core::Diagnostics diags;
    EXPECT_FALSE(read_escalation_policies(file.path(), diags));
    EXPECT_TRUE(HasError(diags, 1, "policies must be a mapping of policy name to roles"));
  }
  {
    TempFile file("policies:\n  oncall: pager:oncall\n");
    core::Diagnostics diags;
    EXPECT_FALSE(read_escalation_policies(file.path(), diags));
    EXPECT_TRUE(HasError(diags, 2, "policy 'oncall' must be a mapping"));
  }
}

TEST(ReadEscalationPolicies, UnknownTopLevelKeyAndMissingPoliciesAreErrors) {
  TempFile file("polices:\n  oncall: {incident_lead: a@example.com}\n");
  core::Diagnostics diags;
  EXPECT_FALSE(read_escalation_policies(file.path(), diags));
  EXPECT_TRUE(HasError(diags, 1, "missing required key 'policies'"));
  EXPECT_TRUE(HasError(diags, 1, "did you mean 'policies'?"));
}

TEST(ReadEscalationPolicies, MissingFileIsAnError) {
  core::Diagnostics diags;
  const std::string path = (fs::temp_directory_path() / "aiir-no-such-escalation.yaml").string();
  EXPECT_FALSE(read_escalation_policies(path, diags));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags.items()[0].file, path);
  EXPECT_NE(diags.items()[0].message.find("cannot read the file"), std::string::npos);
}

TEST(ReadEscalationPolicies, SyntaxErrorIsLocated) {
  TempFile file("policies:\n  oncall: {incident_lead: a@example.com\n");
  core::Diagnostics diags;
  EXPECT_FALSE(read_escalation_policies(file.path(), diags));
  ASSERT_FALSE(diags.empty());
  EXPECT_NE(diags.items()[0].message.find("YAML syntax error"), std::string::npos);
  EXPECT_GT(diags.items()[0].line, 0);
}

TEST(ReadEscalationPoliciesText, ReadsTextAsTheFileWouldBeRead) {
  const std::string text =
      "policies:\n"
      "  support-ai-oncall:\n"
      "    incident_lead: \"pager:support-ai\"\n"
      "    legal: legal@example.com\n"
      "  devprod: {security: security@example.com}\n";
  TempFile file(text);
  core::Diagnostics file_diags;
  auto from_file = read_escalation_policies(file.path(), file_diags);
  core::Diagnostics text_diags;
  auto from_text = read_escalation_policies_text(text, "escalation.yaml", text_diags);
  ASSERT_TRUE(from_file) << file_diags.to_string();
  ASSERT_TRUE(from_text) << text_diags.to_string();
  EXPECT_TRUE(text_diags.empty());
  ASSERT_EQ(from_text->size(), from_file->size());
  for (std::size_t i = 0; i < from_text->size(); ++i) {
    const EscalationPolicy& got = (*from_text)[i];
    const EscalationPolicy& want = (*from_file)[i];
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.source_line, want.source_line);
    EXPECT_EQ(got.source_file, "escalation.yaml");
    expect_roles(got.roles, want.roles);
  }
}

TEST(ReadEscalationPoliciesText, ErrorsAreTheFilesNamedAsGiven) {
  const std::string text =
      "policies:\n"
      "  Oncall: {incident_lead: a@example.com}\n"
      "  support: {secuirty: s@example.com, legal: \"\"}\n";
  TempFile file(text);
  core::Diagnostics file_diags;
  EXPECT_FALSE(read_escalation_policies(file.path(), file_diags));
  core::Diagnostics text_diags;
  EXPECT_FALSE(read_escalation_policies_text(text, "escalation.yaml", text_diags));
  ASSERT_EQ(text_diags.size(), file_diags.size()) << text_diags.to_string();
  ASSERT_EQ(text_diags.size(), 3u) << text_diags.to_string();
  for (std::size_t i = 0; i < text_diags.size(); ++i) {
    const core::Diagnostic& got = text_diags.items()[i];
    const core::Diagnostic& want = file_diags.items()[i];
    EXPECT_EQ(got.file, "escalation.yaml");
    EXPECT_EQ(got.line, want.line);
    EXPECT_EQ(got.column, want.column);
    EXPECT_EQ(got.message, want.message);
  }
  core::Diagnostics syntax;
  EXPECT_FALSE(read_escalation_policies_text("policies: {oncall: [\n", "escalation.yaml", syntax));
  ASSERT_FALSE(syntax.empty());
  EXPECT_EQ(syntax.items()[0].file, "escalation.yaml");
  EXPECT_NE(syntax.items()[0].message.find("YAML syntax error"), std::string::npos);
}

}  // namespace
}  // namespace aiir::incident
