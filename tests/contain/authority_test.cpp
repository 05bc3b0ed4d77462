// Authority rules: who may take which containment action on which workflow — allowed by the
// incident's role holder, by key name, by API role; refused with who may; uncovered actions left
// to the route's role check.
#include "contain/authority.h"

#include <gtest/gtest.h>

namespace aiir::contain {
namespace {

using model::ControlKind;
using model::IncidentRole;
using model::Role;

model::Workflow refunds() {
  model::Workflow w;
  w.id = "support-refunds";
  return w;
}

model::Incident incident() {
  model::Incident i;
  i.number = 4;
  i.workflow = "support-refunds";
  i.roles = {{IncidentRole::kIncidentLead, "maria"},
             {IncidentRole::kBusinessOwner, "Jon Park <jon@example.com>"}};
  return i;
}

AuthorityRule rule(std::vector<std::string> actions, std::vector<std::string> who,
                   std::vector<std::string> workflows = {"support-refunds"}) {
  AuthorityRule r;
  r.actions = std::move(actions);
  r.workflows = std::move(workflows);
  for (const auto& w : who) r.who.push_back(*parse_authorized(w));
  return r;
}

AuthorityRules pause_rules() {
  return {{rule({"pause", "lift"}, {"incident_lead", "business_owner", "role:admin"})}};
}

Actor key(std::string name, Role role = Role::kResponder) {
  return Actor{"key-" + name, std::move(name), role};
}

TEST(Authority, ParsesTheThreeFormsOfWho) {
  auto lead = parse_authorized("incident_lead");
  ASSERT_TRUE(lead);
  EXPECT_EQ(lead->kind, Authorized::Kind::kIncidentRole);
  auto alice = parse_authorized("key:alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->key, "alice");
  auto admin = parse_authorized("role:admin");
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->api_role, Role::kAdmin);
  EXPECT_EQ(to_string(*alice), "key:alice");
  EXPECT_FALSE(parse_authorized("incident-lead"));
  EXPECT_FALSE(parse_authorized("role:boss"));
  EXPECT_FALSE(parse_authorized("key:"));
}

TEST(Authority, IncidentRoleHolderByNameIsAllowed) {
  const auto inc = incident();
  EXPECT_TRUE(may_take(pause_rules(), key("maria"), ControlKind::kPause, refunds(), &inc).ok());
  // "Name <contact>": the name (any case) or the contact.
  EXPECT_TRUE(may_take(pause_rules(), key("jon park"), ControlKind::kPause, refunds(), &inc).ok());
  EXPECT_TRUE(
      may_take(pause_rules(), key("jon@example.com"), ControlKind::kPause, refunds(), &inc).ok());
}

TEST(Authority, KeyNameIsAllowed) {
  AuthorityRules rules{{rule({"pin_version"}, {"key:alice"})}};
  const auto inc = incident();
  EXPECT_TRUE(may_take(rules, key("alice"), ControlKind::kPinVersion, refunds(), &inc).ok());
  EXPECT_FALSE(may_take(rules, key("bob"), ControlKind::kPinVersion, refunds(), &inc).ok());
}

TEST(Authority, ApiRoleIsAllowed) {
  const auto inc = incident();
  EXPECT_TRUE(
      may_take(pause_rules(), key("ops", Role::kAdmin), ControlKind::kPause, refunds(), &inc).ok());
}

TEST(Authority, RefusalNamesWhoMayAndWhoYouAre) {
  const auto inc = incident();
  auto s = may_take(pause_rules(), key("bob"), ControlKind::kPause, refunds(), &inc);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), core::Code::kPermissionDenied);
  EXPECT_EQ(s.error().message(),
            "pausing support-refunds needs the incident lead (maria) or the business owner (Jon "
            "Park <jon@example.com>) or key role admin; you are key 'bob' (responder)");
}

TEST(Authority, LiftIsAnActionToo) {
  const auto inc = incident();
  auto s = may_take(pause_rules(), key("bob"), "lift", refunds(), &inc);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message().rfind("lifting a control on support-refunds needs", 0), 0u);
}

TEST(Authority, WithoutAnIncidentRoleHoldersCannotMatch) {
  auto s = may_take(pause_rules(), key("maria"), ControlKind::kPause, refunds(), nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("the incident lead (of the incident; none is named)"),
            std::string::npos);
}

TEST(Authority, UncoveredActionOrWorkflowIsLeftToTheRoute) {
  const auto inc = incident();
  EXPECT_TRUE(may_take(pause_rules(), key("bob"), ControlKind::kDisableTool, refunds(), &inc).ok());
  model::Workflow other;
  other.id = "internal-drafts";
  EXPECT_TRUE(may_take(pause_rules(), key("bob"), ControlKind::kPause, other, &inc).ok());
  EXPECT_TRUE(may_take({}, key("bob"), ControlKind::kPause, refunds(), &inc).ok());
}

TEST(Authority, AnyCoveringRuleMayAllow) {
  AuthorityRules rules = pause_rules();
  rules.rules.push_back(rule({"pause"}, {"key:bob"}, {}));
  const auto inc = incident();
  EXPECT_TRUE(may_take(rules, key("bob"), ControlKind::kPause, refunds(), &inc).ok());
  auto s = may_take(rules, key("eve"), ControlKind::kPause, refunds(), &inc);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("or key 'bob'"), std::string::npos);
}

TEST(Authority, RiskTierLimitsARule) {
  AuthorityRules rules{{rule({"pause"}, {"key:alice"}, {})}};
  rules.rules[0].risk_tiers = {4};
  model::Workflow low;  // an internal recommender: tier 1
  low.id = "internal-drafts";
  EXPECT_TRUE(may_take(rules, key("bob"), ControlKind::kPause, low, nullptr).ok());
}

TEST(Authority, UnknownActionIsInvalid) {
  auto s = may_take(pause_rules(), key("bob"), "shutdown", refunds(), nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), core::Code::kInvalidArgument);
}

}  // namespace
}  // namespace aiir::contain
