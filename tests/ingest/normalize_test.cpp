// Each attribute dialect that instrumentations speak today, normalized to the one AiSpan model.
#include "ingest/normalize.h"

#include <gtest/gtest.h>

namespace aiir::ingest {
namespace {

KeyValue kv(std::string key, std::string value) { return {std::move(key), AnyValue::of_string(std::move(value))}; }
KeyValue kv(std::string key, std::int64_t value) { return {std::move(key), AnyValue::of_int(value)}; }
KeyValue kv(std::string key, double value) { return {std::move(key), AnyValue::of_double(value)}; }

OtlpSpan span_with(Attributes attributes) {
  OtlpSpan s;
  s.trace_id = "0af7651916cd43dd8448eb211c80319c";
  s.span_id = "b7ad6b7169203331";
  s.name = "step";
  s.start_time = 1'000;
  s.end_time = 2'000;
  s.attributes = std::move(attributes);
  return s;
}

config::Config inventory() {
  config::Config c;
  model::Workflow w;
  w.id = "support-refunds";
  w.service_names = {"support-refunds-agent"};
  c.workflows.push_back(w);
  return c;
}

const Attributes kResource{kv("service.name", "support-refunds-agent"), kv("host.name", "web-1")};

std::string attribute(const model::AiSpan& s, std::string_view key) {
  for (const auto& a : s.attributes) {
    if (a.key == key) return a.json_value;
  }
  return "<absent>";
}

TEST(Normalize, GenAiCurrentConventions) {
  auto span = span_with({
      kv("gen_ai.operation.name", "chat"),
      kv("gen_ai.provider.name", "openai"),
      kv("gen_ai.request.model", "gpt-4o"),
      kv("gen_ai.response.model", "gpt-4o-2024-08-06"),
      kv("gen_ai.request.temperature", 0.2),
      kv("gen_ai.request.max_tokens", std::int64_t{256}),
      kv("gen_ai.usage.input_tokens", std::int64_t{120}),
      kv("gen_ai.usage.output_tokens", std::int64_t{30}),
      kv("gen_ai.conversation.id", "conv-7"),
      kv("gen_ai.input.messages",
         R"([{"role":"user","parts":[{"type":"text","content":"Refund order A-1001"}]}])"),
      kv("gen_ai.output.messages",
         R"([{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"issue_refund",)"
         R"("arguments":{"order_id":"A-1001"}}],"finish_reason":"tool_calls"}])"),
      kv("shop.region", "eu"),
  });
  model::AiSpan s = normalize_span(span, kResource, inventory());
  EXPECT_EQ(s.kind, model::SpanKind::kLlm);
  EXPECT_EQ(s.provider, "openai");
  EXPECT_EQ(s.operation, "chat");
  EXPECT_EQ(s.request_model, "gpt-4o");
  EXPECT_EQ(s.response_model, "gpt-4o-2024-08-06");
  EXPECT_EQ(s.model_version, "gpt-4o-2024-08-06");
  EXPECT_EQ(s.temperature, 0.2);
  EXPECT_EQ(s.max_tokens, 256);
  EXPECT_EQ(s.usage.input, 120);
  EXPECT_EQ(s.usage.output, 30);
  EXPECT_EQ(s.session_id, "conv-7");
  ASSERT_EQ(s.input_messages.size(), 1u);
  EXPECT_EQ(s.input_messages[0].role, "user");
  EXPECT_EQ(s.input_messages[0].content, "Refund order A-1001");
  ASSERT_EQ(s.output_messages.size(), 1u);
  ASSERT_EQ(s.output_messages[0].tool_calls.size(), 1u);
  EXPECT_EQ(s.output_messages[0].tool_calls[0].first, "issue_refund");
  EXPECT_EQ(s.output_messages[0].tool_calls[0].second, R"({"order_id":"A-1001"})");
  EXPECT_EQ(s.finish_reasons, std::vector<std::string>{"tool_calls"});
  EXPECT_EQ(s.workflow, "support-refunds");
  EXPECT_TRUE(s.registered);
  EXPECT_EQ(s.service_name, "support-refunds-agent");
  // Unknown attributes are kept, mapped ones are not repeated.
  EXPECT_EQ(attribute(s, "shop.region"), "\"eu\"");
  EXPECT_EQ(attribute(s, "gen_ai.request.model"), "<absent>");
  ASSERT_EQ(s.resource_attributes.size(), 1u);
  EXPECT_EQ(s.resource_attributes[0].key, "host.name");
}

TEST(Normalize, GenAiToolExecutionSpan) {
  auto span = span_with({kv("gen_ai.operation.name", "execute_tool"),
                         kv("gen_ai.tool.name", "issue_refund"),
                         kv("gen_ai.tool.call.id", "c1"),
                         kv("gen_ai.tool.call.arguments", R"({"order_id":"A-1001","amount":25})"),
                         kv("gen_ai.tool.call.result", R"({"refund_id":"rf-9"})")});
  model::AiSpan s = normalize_span(span, kResource, inventory());
  EXPECT_EQ(s.kind, model::SpanKind::kTool);
  EXPECT_EQ(s.tool_name, "issue_refund");
  EXPECT_EQ(s.tool_call_id, "c1");
  EXPECT_EQ(s.tool_arguments, R"({"order_id":"A-1001","amount":25})");
  EXPECT_EQ(s.tool_result, R"({"refund_id":"rf-9"})");
}

TEST(Normalize, GenAiOlderConventionsWithMessageEvents) {
  auto span = span_with({kv("gen_ai.system", "anthropic"), kv("gen_ai.request.model", "claude-3-5-sonnet"),
                         kv("gen_ai.usage.prompt_tokens", std::int64_t{11}),
                         kv("gen_ai.usage.completion_tokens", std::int64_t{5})});
  span.events.push_back({"gen_ai.system.message", 1, {kv("content", "You are a support agent.")}});
  span.events.push_back({"gen_ai.user.message", 2, {kv("content", "Where is my parcel?")}});
  span.events.push_back(
      {"gen_ai.choice", 3,
       {kv("index", std::int64_t{0}), kv("finish_reason", "stop"),
        kv("message", R"({"role":"assistant","content":"It ships tomorrow."})")}});
  model::AiSpan s = normalize_span(span, kResource, inventory());
  EXPECT_EQ(s.kind, model::SpanKind::kLlm);
  EXPECT_EQ(s.provider, "anthropic");
  EXPECT_EQ(s.usage.input, 11);
  EXPECT_EQ(s.usage.output, 5);
  ASSERT_EQ(s.input_messages.size(), 2u);
  EXPECT_EQ(s.input_messages[0].role, "system");
  EXPECT_EQ(s.input_messages[1].content, "Where is my parcel?");
  ASSERT_EQ(s.output_messages.size(), 1u);
  EXPECT_EQ(s.output_messages[0].content, "It ships tomorrow.");
  EXPECT_EQ(s.finish_reasons, std::vector<std::string>{"stop"});
}

TEST(Normalize, OpenLlmetryIndexedPromptsAndCompletions) {
  auto span = span_with({
      kv("llm.request.type", "chat"),
      kv("gen_ai.system", "openai"),
      kv("gen_ai.request.model", "gpt-4o-mini"),
      kv("gen_ai.prompt.0.role", "system"),
      kv("gen_ai.prompt.0.content", "Be brief."),
      kv("gen_ai.prompt.1.role", "user"),
      kv("gen_ai.prompt.1.content", "Cancel my order"),
      kv("gen_ai.prompt.10.role", "user"),
      kv("gen_ai.prompt.10.content", "eleventh"),
      kv("gen_ai.completion.0.role", "assistant"),
      kv("gen_ai.completion.0.finish_reason", "tool_calls"),
      kv("gen_ai.completion.0.tool_calls.0.name", "cancel_order"),
      kv("gen_ai.completion.0.tool_calls.0.arguments", R"({"id":"7"})"),
      kv("llm.usage.total_tokens", std::int64_t{40}),
  });
  model::AiSpan s = normalize_span(span, kResource, inventory());
  EXPECT_EQ(s.kind, model::SpanKind::kLlm);
  ASSERT_EQ(s.input_messages.size(), 3u);
  EXPECT_EQ(s.input_messages[1].content, "Cancel my order");
  EXPECT_EQ(s.input_messages[2].content, "eleventh");  // numeric, not lexical, order
  ASSERT_EQ(s.output_messages.size(), 1u);
  ASSERT_EQ(s.output_messages[0].tool_calls.size(), 1u);
  EXPECT_EQ(s.output_messages[0].tool_calls[0].first, "cancel_order");
  EXPECT_EQ(s.finish_reasons, std::vector<std::string>{"tool_calls"});
  EXPECT_TRUE(s.attributes.empty()) << s.attributes[0].key;
}

TEST(Normalize, OpenInferenceLlmSpan) {
  auto span = span_with({
      kv("openinference.span.kind", "LLM"),
      kv("llm.model_name", "gpt-4o-mini-2024-07-18"),
      kv("llm.provider", "openai"),
      kv("llm.invocation_parameters", R"({"model":"gpt-4o-mini","temperature":0.5,"max_tokens":100})"),
      kv("llm.token_count.prompt", std::int64_t{42}),
      kv("llm.token_count.completion", std::int64_t{17}),
      kv("llm.input_messages.0.message.role", "user"),
      kv("llm.input_messages.0.message.content", "Refund A-1001"),
      kv("llm.output_messages.0.message.role", "assistant"),
      kv("llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "issue_refund"),
      kv("llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
         R"({"order_id":"A-1001"})"),
      kv("input.value", R"({"messages":[...]})"),
      kv("input.mime_type", "application/json"),
      kv("session.id", "s-1"),
      kv("user.id", "u-1"),
      kv("llm.prompt_template.version", "v7"),
      kv("llm.finish_reason", "tool_calls"),
  });
  model::AiSpan s = normalize_span(span, kResource, inventory());
  EXPECT_EQ(s.kind, model::SpanKind::kLlm);
  EXPECT_EQ(s.request_model, "gpt-4o-mini");
  EXPECT_EQ(s.response_model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(s.provider, "openai");
  EXPECT_EQ(s.temperature, 0.5);
  EXPECT_EQ(s.max_tokens, 100);
  EXPECT_EQ(s.usage.input, 42);
  EXPECT_EQ(s.usage.output, 17);
  EXPECT_EQ(s.session_id, "s-1");
  EXPECT_EQ(s.user_id, "u-1");
  EXPECT_EQ(s.prompt_version, "v7");
  EXPECT_EQ(s.finish_reasons, std::vector<std::string>{"tool_calls"});
  ASSERT_EQ(s.input_messages.size(), 1u);
  EXPECT_EQ(s.input_messages[0].content, "Refund A-1001");
  ASSERT_EQ(s.output_messages.size(), 1u);
  ASSERT_EQ(s.output_messages[0].tool_calls.size(), 1u);
  EXPECT_EQ(s.output_messages[0].tool_calls[0].first, "issue_refund");
  EXPECT_EQ(attribute(s, "input.value"), "<absent>");  // repeats the messages; not kept twice
}

TEST(Normalize, OpenInferenceToolAndRetrieverSpans) {
  auto tool = normalize_span(span_with({kv("openinference.span.kind", "TOOL"),
                                        kv("tool.name", "lookup_order"),
                                        kv("input.value", R"({"order_id":"A-1001"})"),
                                        kv("output.value", R"({"status":"shipped"})")}),
                             kResource, inventory());
  EXPECT_EQ(tool.kind, model::SpanKind::kTool);
  EXPECT_EQ(tool.tool_name, "lookup_order");
  EXPECT_EQ(tool.tool_arguments, R"({"order_id":"A-1001"})");
  EXPECT_EQ(tool.tool_result, R"({"status":"shipped"})");

  auto retriever = normalize_span(
      span_with({kv("openinference.span.kind", "RETRIEVER"),
                 kv("retrieval.documents.0.document.id", "kb-12"),
                 kv("retrieval.documents.0.document.score", 0.91),
                 kv("retrieval.documents.0.document.content", "Refunds take 5 days."),
                 kv("retrieval.documents.0.document.metadata", R"({"source":"help-centre"})"),
                 kv("retrieval.documents.1.document.id", "kb-3")}),
      kResource, inventory());
  EXPECT_EQ(retriever.kind, model::SpanKind::kRetrieval);
  ASSERT_EQ(retriever.documents.size(), 2u);
  EXPECT_EQ(retriever.documents[0].id, "kb-12");
  EXPECT_EQ(retriever.documents[0].score, 0.91);
  EXPECT_EQ(retriever.documents[0].source, "help-centre");
  EXPECT_EQ(retriever.documents[1].id, "kb-3");
}

TEST(Normalize, AiirAttributesCarryBusinessContextAndWin) {
  auto span = span_with({kv("aiir.kind", "write"), kv("aiir.workflow", "crm-enrichment"),
                         kv("aiir.account.id", "acct-9"), kv("aiir.record.id", "contact-5"),
                         kv("aiir.prompt.version", "v12"), kv("aiir.write.target", "crm.contact"),
                         kv("aiir.write.record_id", "contact-5"), kv("aiir.write.action", "update"),
                         kv("gen_ai.tool.name", "update_crm_record")});
  model::AiSpan s = normalize_span(span, kResource, inventory());
  EXPECT_EQ(s.kind, model::SpanKind::kWrite);
  EXPECT_EQ(s.workflow, "crm-enrichment");  // the span's own attribute wins over service.name
  EXPECT_FALSE(s.registered);               // not in this inventory
  EXPECT_EQ(s.account_id, "acct-9");
  EXPECT_EQ(s.record_id, "contact-5");
  EXPECT_EQ(s.prompt_version, "v12");
  EXPECT_EQ(s.write_target, "crm.contact");
  EXPECT_EQ(s.write_action, "update");
  EXPECT_EQ(s.tool_name, "update_crm_record");
  EXPECT_EQ(attribute(s, "aiir.workflow"), "<absent>");
}

TEST(Normalize, ReviewSpanAndUnknownService) {
  auto span = span_with({kv("aiir.review.decision", "rejected"), kv("aiir.review.reviewer", "agent-4")});
  model::AiSpan s = normalize_span(span, {kv("service.name", "mystery")}, inventory());
  EXPECT_EQ(s.kind, model::SpanKind::kReview);
  EXPECT_EQ(s.review_decision, "rejected");
  EXPECT_EQ(s.reviewer, "agent-4");
  EXPECT_EQ(s.workflow, "");
  EXPECT_FALSE(s.registered);
  EXPECT_EQ(s.service_name, "mystery");
}

TEST(Normalize, PlainSpanIsOtherAndKeepsEverything) {
  auto span = span_with({kv("http.method", "GET"), kv("http.status_code", std::int64_t{200})});
  span.status_code = OtlpStatusCode::kError;
  span.status_message = "timeout";
  model::AiSpan s = normalize_span(span, kResource, inventory());
  EXPECT_EQ(s.kind, model::SpanKind::kOther);
  EXPECT_EQ(s.status, model::SpanStatus::kError);
  EXPECT_EQ(s.status_message, "timeout");
  EXPECT_EQ(attribute(s, "http.method"), "\"GET\"");
  EXPECT_EQ(attribute(s, "http.status_code"), "200");
}

TEST(Normalize, UnusableIdsAreNamed) {
  OtlpSpan s = span_with({});
  EXPECT_FALSE(unusable_reason(s));
  s.trace_id = "abc";
  EXPECT_NE(unusable_reason(s)->find("traceId"), std::string::npos);
  s.trace_id = std::string(32, '0');
  EXPECT_TRUE(unusable_reason(s));
  s = span_with({});
  s.span_id = "zzzzzzzzzzzzzzzz";
  EXPECT_NE(unusable_reason(s)->find("spanId"), std::string::npos);
}

}  // namespace
}  // namespace aiir::ingest
