// OTLP/JSON requests as exporters send them (the OpenTelemetry JS exporter's shape in particular),
// decoded; and malformed or hostile bodies, refused with the JSON path of the problem.
#include "ingest/otlp_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace aiir::ingest {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// What an OpenTelemetry JS exporter (OTLPTraceExporter, http/json) sends for two services: times
// as strings of digits, intValue sometimes as a plain number, ids in whatever case the SDK chose.
constexpr std::string_view kJsExporterTraces = R"({
  "resourceSpans": [
    {
      "resource": {
        "attributes": [
          {"key": "service.name", "value": {"stringValue": "support-refunds-agent"}},
          {"key": "telemetry.sdk.language", "value": {"stringValue": "nodejs"}},
          {"key": "process.pid", "value": {"intValue": 4242}}
        ],
        "droppedAttributesCount": 0
      },
      "scopeSpans": [
        {
          "scope": {"name": "@opentelemetry/instrumentation-openai", "version": "0.21.0"},
          "spans": [
            {
              "traceId": "0AF7651916CD43DD8448EB211C80319C",
              "spanId": "B7AD6B7169203331",
              "name": "chat gpt-4o",
              "kind": 3,
              "startTimeUnixNano": "1763900000000000000",
              "endTimeUnixNano": "1763900001000000000",
              "attributes": [
                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": 120}},
                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "36"}},
                {"key": "gen_ai.response.finish_reasons",
                 "value": {"arrayValue": {"values": [{"stringValue": "stop"}]}}},
                {"key": "shop.order", "value": {"kvlistValue": {"values": [
                  {"key": "amount", "value": {"doubleValue": 25.5}},
                  {"key": "lines", "value": {"arrayValue": {"values": [
                    {"kvlistValue": {"values": [{"key": "sku", "value": {"stringValue": "A-1"}}]}}
                  ]}}}
                ]}}}
              ],
              "droppedAttributesCount": 0,
              "events": [
                {"timeUnixNano": "1763900000500000000", "name": "gen_ai.user.message",
                 "attributes": [{"key": "content", "value": {"stringValue": "refund order 7"}}],
                 "droppedAttributesCount": 0}
              ],
              "droppedEventsCount": 0,
              "status": {"code": 0},
              "links": [],
              "droppedLinksCount": 0
            },
            {
              "traceId": "0af7651916cd43dd8448eb211c80319c",
              "spanId": "00f067aa0ba902b7",
              "parentSpanId": "B7AD6B7169203331",
              "name": "tool refund",
              "kind": 1,
              "startTimeUnixNano": "1763900000200000000",
              "endTimeUnixNano": "1763900000300000000",
              "attributes": [],
              "events": [],
              "status": {"code": 2, "message": "refund limit exceeded"}
            }
          ]
        }
      ]
    },
    {
      "resource": {
        "attributes": [{"key": "service.name", "value": {"stringValue": "billing"}}]
      },
      "scopeSpans": [
        {
          "scope": {"name": "manual"},
          "spans": [
            {"traceId": "1", "spanId": "2", "name": "charge", "kind": 2,
             "startTimeUnixNano": 1763900000000000000, "endTimeUnixNano": "1763900000000000001",
             "status": {"code": 1}},
            {"traceId": "1", "spanId": "3", "name": "settle", "startTimeUnixNano": "5",
             "endTimeUnixNano": "6"}
          ]
        }
      ]
    }
  ]
})";

TraceBatch decode_traces_ok(std::string_view body) {
  auto batch = decode_traces_json(body);
  EXPECT_TRUE(batch.ok()) << (batch.ok() ? "" : batch.error().message());
  return batch.ok() ? std::move(batch).value() : TraceBatch{};
}

LogBatch decode_logs_ok(std::string_view body) {
  auto batch = decode_logs_json(body);
  EXPECT_TRUE(batch.ok()) << (batch.ok() ? "" : batch.error().message());
  return batch.ok() ? std::move(batch).value() : LogBatch{};
}

// The error message for a body that must be refused.
std::string traces_error(std::string_view body) {
  auto batch = decode_traces_json(body);
  EXPECT_FALSE(batch.ok()) << "decoded although it should not have: " << body.substr(0, 200);
  if (batch.ok()) return "";
  EXPECT_EQ(batch.error().code(), core::Code::kInvalidArgument);
  return batch.error().message();
}

