// Reports sent to POST /v1/signals and Alertmanager webhook payloads, read into signals.
#include "detect/external_signal.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace aiir::detect {
namespace {

using model::Category;
using model::Impact;
using model::SignalSource;

constexpr core::UnixNanos kNow = 1'795'430'000'000'000'000;  // 2026-11-23T10:33:20Z
constexpr core::UnixNanos kFirstStart =
    1'795'428'930'123'456'789;  // 2026-11-23T10:15:30.123456789Z

std::string read_data(std::string_view name) {
  std::ifstream in(std::string(AIIR_SOURCE_DIR) + "/tests/detect/data/" + std::string(name),
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string report_error(std::string_view body) {
  auto r = signal_from_report(body, "zendesk-key", kNow);
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().code(), core::Code::kInvalidArgument);
  return r.error().message();
}

std::string alertmanager_error(std::string_view body) {
  auto r = signals_from_alertmanager(body, kNow);
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().code(), core::Code::kInvalidArgument);
  return r.error().message();
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// ---- reports ---------------------------------------------------------------------------------

TEST(SignalReport, MinimalReportTakesDefaultsFromTheKeyAndTheReceiveTime) {
  auto r = signal_from_report(
      R"({"category": "misinformation", "summary": "Bot promised a refund"})", "zendesk-key", kNow);
  ASSERT_TRUE(r) << r.error().message();
  const model::Signal& s = *r;
  EXPECT_EQ(s.seq, 0);
  EXPECT_EQ(s.source, SignalSource::kApi);
  EXPECT_EQ(s.detector, "zendesk-key");
  EXPECT_EQ(s.workflow, "");
  EXPECT_EQ(s.category, Category::kMisinformation);
  EXPECT_EQ(s.owasp, "LLM09:2025");
  EXPECT_EQ(s.impact, Impact::kMedium);
  EXPECT_EQ(s.summary, "Bot promised a refund");
  EXPECT_TRUE(s.group.empty());
  EXPECT_EQ(s.fingerprint, model::signal_fingerprint("zendesk-key", "", {}));
  EXPECT_EQ(s.event_time, kNow);
  EXPECT_EQ(s.detected_at, kNow);
  EXPECT_TRUE(s.observed.empty());
  EXPECT_FALSE(s.resolved);
  EXPECT_EQ(s.dedup_key, "");
}

TEST(SignalReport, FullReportFillsEveryField) {
  auto r = signal_from_report(R"({
    "workflow": "support-refunds",
    "category": "misinformation",
    "summary": "Customer says the bot promised a refund",
    "impact": "high",
    "source_name": "zendesk",
    "trace_id": "0AF7651916CD43DD8448EB211C80319C",
    "span_id": "B7AD6B7169203331",
    "user_id": "u-1",
    "session_id": "s-1",
    "account_id": "acct-9",
    "record_id": "order-77",
    "labels": {"ticket": "Z-123", "channel": "email"},
    "observed": {"quote": "you will get a full refund", "messages": [1, 2]},
    "time": "2026-11-23T11:15:30.123456789+01:00",
    "idempotency_key": "Z-123"
  })",
                              "zendesk-key", kNow);
  ASSERT_TRUE(r) << r.error().message();
  const model::Signal& s = *r;
  EXPECT_EQ(s.source, SignalSource::kApi);
  EXPECT_EQ(s.detector, "zendesk");
  EXPECT_EQ(s.workflow, "support-refunds");
  EXPECT_EQ(s.impact, Impact::kHigh);
  EXPECT_EQ(s.trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(s.span_id, "b7ad6b7169203331");
  EXPECT_EQ(s.user_id, "u-1");
  EXPECT_EQ(s.session_id, "s-1");
  EXPECT_EQ(s.account_id, "acct-9");
  EXPECT_EQ(s.record_id, "order-77");
  // Labels keep the order the reporter wrote them in.
  std::vector<std::pair<std::string, std::string>> group{{"ticket", "Z-123"}, {"channel", "email"}};
  EXPECT_EQ(s.group, group);
  EXPECT_EQ(s.fingerprint, model::signal_fingerprint("zendesk", "support-refunds", group));
  EXPECT_EQ(s.observed.at("quote").as_string(), "you will get a full refund");
  EXPECT_EQ(s.event_time, kFirstStart);
  EXPECT_EQ(s.detected_at, kNow);
  EXPECT_EQ(s.dedup_key, "api:zendesk-key:Z-123");
}

TEST(SignalReport, NullMembersCountAsAbsent) {
  auto r = signal_from_report(
      R"({"category": "bias", "summary": "s", "workflow": null, "labels": null, "time": null})",
      "k", kNow);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->workflow, "");
  EXPECT_EQ(r->event_time, kNow);
  EXPECT_EQ(r->owasp, "");
}

