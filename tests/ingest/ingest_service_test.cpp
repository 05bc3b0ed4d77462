// The ingest path end to end below HTTP: bytes in either encoding → normalized, policy-applied
// spans committed in a real SQLite store, partial success for unusable spans, log content joined
// to its span, and refusal (not buffering) when the writer's queue is full.
#include "ingest/ingest_service.h"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <future>

#include "ingest/proto/trace.pb.h"
#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::ingest {
namespace {

constexpr const char* kTrace = "0af7651916cd43dd8448eb211c80319c";

std::string json_request(const std::string& spans) {
  return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support-refunds-agent"}}]},"scopeSpans":[{"scope":{"name":"test"},"spans":[)" +
         spans + "]}]}]}";
}

std::string json_span(const std::string& span_id, const std::string& extra_attributes = "") {
  return std::string(R"({"traceId":")") + kTrace + R"(","spanId":")" + span_id +
         R"(","name":"chat","kind":3,"startTimeUnixNano":"1763900000000000000","endTimeUnixNano":"1763900001000000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.input.messages","value":{"stringValue":"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"I am jane.doe@example.com, refund A-1001\"}]}]"}})" +
         extra_attributes + "]}";
}

class IngestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
    auto c = std::make_shared<config::Config>();
    model::Workflow w;
    w.id = "support-refunds";
    w.service_names = {"support-refunds-agent"};
    w.content_policy = model::ContentPolicy::kRedact;
    c->workflows.push_back(w);
    config_ = c;
    writer_ = std::make_unique<store::SpanWriter>(*store_, store::SpanWriterOptions{});
    service_ = std::make_unique<IngestService>([this] { return config_; }, *writer_);
  }

  core::Result<ExportResult> traces(const std::string& body, Encoding encoding) {
    std::promise<core::Result<ExportResult>> done;
    service_->export_traces(body, encoding, [&](core::Result<ExportResult> r) { done.set_value(r); });
    return done.get_future().get();
  }
  core::Result<ExportResult> logs(const std::string& body) {
    std::promise<core::Result<ExportResult>> done;
    service_->export_logs(body, Encoding::kJson, [&](core::Result<ExportResult> r) { done.set_value(r); });
    return done.get_future().get();
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const config::Config> config_;
  // The service is declared first so the writer stops (running its last callbacks into a live
  // service) before the service goes away.
  std::unique_ptr<IngestService> service_;
  std::unique_ptr<store::SpanWriter> writer_;
};

TEST_F(IngestServiceTest, JsonSpansAreStoredNormalizedAndRedactedBeforeTheAnswer) {
  auto r = traces(json_request(json_span("b7ad6b7169203331")), Encoding::kJson);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->rejected, 0);
  auto stored = store_->get_trace(kTrace);  // committed by the time we were answered
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  const auto& s = (*stored)[0];
  EXPECT_EQ(s.kind, model::SpanKind::kLlm);
  EXPECT_EQ(s.workflow, "support-refunds");
  EXPECT_EQ(s.content_policy, "redact");
  ASSERT_EQ(s.input_messages.size(), 1u);
  EXPECT_EQ(s.input_messages[0].content, "I am <EMAIL>, refund A-1001");
}

TEST_F(IngestServiceTest, ProtobufSpansAreStored) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  auto* span = request.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(std::string("\x0a\xf7\x65\x19\x16\xcd\x43\xdd\x84\x48\xeb\x21\x1c\x80\x31\x9c", 16));
  span->set_span_id(std::string("\xb7\xad\x6b\x71\x69\x20\x33\x31", 8));
  span->set_name("lookup_order");
  auto* attr = span->add_attributes();
  attr->set_key("gen_ai.tool.name");
  attr->mutable_value()->set_string_value("lookup_order");
  auto r = traces(request.SerializeAsString(), Encoding::kProtobuf);
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto stored = store_->get_trace(kTrace);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].tool_name, "lookup_order");
  EXPECT_EQ((*stored)[0].kind, model::SpanKind::kTool);
  EXPECT_FALSE((*stored)[0].registered);  // no service.name: not attributed
}

TEST_F(IngestServiceTest, UnusableSpansAreRejectedWithAReasonAndTheRestKept) {
  std::string bad = json_span("b7ad6b7169203331");
  bad.replace(bad.find(kTrace), 32, "not-a-trace-id");
  auto r = traces(json_request(json_span("00f067aa0ba902b7") + "," + bad), Encoding::kJson);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->rejected, 1);
  EXPECT_NE(r->message.find("traceId must be 16 bytes"), std::string::npos) << r->message;
  EXPECT_EQ(store_->get_trace(kTrace)->size(), 1u);
}

TEST_F(IngestServiceTest, RetriedExportIsStoredOnce) {
  std::string body = json_request(json_span("b7ad6b7169203331"));
  ASSERT_TRUE(traces(body, Encoding::kJson).ok());
  ASSERT_TRUE(traces(body, Encoding::kJson).ok());
  EXPECT_EQ(store_->get_trace(kTrace)->size(), 1u);
}