std::string logs_error(std::string_view body) {
  auto batch = decode_logs_json(body);
  EXPECT_FALSE(batch.ok()) << "decoded although it should not have: " << body.substr(0, 200);
  if (batch.ok()) return "";
  EXPECT_EQ(batch.error().code(), core::Code::kInvalidArgument);
  return batch.error().message();
}

// A traces request holding the one span `span_json`.
std::string request_with_span(std::string_view span_json) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + std::string(span_json) + "]}]}]}";
}

// A logs request holding the one record `record_json`.
std::string request_with_record(std::string_view record_json) {
  return R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[)" + std::string(record_json) + "]}]}]}";
}

// A traces request holding one span with one attribute whose value is `value_json`.
std::string span_with_attribute(std::string_view value_json) {
  return request_with_span(R"({"name":"s","attributes":[{"key":"k","value":)" +
                           std::string(value_json) + "}]}");
}

// The value of that one attribute, decoded.
AnyValue attribute_value(std::string_view value_json) {
  TraceBatch batch = decode_traces_ok(span_with_attribute(value_json));
  if (batch.span_count() != 1) return {};
  const auto& attributes = batch.resource_spans[0].scope_spans[0].spans[0].attributes;
  EXPECT_EQ(attributes.size(), 1u);
  return attributes.empty() ? AnyValue{} : attributes[0].value;
}

// `levels` arrayValues, one inside the other, around a string.
std::string nested_arrays(int levels) {
  std::string json;
  for (int i = 0; i < levels; ++i) json += R"({"arrayValue":{"values":[)";
  json += R"({"stringValue":"deep"})";
  for (int i = 0; i < levels; ++i) json += "]}}";
  return json;
}