TEST(SignalReport, OwaspOverridesTheCategoryDefault) {
  auto r = signal_from_report(
      R"({"category": "policy_violation", "summary": "s", "owasp": "LLM07"})", "k", kNow);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->owasp, "LLM07:2025");
  EXPECT_TRUE(contains(report_error(R"({"category": "bias", "summary": "s", "owasp": "LLM11"})"),
                       "owasp:"));
}

TEST(SignalReport, RetriedReportWithTheSameIdempotencyKeyHasTheSameDedupKey) {
  std::string_view body =
      R"({"category": "bias", "summary": "Loan advice differs by name", "idempotency_key": "k-1"})";
  auto first = signal_from_report(body, "crm", kNow);
  auto retry = signal_from_report(body, "crm", kNow + core::kNanosPerSecond);
  auto other_reporter = signal_from_report(body, "survey", kNow);
  ASSERT_TRUE(first && retry && other_reporter);
  EXPECT_EQ(first->dedup_key, "api:crm:k-1");
  EXPECT_EQ(first->dedup_key, retry->dedup_key);
  // Keys are the reporter's own: two reporters may use the same one for different things.
  EXPECT_NE(first->dedup_key, other_reporter->dedup_key);
}

TEST(SignalReport, SameLabelsGiveTheSameFingerprint) {
  auto a = signal_from_report(
      R"({"category": "drift", "summary": "one", "workflow": "w", "labels": {"ticket": "Z-1"}})",
      "k", kNow);
  auto b = signal_from_report(
      R"({"category": "drift", "summary": "two", "workflow": "w", "labels": {"ticket": "Z-1"},
          "impact": "low"})",
      "k", kNow + 1);
  auto c = signal_from_report(
      R"({"category": "drift", "summary": "one", "workflow": "w", "labels": {"ticket": "Z-2"}})",
      "k", kNow);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->fingerprint, b->fingerprint);
  EXPECT_NE(a->fingerprint, c->fingerprint);
}

TEST(SignalReport, UnknownMemberIsRejectedWithASuggestion) {
  std::string error = report_error(R"({"category": "bias", "sumary": "s"})");
  EXPECT_TRUE(contains(error, "unknown member 'sumary'")) << error;
  EXPECT_TRUE(contains(error, "did you mean 'summary'")) << error;

  error = report_error(R"({"category": "bias", "summary": "s", "priority": "p1"})");
  EXPECT_TRUE(contains(error, "unknown member 'priority'")) << error;
  EXPECT_TRUE(contains(error, "idempotency_key")) << error;  // lists the members
}

TEST(SignalReport, UnknownCategoryListsTheAllowedOnes) {
  std::string error = report_error(R"({"category": "dataleak", "summary": "s"})");
  EXPECT_TRUE(contains(error, "category: unknown 'dataleak'; one of data_exposure, misinformation"))
      << error;
  EXPECT_TRUE(contains(error, "near_miss")) << error;
  error = report_error(R"({"summary": "s"})");
  EXPECT_TRUE(contains(error, "category: required")) << error;
  error = report_error(R"({"category": 3, "summary": "s"})");
  EXPECT_TRUE(contains(error, "category: expected a string, got a number")) << error;
}

