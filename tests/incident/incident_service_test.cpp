// The incident component against a real SQLite store: signals become incidents with a severity
// and its reasons, roles and a timeline; grouping, recurrence, escalation, the lifecycle,
// responder actions, merge and split, and a restart.
#include "incident/incident_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "incident/severity_policy.h"
#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::incident {
namespace {

using model::Category;
using model::Classification;
using model::Impact;
using model::IncidentState;
using model::Severity;
using model::TimelineKind;

constexpr core::UnixNanos kStart = 1'790'000'000LL * core::kNanosPerSecond;
constexpr core::UnixNanos kWait = 10 * core::kNanosPerSecond;
constexpr core::UnixNanos kMinute = 60 * core::kNanosPerSecond;

model::Workflow support_chat() {
  model::Workflow w;
  w.id = "support-chat";
  w.name = "Support assistant";
  w.business_owner = {"Maya Ortiz", "maya@example.com"};
  w.technical_owner = {"Sam Lee", "sam@example.com"};
  w.escalation_policy = "support-ai-oncall";
  w.risk.customer_exposure = model::CustomerExposure::kExternal;
  w.risk.data_sensitivity = model::DataSensitivity::kPersonal;
  w.risk.autonomy = model::Autonomy::kActsAutonomously;
  w.risk.regulatory.personal_data = true;
  return w;
}

model::Workflow drafting() {
  model::Workflow w;
  w.id = "internal-drafts";
  w.name = "Internal drafting aid";
  w.technical_owner = {"Devi", ""};
  w.risk.customer_exposure = model::CustomerExposure::kInternal;
  w.risk.data_sensitivity = model::DataSensitivity::kInternal;
  w.risk.autonomy = model::Autonomy::kRecommends;
  return w;
}

detect::Detector detector(std::string id, Category category, Impact impact,
                          std::optional<Classification> classification = std::nullopt) {
  detect::Detector d;
  d.id = std::move(id);
  d.category = category;
  d.impact = impact;
  d.description = "what " + d.id + " saw";
  d.classification = classification;
  return d;
}

std::shared_ptr<const config::Config> make_config() {
  auto cfg = std::make_shared<config::Config>();
  cfg->workflows = {drafting(), support_chat()};
  cfg->detectors = {
      detector("cross-customer-data", Category::kDataExposure, Impact::kHigh),
      detector("draft-typo", Category::kMisinformation, Impact::kLow,
               Classification::kQualityIssue),
      detector("reviewer-caught-draft", Category::kMisinformation, Impact::kMedium,
               Classification::kNearMiss),
      detector("vague-answer", Category::kMisinformation, Impact::kLow,
               Classification::kQualityIssue),
      detector("fabricated-citation", Category::kMisinformation, Impact::kMedium),
  };
  cfg->severity_policy = default_severity_policy();
  EscalationPolicy oncall;
  oncall.name = "support-ai-oncall";
  oncall.roles = {{model::IncidentRole::kIncidentLead, "pager:support-ai"},
                  {model::IncidentRole::kLegal, "legal@example.com"}};
  cfg->escalation_policies = {oncall};
  return cfg;
}

class IncidentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
    start_service();
  }
  void TearDown() override { service_.reset(); }

  void start_service() {
    service_ = std::make_unique<IncidentService>(*store_, clock_, [this] { return config_; });
    ASSERT_TRUE(service_->start().ok());
  }

  // Stores a signal of `detector` about `user` and waits until it has been applied.
  model::Signal signal(const std::string& detector, const std::string& workflow,
                       const std::string& user, const std::string& account = "",
                       bool resolved = false) {
    const detect::Detector* d = config_->find_detector(detector);
    model::Signal s;
    s.detector = detector;
    s.workflow = workflow;
    s.category = d != nullptr ? d->category : Category::kPolicyViolation;
    s.impact = d != nullptr ? d->impact : Impact::kMedium;
    s.summary = d != nullptr ? d->description : detector;
    s.fingerprint = model::signal_fingerprint(detector, workflow, {});
    s.user_id = user;
    s.account_id = account;
    s.trace_id = "trace-" + std::to_string(++counter_);
    s.event_time = clock_.now() - core::kNanosPerSecond;
    s.detected_at = clock_.now();
    s.dedup_key = "test:" + std::to_string(counter_);
    s.resolved = resolved;
    auto stored = store_->commit_signals({s}, "", 0);
    EXPECT_TRUE(stored.ok() && stored->size() == 1);
    service_->notify();
    EXPECT_TRUE(service_->wait_for(stored->front().seq, kWait));
    return stored->front();
  }

  std::vector<model::Incident> incidents() {
    auto page = store_->query_incidents({});
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->incidents : std::vector<model::Incident>{};
  }

  model::Incident get(std::int64_t number) {
    auto found = store_->get_incident(number);
    EXPECT_TRUE(found.ok() && found->has_value());
    return found.ok() && *found ? **found : model::Incident{};
  }

  std::vector<model::TimelineEvent> timeline(std::int64_t number) {
    auto events = store_->incident_timeline(number, 0, 1000);
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<model::TimelineEvent>{};
  }

  static int count(const std::vector<model::TimelineEvent>& events, TimelineKind kind) {
    return static_cast<int>(std::count_if(events.begin(), events.end(),
                                          [kind](const auto& e) { return e.kind == kind; }));
  }

  const Actor dana_{"key-dana", "dana"};
  testing::TempDir dir_;
  core::ManualClock clock_{kStart};
  std::shared_ptr<const config::Config> config_ = make_config();
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<IncidentService> service_;
  int counter_ = 0;
};