TEST(OtlpJson, JsExporterBatchDecodesEveryResourceScopeAndSpan) {
  TraceBatch batch = decode_traces_ok(kJsExporterTraces);
  ASSERT_EQ(batch.resource_spans.size(), 2u);
  EXPECT_EQ(batch.span_count(), 4u);

  const ResourceSpans& agent = batch.resource_spans[0];
  ASSERT_EQ(agent.resource.size(), 3u);
  EXPECT_EQ(agent.resource[0].key, "service.name");
  EXPECT_EQ(agent.resource[0].value.string_value, "support-refunds-agent");
  EXPECT_EQ(agent.resource[2].value.type, AnyValue::Type::kInt);
  EXPECT_EQ(agent.resource[2].value.int_value, 4242);
  ASSERT_EQ(agent.scope_spans.size(), 1u);
  EXPECT_EQ(agent.scope_spans[0].scope.name, "@opentelemetry/instrumentation-openai");
  EXPECT_EQ(agent.scope_spans[0].scope.version, "0.21.0");

  const OtlpSpan& chat = agent.scope_spans[0].spans[0];
  EXPECT_EQ(chat.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(chat.span_id, "b7ad6b7169203331");
  EXPECT_EQ(chat.parent_span_id, "");
  EXPECT_EQ(chat.name, "chat gpt-4o");
  EXPECT_EQ(chat.kind, 3);
  EXPECT_EQ(chat.start_time, 1'763'900'000'000'000'000);
  EXPECT_EQ(chat.end_time, 1'763'900'001'000'000'000);
  EXPECT_EQ(chat.status_code, OtlpStatusCode::kUnset);
  ASSERT_EQ(chat.attributes.size(), 5u);
  EXPECT_EQ(chat.attributes[1].value.type, AnyValue::Type::kInt);
  EXPECT_EQ(chat.attributes[1].value.int_value, 120);
  EXPECT_EQ(chat.attributes[2].value.type, AnyValue::Type::kInt);
  EXPECT_EQ(chat.attributes[2].value.int_value, 36);
  EXPECT_EQ(to_json_text(chat.attributes[3].value), R"(["stop"])");
  EXPECT_EQ(to_json_text(chat.attributes[4].value), R"({"amount":25.5,"lines":[{"sku":"A-1"}]})");
  ASSERT_EQ(chat.events.size(), 1u);
  EXPECT_EQ(chat.events[0].name, "gen_ai.user.message");
  EXPECT_EQ(chat.events[0].time, 1'763'900'000'500'000'000);
  ASSERT_EQ(chat.events[0].attributes.size(), 1u);
  EXPECT_EQ(chat.events[0].attributes[0].value.string_value, "refund order 7");

  const OtlpSpan& tool = agent.scope_spans[0].spans[1];
  EXPECT_EQ(tool.parent_span_id, "b7ad6b7169203331");
  EXPECT_EQ(tool.status_code, OtlpStatusCode::kError);
  EXPECT_EQ(tool.status_message, "refund limit exceeded");
  EXPECT_TRUE(tool.attributes.empty());

  const ResourceSpans& billing = batch.resource_spans[1];
  EXPECT_EQ(billing.resource[0].value.string_value, "billing");
  EXPECT_EQ(billing.scope_spans[0].scope.version, "");
  const OtlpSpan& charge = billing.scope_spans[0].spans[0];
  EXPECT_EQ(charge.start_time, 1'763'900'000'000'000'000);  // a JSON number, not a string
  EXPECT_EQ(charge.end_time, 1'763'900'000'000'000'001);
  EXPECT_EQ(charge.status_code, OtlpStatusCode::kOk);
  EXPECT_EQ(billing.scope_spans[0].spans[1].kind, 0);
}

TEST(OtlpJson, EveryAnyValueTypeDecodes) {
  AnyValue s = attribute_value(R"({"stringValue":"caf\u00e9 \"q\""})");
  EXPECT_EQ(s.type, AnyValue::Type::kString);
  EXPECT_EQ(s.string_value, "caf\xc3\xa9 \"q\"");

  AnyValue b = attribute_value(R"({"boolValue":true})");
  EXPECT_EQ(b.type, AnyValue::Type::kBool);
  EXPECT_TRUE(b.bool_value);

  EXPECT_EQ(attribute_value(R"({"intValue":-42})").int_value, -42);
  EXPECT_EQ(attribute_value(R"({"intValue":"-9223372036854775808"})").int_value, INT64_MIN);
  EXPECT_EQ(attribute_value(R"({"intValue":"9223372036854775807"})").int_value, INT64_MAX);

  AnyValue d = attribute_value(R"({"doubleValue":0.25})");
  EXPECT_EQ(d.type, AnyValue::Type::kDouble);
  EXPECT_EQ(d.double_value, 0.25);
  EXPECT_EQ(attribute_value(R"({"doubleValue":3})").double_value, 3.0);
  EXPECT_EQ(attribute_value(R"({"doubleValue":"1.5"})").double_value, 1.5);
  EXPECT_TRUE(std::isnan(attribute_value(R"({"doubleValue":"NaN"})").double_value));
  EXPECT_EQ(attribute_value(R"({"doubleValue":"Infinity"})").double_value, INFINITY);
  EXPECT_EQ(attribute_value(R"({"doubleValue":"-Infinity"})").double_value, -INFINITY);

  AnyValue bytes = attribute_value(R"({"bytesValue":"AP8QIA=="})");
  EXPECT_EQ(bytes.type, AnyValue::Type::kBytes);
  EXPECT_EQ(bytes.string_value, std::string("\x00\xff\x10\x20", 4));
  EXPECT_EQ(attribute_value(R"({"bytesValue":"aGk"})").string_value, "hi");  // unpadded
  EXPECT_EQ(attribute_value(R"({"bytesValue":"-_8"})").string_value, "\xfb\xff");  // URL-safe
  EXPECT_EQ(attribute_value(R"({"bytesValue":""})").string_value, "");

  AnyValue array = attribute_value(
      R"({"arrayValue":{"values":[{"intValue":"1"},{"boolValue":false},{},{"arrayValue":{}}]}})");
  EXPECT_EQ(array.type, AnyValue::Type::kArray);
  ASSERT_EQ(array.array_value.size(), 4u);
  EXPECT_EQ(array.array_value[0].int_value, 1);
  EXPECT_EQ(array.array_value[1].type, AnyValue::Type::kBool);
  EXPECT_EQ(array.array_value[2].type, AnyValue::Type::kEmpty);
  EXPECT_EQ(array.array_value[3].type, AnyValue::Type::kArray);
  EXPECT_TRUE(array.array_value[3].array_value.empty());

  AnyValue kvlist = attribute_value(R"({"kvlistValue":{"values":[
      {"key":"user","value":{"kvlistValue":{"values":[
        {"key":"id","value":{"intValue":7}},
        {"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"vip"}]}}}]}}},
      {"key":"none"}]}})");
  EXPECT_EQ(kvlist.type, AnyValue::Type::kKvList);
  ASSERT_EQ(kvlist.kvlist_value.size(), 2u);
  EXPECT_EQ(kvlist.kvlist_value[1].key, "none");
  EXPECT_EQ(kvlist.kvlist_value[1].value.type, AnyValue::Type::kEmpty);
  EXPECT_EQ(to_json_text(kvlist), R"({"user":{"id":7,"tags":["vip"]},"none":null})");

  EXPECT_EQ(attribute_value("{}").type, AnyValue::Type::kEmpty);
  EXPECT_EQ(attribute_value("null").type, AnyValue::Type::kEmpty);
}

TEST(OtlpJson, AnyValueWithNullMemberIsTheOtherMember) {
  // proto3 JSON reads null as "not set", so it does not count as a second value.
  AnyValue v = attribute_value(R"({"stringValue":null,"intValue":"3"})");
  EXPECT_EQ(v.type, AnyValue::Type::kInt);
  EXPECT_EQ(v.int_value, 3);
}

TEST(OtlpJson, LogsDecodeWithStringAndKvlistBodiesAndIds) {
  LogBatch batch = decode_logs_ok(R"({"resourceLogs":[{
    "resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"support-refunds-agent"}}]},
    "scopeLogs":[{"scope":{"name":"gen_ai","version":"1"},"logRecords":[
      {"timeUnixNano":"1763900000000000000","observedTimeUnixNano":1763900000000000007,
       "severityNumber":9,"severityText":"INFO","body":{"stringValue":"refund issued"},
       "attributes":[{"key":"order","value":{"intValue":7}}],
       "traceId":"0AF7651916CD43DD8448EB211C80319C","spanId":"B7AD6B7169203331",
       "flags":1,"droppedAttributesCount":0},
      {"eventName":"gen_ai.choice","severityNumber":"17",
       "body":{"kvlistValue":{"values":[{"key":"message","value":{"kvlistValue":{"values":[
         {"key":"role","value":{"stringValue":"assistant"}}]}}}]}}}
    ]}]}]})");
  ASSERT_EQ(batch.resource_logs.size(), 1u);
  EXPECT_EQ(batch.record_count(), 2u);
  const ResourceLogs& resource = batch.resource_logs[0];
  EXPECT_EQ(resource.resource[0].value.string_value, "support-refunds-agent");
  EXPECT_EQ(resource.scope_logs[0].scope.name, "gen_ai");
  EXPECT_EQ(resource.scope_logs[0].scope.version, "1");

  const OtlpLogRecord& issued = resource.scope_logs[0].log_records[0];
  EXPECT_EQ(issued.time, 1'763'900'000'000'000'000);
  EXPECT_EQ(issued.observed_time, 1'763'900'000'000'000'007);
  EXPECT_EQ(issued.severity_number, 9);
  EXPECT_EQ(issued.severity_text, "INFO");
  EXPECT_EQ(issued.body.type, AnyValue::Type::kString);
  EXPECT_EQ(issued.body.string_value, "refund issued");
  EXPECT_EQ(issued.attributes[0].value.int_value, 7);
  EXPECT_EQ(issued.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(issued.span_id, "b7ad6b7169203331");

  const OtlpLogRecord& choice = resource.scope_logs[0].log_records[1];
  EXPECT_EQ(choice.event_name, "gen_ai.choice");
  EXPECT_EQ(choice.severity_number, 17);
  EXPECT_EQ(choice.trace_id, "");
  EXPECT_EQ(to_json_text(choice.body), R"({"message":{"role":"assistant"}})");
}

