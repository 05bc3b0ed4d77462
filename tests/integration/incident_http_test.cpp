// Incidents on the real binary: a span that fires a detector opens an incident (and a second one
// of the same group attaches to it), responders move it through its lifecycle and are refused
// what the lifecycle does not allow, every change lands on the timeline with who did it and why,
// a watcher's long-poll wakes up when something happens (and can start at the current end), and
// merge and split undo each other. The CLI reads the same routes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "server_fixture.h"

namespace aiir {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using testing::kDeadline;
using testing::span_id;
using testing::text;
using testing::trace_id;

// The policy support-refunds names, so that its incidents have a lead from the policy.
constexpr const char* kEscalation = R"(policies:
  support-ai-oncall:
    incident_lead: "pager:support-ai"
    security: "security-oncall@example.com"
)";

std::int64_t number(const json::value& v, std::string_view key) {
  if (!v.is_object()) return -1;
  const json::value* member = v.as_object().if_contains(key);
  return member != nullptr && member->is_number() ? member->to_number<std::int64_t>() : -1;
}

std::vector<std::string> strings(const json::value& v, std::string_view key) {
  std::vector<std::string> out;
  if (!v.is_object()) return out;
  const json::value* member = v.as_object().if_contains(key);
  if (member == nullptr || !member->is_array()) return out;
  for (const auto& item : member->as_array()) {
    out.push_back(item.is_string() ? std::string(item.as_string()) : json::serialize(item));
  }
  return out;
}

// The first event of `kind` in `events`, or null.
json::value event_of(const json::value& events, const std::string& kind) {
  if (!events.is_array()) return nullptr;
  for (const auto& e : events.as_array()) {
    if (text(e, "kind") == kind) return e;
  }
  return nullptr;
}

// One detector, the fixture's big refund: one incident per account.
class IncidentHttpTest : public testing::ServerTest {
 protected:
  void SetUp() override {
    testing::write_file(dir_.file("config/detectors/test.yaml"),
                        std::string("detectors:") + testing::kBigRefundDetector);
    testing::write_file(dir_.file("config/escalation.yaml"), kEscalation);
    ServerTest::SetUp();
  }

  // A responder's action; the parsed answer in `answer` (problem or success).
  int act(const std::string& incident, const std::string& action, const std::string& body,
          json::value* answer = nullptr, const std::string& key = "") {
    auto r = send(key.empty() ? responder_ : key, "POST",
                  "/v1/incidents/" + incident + "/" + action, body);
    if (answer != nullptr) {
      boost::system::error_code ec;
      *answer = json::parse(r.body, ec);
      if (ec) *answer = json::object{};
    }
    return r.status;
  }

  // A refund of `amount` for `account` in trace and span `n`.
  void export_refund(int n, const std::string& account, int amount = 900) {
    auto r = send(ingest_, "POST", "/v1/traces",
                  testing::otlp_export({{trace_id(n), span_id(n), account,
                                         "A-" + std::to_string(n), amount}}));
    ASSERT_EQ(r.status, 200) << r.body;
  }

  json::array incidents(const std::string& query = "") {
    auto page = get_json("/v1/incidents" + query);
    const auto* list = page.if_contains("incidents");
    return list != nullptr && list->is_array() ? list->as_array() : json::array{};
  }

  // Waits until `pred` holds for the incidents `query` lists; returns the last listing.
  template <typename Pred>
  json::array incidents_when(const std::string& query, Pred pred) {
    json::array found;
    testing::eventually(
        [&] {
          found = incidents(query);
          return pred(found);
        },
        kDeadline);
    return found;
  }

  // Exports a big refund for `account` and waits for the incident it opens; its id, or "".
  std::string open_incident(int n, const std::string& account) {
    const std::size_t before = incidents().size();
    export_refund(n, account);
    auto found = incidents_when("", [&](const json::array& a) { return a.size() == before + 1; });
    EXPECT_EQ(found.size(), before + 1) << "no incident opened\n" << server_->stderr_text();
    return found.size() == before + 1 ? text(found[0], "id") : "";  // newest first
  }

  json::value incident(const std::string& id) { return get_json("/v1/incidents/" + id); }

  json::value timeline(const std::string& id) {
    return get_json("/v1/incidents/" + id + "/timeline")["events"];
  }

  std::string key_id(const std::string& key) {
    auto r = send(key, "GET", "/v1/whoami");
    return text(json::parse(r.body), "key_id");
  }
};