TEST_F(IncidentServiceTest, SignalOpensIncidentWithSeverityReasonsRolesAndTimeline) {
  const model::Signal s = signal("cross-customer-data", "support-chat", "u1", "acct-1");
  auto all = incidents();
  ASSERT_EQ(all.size(), 1u);
  const model::Incident& inc = all[0];
  EXPECT_EQ(inc.id(), "INC-1");
  EXPECT_EQ(inc.workflow, "support-chat");
  EXPECT_EQ(inc.classification, Classification::kAiIncident);
  // Another customer's data exposed by a chatbot is high or critical (MISSION.md).
  EXPECT_GE(inc.severity, Severity::kHigh);
  ASSERT_FALSE(inc.severity_reasons.empty());
  EXPECT_EQ(inc.signal_count, 1);
  EXPECT_EQ(inc.distinct_users, 1);
  ASSERT_TRUE(inc.time_to_detect().has_value());
  // Roles from the escalation policy and the workflow's owners.
  auto who = [&inc](model::IncidentRole role) {
    for (const auto& r : inc.roles) {
      if (r.role == role) return r.who;
    }
    return std::string();
  };
  EXPECT_EQ(who(model::IncidentRole::kIncidentLead), "pager:support-ai");
  EXPECT_EQ(who(model::IncidentRole::kLegal), "legal@example.com");
  EXPECT_NE(who(model::IncidentRole::kBusinessOwner).find("Maya Ortiz"), std::string::npos);
  EXPECT_NE(who(model::IncidentRole::kEngineering).find("Sam Lee"), std::string::npos);

  auto events = timeline(inc.number);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, TimelineKind::kOpened);
  EXPECT_EQ(events[0].actor, "system");
  // The signal knows its incident; every event has its audit entry.
  auto stored = store_->get_signal(s.seq);
  ASSERT_TRUE(stored.ok() && *stored);
  EXPECT_EQ((*stored)->incident, inc.number);
  auto audit = store_->list_audit(0, 100);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "incident.opened");
  EXPECT_EQ((*audit)[0].subject, "INC-1");
}

TEST_F(IncidentServiceTest, SameFingerprintAttachesAndCountsDistinctSubjects) {
  signal("cross-customer-data", "support-chat", "u1", "a1");
  signal("cross-customer-data", "support-chat", "u2", "a1");
  signal("cross-customer-data", "support-chat", "u2", "a2");
  auto all = incidents();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].signal_count, 3);
  EXPECT_EQ(all[0].distinct_users, 2);
  EXPECT_EQ(all[0].distinct_accounts, 2);
  EXPECT_EQ(count(timeline(all[0].number), TimelineKind::kSignalAttached), 2);
  // Another detector, or another workflow, is another incident.
  signal("vague-answer", "support-chat", "u1");
  EXPECT_EQ(incidents().size(), 2u);
}

