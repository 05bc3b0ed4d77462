// The one JSON shape of AiSpan (API answers and the store's span body) survives a round trip.
#include "model/ai_span_json.h"

#include <gtest/gtest.h>

namespace aiir::model {
namespace {

AiSpan full_span() {
  AiSpan s;
  s.trace_id = "0af7651916cd43dd8448eb211c80319c";
  s.span_id = "b7ad6b7169203331";
  s.parent_span_id = "00f067aa0ba902b7";
  s.name = "chat gpt-4o";
  s.kind = SpanKind::kLlm;
  s.start_time = 1'763'900'000'000'000'000;
  s.end_time = 1'763'900'001'500'000'000;
  s.status = SpanStatus::kError;
  s.status_message = "rate limited";
  s.error_type = "429";
  s.workflow = "support-refunds";
  s.registered = true;
  s.service_name = "support-refunds-agent";
  s.user_id = "u-1";
  s.session_id = "s-1";
  s.account_id = "acct-9";
  s.record_id = "order-77";
  s.prompt_version = "v7";
  s.provider = "openai";
  s.operation = "chat";
  s.request_model = "gpt-4o";
  s.response_model = "gpt-4o-2024-08-06";
  s.temperature = 0.2;
  s.max_tokens = 512;
  s.usage.input = 120;
  s.usage.output = 30;
  s.finish_reasons = {"stop"};
  s.input_messages = {{"user", "Where is my refund?", {}}};
  s.output_messages = {{"assistant", "", {{"issue_refund", R"({"order":"77"})"}}}};
  s.documents = {{"kb-1", "help-centre", 0.83, "Refunds take 5 days"}};
  s.review_decision = "approved";
  s.reviewer = "agent-4";
  s.write_target = "payments.refund";
  s.write_record_id = "rf-1";
  s.write_action = "pay";
  s.content_policy = "redact";
  s.attributes = {{"custom.flag", "true"}, {"custom.name", "\"x\""}};
  s.resource_attributes = {{"host.name", "\"web-1\""}};
  return s;
}

TEST(AiSpanJson, RoundTripKeepsEveryField) {
  AiSpan in = full_span();
  boost::json::object json = to_json(in);
  AiSpan out = ai_span_from_json(json);
  EXPECT_EQ(boost::json::serialize(to_json(out)), boost::json::serialize(json));
  EXPECT_EQ(out.trace_id, in.trace_id);
  EXPECT_EQ(out.kind, SpanKind::kLlm);
  EXPECT_EQ(out.start_time, in.start_time);
  EXPECT_EQ(out.temperature, 0.2);
  EXPECT_EQ(out.usage.output, 30);
  ASSERT_EQ(out.output_messages.size(), 1u);
  ASSERT_EQ(out.output_messages[0].tool_calls.size(), 1u);
  EXPECT_EQ(out.output_messages[0].tool_calls[0].first, "issue_refund");
  ASSERT_EQ(out.documents.size(), 1u);
  EXPECT_EQ(out.documents[0].score, 0.83);
  ASSERT_EQ(out.attributes.size(), 2u);
  EXPECT_EQ(out.attributes[1].json_value, "\"x\"");
}

TEST(AiSpanJson, AbsentOptionalsStayAbsent) {
  AiSpan in;
  in.trace_id = "0af7651916cd43dd8448eb211c80319c";
  in.span_id = "b7ad6b7169203331";
  AiSpan out = ai_span_from_json(to_json(in));
  EXPECT_FALSE(out.temperature.has_value());
  EXPECT_FALSE(out.usage.input.has_value());
  EXPECT_TRUE(out.documents.empty());
}

TEST(SpanKindNames, EveryKindParsesBackFromItsName) {
  for (SpanKind k : {SpanKind::kLlm, SpanKind::kTool, SpanKind::kRetrieval, SpanKind::kEmbedding,
                     SpanKind::kAgent, SpanKind::kChain, SpanKind::kGuardrail,
                     SpanKind::kEvaluator, SpanKind::kReview, SpanKind::kWrite, SpanKind::kOther}) {
    EXPECT_EQ(parse_span_kind(to_string(k)), k) << to_string(k);
  }
}

}  // namespace
}  // namespace aiir::model