TEST_F(IncidentHttpTest, ASpanThatFiresADetectorOpensAnIncidentAndTheNextOneAttaches) {
  export_refund(1, "acct-1");
  auto found = incidents_when("", [](const json::array& a) { return !a.empty(); });
  ASSERT_EQ(found.size(), 1u) << server_->stderr_text();
  const json::value first = found[0];
  const std::string id = text(first, "id");
  EXPECT_EQ(id.rfind("INC-", 0), 0u) << id;
  EXPECT_EQ(text(first, "workflow"), "support-refunds");
  EXPECT_EQ(text(first, "detector"), "big-refund");
  EXPECT_EQ(text(first, "state"), "open");
  EXPECT_FALSE(text(first, "severity").empty());
  EXPECT_FALSE(strings(first, "severity_reasons").empty()) << json::serialize(first);
  EXPECT_FALSE(text(first, "opened_at").empty());
  EXPECT_EQ(number(first, "signal_count"), 1);
  std::set<std::string> roles;
  for (const auto& r : first.as_object().at("roles").as_array()) roles.insert(text(r, "role"));
  EXPECT_TRUE(roles.count("incident_lead")) << json::serialize(first);

  // The same account again: the same group, so the same incident.
  export_refund(2, "acct-1");
  found = incidents_when("", [](const json::array& a) {
    return a.size() != 1 || number(a[0], "signal_count") == 2;
  });
  ASSERT_EQ(found.size(), 1u) << json::serialize(found);
  EXPECT_EQ(text(found[0], "id"), id);
  EXPECT_EQ(number(found[0], "signal_count"), 2);

  auto one = incident(id);
  EXPECT_EQ(text(one, "id"), id);
  EXPECT_TRUE(one.as_object().at("pages_people").is_bool());
  EXPECT_FALSE(event_of(one.as_object()["timeline"], "opened").is_null()) << json::serialize(one);
  EXPECT_FALSE(one.as_object().contains("timeline_truncated"));
  auto signals = get_json("/v1/incidents/" + id + "/signals")["signals"].as_array();
  ASSERT_EQ(signals.size(), 2u);
  std::set<std::string> spans;
  for (const auto& s : signals) spans.insert(text(s, "span_id"));
  EXPECT_EQ(spans, (std::set<std::string>{span_id(1), span_id(2)}));

  // Filters, and what an unknown value or id says.
  EXPECT_EQ(incidents("?state=open&workflow=support-refunds").size(), 1u);
  EXPECT_TRUE(incidents("?state=closed").empty());
  EXPECT_EQ(incidents("?severity=" + text(first, "severity")).size(), 1u);
  auto bad = send(viewer_, "GET", "/v1/incidents?state=done");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(cli::problem_detail(bad).find("acknowledged"), std::string::npos) << bad.body;
  for (const std::string missing : {"INC-999", "inc-1", "42"}) {
    auto r = send(viewer_, "GET", "/v1/incidents/" + missing);
    EXPECT_EQ(r.status, 404) << missing;
    EXPECT_NE(cli::problem_detail(r).find("look like INC-42"), std::string::npos) << r.body;
  }
}

TEST_F(IncidentHttpTest, TheLifecycleMovesForwardAndRefusesWhatItDoesNotAllow) {
  const std::string id = open_incident(1, "acct-1");
  ASSERT_FALSE(id.empty());

  json::value answer;
  ASSERT_EQ(act(id, "acknowledge", R"({"reason":"looking at the refunds"})", &answer), 200)
      << json::serialize(answer);
  const json::value& acked = answer.as_object()["incident"];
  EXPECT_EQ(text(acked, "state"), "acknowledged");
  EXPECT_FALSE(text(acked, "acknowledged_at").empty());
  EXPECT_FALSE(event_of(answer.as_object()["events"], "state_changed").is_null())
      << json::serialize(answer);

  ASSERT_EQ(act(id, "resolve", "", &answer), 200) << json::serialize(answer);
  EXPECT_EQ(text(answer.as_object()["incident"], "state"), "resolved");
  auto refused = send(responder_, "POST", "/v1/incidents/" + id + "/contain", "{}");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.content_type, "application/problem+json");
  EXPECT_FALSE(cli::problem_detail(refused).empty());
  EXPECT_EQ(strings(json::parse(refused.body), "allowed_states"),
            (std::vector<std::string>{"open", "closed"}))
      << refused.body;

  ASSERT_EQ(act(id, "close", R"({"reason":"refunds reversed"})", &answer), 200)
      << json::serialize(answer);
  EXPECT_EQ(act(id, "acknowledge", "{}", &answer), 409) << json::serialize(answer);
  EXPECT_TRUE(strings(answer, "allowed_states").empty()) << json::serialize(answer);
  EXPECT_EQ(text(incident(id), "state"), "closed");

  // Who may act, and what a malformed body says.
  EXPECT_EQ(act(id, "reopen", "{}", &answer, viewer_), 403);
  EXPECT_EQ(act(id, "notes", "{not json", &answer), 400);
  EXPECT_EQ(act(id, "acknowledge", R"({"reson":"typo"})", &answer), 400);
  EXPECT_NE(text(answer, "detail").find("reson"), std::string::npos) << json::serialize(answer);
  EXPECT_EQ(act("INC-999", "acknowledge", "{}", &answer), 404);
}