TEST_F(IngestServiceTest, MalformedBodyIsInvalidArgument) {
  auto r = traces("{\"resourceSpans\": [", Encoding::kJson);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(service_->counters().requests_malformed.load(), 1u);
}

TEST_F(IngestServiceTest, LogContentIsJoinedToItsSpanAndRedacted) {
  ASSERT_TRUE(traces(json_request(json_span("b7ad6b7169203331")), Encoding::kJson).ok());
  std::string body = std::string(R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support-refunds-agent"}}]},"scopeLogs":[{"logRecords":[)") +
                     R"({"eventName":"gen_ai.choice","traceId":")" + kTrace +
                     R"(","spanId":"b7ad6b7169203331","timeUnixNano":"5","body":{"kvlistValue":{"values":[{"key":"finish_reason","value":{"stringValue":"stop"}},{"key":"message","value":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"Refunded; receipt sent to jane.doe@example.com"}}]}}}]}}},)" +
                     R"({"severityText":"INFO","body":{"stringValue":"an ordinary log line"}}]}]}]})";
  auto r = logs(body);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->rejected, 1);  // the ordinary log line is not GenAI content
  EXPECT_NE(r->message.find("not GenAI message events"), std::string::npos);
  auto stored = store_->get_trace(kTrace);
  ASSERT_EQ(stored->size(), 1u);
  ASSERT_EQ((*stored)[0].output_messages.size(), 1u);
  EXPECT_EQ((*stored)[0].output_messages[0].content, "Refunded; receipt sent to <EMAIL>");
}

TEST_F(IngestServiceTest, LogContentKeepsEmissionOrderWhenRequestsRace) {
  // One OpenAI call's messages share a timestamp; only the observed time orders them. Here the
  // user message's request arrives before the system message's.
  auto record = [](const std::string& event, const std::string& observed, const std::string& text) {
    return std::string(R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support-refunds-agent"}}]},"scopeLogs":[{"logRecords":[{"attributes":[{"key":"event.name","value":{"stringValue":")") +
           event + R"("}}],"traceId":")" + kTrace +
           R"(","spanId":"b7ad6b7169203331","timeUnixNano":"1000","observedTimeUnixNano":")" +
           observed + R"(","body":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":")" +
           text + R"("}}]}}}]}]}]})";
  };
  ASSERT_TRUE(logs(record("gen_ai.user.message", "2000", "Refund A-1001")).ok());
  ASSERT_TRUE(logs(record("gen_ai.system.message", "1500", "You handle refunds.")).ok());
  ASSERT_TRUE(traces(json_request(json_span("b7ad6b7169203331")), Encoding::kJson).ok());
  auto stored = store_->get_trace(kTrace);
  ASSERT_EQ(stored->size(), 1u);
  const auto& in = (*stored)[0].input_messages;
  // The span's own gen_ai.input.messages come first, then the log content in emission order.
  ASSERT_GE(in.size(), 2u);
  EXPECT_EQ(in[in.size() - 2].role, "system");
  EXPECT_EQ(in[in.size() - 1].role, "user");
}

TEST_F(IngestServiceTest, RequestsBeyondTheMemoryBudgetAreRefusedWhileOthersAreInFlight) {
  service_ = nullptr;
  IngestOptions tiny;
  tiny.max_inflight_bytes = 1;  // one request at a time
  service_ = std::make_unique<IngestService>([this] { return config_; }, *writer_, tiny);
  // Another connection holds the database's write lock, so the first request stays in flight
  // (its commit waits for the lock) while the second arrives.
  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.file("aiir.db").c_str(), &blocker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::string body = json_request(json_span("b7ad6b7169203331"));
  std::promise<core::Result<ExportResult>> first;
  service_->export_traces(body, Encoding::kJson,
                          [&](core::Result<ExportResult> r) { first.set_value(r); });
  auto refused = traces(body, Encoding::kJson);
  sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(blocker);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kResourceExhausted);
  EXPECT_TRUE(first.get_future().get().ok());
  // Once the first has completed, the budget is free again.
  EXPECT_TRUE(traces(body, Encoding::kJson).ok());
}

TEST_F(IngestServiceTest, RefusesAtOnceWhenTheWriterCannotTakeMore) {
  // The writer's own tests fill its queue; here what matters is that a refusal reaches the caller
  // at once as a retryable error (the HTTP layer turns it into 429/503 with Retry-After).
  writer_->stop();
  auto r = traces(json_request(json_span("b7ad6b7169203331")), Encoding::kJson);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), core::Code::kUnavailable);
  EXPECT_EQ(service_->counters().requests_refused_busy.load(), 1u);
  EXPECT_TRUE(store_->get_trace(kTrace)->empty());
}

}  // namespace
}  // namespace aiir::ingest
