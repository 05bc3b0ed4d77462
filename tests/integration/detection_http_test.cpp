// Detection on the real binary: spans exported over OTLP become signals exactly once (also across
// SIGKILL), people and Alertmanager report signals, retro-hunts find what happened before a
// detector existed, and a broken detector file is refused on reload while detection goes on.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <csignal>
#include <optional>
#include <set>
#include <sstream>

#include "core/clock.h"
#include "server_fixture.h"

namespace aiir {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using testing::kDeadline;
using testing::span_id;
using testing::text;
using testing::trace_id;

// Three detectors over the support-refunds agent's issue_refund calls: big-refund (the
// fixture's) and these two.
constexpr const char* kOtherDetectors = R"(
  - id: refund-burst
    description: Three or more refunds for one account within an hour
    category: excessive_agency
    impact: high
    scope: {workflows: [support-refunds]}
    group_by: [account_id]
    match:
      all:
        - {field: kind, equals: tool}
        - {field: tool.name, equals: issue_refund}
    rate: {at_least: 3, within: 1h}
  - id: duplicate-refund
    description: The same order refunded twice within ten minutes
    category: tool_misuse
    impact: high
    scope: {workflows: [support-refunds]}
    group_by: [account_id]
    match:
      all:
        - {field: kind, equals: tool}
        - {field: tool.name, equals: issue_refund}
    duplicate: {key: [tool.arguments.order_id], within: 10m}
)";

std::string detectors_file(bool with_big_refund) {
  return std::string("detectors:") + (with_big_refund ? testing::kBigRefundDetector : "") +
         kOtherDetectors;
}

core::UnixNanos now() { return core::SystemClock().now(); }

class DetectionHttpTest : public testing::ServerTest {
 protected:
  void SetUp() override {
    testing::write_file(dir_.file("config/detectors/test.yaml"), detectors_file(true));
    ServerTest::SetUp();
  }

  void export_calls(const std::vector<testing::ToolCall>& calls) {
    auto r = send(ingest_, "POST", "/v1/traces", testing::otlp_export(calls));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.body, "{}");
  }

  json::array signals(const std::string& query) {
    auto page = get_json("/v1/signals?" + query);
    return page.contains("signals") ? page["signals"].as_array() : json::array{};
  }

  // Waits until `query` lists exactly `count` signals (or the deadline passes) and returns them.
  json::array signals_when(const std::string& query, std::size_t count) {
    json::array found;
    testing::eventually(
        [&] {
          found = signals(query);
          return found.size() == count;
        },
        kDeadline);
    return found;
  }

  // The value of one sample of /metrics (`series` with its labels), if present.
  std::optional<double> metric(const std::string& series) {
    auto r = send(viewer_, "GET", "/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    std::istringstream lines(r.body);
    for (std::string line; std::getline(lines, line);) {
      if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
          line[series.size()] == ' ') {
        return std::stod(line.substr(series.size() + 1));
      }
    }
    return std::nullopt;
  }

  // Waits until live detection of this process has judged `spans` spans in all.
  bool judged(double spans) {
    return testing::eventually(
        [&] { return metric("aiir_detection_spans_total").value_or(-1) >= spans; }, kDeadline);
  }

  json::object detector(const std::string& id) {
    auto list = get_json("/v1/detectors");
    for (const auto& d : list["detectors"].as_array()) {
      if (d.as_object().at("id").as_string() == id) return d.as_object();
    }
    ADD_FAILURE() << "GET /v1/detectors does not list " << id;
    return {};
  }

  cli::ClientResponse reload() { return send(admin_, "POST", "/v1/admin/reload"); }
};

