// OTLP/protobuf requests built with the generated classes, as an SDK would send them, decoded.
#include "ingest/otlp_protobuf.h"

#include <gtest/gtest.h>

#include "ingest/proto/logs.pb.h"
#include "ingest/proto/trace.pb.h"

namespace aiir::ingest {
namespace {

namespace tr = opentelemetry::proto::collector::trace::v1;
namespace lg = opentelemetry::proto::collector::logs::v1;
namespace cm = opentelemetry::proto::common::v1;

std::string bytes_of_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

void add(google::protobuf::RepeatedPtrField<cm::KeyValue>* attrs, const std::string& key,
         const std::string& value) {
  auto* kv = attrs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

TEST(OtlpProtobuf, DecodesEveryFieldAiirReads) {
  tr::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  add(rs->mutable_resource()->mutable_attributes(), "service.name", "support-refunds-agent");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("@opentelemetry/instrumentation-openai");
  ss->mutable_scope()->set_version("0.21.0");
  auto* span = ss->add_spans();
  span->set_trace_id(bytes_of_hex("0af7651916cd43dd8448eb211c80319c"));
  span->set_span_id(bytes_of_hex("b7ad6b7169203331"));
  span->set_parent_span_id(bytes_of_hex("00f067aa0ba902b7"));
  span->set_name("chat gpt-4o");
  span->set_kind(3);
  span->set_start_time_unix_nano(1'763'900'000'000'000'000ULL);
  span->set_end_time_unix_nano(1'763'900'001'000'000'000ULL);
  add(span->mutable_attributes(), "gen_ai.request.model", "gpt-4o");
  auto* tokens = span->add_attributes();
  tokens->set_key("gen_ai.usage.input_tokens");
  tokens->mutable_value()->set_int_value(120);
  auto* reasons = span->add_attributes();
  reasons->set_key("gen_ai.response.finish_reasons");
  reasons->mutable_value()->mutable_array_value()->add_values()->set_string_value("stop");
  auto* nested = span->add_attributes();
  nested->set_key("shop.order");
  auto* inner = nested->mutable_value()->mutable_kvlist_value()->add_values();
  inner->set_key("amount");
  inner->mutable_value()->set_double_value(25.5);
  auto* event = span->add_events();
  event->set_name("gen_ai.user.message");
  event->set_time_unix_nano(5);
  add(event->mutable_attributes(), "content", "hi");
  span->mutable_status()->set_code(2);
  span->mutable_status()->set_message("rate limited");

  auto batch = decode_traces_protobuf(request.SerializeAsString());
  ASSERT_TRUE(batch.ok()) << batch.error().message();
  ASSERT_EQ(batch->span_count(), 1u);
  const auto& r = batch->resource_spans[0];
  ASSERT_EQ(r.resource.size(), 1u);
  EXPECT_EQ(r.resource[0].value.string_value, "support-refunds-agent");
  EXPECT_EQ(r.scope_spans[0].scope.name, "@opentelemetry/instrumentation-openai");
  const OtlpSpan& s = r.scope_spans[0].spans[0];
  EXPECT_EQ(s.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(s.span_id, "b7ad6b7169203331");
  EXPECT_EQ(s.parent_span_id, "00f067aa0ba902b7");
  EXPECT_EQ(s.kind, 3);
  EXPECT_EQ(s.start_time, 1'763'900'000'000'000'000LL);
  ASSERT_EQ(s.attributes.size(), 4u);
  EXPECT_EQ(s.attributes[1].value.type, AnyValue::Type::kInt);
  EXPECT_EQ(s.attributes[1].value.int_value, 120);
  EXPECT_EQ(to_json_text(s.attributes[2].value), R"(["stop"])");
  EXPECT_EQ(to_json_text(s.attributes[3].value), R"({"amount":25.5})");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "gen_ai.user.message");
  EXPECT_EQ(s.status_code, OtlpStatusCode::kError);
  EXPECT_EQ(s.status_message, "rate limited");
}

TEST(OtlpProtobuf, EmptyBodyIsAnEmptyRequest) {
  auto batch = decode_traces_protobuf("");
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->span_count(), 0u);
}

TEST(OtlpProtobuf, GarbageIsAClearError) {
  auto batch = decode_traces_protobuf(std::string("\xff\xff\xff\xff\x0f garbage", 14));
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(batch.error().message().find("ExportTraceServiceRequest"), std::string::npos);
}

// The length prefix of a protobuf field.
std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

TEST(OtlpProtobuf, MillionsOfEmptySpansAreRefusedBeforeTheyAreBuilt) {
  // Two bytes per empty span on the wire, a few hundred once decoded: a 1 MB body would become
  // gigabytes. It is refused by counting, not by running out of memory.
  std::string spans;
  for (std::size_t i = 0; i <= kMaxElementsPerRequest; ++i) spans += std::string("\x12\x00", 2);
  // ExportTraceServiceRequest{1: ResourceSpans{2: ScopeSpans{2: Span{} ...}}}
  std::string resource = "\x12" + varint(spans.size()) + spans;
  std::string request = "\x0a" + varint(resource.size()) + resource;
  auto batch = decode_traces_protobuf(request);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().code(), core::Code::kPayloadTooLarge);
  EXPECT_NE(batch.error().message().find("send smaller batches"), std::string::npos);

  // Just under the budget it decodes.
  std::string fewer = spans.substr(0, 2 * 1000);
  std::string small_resource = "\x12" + varint(fewer.size()) + fewer;
  auto ok = decode_traces_protobuf("\x0a" + varint(small_resource.size()) + small_resource);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->span_count(), 1000u);
}

TEST(OtlpProtobuf, DecodesLogRecords) {
  lg::ExportLogsServiceRequest request;
  auto* rl = request.add_resource_logs();
  add(rl->mutable_resource()->mutable_attributes(), "service.name", "support-refunds-agent");
  auto* record = rl->add_scope_logs()->add_log_records();
  record->set_event_name("gen_ai.user.message");
  record->set_trace_id(bytes_of_hex("0af7651916cd43dd8448eb211c80319c"));
  record->set_span_id(bytes_of_hex("b7ad6b7169203331"));
  record->set_time_unix_nano(7);
  auto* body = record->mutable_body()->mutable_kvlist_value()->add_values();
  body->set_key("content");
  body->mutable_value()->set_string_value("Where is my refund?");
  auto batch = decode_logs_protobuf(request.SerializeAsString());
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->record_count(), 1u);
  const auto& r = batch->resource_logs[0].scope_logs[0].log_records[0];
  EXPECT_EQ(r.event_name, "gen_ai.user.message");
  EXPECT_EQ(r.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(r.body.type, AnyValue::Type::kKvList);
  EXPECT_EQ(to_json_text(r.body), R"({"content":"Where is my refund?"})");
}

TEST(OtlpProtobuf, ResponseCarriesPartialSuccessOnlyWhenSomethingWasRejected) {
  tr::ExportTraceServiceResponse all_ok;
  ASSERT_TRUE(all_ok.ParseFromString(encode_trace_response_protobuf(0, "")));
  EXPECT_FALSE(all_ok.has_partial_success());
  tr::ExportTraceServiceResponse partial;
  ASSERT_TRUE(partial.ParseFromString(encode_trace_response_protobuf(2, "2 spans rejected")));
  EXPECT_EQ(partial.partial_success().rejected_spans(), 2);
  EXPECT_EQ(partial.partial_success().error_message(), "2 spans rejected");
}

}  // namespace
}  // namespace aiir::ingest