TEST_F(IncidentServiceTest, SeverityEscalatesAutomaticallyAsUsersGrowAndNeverLowersItself) {
  signal("fabricated-citation", "support-chat", "u0");
  const model::Incident first = incidents().at(0);
  const Severity initial = first.severity;
  EXPECT_LT(initial, Severity::kCritical);
  for (int i = 1; i <= 120; ++i) {
    signal("fabricated-citation", "support-chat", "u" + std::to_string(i));
  }
  const model::Incident grown = get(first.number);
  EXPECT_EQ(grown.distinct_users, 121);
  EXPECT_EQ(grown.severity, Severity::kCritical) << grown.severity_reasons.front();
  auto events = timeline(first.number);
  ASSERT_GE(count(events, TimelineKind::kSeverityChanged), 1);
  for (const auto& e : events) {
    if (e.kind == TimelineKind::kSeverityChanged) {
      EXPECT_EQ(e.actor, "system");
      EXPECT_NE(e.summary.find("automatic"), std::string::npos);
    }
  }
  bool names_users = false;
  for (const auto& reason : grown.severity_reasons) {
    names_users |= reason.find("121") != std::string::npos;
  }
  EXPECT_TRUE(names_users) << "the reasons should carry the number of users affected";
}

TEST_F(IncidentServiceTest, ResponderSetsSeverityEitherWayWithReasonAndItHolds) {
  signal("cross-customer-data", "support-chat", "u1");
  const std::int64_t n = incidents().at(0).number;
  auto missing = service_->set_severity(n, Severity::kLow, dana_, " ");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::Code::kInvalidArgument);

  auto lowered = service_->set_severity(n, Severity::kLow, dana_, "test data, not a customer");
  ASSERT_TRUE(lowered.ok()) << lowered.error().message();
  EXPECT_EQ(lowered->incident.severity, Severity::kLow);
  ASSERT_EQ(lowered->events.size(), 1u);
  EXPECT_EQ(lowered->events[0].kind, TimelineKind::kSeverityChanged);
  EXPECT_EQ(lowered->events[0].reason, "test data, not a customer");
  EXPECT_EQ(lowered->events[0].actor, "dana (key-dana)");
  // The same picture again does not undo the responder's call.
  signal("cross-customer-data", "support-chat", "u1");
  EXPECT_EQ(get(n).severity, Severity::kLow);
}

TEST_F(IncidentServiceTest, LifecycleMovesForwardAndRefusesWhatTheTableForbids) {
  signal("cross-customer-data", "support-chat", "u1");
  const std::int64_t n = incidents().at(0).number;
  clock_.advance(4 * kMinute);
  auto acked = service_->transition(n, IncidentState::kAcknowledged, dana_, "");
  ASSERT_TRUE(acked.ok()) << acked.error().message();
  EXPECT_EQ(acked->incident.state, IncidentState::kAcknowledged);
  ASSERT_TRUE(acked->incident.time_to_acknowledge().has_value());
  EXPECT_EQ(*acked->incident.time_to_acknowledge(), 4 * kMinute);

  ASSERT_TRUE(service_->transition(n, IncidentState::kResolved, dana_, "fixed").ok());
  auto backwards = service_->transition(n, IncidentState::kContained, dana_, "");
  ASSERT_FALSE(backwards.ok());
  EXPECT_EQ(backwards.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(backwards.error().message().find("open, closed"), std::string::npos)
      << backwards.error().message();

  ASSERT_TRUE(service_->transition(n, IncidentState::kClosed, dana_, "").ok());
  auto after_close = service_->transition(n, IncidentState::kAcknowledged, dana_, "");
  ASSERT_FALSE(after_close.ok());
  EXPECT_NE(after_close.error().message().find("final"), std::string::npos);
  // Notes are still welcome on a closed incident; a severity change is not.
  EXPECT_TRUE(service_->add_note(n, "post-incident review on Friday", dana_).ok());
  EXPECT_FALSE(service_->set_severity(n, Severity::kLow, dana_, "why").ok());
  EXPECT_EQ(count(timeline(n), TimelineKind::kStateChanged), 3);

  auto missing = service_->transition(99, IncidentState::kAcknowledged, dana_, "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::Code::kNotFound);
}

TEST_F(IncidentServiceTest, RecurrenceWithinCooldownReopensAfterCloseOpensLinked) {
  signal("cross-customer-data", "support-chat", "u1");
  const std::int64_t n = incidents().at(0).number;
  ASSERT_TRUE(service_->transition(n, IncidentState::kResolved, dana_, "prompt fixed").ok());
  clock_.advance(30 * kMinute);
  signal("cross-customer-data", "support-chat", "u2");
  model::Incident again = get(n);
  EXPECT_EQ(incidents().size(), 1u);
  EXPECT_EQ(again.state, IncidentState::kOpen);
  EXPECT_EQ(again.recurrences, 1);
  EXPECT_EQ(count(timeline(n), TimelineKind::kRecurred), 1);

  ASSERT_TRUE(service_->transition(n, IncidentState::kResolved, dana_, "fixed again").ok());
  ASSERT_TRUE(service_->transition(n, IncidentState::kClosed, dana_, "").ok());
  signal("cross-customer-data", "support-chat", "u3");
  auto all = incidents();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].linked_to, n);
  EXPECT_EQ(all[0].state, IncidentState::kOpen);
}