TEST(OtlpJson, ProtoSnakeCaseNamesAreAccepted) {
  TraceBatch traces = decode_traces_ok(R"({"resource_spans":[{"scope_spans":[{"spans":[{
    "trace_id":"AA","span_id":"BB","parent_span_id":"CC","start_time_unix_nano":"10",
    "end_time_unix_nano":"20","events":[{"time_unix_nano":"15","name":"e"}],
    "attributes":[{"key":"k","value":{"string_value":"v"}},{"key":"n","value":{"int_value":"1"}},
      {"key":"b","value":{"bool_value":true}},{"key":"d","value":{"double_value":1.5}},
      {"key":"x","value":{"bytes_value":"AQ=="}},
      {"key":"a","value":{"array_value":{"values":[{"kvlist_value":{"values":[]}}]}}}]}]}]}]})");
  ASSERT_EQ(traces.span_count(), 1u);
  const OtlpSpan& span = traces.resource_spans[0].scope_spans[0].spans[0];
  EXPECT_EQ(span.trace_id, "aa");
  EXPECT_EQ(span.span_id, "bb");
  EXPECT_EQ(span.parent_span_id, "cc");
  EXPECT_EQ(span.start_time, 10);
  EXPECT_EQ(span.end_time, 20);
  EXPECT_EQ(span.events[0].time, 15);
  ASSERT_EQ(span.attributes.size(), 6u);
  EXPECT_EQ(to_json_text(span.attributes[0].value), R"("v")");
  EXPECT_EQ(span.attributes[1].value.int_value, 1);
  EXPECT_TRUE(span.attributes[2].value.bool_value);
  EXPECT_EQ(span.attributes[3].value.double_value, 1.5);
  EXPECT_EQ(span.attributes[4].value.string_value, "\x01");
  EXPECT_EQ(to_json_text(span.attributes[5].value), "[{}]");

  LogBatch logs = decode_logs_ok(R"({"resource_logs":[{"scope_logs":[{"log_records":[{
    "time_unix_nano":"1","observed_time_unix_nano":"2","severity_number":5,
    "severity_text":"DEBUG","trace_id":"AB","span_id":"CD","event_name":"ev"}]}]}]})");
  ASSERT_EQ(logs.record_count(), 1u);
  const OtlpLogRecord& record = logs.resource_logs[0].scope_logs[0].log_records[0];
  EXPECT_EQ(record.time, 1);
  EXPECT_EQ(record.observed_time, 2);
  EXPECT_EQ(record.severity_number, 5);
  EXPECT_EQ(record.severity_text, "DEBUG");
  EXPECT_EQ(record.trace_id, "ab");
  EXPECT_EQ(record.span_id, "cd");
  EXPECT_EQ(record.event_name, "ev");
}

