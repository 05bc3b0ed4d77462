#include "detect/condition.h"

#include <gtest/gtest.h>

#include "detect_test_util.h"

namespace aiir::detect {
namespace {

using testing::detector_from_yaml;

// Compiles the `match` of a detector written around `match_yaml` and evaluates it on `span`.
bool matches(const std::string& match_yaml, const model::AiSpan& span) {
  Detector d = detector_from_yaml("id: t\ndescription: t\ncategory: policy_violation\nmatch: " +
                                  match_yaml + "\n");
  std::vector<ScanSpec> scans;
  auto condition = Condition::compile(d.match, scans);
  EXPECT_TRUE(condition.ok());
  if (!condition.ok()) return false;
  auto scanner = scans.empty() ? nullptr : *ContentScanner::compile(scans);
  SpanView view(span, scanner.get());
  return condition->holds(view);
}

model::AiSpan refund(const std::string& arguments) {
  return testing::tool_span("support-refunds", "a1", 1, testing::kT0, "issue_refund", arguments);
}

TEST(Condition, EqualsComparesNumbersAsNumbersAndTextAsText) {
  auto span = refund(R"({"order_id":"A-1001","amount":500.0,"express":true})");
  EXPECT_TRUE(matches("{field: tool.arguments.amount, equals: 500}", span));
  EXPECT_TRUE(matches("{field: tool.arguments.order_id, equals: A-1001}", span));
  EXPECT_FALSE(matches("{field: tool.arguments.order_id, equals: a-1001}", span));
  EXPECT_TRUE(
      matches("{field: tool.arguments.order_id, equals: a-1001, case_insensitive: true}", span));
  EXPECT_TRUE(matches("{field: tool.arguments.express, equals: true}", span));
  EXPECT_TRUE(matches("{field: kind, equals: tool}", span));
  EXPECT_FALSE(matches("{field: kind, equals: llm}", span));
}

TEST(Condition, NumericComparisonsNeedNumbers) {
  auto span = refund(R"({"amount":"750"})");
  EXPECT_FALSE(matches("{field: tool.arguments.amount, gt: 500}", span))
      << "a string holding digits is text, not a number";
  span = refund(R"({"amount":750})");
  EXPECT_TRUE(matches("{field: tool.arguments.amount, gt: 500}", span));
  EXPECT_TRUE(matches("{field: tool.arguments.amount, gte: 750}", span));
  EXPECT_FALSE(matches("{field: tool.arguments.amount, lt: 750}", span));
  EXPECT_TRUE(matches("{field: tool.arguments.amount, lte: 750}", span));
  EXPECT_TRUE(matches("{field: duration_ms, equals: 50}", span));
}

TEST(Condition, ArraysHoldWhenAnyElementDoes) {
  auto span = refund(R"({"items":[{"sku":"X1","qty":1},{"sku":"Z9","qty":4}],"tags":["vip","eu"]})");
  EXPECT_TRUE(matches("{field: tool.arguments.tags, in: [eu, us]}", span));
  EXPECT_TRUE(matches("{field: tool.arguments.items.1.qty, gt: 3}", span));
  EXPECT_FALSE(matches("{field: tool.arguments.items.0.qty, gt: 3}", span));
  EXPECT_FALSE(matches("{field: tool.arguments.items.7.qty, exists: true}", span));
}

TEST(Condition, ExistsAndNotAndAny) {
  auto span = refund(R"({"order_id":"A-1"})");
  EXPECT_TRUE(matches("{field: tool.arguments.order_id, exists: true}", span));
  EXPECT_TRUE(matches("{field: review.decision, exists: false}", span));
  EXPECT_TRUE(matches("{not: {field: review.decision, exists: true}}", span));
  EXPECT_TRUE(matches("{any: [{field: kind, equals: llm}, {field: tool.name, equals: issue_refund}]}",
                      span));
  EXPECT_FALSE(matches("{any: [{field: kind, equals: llm}, {field: kind, equals: review}]}", span));
  EXPECT_TRUE(matches("{all: []}", span));
}

TEST(Condition, ContainsAndRegexOnOutputText) {
  auto span = testing::llm_span("support-refunds", "a1", 1, testing::kT0,
                                "Your refund is GUARANTEED within 24 hours.");
  EXPECT_TRUE(matches("{field: output.text, contains: guaranteed, case_insensitive: true}", span));
  EXPECT_FALSE(matches("{field: output.text, contains: guaranteed}", span));
  EXPECT_TRUE(matches(R"x({field: output.text, regex: "refund is (GUARANTEED|certain)"})x", span));
  EXPECT_FALSE(matches(R"({field: output.text, regex: "^refund"})", span));
}

TEST(Condition, AttributesKeepDottedKeysAndDecodeJson) {
  auto span = refund("{}");
  span.attributes.push_back({"customer.segment", "\"enterprise\""});
  span.attributes.push_back({"retry.count", "3"});
  span.resource_attributes.push_back({"deployment.environment", "\"prod\""});
  EXPECT_TRUE(matches("{field: attributes.customer.segment, equals: enterprise}", span));
  EXPECT_TRUE(matches("{field: attributes.retry.count, gte: 3}", span));
  EXPECT_TRUE(matches("{field: resource.deployment.environment, equals: prod}", span));
  EXPECT_FALSE(matches("{field: attributes.customer, exists: true}", span));
}

TEST(Condition, ToolArgumentsThatAreNotJsonHaveNoPaths) {
  auto span = refund("refund order A-1 please");
  EXPECT_FALSE(matches("{field: tool.arguments.order_id, exists: true}", span));
  EXPECT_TRUE(matches("{field: tool.arguments, contains: A-1}", span));
}

TEST(Condition, ScansCountOnlyTheirTargets) {
  auto span = refund(R"({"email":"jane.doe@acme.io"})");
  EXPECT_TRUE(matches("{scan: {in: [tool_arguments], find: [email]}}", span));
  EXPECT_FALSE(matches("{scan: {in: [output], find: [email]}}", span));
}

TEST(Condition, KindMaskAndToolNamesComeFromTopLevelConjuncts) {
  Detector d = detector_from_yaml(
      "id: t\ndescription: t\ncategory: tool_misuse\nmatch: {all: [{field: kind, in: [tool, "
      "write]}, {field: tool.name, in: [issue_refund, void_invoice]}]}\n");
  std::vector<ScanSpec> scans;
  auto c = Condition::compile(d.match, scans);
  ASSERT_TRUE(c.ok());
  const unsigned expected = (1u << static_cast<unsigned>(model::SpanKind::kTool)) |
                            (1u << static_cast<unsigned>(model::SpanKind::kWrite));
  EXPECT_EQ(c->kind_mask(), expected);
  EXPECT_EQ(c->tool_names(), (std::vector<std::string>{"issue_refund", "void_invoice"}));

  Detector any = detector_from_yaml(
      "id: t\ndescription: t\ncategory: tool_misuse\nmatch: {any: [{field: kind, equals: tool}]}\n");
  auto c2 = Condition::compile(any.match, scans);
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->kind_mask(), ~0u) << "an `any` cannot narrow the kinds";
  EXPECT_TRUE(c2->tool_names().empty());
}

}  // namespace
}  // namespace aiir::detect