TEST_F(DetectionHttpTest, LiveSpansBecomeSignals) {
  export_calls({{trace_id(1), span_id(1), "acct-1", "A-1001", 900},
                {trace_id(2), span_id(2), "acct-2", "A-1002", 40},
                {trace_id(3), span_id(3), "acct-3", "A-1003", 500}});

  auto found = signals_when("detector=big-refund", 1);
  ASSERT_EQ(found.size(), 1u) << json::serialize(found) << server_->stderr_text();
  const auto& s = found[0].as_object();
  EXPECT_EQ(text(s, "id").rfind("sig-", 0), 0u) << text(s, "id");
  EXPECT_EQ(text(s, "detector"), "big-refund");
  EXPECT_EQ(text(s, "source"), "detector");
  EXPECT_EQ(text(s, "workflow"), "support-refunds");
  EXPECT_EQ(text(s, "category"), "excessive_agency");
  EXPECT_EQ(text(s, "owasp"), "LLM06:2025");  // the category's default
  EXPECT_EQ(text(s, "impact"), "critical");
  EXPECT_EQ(text(s, "summary"), "A refund above 500");
  EXPECT_EQ(text(s, "trace_id"), trace_id(1));
  EXPECT_EQ(text(s, "span_id"), span_id(1));
  EXPECT_EQ(text(s, "account_id"), "acct-1");
  EXPECT_EQ(s.at("group").as_object().at("account_id").as_string(), "acct-1");
  EXPECT_FALSE(s.at("resolved").as_bool());
  const auto& fields = s.at("observed").as_object().at("fields").as_object();
  EXPECT_EQ(fields.at("tool.arguments.amount").to_number<double>(), 900);
  EXPECT_EQ(fields.at("tool.name").as_string(), "issue_refund");

  // The same signal by id and by trace.
  auto by_id = get_json("/v1/signals/" + text(s, "id"));
  EXPECT_EQ(text(by_id, "span_id"), span_id(1));
  EXPECT_EQ(signals("trace_id=" + trace_id(1)).size(), 1u);
  EXPECT_TRUE(signals("trace_id=" + trace_id(2)).empty()) << "a refund of 40 is no big refund";
  EXPECT_TRUE(signals("trace_id=" + trace_id(3)).empty()) << "500 is not above 500";

  ASSERT_TRUE(judged(3));
  auto big = detector("big-refund");
  EXPECT_EQ(big["evaluations"].to_number<double>(), 3);
  EXPECT_EQ(big["signals"].to_number<double>(), 1);
  EXPECT_EQ(big["matches"].to_number<double>(), 1);
  EXPECT_EQ(metric(R"(aiir_detector_signals_total{detector="big-refund"})"), 1);
  EXPECT_EQ(metric(R"(aiir_detector_evaluations_total{detector="big-refund"})"), 3);
  EXPECT_EQ(metric(R"(aiir_detector_signals_total{detector="refund-burst"})"), 0);
  EXPECT_EQ(signals("").size(), 1u)
      << "three different accounts and orders: no burst, no duplicate";
}

TEST_F(DetectionHttpTest, ExactlyOnceAcrossRestart) {
  export_calls({{trace_id(11), span_id(11), "acct-7", "A-2001", 600},
                {trace_id(12), span_id(12), "acct-7", "A-2002", 700}});
  ASSERT_EQ(signals_when("detector=big-refund", 2).size(), 2u) << server_->stderr_text();
  ASSERT_TRUE(judged(2));
  EXPECT_TRUE(signals("detector=refund-burst").empty()) << "two refunds are no burst of three";

  server_->signal(SIGKILL);
  ASSERT_TRUE(server_->wait(10s).has_value());
  start();
  ASSERT_FALSE(HasFatalFailure());

  // The third refund of the account within the hour: the window held two before the kill.
  export_calls({{trace_id(13), span_id(13), "acct-7", "A-2003", 800}});
  auto burst = signals_when("detector=refund-burst", 1);
  ASSERT_EQ(burst.size(), 1u) << "the rate window did not survive the restart\n"
                              << server_->stderr_text();
  EXPECT_EQ(text(burst[0], "span_id"), span_id(13));
  EXPECT_EQ(burst[0].as_object().at("group").as_object().at("account_id").as_string(), "acct-7");
  EXPECT_EQ(signals_when("detector=big-refund", 3).size(), 3u);

  // Export the same three spans again (an exporter's retry), then one new lookup as a marker:
  // once it is judged, the repeats would have been too.
  export_calls({{trace_id(11), span_id(11), "acct-7", "A-2001", 600},
                {trace_id(12), span_id(12), "acct-7", "A-2002", 700},
                {trace_id(13), span_id(13), "acct-7", "A-2003", 800}});
  export_calls({{trace_id(14), span_id(14), "acct-8", "A-2004", 0, "lookup_order"}});
  ASSERT_TRUE(judged(2)) << "the third refund and the marker";

  auto big = signals("detector=big-refund");
  ASSERT_EQ(big.size(), 3u) << json::serialize(big);
  std::set<std::string> spans;
  for (const auto& s : big) spans.insert(text(s, "span_id"));
  EXPECT_EQ(spans, (std::set<std::string>{span_id(11), span_id(12), span_id(13)}));
  EXPECT_EQ(signals("detector=refund-burst").size(), 1u);
  EXPECT_TRUE(signals("detector=duplicate-refund").empty())
      << "a re-exported span is the same refund, not a second one";
  EXPECT_EQ(signals("").size(), 4u);
  EXPECT_EQ(metric("aiir_detection_spans_total"), 2) << "repeated spans are not judged again";
}

