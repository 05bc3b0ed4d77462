// The readiness framework's tiers for the example inventory and for the edge cases of its rules.
#include "model/risk_tier.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "config/config.h"

namespace aiir::model {
namespace {

bool mentions(const std::vector<std::string>& texts, std::string_view needle) {
  return std::any_of(texts.begin(), texts.end(),
                     [&](const std::string& t) { return t.find(needle) != std::string::npos; });
}

const Workflow& example(const config::Config& c, std::string_view id) {
  const Workflow* w = c.find_workflow(id);
  EXPECT_NE(w, nullptr) << id;
  return *w;
}

TEST(RiskTier, ExampleInventory) {
  core::Diagnostics diags;
  auto c = config::load_config(std::string(AIIR_SOURCE_DIR) + "/examples", diags);
  ASSERT_TRUE(c) << diags.to_string();

  RiskTier refunds = derive_risk_tier(example(*c, "support-refunds"));
  EXPECT_EQ(refunds.tier, 4);
  EXPECT_TRUE(mentions(refunds.reasons, "customer-facing"));
  EXPECT_TRUE(mentions(refunds.reasons, "payment tool"));
  EXPECT_TRUE(mentions(refunds.required_capabilities, "kill switch"));
  EXPECT_TRUE(mentions(refunds.required_capabilities, "incident playbook"));

  RiskTier wiki = derive_risk_tier(example(*c, "knowledge-assistant"));
  EXPECT_EQ(wiki.tier, 2);
  EXPECT_TRUE(mentions(wiki.reasons, "confidential"));
  EXPECT_FALSE(mentions(wiki.required_capabilities, "kill switch"));

  RiskTier crm = derive_risk_tier(example(*c, "crm-enrichment"));
  EXPECT_EQ(crm.tier, 4);
  EXPECT_TRUE(mentions(crm.reasons, "autonomous and irreversible"));
}

TEST(RiskTier, InternalRecommenderIsTierOne) {
  Workflow w;
  RiskTier t = derive_risk_tier(w);
  EXPECT_EQ(t.tier, 1);
  ASSERT_EQ(t.reasons.size(), 1u);
  EXPECT_TRUE(mentions(t.reasons, "recommends only"));
  EXPECT_FALSE(mentions(t.required_capabilities, "incident playbook"));
}

TEST(RiskTier, EuAiActHighRiskIsAlwaysTierFour) {
  Workflow w;
  w.risk.regulatory.eu_ai_act_high_risk = true;
  EXPECT_EQ(derive_risk_tier(w).tier, 4);
  EXPECT_TRUE(mentions(derive_risk_tier(w).required_capabilities, "serious-incident reporting"));
}

TEST(RiskTier, CustomerFacingWithPersonalDataIsAtLeastTierThree) {
  Workflow w;
  w.risk.customer_exposure = CustomerExposure::kExternal;
  w.risk.data_sensitivity = DataSensitivity::kPersonal;
  EXPECT_EQ(derive_risk_tier(w).tier, 3);
}

TEST(RiskTier, SeveralImpactsCountAsOneMaterialImpact) {
  Workflow one;
  one.risk.business_impact = {BusinessImpact::kFinancial, BusinessImpact::kLegal};
  Workflow many = one;
  many.risk.business_impact = {BusinessImpact::kFinancial, BusinessImpact::kLegal,
                               BusinessImpact::kSafety, BusinessImpact::kReputational};
  EXPECT_EQ(derive_risk_tier(one).tier, derive_risk_tier(many).tier);
  EXPECT_EQ(derive_risk_tier(one).tier, 2);
}

}  // namespace
}  // namespace aiir::model