TEST(OtlpJson, EnumsMayBeNumbersNumericStringsOrProtoNames) {
  TraceBatch batch = decode_traces_ok(R"({"resourceSpans":[{"scopeSpans":[{"spans":[
    {"kind":"4","status":{"code":"2"}},
    {"kind":"SPAN_KIND_CONSUMER","status":{"code":"STATUS_CODE_OK"}},
    {"kind":9}]}]}]})");
  const auto& spans = batch.resource_spans[0].scope_spans[0].spans;
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].kind, 4);
  EXPECT_EQ(spans[0].status_code, OtlpStatusCode::kError);
  EXPECT_EQ(spans[1].kind, 5);
  EXPECT_EQ(spans[1].status_code, OtlpStatusCode::kOk);
  EXPECT_EQ(spans[2].kind, 9);  // a kind newer than this code is kept, not refused

  LogBatch logs = decode_logs_ok(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
    {"severityNumber":"SEVERITY_NUMBER_WARN3"},{"severityNumber":"SEVERITY_NUMBER_FATAL"},
    {"severityNumber":"SEVERITY_NUMBER_UNSPECIFIED"}]}]}]})");
  const auto& records = logs.resource_logs[0].scope_logs[0].log_records;
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].severity_number, 15);
  EXPECT_EQ(records[1].severity_number, 21);
  EXPECT_EQ(records[2].severity_number, 0);
}

TEST(OtlpJson, UnknownFieldsAreIgnoredWhereverTheyAppear) {
  TraceBatch batch = decode_traces_ok(R"({
    "future": {"deep": [[[{"x": [1, 2, {"y": null}]}]]]},
    "resourceSpans": [{
      "schemaUrl": "https://opentelemetry.io/schemas/1.26.0",
      "resource": {"attributes": [], "droppedAttributesCount": 3, "entityRefs": [{"type": "svc"}]},
      "scopeSpans": [{
        "schemaUrl": "",
        "scope": {"name": "n", "attributes": [{"key": "a", "value": {"stringValue": "b"}}],
                  "droppedAttributesCount": 0},
        "spans": [{
          "traceState": "rojo=00f067aa0ba902b7", "flags": 257,
          "links": [{"traceId": "AA", "spanId": "BB", "attributes": [], "flags": 0}],
          "droppedLinksCount": 1, "droppedEventsCount": 2,
          "name": "kept",
          "attributes": [{"key": "k", "value": {"stringValue": "v", "futureValue": {"a": [1]}},
                          "extra": true}],
          "events": [{"name": "e", "droppedAttributesCount": 0, "unknown": "x"}],
          "status": {"code": 1, "deprecatedCode": 0}
        }]
      }]
    }]
  })");
  ASSERT_EQ(batch.span_count(), 1u);
  const OtlpSpan& span = batch.resource_spans[0].scope_spans[0].spans[0];
  EXPECT_EQ(span.name, "kept");
  EXPECT_EQ(span.trace_id, "");  // the link's ids are not the span's
  EXPECT_EQ(span.attributes[0].value.string_value, "v");
  EXPECT_EQ(span.events[0].name, "e");
  EXPECT_EQ(span.status_code, OtlpStatusCode::kOk);
}