TEST_F(IncidentHttpTest, SeverityNeedsAReasonAndTheTimelineRecordsWhoAndWhy) {
  const std::string id = open_incident(1, "acct-1");
  ASSERT_FALSE(id.empty());
  const std::string from = text(incident(id), "severity");
  const std::string to = from == "low" ? "high" : "low";

  json::value answer;
  EXPECT_EQ(act(id, "severity", R"({"severity":")" + to + "\"}", &answer), 400);
  EXPECT_NE(text(answer, "detail").find("reason"), std::string::npos) << json::serialize(answer);
  EXPECT_EQ(act(id, "severity", R"({"severity":3,"reason":"x"})", &answer), 400);
  EXPECT_NE(text(answer, "detail").find("'severity' must be one of"), std::string::npos)
      << json::serialize(answer);
  EXPECT_EQ(text(incident(id), "severity"), from) << "a refused change changed nothing";

  ASSERT_EQ(act(id, "severity", R"({"severity":")" + to + R"(","reason":"only a test refund"})",
                &answer),
            200)
      << json::serialize(answer);
  EXPECT_EQ(text(answer.as_object()["incident"], "severity"), to);
  auto changed = event_of(timeline(id), "severity_changed");
  ASSERT_FALSE(changed.is_null()) << json::serialize(timeline(id));
  EXPECT_EQ(text(changed, "reason"), "only a test refund");

  ASSERT_EQ(act(id, "notes", R"({"text":"refund tool paused at 10:05"})", &answer), 200)
      << json::serialize(answer);
  auto note = event_of(timeline(id), "note");
  ASSERT_FALSE(note.is_null()) << json::serialize(timeline(id));
  EXPECT_NE(json::serialize(note).find("refund tool paused at 10:05"), std::string::npos)
      << json::serialize(note);
  const std::string responder_id = key_id(responder_);
  ASSERT_FALSE(responder_id.empty());
  EXPECT_NE(text(note, "actor").find(responder_id), std::string::npos) << json::serialize(note);
  EXPECT_EQ(act(id, "notes", R"({"text":""})", &answer), 400);
}

TEST_F(IncidentHttpTest, ALongPollReturnsAnEventThatHappensWhileItWaits) {
  const std::string id = open_incident(1, "acct-1");
  ASSERT_FALSE(id.empty());
  const std::int64_t end = number(get_json("/v1/timeline?limit=1000"), "next_after");
  ASSERT_GT(end, 0);

  // Nothing happens: the request waits about as long as asked and hands the position back.
  const auto quiet_start = std::chrono::steady_clock::now();
  auto quiet = get_json("/v1/timeline?wait=1&after=" + std::to_string(end));
  EXPECT_GE(std::chrono::steady_clock::now() - quiet_start, 900ms);
  EXPECT_TRUE(quiet["events"].as_array().empty()) << json::serialize(quiet);
  EXPECT_EQ(number(quiet, "next_after"), end);

  const auto started = std::chrono::steady_clock::now();
  auto waiting = std::async(std::launch::async, [&] {
    cli::HttpClient client(url_, viewer_);
    auto r = client.get("/v1/timeline?wait=10&after=" + std::to_string(end));
    return std::pair{r.ok() ? r->status : 0, r.ok() ? r->body : r.error().message()};
  });
  std::this_thread::sleep_for(500ms);  // the request is parked by now
  ASSERT_EQ(act(id, "notes", R"({"text":"while you were waiting"})"), 200);
  ASSERT_EQ(waiting.wait_for(kDeadline), std::future_status::ready);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  auto [status, body] = waiting.get();
  ASSERT_EQ(status, 200) << body;
  EXPECT_LT(elapsed, 5s) << "the note did not wake the waiting request";
  auto answer = json::parse(body);
  auto note = event_of(answer.as_object()["events"], "note");
  ASSERT_FALSE(note.is_null()) << body;
  EXPECT_EQ(text(note, "incident"), id);
  EXPECT_GT(number(answer, "next_after"), end);

  EXPECT_EQ(send(viewer_, "GET", "/v1/timeline?wait=61").status, 400);
  EXPECT_EQ(send(viewer_, "GET", "/v1/timeline?after=-1").status, 400);
}