TEST_F(IncidentServiceTest, ClassificationComesFromTheDetectorAndChangesWithAReason) {
  // One bad draft caught by a reviewer is a near miss; a typo in an internal draft is a low
  // quality issue; a vague chatbot answer is not an incident (it pages nobody); a hallucinated
  // legal citation sent to a client is an AI incident.
  signal("fabricated-citation", "support-chat", "client-1");
  signal("reviewer-caught-draft", "internal-drafts", "u1");
  signal("draft-typo", "internal-drafts", "u1");
  signal("vague-answer", "support-chat", "u1");
  auto all = incidents();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[3].classification, Classification::kAiIncident);
  EXPECT_TRUE(model::pages_people(all[3].classification));
  EXPECT_EQ(all[2].classification, Classification::kNearMiss);
  EXPECT_FALSE(model::pages_people(all[2].classification));
  EXPECT_EQ(all[1].classification, Classification::kQualityIssue);
  EXPECT_EQ(all[1].severity, Severity::kLow);
  EXPECT_EQ(all[0].classification, Classification::kQualityIssue);
  EXPECT_FALSE(model::pages_people(all[0].classification));

  EXPECT_FALSE(service_->classify(all[0].number, Classification::kAiIncident, dana_, "").ok());
  auto changed = service_->classify(all[0].number, Classification::kAiIncident, dana_,
                                    "the answer told a customer the wrong refund rule");
  ASSERT_TRUE(changed.ok()) << changed.error().message();
  EXPECT_EQ(changed->incident.classification, Classification::kAiIncident);
  EXPECT_EQ(changed->events.front().kind, TimelineKind::kClassificationChanged);
}

TEST_F(IncidentServiceTest, AssignKeepsOneNamedLead) {
  signal("cross-customer-data", "support-chat", "u1");
  const std::int64_t n = incidents().at(0).number;
  EXPECT_FALSE(service_->assign(n, model::IncidentRole::kIncidentLead, "", dana_, "").ok());
  auto assigned = service_->assign(n, model::IncidentRole::kIncidentLead, "dana@example.com",
                                   dana_, "taking it");
  ASSERT_TRUE(assigned.ok());
  int leads = 0;
  for (const auto& r : assigned->incident.roles) {
    if (r.role == model::IncidentRole::kIncidentLead) {
      ++leads;
      EXPECT_EQ(r.who, "dana@example.com");
    }
  }
  EXPECT_EQ(leads, 1);
  EXPECT_EQ(assigned->events.front().summary, "incident_lead: pager:support-ai → dana@example.com");
}

TEST_F(IncidentServiceTest, MergeCountsEverySignalAndSplitTakesThemOutAgain) {
  signal("cross-customer-data", "support-chat", "u1");
  signal("vague-answer", "support-chat", "u2");
  signal("vague-answer", "support-chat", "u3");
  auto all = incidents();
  ASSERT_EQ(all.size(), 2u);
  const std::int64_t target = all[1].number, source = all[0].number;

  EXPECT_FALSE(service_->merge(target, {source}, dana_, "").ok());
  auto merged = service_->merge(target, {source}, dana_, "same outage");
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  EXPECT_EQ(merged->incident.signal_count, 3);
  EXPECT_EQ(merged->incident.distinct_users, 3);
  EXPECT_EQ(get(source).merged_into, target);
  // A new signal of the merged fingerprint joins the incident it was merged into.
  signal("vague-answer", "support-chat", "u4");
  EXPECT_EQ(incidents().size(), 2u);
  EXPECT_EQ(get(target).signal_count, 4);
  // Acting on the merged one points at the target.
  auto refused = service_->transition(source, IncidentState::kAcknowledged, dana_, "");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find(model::incident_id(target)), std::string::npos);

  SplitRequest back;
  back.merged = source;
  auto split = service_->split(target, back, dana_, "different causes after all");
  ASSERT_TRUE(split.ok()) << split.error().message();
  EXPECT_EQ(split->incident.number, source);
  EXPECT_EQ(split->incident.merged_into, 0);
  // The signal that arrived after the merge joined the target, and stays there.
  EXPECT_EQ(get(target).signal_count, 2);
  EXPECT_EQ(get(source).signal_count, 2);

  // Signals can also leave an incident for a new one, linked to where they came from.
  store::SignalQuery of_source;
  of_source.incidents = {source};
  auto signals = store_->query_signals(of_source);
  ASSERT_TRUE(signals.ok());
  ASSERT_EQ(signals->signals.size(), 2u);
  SplitRequest some;
  some.signals = {signals->signals[0].seq};
  some.title = "the third user's answer";
  auto out = service_->split(source, some, dana_, "");
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(out->incident.linked_to, source);
  EXPECT_EQ(out->incident.signal_count, 1);
  EXPECT_EQ(out->incident.title, "the third user's answer");
  EXPECT_EQ(get(source).signal_count, 1);
  auto moved = store_->get_signal(signals->signals[0].seq);
  ASSERT_TRUE(moved.ok() && *moved);
  EXPECT_EQ((*moved)->incident, out->incident.number);
  EXPECT_EQ(count(timeline(source), TimelineKind::kSplit), 2);  // out of the target, then this
}