TEST(OtlpJson, EmptyObjectIsAnEmptyBatch) {
  EXPECT_EQ(decode_traces_ok("{}").resource_spans.size(), 0u);
  EXPECT_EQ(decode_logs_ok(" \n{ }\t").resource_logs.size(), 0u);
  EXPECT_EQ(decode_traces_ok(R"({"resourceSpans":null})").resource_spans.size(), 0u);
  EXPECT_EQ(decode_traces_ok(R"({"resourceSpans":[]})").resource_spans.size(), 0u);
  // A logs body sent to the traces endpoint has no resourceSpans: an empty batch, not an error.
  EXPECT_EQ(decode_traces_ok(R"({"resourceLogs":[{}]})").resource_spans.size(), 0u);
}

TEST(OtlpJson, EmptyOrAbsentIdsAreEmptyAndMalformedOnesAreKeptForTheCaller) {
  TraceBatch batch = decode_traces_ok(R"({"resourceSpans":[{"scopeSpans":[{"spans":[
    {"traceId":"","spanId":null},{"traceId":"not-hex!","spanId":"XYZ"}]}]}]})");
  const auto& spans = batch.resource_spans[0].scope_spans[0].spans;
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].trace_id, "");
  EXPECT_EQ(spans[0].span_id, "");
  EXPECT_EQ(spans[0].parent_span_id, "");
  EXPECT_EQ(spans[1].trace_id, "not-hex!");
  EXPECT_EQ(spans[1].span_id, "xyz");
}

TEST(OtlpJson, NotJsonIsRefused) {
  EXPECT_THAT(traces_error("this is not json"), HasSubstr("not valid JSON"));
  EXPECT_THAT(traces_error(""), HasSubstr("not valid JSON"));
  EXPECT_THAT(logs_error("\x0a\x0b\x12\x05"), HasSubstr("JSON"));
  EXPECT_THAT(traces_error("{\"resourceSpans\":[{\"x\":\"\xff\xfe\"}]}"), HasSubstr("UTF-8"));
}

TEST(OtlpJson, TopLevelMustBeAnObject) {
  EXPECT_EQ(traces_error(R"([{"resourceSpans":[]}])"),
            "the request body must be a JSON object (an ExportTraceServiceRequest)");
  EXPECT_EQ(logs_error("42"),
            "the request body must be a JSON object (an ExportLogsServiceRequest)");
  EXPECT_THAT(traces_error(R"("{}")"), HasSubstr("must be a JSON object"));
  EXPECT_THAT(traces_error("null"), HasSubstr("must be a JSON object"));
}

TEST(OtlpJson, BadTimeIsRefusedWithItsPath) {
  EXPECT_EQ(traces_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{},{},{},
              {"name":"x","startTimeUnixNano":"12x"}]}]}]})"),
            "resourceSpans[0].scopeSpans[0].spans[3].startTimeUnixNano: expected an integer or a "
            "string of digits");
  EXPECT_THAT(traces_error(request_with_span(R"({"endTimeUnixNano":-1})")),
              HasSubstr("spans[0].endTimeUnixNano: expected an integer"));
  EXPECT_THAT(traces_error(request_with_span(R"({"endTimeUnixNano":1.5})")),
              HasSubstr("spans[0].endTimeUnixNano: expected an integer"));
  EXPECT_THAT(traces_error(request_with_span(R"({"endTimeUnixNano":" 5"})")),
              HasSubstr("spans[0].endTimeUnixNano: expected an integer"));
  EXPECT_THAT(traces_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[
                {"events":[{"timeUnixNano":"18446744073709551616"}]}]}]}]})"),
              HasSubstr("spans[0].events[0].timeUnixNano: expected an integer"));
  EXPECT_THAT(logs_error(request_with_record(R"({"timeUnixNano":""})")),
              HasSubstr("logRecords[0].timeUnixNano: expected an integer or a string of digits"));
}