TEST_F(DetectionHttpTest, ExternalSignals) {
  const std::string report =
      R"({"category":"misinformation","summary":"Customer says the assistant promised a full refund",)"
      R"("workflow":"support-refunds","trace_id":")" +
      trace_id(21) + R"(","labels":{"ticket":"T-4711"},"idempotency_key":"T-4711"})";
  auto created = send(ingest_, "POST", "/v1/signals", report);
  ASSERT_EQ(created.status, 201) << created.body;
  auto answer = json::parse(created.body).as_object();
  EXPECT_EQ(answer["stored"].to_number<double>(), 1);
  EXPECT_EQ(answer["duplicates"].to_number<double>(), 0);
  ASSERT_EQ(answer["signals"].as_array().size(), 1u);
  const auto& s = answer["signals"].as_array()[0];
  EXPECT_EQ(text(s, "source"), "api");
  EXPECT_EQ(text(s, "category"), "misinformation");
  EXPECT_EQ(text(s, "owasp"), "LLM09:2025");
  EXPECT_EQ(text(s, "summary"), "Customer says the assistant promised a full refund");
  EXPECT_EQ(text(s, "workflow"), "support-refunds");
  EXPECT_EQ(text(s, "trace_id"), trace_id(21));
  EXPECT_EQ(s.as_object().at("group").as_object().at("ticket").as_string(), "T-4711");
  EXPECT_EQ(text(get_json("/v1/signals/" + text(s, "id")), "summary"), text(s, "summary"));

  auto repeat = send(ingest_, "POST", "/v1/signals", report);
  ASSERT_EQ(repeat.status, 200) << repeat.body;
  EXPECT_EQ(json::parse(repeat.body).as_object()["stored"].to_number<double>(), 0);
  EXPECT_EQ(json::parse(repeat.body).as_object()["duplicates"].to_number<double>(), 1);
  EXPECT_EQ(signals("source=api").size(), 1u);

  auto bad = send(ingest_, "POST", "/v1/signals",
                  R"({"category":"rudeness","summary":"The bot was rude"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.content_type, "application/problem+json");
  const std::string detail = cli::problem_detail(bad);
  EXPECT_NE(detail.find("rudeness"), std::string::npos) << detail;
  for (const char* allowed : {"misinformation", "unsafe_output", "tool_misuse", "near_miss"}) {
    EXPECT_NE(detail.find(allowed), std::string::npos) << detail;
  }
  auto forbidden = send(viewer_, "POST", "/v1/signals", report);
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;

  // Alertmanager's webhook (version 4): one alert firing, one resolved.
  const std::string fired_at = core::format_rfc3339(now() - 300 * core::kNanosPerSecond);
  const std::string payload = R"({
    "version": "4",
    "groupKey": "{}/{team=\"ai-platform\"}:{}",
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "aiir",
    "groupLabels": {"team": "ai-platform"},
    "commonLabels": {"team": "ai-platform", "aiir_workflow": "support-refunds"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager.example.internal:9093",
    "alerts": [
      {"status": "firing",
       "labels": {"alertname": "RefundApiErrors", "aiir_workflow": "support-refunds",
                  "severity": "critical", "team": "ai-platform"},
       "annotations": {"summary": "issue_refund fails for 8% of calls"},
       "startsAt": ")" + fired_at +
                              R"(",
       "endsAt": "0001-01-01T00:00:00Z",
       "generatorURL": "http://prometheus.example.internal:9090/graph?g0.expr=refund_errors",
       "fingerprint": "5f0c2a6e9b4d7c31"},
      {"status": "resolved",
       "labels": {"alertname": "ModelLatencyHigh", "aiir_workflow": "support-refunds",
                  "severity": "warning", "team": "ai-platform"},
       "annotations": {"description": "p99 model latency above 8s"},
       "startsAt": ")" + core::format_rfc3339(now() - 1800 * core::kNanosPerSecond) +
                              R"(",
       "endsAt": ")" + core::format_rfc3339(now() - 60 * core::kNanosPerSecond) +
                              R"(",
       "generatorURL": "http://prometheus.example.internal:9090/graph?g0.expr=latency",
       "fingerprint": "a31b8e27d45c9f06"}
    ]})";
  auto delivered = send(ingest_, "POST", "/v1/signals/alertmanager", payload);
  ASSERT_EQ(delivered.status, 200) << delivered.body;
  EXPECT_EQ(json::parse(delivered.body).as_object()["stored"].to_number<double>(), 2);

  auto alerts = signals("source=alertmanager");
  ASSERT_EQ(alerts.size(), 2u) << json::serialize(alerts);
  for (const auto& a : alerts) {
    EXPECT_EQ(text(a, "source"), "alertmanager");
    EXPECT_EQ(text(a, "workflow"), "support-refunds");
    if (text(a, "detector") == "alertmanager:RefundApiErrors") {
      EXPECT_EQ(text(a, "impact"), "critical");
      EXPECT_FALSE(a.as_object().at("resolved").as_bool());
      EXPECT_EQ(text(a, "summary"), "issue_refund fails for 8% of calls");
    } else {
      EXPECT_EQ(text(a, "detector"), "alertmanager:ModelLatencyHigh");
      EXPECT_TRUE(a.as_object().at("resolved").as_bool());
    }
  }
  EXPECT_EQ(signals("workflow=support-refunds&source=alertmanager").size(), 2u);

  // Alertmanager repeats a notification every repeat_interval: nothing new.
  auto again = send(ingest_, "POST", "/v1/signals/alertmanager", payload);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body).as_object()["stored"].to_number<double>(), 0);
  EXPECT_EQ(json::parse(again.body).as_object()["duplicates"].to_number<double>(), 2);
  EXPECT_EQ(signals("source=alertmanager").size(), 2u);
  EXPECT_EQ(signals("").size(), 3u);
}

