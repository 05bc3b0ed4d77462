// Signal names, OWASP ids, fingerprints and the API's JSON form.
#include "model/signal.h"

#include <gtest/gtest.h>

namespace aiir::model {
namespace {

TEST(Signal, EveryCategoryNameReadsBackAsItsCategory) {
  ASSERT_EQ(category_names().size(), 11u);
  for (const auto& [name, category] : category_names()) {
    EXPECT_EQ(to_string(category), name);
    EXPECT_EQ(parse_category(name), category) << name;
  }
  EXPECT_EQ(parse_category("data_exposure"), Category::kDataExposure);
  EXPECT_EQ(parse_category("near_miss"), Category::kNearMiss);
  EXPECT_FALSE(parse_category("dataleak"));
  EXPECT_FALSE(parse_category("Data_Exposure"));
  EXPECT_FALSE(parse_category(""));
}

TEST(Signal, EveryImpactAndSourceNameReadsBack) {
  ASSERT_EQ(impact_names().size(), 4u);
  for (const auto& [name, impact] : impact_names()) {
    EXPECT_EQ(to_string(impact), name);
    EXPECT_EQ(parse_impact(name), impact);
  }
  EXPECT_FALSE(parse_impact("severe"));
  for (SignalSource source : {SignalSource::kDetector, SignalSource::kHunt, SignalSource::kApi,
                              SignalSource::kAlertmanager}) {
    EXPECT_EQ(parse_signal_source(to_string(source)), source);
  }
  EXPECT_EQ(to_string(SignalSource::kAlertmanager), "alertmanager");
  EXPECT_FALSE(parse_signal_source("prometheus"));
}

TEST(Signal, DefaultOwaspIdsFollowTheCategory) {
  EXPECT_EQ(default_owasp_id(Category::kDataExposure), "LLM02:2025");
  EXPECT_EQ(default_owasp_id(Category::kMisinformation), "LLM09:2025");
  EXPECT_EQ(default_owasp_id(Category::kUnsafeOutput), "LLM05:2025");
  EXPECT_EQ(default_owasp_id(Category::kToolMisuse), "LLM06:2025");
  EXPECT_EQ(default_owasp_id(Category::kExcessiveAgency), "LLM06:2025");
  EXPECT_EQ(default_owasp_id(Category::kPromptInjection), "LLM01:2025");
  EXPECT_EQ(default_owasp_id(Category::kAvailability), "LLM10:2025");
  EXPECT_EQ(default_owasp_id(Category::kBias), "");
  EXPECT_EQ(default_owasp_id(Category::kDrift), "");
  EXPECT_EQ(default_owasp_id(Category::kPolicyViolation), "");
  EXPECT_EQ(default_owasp_id(Category::kNearMiss), "");
  for (const auto& [name, category] : category_names()) {
    std::string_view id = default_owasp_id(category);
    EXPECT_TRUE(id.empty() || valid_owasp_id(id)) << name;
  }
}

TEST(Signal, OwaspIdsAreLlm01ToLlm10WithAnOptionalYear) {
  for (std::string_view id : {"LLM01", "LLM09", "LLM10", "LLM01:2025", "LLM10:2025"}) {
    EXPECT_TRUE(valid_owasp_id(id)) << id;
  }
  for (std::string_view id : {"", "LLM", "LLM00", "LLM11", "LLM1", "LLM010", "llm01",
                              "LLM01:", "LLM01:2023", "LLM01:20255", "LLM01 ", "LLMA1", "LLM20"}) {
    EXPECT_FALSE(valid_owasp_id(id)) << id;
  }
}

TEST(Signal, FingerprintIsStableAndThirtyTwoHexCharacters) {
  std::vector<std::pair<std::string, std::string>> group{{"account_id", "acct-9"}};
  std::string a = signal_fingerprint("duplicate-refund", "support-refunds", group);
  EXPECT_EQ(a, signal_fingerprint("duplicate-refund", "support-refunds", group));
  ASSERT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a,
            signal_fingerprint("duplicate-refund", "support-refunds", {{"account_id", "acct-8"}}));
  EXPECT_NE(a, signal_fingerprint("duplicate-refund", "other", group));
  EXPECT_NE(a, signal_fingerprint("other", "support-refunds", group));
  EXPECT_NE(a, signal_fingerprint("duplicate-refund", "support-refunds", {}));
}

TEST(Signal, FingerprintPartsCannotCollideByConcatenation) {
  EXPECT_NE(signal_fingerprint("a", "bc", {}), signal_fingerprint("ab", "c", {}));
  EXPECT_NE(signal_fingerprint("d", "w", {{"k", "ab"}}),
            signal_fingerprint("d", "w", {{"ka", "b"}}));
  EXPECT_NE(signal_fingerprint("d", "", {{"w", "x"}}), signal_fingerprint("d", "w", {{"", "x"}}));
  EXPECT_NE(signal_fingerprint("d", "w", {{"a", "1"}, {"b", "2"}}),
            signal_fingerprint("d", "w", {{"a", "1b"}, {"", "2"}}));
  // A length prefix that looks like part of the text does not confuse it either.
  EXPECT_NE(signal_fingerprint("1:a", "", {}), signal_fingerprint("", "a", {}));
}

TEST(Signal, FingerprintDependsOnGroupOrder) {
  EXPECT_NE(signal_fingerprint("d", "w", {{"a", "1"}, {"b", "2"}}),
            signal_fingerprint("d", "w", {{"b", "2"}, {"a", "1"}}));
}

Signal full_signal() {
  Signal s;
  s.seq = 42;
  s.source = SignalSource::kAlertmanager;
  s.detector = "alertmanager:HighRefundRate";
  s.workflow = "support-refunds";
  s.category = Category::kToolMisuse;
  s.owasp = "LLM06:2025";
  s.impact = Impact::kCritical;
  s.summary = "Refunds per minute above the limit";
  s.group = {{"zone", "eu"}, {"account_id", "acct-9"}};  // not sorted: order must survive
  s.fingerprint = signal_fingerprint(s.detector, s.workflow, s.group);
  s.trace_id = "0af7651916cd43dd8448eb211c80319c";
  s.span_id = "b7ad6b7169203331";
  s.span_seq = 1234;
  s.user_id = "u-1";
  s.session_id = "s-1";
  s.account_id = "acct-9";
  s.record_id = "order-77";
  s.observed["count"] = 7;
  s.observed["window"] = "10m";
  s.event_time = 1'763'900'000'123'456'789;
  s.detected_at = 1'763'900'001'000'000'001;
  s.resolved = true;
  s.hunt_id = "hunt-3";
  s.dedup_key = "am:abc:2026-11-23T10:15:30Z:firing";
  return s;
}

TEST(Signal, JsonRoundTripKeepsEveryApiField) {
  Signal s = full_signal();
  boost::json::object o = to_json(s);
  EXPECT_EQ(o.at("id").as_string(), "sig-42");
  EXPECT_EQ(o.at("source").as_string(), "alertmanager");
  EXPECT_EQ(o.at("category").as_string(), "tool_misuse");
  EXPECT_EQ(o.at("impact").as_string(), "critical");
  EXPECT_EQ(o.at("event_time").as_string(), "2025-11-23T12:13:20.123456789Z");
  EXPECT_EQ(o.at("detected_at").as_string(), "2025-11-23T12:13:21.000000001Z");
  EXPECT_FALSE(o.contains("dedup_key"));
  // Group keeps its order in the JSON object too.
  const auto& group = o.at("group").as_object();
  ASSERT_EQ(group.size(), 2u);
  EXPECT_TRUE(group.begin()->key() == "zone");

  // Through text, as the API client sees it.
  boost::json::value parsed = boost::json::parse(boost::json::serialize(o));
  Signal back = signal_from_json(parsed.as_object());
  EXPECT_EQ(back.seq, s.seq);
  EXPECT_EQ(back.source, s.source);
  EXPECT_EQ(back.detector, s.detector);
  EXPECT_EQ(back.workflow, s.workflow);
  EXPECT_EQ(back.category, s.category);
  EXPECT_EQ(back.owasp, s.owasp);
  EXPECT_EQ(back.impact, s.impact);
  EXPECT_EQ(back.summary, s.summary);
  EXPECT_EQ(back.fingerprint, s.fingerprint);
  EXPECT_EQ(back.group, s.group);
  EXPECT_EQ(back.trace_id, s.trace_id);
  EXPECT_EQ(back.span_id, s.span_id);
  EXPECT_EQ(back.span_seq, s.span_seq);
  EXPECT_EQ(back.user_id, s.user_id);
  EXPECT_EQ(back.session_id, s.session_id);
  EXPECT_EQ(back.account_id, s.account_id);
  EXPECT_EQ(back.record_id, s.record_id);
  EXPECT_EQ(back.observed, s.observed);
  EXPECT_EQ(back.event_time, s.event_time);
  EXPECT_EQ(back.detected_at, s.detected_at);
  EXPECT_EQ(back.resolved, s.resolved);
  EXPECT_EQ(back.hunt_id, s.hunt_id);
  EXPECT_EQ(back.dedup_key, "");  // not part of the API form
}

TEST(Signal, JsonOmitsEmptyStringsAndZeroSpanSeq) {
  Signal s;
  s.seq = 1;
  s.category = Category::kDrift;
  s.event_time = 0;
  boost::json::object o = to_json(s);
  for (std::string_view key : {"workflow", "owasp", "summary", "trace_id", "span_id", "span_seq",
                               "user_id", "session_id", "account_id", "record_id", "hunt_id"}) {
    EXPECT_FALSE(o.contains(key)) << key;
  }
  EXPECT_EQ(o.at("event_time").as_string(), "1970-01-01T00:00:00.000000000Z");
  EXPECT_FALSE(o.at("resolved").as_bool());
  EXPECT_TRUE(o.at("group").as_object().empty());
  EXPECT_TRUE(o.at("observed").as_object().empty());
}

TEST(Signal, FromJsonIgnoresUnknownMembersAndWrongTypes) {
  boost::json::object o{{"seq", 5},           {"category", "bias"},
                        {"impact", "high"},   {"unknown", "x"},
                        {"summary", 3},       {"resolved", "yes"},
                        {"event_time", "no"}, {"group", {{"k", 1}, {"j", "v"}}}};
  Signal s = signal_from_json(o);
  EXPECT_EQ(s.seq, 5);
  EXPECT_EQ(s.category, Category::kBias);
  EXPECT_EQ(s.impact, Impact::kHigh);
  EXPECT_EQ(s.summary, "");
  EXPECT_FALSE(s.resolved);
  EXPECT_EQ(s.event_time, 0);
  ASSERT_EQ(s.group.size(), 1u);
  EXPECT_EQ(s.group[0].first, "j");
}

TEST(Signal, FromJsonReadsTheSeqFromTheIdWhenSeqIsMissing) {
  EXPECT_EQ(signal_from_json(boost::json::object{{"id", "sig-77"}}).seq, 77);
  EXPECT_EQ(signal_from_json(boost::json::object{{"id", "sig-x"}}).seq, 0);
}

TEST(Signal, FromJsonReadsTimesOutsideTheNanosecondRangeAsZero) {
  EXPECT_EQ(
      signal_from_json(boost::json::object{{"event_time", "0001-01-01T00:00:00Z"}}).event_time, 0);
  EXPECT_EQ(
      signal_from_json(boost::json::object{{"event_time", "9999-12-31T23:59:59Z"}}).event_time, 0);
}

TEST(Signal, FromJsonAcceptsTimesWithOffsets) {
  Signal s = signal_from_json(boost::json::object{{"event_time", "2025-11-23T13:13:20.5+01:00"}});
  EXPECT_EQ(s.event_time, 1'763'900'000'500'000'000);
}

}  // namespace
}  // namespace aiir::model