TEST(OtlpJson, WrongTypesAreRefusedWithTheirPath) {
  EXPECT_EQ(traces_error(request_with_span(R"({"traceId":12})")),
            "resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a string");
  EXPECT_EQ(traces_error(R"({"resourceSpans":{}})"), "resourceSpans: expected an array");
  EXPECT_EQ(traces_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":["span"]}]}]})"),
            "resourceSpans[0].scopeSpans[0].spans[0]: expected an object");
  EXPECT_EQ(traces_error(request_with_span(R"({"kind":"SERVER"})")),
            "resourceSpans[0].scopeSpans[0].spans[0].kind: expected an enum number");
  EXPECT_EQ(traces_error(request_with_span(R"({"kind":4294967298})")),
            "resourceSpans[0].scopeSpans[0].spans[0].kind: expected an enum number");
  EXPECT_EQ(logs_error(request_with_record(R"({"spanId":["ab"]})")),
            "resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected a string");
  EXPECT_EQ(traces_error(span_with_attribute(R"({"intValue":"1.5"})")),
            "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: expected an "
            "integer or a string of digits");
  EXPECT_EQ(traces_error(span_with_attribute(R"({"intValue":9223372036854775808})")),
            "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: expected an "
            "integer or a string of digits");
  EXPECT_THAT(traces_error(span_with_attribute(R"({"boolValue":"true"})")),
              HasSubstr("value.boolValue: expected true or false"));
  EXPECT_THAT(traces_error(span_with_attribute(R"({"doubleValue":"fast"})")),
              HasSubstr("value.doubleValue: expected a number"));
  EXPECT_THAT(traces_error(span_with_attribute(R"({"bytesValue":"not base64!"})")),
              HasSubstr("value.bytesValue: expected base64"));
  EXPECT_THAT(traces_error(span_with_attribute(R"({"stringValue":"a","intValue":1})")),
              HasSubstr("attributes[0].value.intValue: an AnyValue holds exactly one value"));
  EXPECT_THAT(traces_error(span_with_attribute(R"({"arrayValue":{"values":[{"intValue":true}]}})")),
              HasSubstr("attributes[0].value.arrayValue.values[0].intValue: expected an integer"));
  EXPECT_THAT(traces_error(span_with_attribute(R"({"kvlistValue":{"values":[{"key":1}]}})")),
              HasSubstr("attributes[0].value.kvlistValue.values[0].key: expected a string"));
  EXPECT_THAT(traces_error(span_with_attribute(R"("just a string")")),
              HasSubstr("attributes[0].value: expected an object"));
  EXPECT_THAT(traces_error(request_with_span(R"({"events":[{"attributes":{}}]})")),
              HasSubstr("spans[0].events[0].attributes: expected an array"));
  EXPECT_THAT(logs_error(request_with_record(R"({"body":{"stringValue":["x"]}})")),
              HasSubstr("logRecords[0].body.stringValue: expected a string"));
}

TEST(OtlpJson, NestingUpToThirtyTwoLevelsDecodes) {
  AnyValue value = attribute_value(nested_arrays(32));
  int levels = 0;
  const AnyValue* v = &value;
  while (v->type == AnyValue::Type::kArray && v->array_value.size() == 1) {
    ++levels;
    v = &v->array_value[0];
  }
  EXPECT_EQ(levels, 32);
  EXPECT_EQ(v->string_value, "deep");
}

TEST(OtlpJson, NestingDeeperThanThirtyTwoLevelsIsRefused) {
  std::string message = traces_error(span_with_attribute(nested_arrays(40)));
  EXPECT_THAT(message, StartsWith("resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value."
                                  "arrayValue.values[0].arrayValue.values[0]."));
  EXPECT_THAT(message, HasSubstr("nested more than 32 levels deep"));
  EXPECT_THAT(traces_error(span_with_attribute(nested_arrays(33))),
              HasSubstr("nested more than 32"));

  std::string kvlists;
  for (int i = 0; i < 40; ++i) kvlists += R"({"kvlistValue":{"values":[{"key":"k","value":)";
  kvlists += "{}";
  for (int i = 0; i < 40; ++i) kvlists += "}]}}";
  EXPECT_THAT(logs_error(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":)" + kvlists +
                         "}]}]}]}"),
              HasSubstr("nested more than 32"));
}