TEST_F(IncidentHttpTest, AfterLatestStartsAtTheCurrentEndSoAWatcherSeesOnlyNewEvents) {
  const std::string id = open_incident(1, "acct-1");
  ASSERT_FALSE(id.empty());
  const std::int64_t end = number(get_json("/v1/timeline?limit=1000"), "next_after");
  ASSERT_GT(end, 0);

  // Without wait: nothing, and where the end is.
  auto at_end = get_json("/v1/timeline?after=latest");
  EXPECT_TRUE(at_end["events"].as_array().empty()) << json::serialize(at_end);
  EXPECT_EQ(number(at_end, "next_after"), end);

  // With wait: what happens from then on, none of the past.
  auto waiting = std::async(std::launch::async, [&] {
    cli::HttpClient client(url_, viewer_);
    auto r = client.get("/v1/timeline?wait=10&after=latest");
    return std::pair{r.ok() ? r->status : 0, r.ok() ? r->body : r.error().message()};
  });
  std::this_thread::sleep_for(500ms);  // the request is parked by now
  ASSERT_EQ(act(id, "notes", R"({"text":"only what happens now"})"), 200);
  ASSERT_EQ(waiting.wait_for(kDeadline), std::future_status::ready);
  auto [status, body] = waiting.get();
  ASSERT_EQ(status, 200) << body;
  auto answer = json::parse(body);
  const auto& events = answer.as_object().at("events").as_array();
  ASSERT_FALSE(events.empty()) << body;
  for (const auto& e : events) EXPECT_GT(number(e, "seq"), end) << body;
  EXPECT_FALSE(event_of(answer.as_object()["events"], "note").is_null()) << body;
  EXPECT_GT(number(answer, "next_after"), end);

  // A word other than latest is refused with what `after` takes.
  auto typo = send(viewer_, "GET", "/v1/timeline?after=last");
  EXPECT_EQ(typo.status, 400);
  EXPECT_NE(cli::problem_detail(typo).find("latest"), std::string::npos) << typo.body;
}

TEST_F(IncidentHttpTest, MergeAndSplitUndoEachOther) {
  const std::string a = open_incident(1, "acct-a");
  ASSERT_FALSE(a.empty());
  export_refund(2, "acct-a");
  ASSERT_TRUE(testing::eventually([&] { return number(incident(a), "signal_count") == 2; },
                                  kDeadline));
  const std::string b = open_incident(3, "acct-b");
  ASSERT_FALSE(b.empty());
  ASSERT_NE(a, b);

  json::value answer;
  EXPECT_EQ(act(a, "merge", R"({"incidents":["not-an-id"]})", &answer), 400);
  EXPECT_NE(text(answer, "detail").find("'incidents'"), std::string::npos)
      << json::serialize(answer);
  ASSERT_EQ(act(a, "merge", R"({"incidents":[")" + b + R"("],"reason":"one refund bug"})",
                &answer),
            200)
      << json::serialize(answer);
  const json::value& merged = answer.as_object()["incident"];
  EXPECT_EQ(text(merged, "id"), a);
  EXPECT_EQ(strings(merged, "merged_from"), std::vector<std::string>{b}) << json::serialize(merged);
  EXPECT_EQ(number(merged, "signal_count"), 3);
  EXPECT_EQ(text(incident(b), "merged_into"), a);
  EXPECT_EQ(act(b, "acknowledge", "{}", &answer), 409) << json::serialize(answer);
  EXPECT_EQ(text(answer, "merged_into"), a) << json::serialize(answer);

  // Take the merged incident out again.
  ASSERT_EQ(act(a, "split", R"({"incident":")" + b + R"(","reason":"two bugs after all"})",
                &answer),
            200)
      << json::serialize(answer);
  EXPECT_EQ(text(answer.as_object()["incident"], "id"), b);
  EXPECT_EQ(text(incident(b), "merged_into"), "");
  EXPECT_EQ(number(incident(a), "signal_count"), 2);

  // Move one of a's signals into a new incident.
  auto signals = get_json("/v1/incidents/" + a + "/signals")["signals"].as_array();
  ASSERT_EQ(signals.size(), 2u);
  const std::string moved = text(signals[0], "id");
  EXPECT_EQ(act(a, "split", R"({"signals":["sig-x"]})", &answer), 400);
  EXPECT_EQ(act(a, "split", R"({"reason":"neither"})", &answer), 400);
  ASSERT_EQ(act(a, "split", R"({"signals":[")" + moved + R"("],"title":"The second refund"})",
                &answer),
            200)
      << json::serialize(answer);
  const std::string c = text(answer.as_object()["incident"], "id");
  EXPECT_NE(c, a);
  EXPECT_NE(c, b);
  EXPECT_EQ(number(incident(c), "signal_count"), 1);
  EXPECT_EQ(text(incident(c), "title"), "The second refund");
  EXPECT_EQ(number(incident(a), "signal_count"), 1);
  auto in_c = get_json("/v1/incidents/" + c + "/signals")["signals"].as_array();
  ASSERT_EQ(in_c.size(), 1u);
  EXPECT_EQ(text(in_c[0], "id"), moved);
}