TEST_F(IncidentServiceTest, RestartResumesAfterTheLastSignalAndCountsSubjectsAgain) {
  signal("cross-customer-data", "support-chat", "u1");
  signal("cross-customer-data", "support-chat", "u2");
  service_.reset();
  start_service();
  // The same user again is not a new subject, although the counter was lost with the process.
  signal("cross-customer-data", "support-chat", "u1");
  auto all = incidents();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].signal_count, 3);
  EXPECT_EQ(all[0].distinct_users, 2);
  EXPECT_EQ(service_->stats().signals_applied, 1u);
}

TEST_F(IncidentServiceTest, AnOutsideSystemSayingItEndedIsNotedNotCounted) {
  signal("error-rate", "support-chat", "u1");
  const model::Signal ended = signal("error-rate", "support-chat", "", "", /*resolved=*/true);
  auto all = incidents();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].signal_count, 1);
  auto events = timeline(all[0].number);
  ASSERT_EQ(count(events, TimelineKind::kNote), 1);
  EXPECT_NE(events.back().summary.find("says the condition ended"), std::string::npos);
  auto stored = store_->get_signal(ended.seq);
  ASSERT_TRUE(stored.ok() && *stored);
  EXPECT_EQ((*stored)->incident, all[0].number);
  // With no incident to tell, an ended condition opens nothing.
  signal("disk-full", "support-chat", "", "", /*resolved=*/true);
  EXPECT_EQ(incidents().size(), 1u);
}

TEST_F(IncidentServiceTest, WatchersHearOfTheNextEvent) {
  signal("cross-customer-data", "support-chat", "u1");
  const std::int64_t n = incidents().at(0).number;
  auto events = timeline(n);
  std::atomic<bool> called{false};
  service_->when_events_after(events.back().seq, clock_.now() + kWait, [&called] {
    called = true;
  });
  EXPECT_FALSE(called.load());
  ASSERT_TRUE(service_->add_note(n, "customer called", dana_).ok());
  for (int i = 0; i < 200 && !called.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(called.load());
}

TEST_F(IncidentServiceTest, ResponseSummaryGroupsByWorkflowAndSeverity) {
  signal("cross-customer-data", "support-chat", "u1");
  const std::int64_t n = incidents().at(0).number;
  clock_.advance(2 * kMinute);
  ASSERT_TRUE(service_->transition(n, IncidentState::kAcknowledged, dana_, "").ok());
  auto summary = service_->response_summary(0);
  ASSERT_TRUE(summary.ok());
  ASSERT_EQ(summary->size(), 1u);
  EXPECT_EQ((*summary)[0].workflow, "support-chat");
  EXPECT_EQ((*summary)[0].incidents, 1);
  EXPECT_EQ((*summary)[0].open, 1);
  EXPECT_EQ((*summary)[0].acknowledge.count, 1);
  EXPECT_DOUBLE_EQ((*summary)[0].acknowledge.p50, 120.0);
  std::string metrics;
  service_->render_metrics(metrics);
  EXPECT_NE(metrics.find("aiir_incidents{workflow=\"support-chat\",state=\"acknowledged\""),
            std::string::npos);
  EXPECT_NE(metrics.find("aiir_incident_time_to_acknowledge_seconds_count{workflow=\"support-"
                         "chat\""),
            std::string::npos);
}

}  // namespace
}  // namespace aiir::incident