TEST(SignalReport, UnknownImpactListsTheAllowedOnes) {
  std::string error = report_error(R"({"category": "bias", "summary": "s", "impact": "severe"})");
  EXPECT_TRUE(contains(error, "impact: unknown 'severe'; one of low, medium, high, critical"))
      << error;
}

TEST(SignalReport, BadTraceAndSpanIdsAreRejected) {
  std::string error =
      report_error(R"({"category": "bias", "summary": "s", "trace_id": "not-a-trace"})");
  EXPECT_TRUE(contains(error, "trace_id: 'not-a-trace' is not a trace id")) << error;
  error = report_error(
      R"({"category": "bias", "summary": "s", "trace_id": "00000000000000000000000000000000"})");
  EXPECT_TRUE(contains(error, "trace_id:")) << error;
  error = report_error(R"({"category": "bias", "summary": "s",
                           "trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad"})");
  EXPECT_TRUE(contains(error, "span_id: 'b7ad' is not a span id")) << error;
  error = report_error(R"({"category": "bias", "summary": "s", "span_id": "b7ad6b7169203331"})");
  EXPECT_TRUE(contains(error, "span_id: send trace_id too")) << error;
}

TEST(SignalReport, SummaryMustBeOneToAThousandCharacters) {
  EXPECT_TRUE(contains(report_error(R"({"category": "bias", "summary": ""})"), "summary: empty"));
  EXPECT_TRUE(
      contains(report_error(R"({"category": "bias", "summary": "  \n"})"), "summary: empty"));
  EXPECT_TRUE(contains(report_error(R"({"category": "bias"})"), "summary: required"));

  // 1000 characters pass even when they take more bytes; 1001 do not.
  std::string e_acute = "\xC3\xA9";
  std::string at_limit;
  for (int i = 0; i < 1000; ++i) at_limit += e_acute;
  auto ok =
      signal_from_report(R"({"category": "bias", "summary": ")" + at_limit + "\"}", "k", kNow);
  EXPECT_TRUE(ok) << ok.error().message();
  std::string error = report_error(R"({"category": "bias", "summary": ")" + at_limit + "x\"}");
  EXPECT_TRUE(contains(error, "summary: 1001 characters")) << error;
}

TEST(SignalReport, MembersOfTheWrongTypeAreRejected) {
  EXPECT_TRUE(contains(report_error(R"({"category": "bias", "summary": "s", "labels": ["a"]})"),
                       "labels: expected an object, got an array"));
  std::string error =
      report_error(R"({"category": "bias", "summary": "s", "labels": {"ticket": 123}})");
  EXPECT_TRUE(contains(error, "labels.ticket: expected a string, got a number")) << error;
  EXPECT_TRUE(contains(report_error(R"({"category": "bias", "summary": "s", "observed": "x"})"),
                       "observed: expected an object, got a string"));
  EXPECT_TRUE(contains(report_error(R"({"category": "bias", "summary": "s", "workflow": true})"),
                       "workflow: expected a string, got a boolean"));
  EXPECT_TRUE(contains(report_error(R"({"category": "bias", "summary": "s", "time": "yesterday"})"),
                       "time: 'yesterday' is not an RFC 3339 time"));
  EXPECT_TRUE(contains(
      report_error(R"({"category": "bias", "summary": "s", "time": "0001-01-01T00:00:00Z"})"),
      "time:"));
  EXPECT_TRUE(contains(report_error(R"({"category": "bias", "summary": "s", "source_name": ""})"),
                       "source_name: empty"));
  EXPECT_TRUE(
      contains(report_error(R"({"category": "bias", "summary": "s", "idempotency_key": ""})"),
               "idempotency_key: empty"));
}

TEST(SignalReport, BodyThatIsNotAnObjectIsRejected) {
  EXPECT_TRUE(contains(report_error(R"(["category", "bias"])"),
                       "the body must be a JSON object (a signal report), not an array"));
  EXPECT_TRUE(contains(report_error("\"bias\""), "not a string"));
}

