#include "cli/demo_trace.h"

#include <boost/json.hpp>

namespace aiir::cli {
namespace {

namespace json = boost::json;

json::object attr(std::string_view key, std::string_view value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}
json::object attr(std::string_view key, std::int64_t value) {
  return {{"key", key}, {"value", {{"intValue", std::to_string(value)}}}};
}
json::object attr_double(std::string_view key, double value) {
  return {{"key", key}, {"value", {{"doubleValue", value}}}};
}

struct Step {
  std::string span_id;
  std::string parent;
  std::string name;
  std::int64_t offset_ms;
  std::int64_t duration_ms;
  json::array attributes;
};

json::object span(const std::string& trace_id, core::UnixNanos start, const Step& step) {
  core::UnixNanos begin = start + step.offset_ms * 1'000'000;
  return {{"traceId", trace_id},
          {"spanId", step.span_id},
          {"parentSpanId", step.parent},
          {"name", step.name},
          {"kind", 1},
          {"startTimeUnixNano", std::to_string(begin)},
          {"endTimeUnixNano", std::to_string(begin + step.duration_ms * 1'000'000)},
          {"attributes", step.attributes},
          {"status", {{"code", 1}}}};
}

std::string export_request(const std::string& trace_id, core::UnixNanos start,
                           const std::vector<Step>& steps) {
  json::array spans;
  for (const auto& step : steps) spans.push_back(span(trace_id, start, step));
  json::object request{
      {"resourceSpans",
       json::array{json::object{
           {"resource",
            {{"attributes", json::array{attr("service.name", "support-refunds-agent"),
                                        attr("deployment.environment", "demo")}}}},
           {"scopeSpans",
            json::array{json::object{{"scope", {{"name", "aiir-demo"}, {"version", "1"}}},
                                     {"spans", std::move(spans)}}}}}}}};
  return json::serialize(request);
}

}  // namespace

std::string simulated_refund_trace(const std::string& trace_id, core::UnixNanos start) {
  const std::string customer = "customer-4821";
  std::vector<Step> steps{
      {"a1a1a1a1a1a1a1a1", "", "invoke_agent support-refunds", 0, 2400,
       {attr("gen_ai.operation.name", "invoke_agent"), attr("gen_ai.agent.name", "refund-agent"),
        attr("user.id", customer), attr("session.id", "chat-77"),
        attr("aiir.account.id", "acct-1193"), attr("aiir.record.id", "order-A-1001"),
        attr("aiir.prompt.version", "v7")}},
      {"b2b2b2b2b2b2b2b2", "a1a1a1a1a1a1a1a1", "retrieval help-centre-articles", 20, 90,
       {attr("aiir.kind", "retrieval"), attr("aiir.index.version", "2026-11-01"),
        attr("aiir.retrieval.documents",
             R"([{"id":"kb-refund-policy","source":"help-centre","score":0.92,"content":"Orders can be refunded within 30 days."},)"
             R"({"id":"kb-shipping","source":"help-centre","score":0.71,"content":"Parcels ship within 2 days."}])")}},
      {"c3c3c3c3c3c3c3c3", "a1a1a1a1a1a1a1a1", "chat gpt-4o", 120, 900,
       {attr("gen_ai.operation.name", "chat"), attr("gen_ai.provider.name", "openai"),
        attr("gen_ai.request.model", "gpt-4o"), attr("gen_ai.response.model", "gpt-4o-2024-08-06"),
        attr_double("gen_ai.request.temperature", 0.2), attr("gen_ai.usage.input_tokens", 812),
        attr("gen_ai.usage.output_tokens", 64), attr("aiir.prompt.version", "v7"),
        attr("gen_ai.input.messages",
             R"([{"role":"system","parts":[{"type":"text","content":"You resolve refund requests under the refund policy."}]},)"
             R"({"role":"user","parts":[{"type":"text","content":"My order A-1001 arrived broken. Please refund it; my email is sam.lee@example.com."}]}])"),
        attr("gen_ai.output.messages",
             R"([{"role":"assistant","finish_reason":"tool_calls","parts":[{"type":"tool_call","id":"call_1","name":"lookup_order","arguments":{"order_id":"A-1001"}}]}])")}},
      {"d4d4d4d4d4d4d4d4", "a1a1a1a1a1a1a1a1", "execute_tool lookup_order", 1030, 60,
       {attr("gen_ai.operation.name", "execute_tool"), attr("gen_ai.tool.name", "lookup_order"),
        attr("gen_ai.tool.call.id", "call_1"),
        attr("gen_ai.tool.call.arguments", R"({"order_id":"A-1001"})"),
        attr("gen_ai.tool.call.result", R"({"order_id":"A-1001","amount":49.90,"paid":"card"})")}},
      {"e5e5e5e5e5e5e5e5", "a1a1a1a1a1a1a1a1", "review refund proposal", 1100, 1000,
       {attr("aiir.review.decision", "approved"), attr("aiir.review.reviewer", "agent-jo")}},
      {"f6f6f6f6f6f6f6f6", "a1a1a1a1a1a1a1a1", "execute_tool issue_refund", 2110, 200,
       {attr("gen_ai.operation.name", "execute_tool"), attr("gen_ai.tool.name", "issue_refund"),
        attr("gen_ai.tool.call.id", "call_2"),
        attr("gen_ai.tool.call.arguments", R"({"order_id":"A-1001","amount":49.90})"),
        attr("gen_ai.tool.call.result", R"({"refund_id":"rf-5521","status":"issued"})"),
        attr("user.id", customer), attr("aiir.account.id", "acct-1193"),
        attr("aiir.write.target", "payments.refund"), attr("aiir.write.record_id", "rf-5521"),
        attr("aiir.write.action", "pay")}},
  };
  return export_request(trace_id, start, steps);
}

std::string simulated_repeated_refund(const std::string& trace_id, core::UnixNanos start) {
  std::vector<Step> steps{
      {"a7a7a7a7a7a7a7a7", "", "invoke_agent support-refunds", 0, 1500,
       {attr("gen_ai.operation.name", "invoke_agent"), attr("gen_ai.agent.name", "refund-agent"),
        attr("user.id", "customer-4821"), attr("session.id", "chat-78"),
        attr("aiir.account.id", "acct-1193"), attr("aiir.record.id", "order-A-1001"),
        attr("aiir.prompt.version", "v7")}},
      {"b8b8b8b8b8b8b8b8", "a7a7a7a7a7a7a7a7", "chat gpt-4o", 30, 800,
       {attr("gen_ai.operation.name", "chat"), attr("gen_ai.provider.name", "openai"),
        attr("gen_ai.request.model", "gpt-4o"), attr("aiir.prompt.version", "v7"),
        attr("user.id", "customer-4821"), attr("aiir.account.id", "acct-1193"),
        attr("gen_ai.input.messages",
             R"([{"role":"user","parts":[{"type":"text","content":"Did my refund for A-1001 go through?"}]}])"),
        attr("gen_ai.output.messages",
             R"([{"role":"assistant","finish_reason":"stop","parts":[{"type":"text","content":"I have refunded order A-1001 to your card 4111 1111 1111 1111."}]}])")}},
      {"c9c9c9c9c9c9c9c9", "a7a7a7a7a7a7a7a7", "execute_tool issue_refund", 900, 200,
       {attr("gen_ai.operation.name", "execute_tool"), attr("gen_ai.tool.name", "issue_refund"),
        attr("gen_ai.tool.call.id", "call_9"),
        attr("gen_ai.tool.call.arguments", R"({"order_id":"A-1001","amount":49.90})"),
        attr("user.id", "customer-4821"), attr("aiir.account.id", "acct-1193"),
        attr("aiir.write.target", "payments.refund"), attr("aiir.write.record_id", "rf-5530"),
        attr("aiir.write.action", "pay")}},
  };
  return export_request(trace_id, start, steps);
}

}  // namespace aiir::cli