TEST(OtlpJson, HostileDepthInIgnoredFieldsNeitherCrashesNorHangs) {
  // Unknown fields are skipped, not decoded, so their depth costs no stack; simdjson may still
  // refuse the body past its own depth limit. Either answer is fine; surviving is the test.
  for (int depth : {100, 5000, 200000}) {
    std::string body = R"({"future":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
    (void)decode_traces_json(body);
    std::string open_only = R"({"future":)" + std::string(depth, '[');
    EXPECT_FALSE(decode_traces_json(open_only).ok());
  }
}

TEST(OtlpJson, TruncatedJsonIsRefused) {
  std::string full(kJsExporterTraces);
  for (std::size_t cut : {full.size() - 1, full.size() / 2, std::size_t{1}, std::size_t{20}}) {
    std::string message = traces_error(std::string_view(full).substr(0, cut));
    EXPECT_FALSE(message.empty()) << "cut at " << cut;
  }
  EXPECT_THAT(traces_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a"})"),
              HasSubstr("JSON"));
  EXPECT_FALSE(decode_logs_json(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"string)")
                   .ok());
}

TEST(OtlpJson, EveryPrefixOfAValidBodyIsRefused) {
  std::string full(kJsExporterTraces);
  ASSERT_EQ(full.back(), '}');
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    EXPECT_FALSE(decode_traces_json(full.substr(0, cut)).ok()) << "cut at " << cut;
  }
}

TEST(OtlpJson, ContentAfterTheObjectIsRefused) {
  EXPECT_THAT(traces_error("{} {}"), HasSubstr("after the JSON object"));
  EXPECT_THAT(logs_error(R"({"resourceLogs":[]}])"), HasSubstr("JSON"));
}

TEST(OtlpJson, TenThousandSpansDecode) {
  std::string body = R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name",)"
                     R"("value":{"stringValue":"load"}}]},"scopeSpans":[{"spans":[)";
  constexpr int kSpans = 10'000;
  for (int i = 0; i < kSpans; ++i) {
    if (i > 0) body += ',';
    body += R"({"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":")" +
            std::to_string(1000 + i) + R"(","name":"op","kind":1,"startTimeUnixNano":")" +
            std::to_string(i) +
            R"(","endTimeUnixNano":)" + std::to_string(i + 1) +
            R"(,"attributes":[{"key":"i","value":{"intValue":)" + std::to_string(i) + "}}]}";
  }
  body += "]}]}]}";
  TraceBatch batch = decode_traces_ok(body);
  ASSERT_EQ(batch.span_count(), static_cast<std::size_t>(kSpans));
  const auto& spans = batch.resource_spans[0].scope_spans[0].spans;
  EXPECT_EQ(spans[9'999].span_id, "10999");
  EXPECT_EQ(spans[9'999].start_time, 9'999);
  EXPECT_EQ(spans[9'999].end_time, 10'000);
  EXPECT_EQ(spans[9'999].attributes[0].value.int_value, 9'999);
  EXPECT_EQ(spans[0].trace_id, "5b8efff798038103d269b633813fc60c");
}

TEST(OtlpJson, DecodesOnManyThreadsAtOnce) {
  // Each thread has its own parser; a shared one would corrupt documents under concurrency.
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 200; ++i) {
        auto batch = decode_traces_json(kJsExporterTraces);
        if (!batch.ok() || batch->span_count() != 4) ++failures[t];
        if (decode_logs_json("[1]").ok()) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(OtlpJson, BodyLargerThanTheRetainedParserDecodesAndSoDoesTheNext) {
  // Past 4 MiB the thread's parser gives its buffers back; the next request gets a fresh one.
  std::string big(6 * 1024 * 1024, 'x');
  TraceBatch batch = decode_traces_ok(span_with_attribute(R"({"stringValue":")" + big + "\"}"));
  ASSERT_EQ(batch.span_count(), 1u);
  EXPECT_EQ(batch.resource_spans[0].scope_spans[0].spans[0].attributes[0].value.string_value.size(),
            big.size());
  EXPECT_EQ(decode_traces_ok(kJsExporterTraces).span_count(), 4u);
}

TEST(OtlpJson, ErrorAfterAValidBodyDoesNotPoisonTheNextDecode) {
  EXPECT_FALSE(decode_traces_json(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":[)").ok());
  EXPECT_EQ(decode_traces_ok(kJsExporterTraces).span_count(), 4u);
}

}  // namespace
}  // namespace aiir::ingest