TEST(SignalReport, InvalidJsonSaysWhere) {
  std::string error = report_error("{\n  \"category\": \"bias\",\n  \"summary\": x\n}");
  EXPECT_TRUE(contains(error, "the body is not valid JSON")) << error;
  EXPECT_TRUE(contains(error, "line 3, column 14 (byte 37)")) << error;

  error = report_error(R"({"category": "bias"} trailing)");
  EXPECT_TRUE(contains(error, "line 1, column 22 (byte 21)")) << error;

  std::string truncated = R"({"category": "bias", "summary": )";
  error = report_error(truncated);
  EXPECT_TRUE(contains(error, "(byte " + std::to_string(truncated.size()) + ")")) << error;

  EXPECT_TRUE(contains(report_error(""), "not valid JSON"));
}

// ---- Alertmanager ----------------------------------------------------------------------------

TEST(AlertmanagerSignals, FiringPayloadGivesOneSignalPerAlert) {
  auto r = signals_from_alertmanager(read_data("alertmanager_firing.json"), kNow);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 2u);

  const model::Signal& refunds = (*r)[0];
  EXPECT_EQ(refunds.source, SignalSource::kAlertmanager);
  EXPECT_EQ(refunds.detector, "alertmanager:HighRefundRate");
  EXPECT_EQ(refunds.workflow, "support-refunds");
  EXPECT_EQ(refunds.category, Category::kToolMisuse);
  EXPECT_EQ(refunds.owasp, "LLM06:2025");
  EXPECT_EQ(refunds.impact, Impact::kCritical);
  EXPECT_EQ(refunds.summary, "Refunds issued by the support agent are 6x the usual rate");
  std::vector<std::pair<std::string, std::string>> group{{"account_id", "acct-9"},
                                                         {"aiir_category", "tool_misuse"},
                                                         {"aiir_workflow", "support-refunds"},
                                                         {"severity", "critical"},
                                                         {"team", "ai-platform"}};
  EXPECT_EQ(refunds.group, group);
  EXPECT_EQ(refunds.fingerprint,
            model::signal_fingerprint("alertmanager:HighRefundRate", "support-refunds", group));
  EXPECT_EQ(refunds.account_id, "acct-9");
  EXPECT_EQ(refunds.user_id, "");
  EXPECT_EQ(refunds.event_time, kFirstStart);
  EXPECT_EQ(refunds.detected_at, kNow);
  EXPECT_FALSE(refunds.resolved);
  EXPECT_EQ(refunds.dedup_key, "am:5f0c2a6e9b4d7c31:2026-11-23T10:15:30.123456789Z:firing");
  EXPECT_EQ(refunds.observed.at("labels").as_object().at("alertname").as_string(),
            "HighRefundRate");
  EXPECT_TRUE(refunds.observed.at("annotations").as_object().contains("runbook_url"));
  EXPECT_EQ(refunds.observed.at("alertmanager_fingerprint").as_string(), "5f0c2a6e9b4d7c31");
  EXPECT_EQ(refunds.observed.at("external_url").as_string(),
            "http://alertmanager.example.internal:9093");
  EXPECT_TRUE(contains(std::string(refunds.observed.at("generator_url").as_string()),
                       "prometheus.example.internal"));
  EXPECT_FALSE(refunds.observed.contains("ends_at"));  // Go's zero time: still firing

  const model::Signal& latency = (*r)[1];
  EXPECT_EQ(latency.detector, "alertmanager:ModelLatencyHigh");
  EXPECT_EQ(latency.workflow, "knowledge-assistant");
  EXPECT_EQ(latency.category, Category::kAvailability);
  EXPECT_EQ(latency.owasp, "LLM10:2025");
  EXPECT_EQ(latency.impact, Impact::kMedium);
  EXPECT_EQ(latency.summary, "p99 model latency above 8s for 10 minutes");
  EXPECT_EQ(latency.event_time, 1'795'429'200 * core::kNanosPerSecond);  // 10:20:00Z
  EXPECT_EQ(latency.dedup_key, "am:a31b8e27d45c9f06:2026-11-23T11:20:00+01:00:firing");
}