TEST_F(IncidentHttpTest, TheCliListsShowsAndActs) {
  const std::string id = open_incident(1, "acct-1");
  ASSERT_FALSE(id.empty());
  const auto reasons = strings(incident(id), "severity_reasons");
  ASSERT_FALSE(reasons.empty());
  auto cli = [&](const std::string& key, std::vector<std::string> args) {
    std::vector<std::string> argv{AIIR_BINARY, "--server", url_, "--key", key, "incidents"};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_command(argv, dir_.path(), 30s);
  };

  auto list = cli(viewer_, {"list"});
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find(id), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("support-refunds"), std::string::npos) << list.out;

  auto show = cli(viewer_, {"show", id});
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_NE(show.out.find(id), std::string::npos) << show.out;
  for (const auto& reason : reasons) {
    EXPECT_NE(show.out.find(reason), std::string::npos) << show.out;
  }
  EXPECT_NE(show.out.find("opened"), std::string::npos) << "the timeline\n" << show.out;

  auto refused = cli(viewer_, {"ack", id});
  EXPECT_NE(refused.status, 0);
  auto resolved = cli(responder_, {"resolve", id, "--reason", "refund reversed"});
  ASSERT_EQ(resolved.status, 0) << resolved.err;
  EXPECT_NE(resolved.out.find("resolved"), std::string::npos) << resolved.out;
  auto conflict = cli(responder_, {"contain", id});
  EXPECT_EQ(conflict.status, 1);
  EXPECT_NE(conflict.err.find("open, closed"), std::string::npos) << conflict.err;
  auto usage = cli(responder_, {"severity", id, "high"});
  EXPECT_EQ(usage.status, 2) << "--reason is required";
}

TEST_F(IncidentHttpTest, TheCliWatchStartsAtTheCurrentEndAndPrintsWhatHappensNext) {
  const std::string id = open_incident(1, "acct-1");
  ASSERT_FALSE(id.empty());
  const std::int64_t end = number(get_json("/v1/timeline?limit=1000"), "next_after");
  ASSERT_GT(end, 0);

  testing::Process watch({AIIR_BINARY, "--server", url_, "--key", viewer_, "incidents", "watch"},
                         dir_.path());
  constexpr std::string_view kStarted = "after event ";
  ASSERT_TRUE(testing::eventually(
      [&] { return watch.stderr_text().find(kStarted) != std::string::npos; }, kDeadline))
      << watch.stderr_text();
  const std::string banner = watch.stderr_text();
  EXPECT_EQ(std::stoll(banner.substr(banner.find(kStarted) + kStarted.size())), end) << banner;

  ASSERT_EQ(act(id, "notes", R"({"text":"seen by the watcher"})"), 200);
  ASSERT_TRUE(testing::eventually(
      [&] { return watch.stdout_text().find("seen by the watcher") != std::string::npos; },
      kDeadline))
      << watch.stdout_text() << watch.stderr_text();
  EXPECT_EQ(watch.stdout_text().find(" opened "), std::string::npos)
      << "the past is not replayed\n"
      << watch.stdout_text();
}

}  // namespace
}  // namespace aiir