TEST_F(DetectionHttpTest, RetroHunt) {
  // The spans arrive while no big-refund detector exists.
  testing::write_file(dir_.file("config/detectors/test.yaml"), detectors_file(false));
  auto without = reload();
  ASSERT_EQ(without.status, 200) << without.body;
  export_calls({{trace_id(31), span_id(31), "acct-31", "A-3001", 1200},
                {trace_id(32), span_id(32), "acct-32", "A-3002", 30},
                {trace_id(33), span_id(33), "acct-33", "A-3003", 2500}});
  ASSERT_TRUE(judged(3));
  EXPECT_TRUE(signals("").empty());

  testing::write_file(dir_.file("config/detectors/test.yaml"), detectors_file(true));
  auto with = reload();
  ASSERT_EQ(with.status, 200) << with.body;
  EXPECT_TRUE(json::parse(with.body).as_object()["applied"].as_bool());

  const std::string range =
      R"({"from":")" + core::format_rfc3339(now() - 600 * core::kNanosPerSecond) + R"(","to":")" +
      core::format_rfc3339(now() + 60 * core::kNanosPerSecond) + "\"}";
  auto viewer_hunt = send(viewer_, "POST", "/v1/detectors/big-refund/hunt", range);
  EXPECT_EQ(viewer_hunt.status, 403) << viewer_hunt.body;
  auto started = send(responder_, "POST", "/v1/detectors/big-refund/hunt", range);
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string hunt = text(json::parse(started.body), "id");
  ASSERT_FALSE(hunt.empty()) << started.body;

  json::object status;
  ASSERT_TRUE(testing::eventually(
      [&] {
        status = get_json("/v1/hunts/" + hunt);
        return text(status, "state") != "running";
      },
      kDeadline))
      << json::serialize(status);
  EXPECT_EQ(text(status, "state"), "done") << json::serialize(status);
  EXPECT_EQ(status["signals"].to_number<double>(), 2);
  EXPECT_EQ(status["total_spans"].to_number<double>(), 3);
  EXPECT_EQ(status["progress"].to_number<double>(), 1);

  auto found = signals("hunt=" + hunt);
  ASSERT_EQ(found.size(), 2u) << json::serialize(found);
  std::set<std::string> spans;
  for (const auto& s : found) {
    spans.insert(text(s, "span_id"));
    EXPECT_EQ(text(s, "source"), "hunt");
    EXPECT_EQ(text(s, "hunt_id"), hunt);
    EXPECT_EQ(text(s, "detector"), "big-refund");
  }
  EXPECT_EQ(spans, (std::set<std::string>{span_id(31), span_id(33)}));
  EXPECT_EQ(signals("source=hunt").size(), 2u);

  // Live detection neither judged the old spans with the new detector nor lists the hunt's
  // findings; a new big refund is live.
  export_calls({{trace_id(34), span_id(34), "acct-34", "A-3004", 999}});
  auto live = signals_when("detector=big-refund", 1);
  ASSERT_EQ(live.size(), 1u) << json::serialize(live);
  EXPECT_EQ(text(live[0], "span_id"), span_id(34));
  EXPECT_EQ(text(live[0], "source"), "detector");
  EXPECT_EQ(signals("").size(), 1u);
}