TEST(AlertmanagerSignals, ResolvedAlertIsTheSameGroupButANewSignal) {
  auto firing = signals_from_alertmanager(read_data("alertmanager_firing.json"), kNow);
  auto resolved = signals_from_alertmanager(read_data("alertmanager_resolved.json"), kNow);
  ASSERT_TRUE(firing) << firing.error().message();
  ASSERT_TRUE(resolved) << resolved.error().message();
  ASSERT_EQ(resolved->size(), 1u);
  const model::Signal& s = (*resolved)[0];
  EXPECT_TRUE(s.resolved);
  EXPECT_EQ(s.event_time, kFirstStart);
  EXPECT_EQ(s.observed.at("ends_at").as_string(), "2026-11-23T10:42:00Z");
  // Same labels in another order: same fingerprint, so it lands in the same group.
  EXPECT_EQ(s.fingerprint, (*firing)[0].fingerprint);
  EXPECT_EQ(s.dedup_key, "am:5f0c2a6e9b4d7c31:2026-11-23T10:15:30.123456789Z:resolved");
  EXPECT_NE(s.dedup_key, (*firing)[0].dedup_key);
}

TEST(AlertmanagerSignals, RepeatedNotificationHasTheSameDedupKey) {
  std::string body = read_data("alertmanager_firing.json");
  auto first = signals_from_alertmanager(body, kNow);
  auto repeat = signals_from_alertmanager(body, kNow + 4 * 3600 * core::kNanosPerSecond);
  ASSERT_TRUE(first && repeat);
  EXPECT_EQ((*first)[0].dedup_key, (*repeat)[0].dedup_key);
  EXPECT_EQ((*first)[1].dedup_key, (*repeat)[1].dedup_key);
}

std::string one_alert(std::string_view labels, std::string_view extra = "") {
  return std::string(R"({"version": "4", "status": "firing", "alerts": [{"status": "firing",
      "startsAt": "2026-11-23T10:15:30Z", "labels": )") +
         std::string(labels) + std::string(extra) + "}]}";
}

TEST(AlertmanagerSignals, SeverityLabelSetsTheImpact) {
  struct Case {
    std::string_view severity;
    Impact impact;
  };
  for (const Case& c :
       {Case{"critical", Impact::kCritical}, Case{"CRITICAL", Impact::kCritical},
        Case{"error", Impact::kHigh}, Case{"high", Impact::kHigh}, Case{"page", Impact::kHigh},
        Case{"warning", Impact::kMedium}, Case{"warn", Impact::kMedium}, Case{"info", Impact::kLow},
        Case{"none", Impact::kLow}, Case{"low", Impact::kLow}, Case{"sev2", Impact::kMedium}}) {
    auto r = signals_from_alertmanager(
        one_alert(R"({"alertname": "A", "severity": ")" + std::string(c.severity) + "\"}"), kNow);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ((*r)[0].impact, c.impact) << c.severity;
  }
  auto r = signals_from_alertmanager(one_alert(R"({"alertname": "A"})"), kNow);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ((*r)[0].impact, Impact::kMedium);
}

TEST(AlertmanagerSignals, CategoryLabelIsUsedOnlyWhenValid) {
  auto category_of = [](std::string_view labels) {
    auto r = signals_from_alertmanager(one_alert(labels), kNow);
    EXPECT_TRUE(r) << r.error().message();
    return r ? (*r)[0].category : Category::kNearMiss;
  };
  EXPECT_EQ(category_of(R"({"alertname": "A", "category": "data_exposure"})"),
            Category::kDataExposure);
  EXPECT_EQ(category_of(R"({"alertname": "A", "aiir_category": "bias", "category": "drift"})"),
            Category::kBias);
  EXPECT_EQ(category_of(R"({"alertname": "A", "aiir_category": "oops", "category": "drift"})"),
            Category::kDrift);
  EXPECT_EQ(category_of(R"({"alertname": "A", "category": "infrastructure"})"),
            Category::kAvailability);
}