TEST_F(DetectionHttpTest, ReloadRejectsABrokenDetectorFile) {
  testing::write_file(dir_.file("config/detectors/zz-broken.yaml"),
                      "detectors:\n"                                               // 1
                      "  - id: misspelt-field\n"                                   // 2
                      "    description: A field name with a typo\n"                // 3
                      "    category: tool_misuse\n"                                // 4
                      "    match: {field: tool.nme, equals: issue_refund}\n"       // 5
                      "  - id: broken-pattern\n"                                   // 6
                      "    description: A pattern RE2 cannot compile\n"            // 7
                      "    category: misinformation\n"                             // 8
                      "    match: {field: output.text, regex: 'refund (now'}\n");  // 9
  auto refused = reload();
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.content_type, "application/problem+json");
  auto body = json::parse(refused.body).as_object();
  EXPECT_FALSE(body["applied"].as_bool());
  std::string errors;
  for (const auto& e : body["errors"].as_array()) errors += std::string(e.as_string()) + "\n";
  const auto has = [&](const std::string& a, const std::string& b) {
    std::istringstream lines(errors);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("zz-broken.yaml:5:", "tool.nme")) << errors;
  EXPECT_TRUE(has("zz-broken.yaml:9:", "refund (now")) << errors;

  // The running set is kept and keeps detecting.
  std::set<std::string> ids;
  auto list = get_json("/v1/detectors");
  for (const auto& d : list["detectors"].as_array()) ids.insert(text(d, "id"));
  EXPECT_EQ(ids, (std::set<std::string>{"big-refund", "refund-burst", "duplicate-refund"}));
  export_calls({{trace_id(41), span_id(41), "acct-41", "A-4001", 5000}});
  auto found = signals_when("detector=big-refund", 1);
  ASSERT_EQ(found.size(), 1u) << server_->stderr_text();
  EXPECT_EQ(text(found[0], "span_id"), span_id(41));
}

}  // namespace
}  // namespace aiir