TEST(AlertmanagerSignals, AlertWithoutNameOrAnnotationsStillReads) {
  auto r = signals_from_alertmanager(one_alert(R"({"job": "gateway", "user_id": "u-7"})"), kNow);
  ASSERT_TRUE(r) << r.error().message();
  const model::Signal& s = (*r)[0];
  EXPECT_EQ(s.detector, "alertmanager");
  EXPECT_EQ(s.summary, "Alertmanager alert");
  EXPECT_EQ(s.user_id, "u-7");
  // Without Alertmanager's fingerprint the dedup key uses aiir's.
  EXPECT_EQ(s.dedup_key, "am:" + s.fingerprint + ":2026-11-23T10:15:30Z:firing");
}

TEST(AlertmanagerSignals, SummaryFallsBackToTheAlertName) {
  auto r = signals_from_alertmanager(
      one_alert(R"({"alertname": "DiskFull"})", R"(, "annotations": {"runbook": "x"})"), kNow);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ((*r)[0].summary, "DiskFull");
}

TEST(AlertmanagerSignals, EmptyAlertListGivesNoSignals) {
  auto r = signals_from_alertmanager(R"({"version": "4", "status": "firing", "alerts": []})", kNow);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->empty());
}

TEST(AlertmanagerSignals, MalformedPayloadsNameTheProblem) {
  std::string error = alertmanager_error(R"({"version": "3", "alerts": []})");
  EXPECT_TRUE(contains(error, "version: '3' is not supported")) << error;
  error = alertmanager_error(R"({"alerts": []})");
  EXPECT_TRUE(contains(error, "version: missing")) << error;
  error = alertmanager_error(R"({"version": "4"})");
  EXPECT_TRUE(contains(error, "alerts: missing")) << error;
  error = alertmanager_error(R"({"version": "4", "alerts": {}})");
  EXPECT_TRUE(contains(error, "alerts: expected an array")) << error;

  error = alertmanager_error(R"({"version": "4", "alerts": [
      {"status": "firing", "startsAt": "2026-11-23T10:15:30Z", "labels": {"alertname": "A"}},
      {"status": "firing", "startsAt": "2026-11-23T10:15:30Z"}]})");
  EXPECT_TRUE(contains(error, "alerts[1].labels: missing")) << error;

  error = alertmanager_error(one_alert(R"({"alertname": "A", "replicas": 3})"));
  EXPECT_TRUE(contains(error, "alerts[0].labels.replicas: expected a string")) << error;
  error = alertmanager_error(R"({"version": "4", "alerts": [
      {"status": "firing", "startsAt": "soon", "labels": {"alertname": "A"}}]})");
  EXPECT_TRUE(contains(error, "alerts[0].startsAt: 'soon' is not an RFC 3339 time")) << error;
  error = alertmanager_error(R"({"version": "4", "alerts": [
      {"status": "firing", "labels": {"alertname": "A"}}]})");
  EXPECT_TRUE(contains(error, "alerts[0].startsAt: missing")) << error;
  error = alertmanager_error(R"({"version": "4", "alerts": [
      {"status": "pending", "startsAt": "2026-11-23T10:15:30Z", "labels": {}}]})");
  EXPECT_TRUE(contains(error, "alerts[0].status: 'pending'")) << error;
  error = alertmanager_error(R"({"version": "4", "alerts": [7]})");
  EXPECT_TRUE(contains(error, "alerts[0]: expected an object, got a number")) << error;
  error = alertmanager_error("{\"version\": \"4\",");
  EXPECT_TRUE(contains(error, "not valid JSON")) << error;
}

TEST(AlertmanagerSignals, AlertStatusFallsBackToThePayloadStatus) {
  auto r = signals_from_alertmanager(R"({"version": "4", "status": "resolved", "alerts": [
      {"startsAt": "2026-11-23T10:15:30Z", "labels": {"alertname": "A"}}]})",
                                     kNow);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE((*r)[0].resolved);
}

}  // namespace
}  // namespace aiir::detect
