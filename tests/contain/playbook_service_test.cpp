// The playbook service against a real SQLite store, a real incident component and a real control
// service: an incident opening applies the automatic control within a second, approvals are
// granted only by someone allowed (403-style refusal naming who may), refusals are recorded with
// their reason, checklists name the role holders, and a restart applies nothing twice.
#include "contain/playbook_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "incident/severity_policy.h"
#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::contain {
namespace {

using model::Category;
using model::ControlKind;
using model::TimelineKind;

constexpr core::UnixNanos kStart = 1'790'000'000LL * core::kNanosPerSecond;
constexpr core::UnixNanos kWait = 10 * core::kNanosPerSecond;

model::Workflow refunds() {
  model::Workflow w;
  w.id = "support-refunds";
  w.name = "Support refunds";
  w.business_owner = {"Jon Park", "jon@example.com"};
  w.technical_owner = {"maria", ""};
  w.tools = {{"issue_refund", model::SideEffect::kPayment, false, ""}};
  w.versioned_parts = {{model::VersionedPartKind::kPrompt, "refund-policy", "v7", {"v6", "v7"}}};
  w.containment = {model::ContainmentOption::kPause, model::ContainmentOption::kDisableTool,
                   model::ContainmentOption::kPinVersion};
  return w;
}

detect::Detector detector(std::string id, Category category) {
  detect::Detector d;
  d.id = std::move(id);
  d.category = category;
  d.impact = model::Impact::kCritical;
  d.description = "what " + d.id + " saw";
  return d;
}

Playbook duplicate_refunds() {
  Playbook p;
  p.id = "duplicate-refunds";
  p.title = "Duplicate refunds";
  p.match.workflows = {"support-refunds"};
  p.match.categories = {Category::kToolMisuse};
  PlaybookAction disable;
  disable.control.kind = ControlKind::kDisableTool;
  disable.control.tool = "issue_refund";
  p.automatic = {disable};
  PlaybookAction rollback;
  rollback.control.kind = ControlKind::kPinVersion;
  rollback.control.part_name = "refund-policy";
  rollback.previous_version = true;
  rollback.approvers = {*parse_authorized("business_owner"), *parse_authorized("key:alice")};
  p.approval = {rollback};
  p.checklists = {{model::IncidentRole::kIncidentLead, {"Confirm no refund went out twice"}},
                  {model::IncidentRole::kBusinessOwner, {"Decide on the prompt rollback"}}};
  return p;
}

Playbook leak_is_security() {
  Playbook p;
  p.id = "leak-is-security";
  p.match.categories = {Category::kDataExposure};
  p.classification = model::Classification::kSecurityEvent;
  return p;
}

class PlaybookServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = std::make_shared<config::Config>();
    cfg->workflows = {refunds()};
    cfg->detectors = {detector("duplicate-refund", Category::kToolMisuse),
                      detector("leak", Category::kDataExposure)};
    cfg->severity_policy = incident::default_severity_policy();
    cfg->playbooks = {duplicate_refunds(), leak_is_security()};
    config_ = cfg;
    auto store = store::open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
    incidents_ = std::make_unique<incident::IncidentService>(*store_, clock_,
                                                             [this] { return config_; });
    ASSERT_TRUE(incidents_->start().ok());
    controls_ = std::make_unique<ControlService>(*store_, clock_, [this] { return config_; });
    ASSERT_TRUE(controls_->start().ok());
    start_playbooks();
  }
  void TearDown() override {
    playbooks_.reset();
    incidents_.reset();
  }

  void start_playbooks() {
    playbooks_.reset();
    playbooks_ = std::make_unique<PlaybookService>(*store_, clock_, [this] { return config_; },
                                                   *controls_, incidents_.get());
    ASSERT_TRUE(playbooks_->start().ok());
  }

  // Stores a signal of `detector` and waits until the incident component applied it. Returns
  // the incident's number.
  std::int64_t signal(const std::string& detector) {
    const detect::Detector* d = config_->find_detector(detector);
    model::Signal s;
    s.detector = detector;
    s.workflow = "support-refunds";
    s.category = d->category;
    s.impact = d->impact;
    s.summary = d->description;
    s.fingerprint = model::signal_fingerprint(detector, s.workflow, {});
    s.user_id = "u1";
    s.event_time = clock_.now() - core::kNanosPerSecond;
    s.detected_at = clock_.now();
    s.dedup_key = "test:" + detector;
    auto stored = store_->commit_signals({s}, "", 0);
    EXPECT_TRUE(stored.ok() && stored->size() == 1);
    incidents_->notify();
    EXPECT_TRUE(incidents_->wait_for(stored->front().seq, kWait));
    auto page = store_->query_incidents({});
    return page.ok() && !page->incidents.empty() ? page->incidents.front().number : 0;
  }

  // Waits (up to 5 s) until `done` holds; returns how long it took.
  template <typename F>
  std::chrono::milliseconds wait_until(F done) {
    const auto began = std::chrono::steady_clock::now();
    while (!done() && std::chrono::steady_clock::now() - began < std::chrono::seconds(5)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
  }

  std::vector<Approval> approvals(std::int64_t number) {
    auto a = playbooks_->approvals(number);
    EXPECT_TRUE(a.ok()) << a.error().message();
    return a.ok() ? *a : std::vector<Approval>{};
  }

  // The incident number once its playbook run has finished (approval requested).
  std::int64_t open_duplicate_refund_incident() {
    const std::int64_t number = signal("duplicate-refund");
    wait_until([&] { return approvals(number).size() == 1; });
    return number;
  }

  int count(std::int64_t number, TimelineKind kind) {
    auto events = store_->incident_timeline(number, 0, 1000);
    EXPECT_TRUE(events.ok());
    int n = 0;
    for (const auto& e : *events) n += e.kind == kind ? 1 : 0;
    return n;
  }

  testing::TempDir dir_;
  core::ManualClock clock_{kStart};
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<incident::IncidentService> incidents_;
  std::unique_ptr<ControlService> controls_;
  std::unique_ptr<PlaybookService> playbooks_;
};

TEST_F(PlaybookServiceTest, IncidentOpeningAppliesTheAutomaticControlWithinOneSecond) {
  const auto began = std::chrono::steady_clock::now();
  const std::int64_t number = signal("duplicate-refund");
  ASSERT_GT(number, 0);
  wait_until([&] { return !controls_->list(false).empty(); });
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_LT(took, std::chrono::seconds(1));

  auto controls = controls_->list(false);
  ASSERT_EQ(controls.size(), 1u);
  EXPECT_EQ(controls[0].kind, ControlKind::kDisableTool);
  EXPECT_EQ(controls[0].tool, "issue_refund");
  EXPECT_EQ(controls[0].incident, number);
  EXPECT_EQ(controls[0].set_by, "playbook duplicate-refunds");
  wait_until([&] { return approvals(number).size() == 1; });
  EXPECT_EQ(count(number, TimelineKind::kPlaybookMatched), 1);
  EXPECT_EQ(count(number, TimelineKind::kApprovalRequested), 1);
  EXPECT_EQ(count(number, TimelineKind::kControlChanged), 1);
}

TEST_F(PlaybookServiceTest, ApprovalRequestedForTheRollbackWithItsApprovers) {
  const std::int64_t number = open_duplicate_refund_incident();
  auto pending = approvals(number);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, "apr-" + std::to_string(number) + "-duplicate-refunds-1");
  EXPECT_EQ(pending[0].state, "pending");
  EXPECT_EQ(pending[0].control.kind, ControlKind::kPinVersion);
  EXPECT_EQ(pending[0].control.version, "v6");  // the version before v7
  EXPECT_EQ(pending[0].approvers.size(), 2u);
}

TEST_F(PlaybookServiceTest, ApprovalByTheBusinessOwnerAppliesTheControl) {
  const std::int64_t number = open_duplicate_refund_incident();
  const std::string id = approvals(number).at(0).id;
  auto approved = playbooks_->approve(number, id, Actor{"key-jon", "Jon Park", model::Role::kResponder},
                                      "prompt v7 caused it");
  ASSERT_TRUE(approved.ok()) << approved.error().message();
  EXPECT_EQ(approved->state, "approved");
  EXPECT_EQ(approved->decided_by, "Jon Park (key-jon)");
  ASSERT_FALSE(approved->control_id.empty());
  bool pinned = false;
  for (const auto& c : controls_->list(false)) {
    if (c.id == approved->control_id) {
      pinned = c.kind == ControlKind::kPinVersion && c.version == "v6" && c.incident == number;
    }
  }
  EXPECT_TRUE(pinned);
  EXPECT_EQ(count(number, TimelineKind::kApprovalGranted), 1);
  EXPECT_EQ(approvals(number).at(0).state, "approved");

  auto again = playbooks_->approve(number, id, Actor{"key-alice", "alice", model::Role::kResponder},
                                   "");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::Code::kFailedPrecondition);
}

TEST_F(PlaybookServiceTest, ApprovalByNamedKeyIsAllowed) {
  const std::int64_t number = open_duplicate_refund_incident();
  auto approved = playbooks_->approve(number, approvals(number).at(0).id,
                                      Actor{"key-9", "alice", model::Role::kResponder}, "");
  ASSERT_TRUE(approved.ok()) << approved.error().message();
}

TEST_F(PlaybookServiceTest, UnauthorisedApproverIsDeniedWithWhoMay) {
  const std::int64_t number = open_duplicate_refund_incident();
  const std::string id = approvals(number).at(0).id;
  auto denied = playbooks_->approve(number, id, Actor{"key-bob", "bob", model::Role::kResponder},
                                    "");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), core::Code::kPermissionDenied);
  EXPECT_NE(denied.error().message().find(
                "pinning a version of support-refunds (approval " + id +
                ") needs the business owner (Jon Park <jon@example.com>) or key 'alice'; you are "
                "key 'bob' (responder)"),
            std::string::npos)
      << denied.error().message();
  EXPECT_EQ(approvals(number).at(0).state, "pending");
  EXPECT_EQ(controls_->list(false).size(), 1u);  // only the automatic one
}

TEST_F(PlaybookServiceTest, RefusalNeedsAReasonAndIsRecorded) {
  const std::int64_t number = open_duplicate_refund_incident();
  const std::string id = approvals(number).at(0).id;
  const Actor jon{"key-jon", "jon@example.com", model::Role::kResponder};
  auto no_reason = playbooks_->refuse(number, id, jon, " ");
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.error().code(), core::Code::kInvalidArgument);
  auto refused = playbooks_->refuse(number, id, jon, "v7 is not the cause");
  ASSERT_TRUE(refused.ok()) << refused.error().message();
  EXPECT_EQ(refused->state, "refused");
  EXPECT_EQ(refused->reason, "v7 is not the cause");
  auto events = store_->incident_timeline(number, 0, 1000);
  ASSERT_TRUE(events.ok());
  bool recorded = false;
  for (const auto& e : *events) {
    recorded |= e.kind == TimelineKind::kApprovalRefused && e.reason == "v7 is not the cause";
  }
  EXPECT_TRUE(recorded);
  EXPECT_EQ(controls_->list(false).size(), 1u);
}

TEST_F(PlaybookServiceTest, ChecklistsNameTheRoleHolders) {
  const std::int64_t number = open_duplicate_refund_incident();
  auto items = playbooks_->checklists(number);
  ASSERT_TRUE(items.ok()) << items.error().message();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].role, model::IncidentRole::kIncidentLead);
  EXPECT_EQ((*items)[0].who, "maria");
  EXPECT_EQ((*items)[0].task, "Confirm no refund went out twice");
  EXPECT_EQ((*items)[1].role, model::IncidentRole::kBusinessOwner);
  EXPECT_EQ((*items)[1].who, "Jon Park <jon@example.com>");
}

TEST_F(PlaybookServiceTest, RestartAppliesNothingTwice) {
  const std::int64_t number = open_duplicate_refund_incident();
  ASSERT_EQ(controls_->list(false).size(), 1u);
  start_playbooks();  // a new service: catches up on open incidents at start
  ASSERT_TRUE(playbooks_->evaluate(number).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // its catch-up at start
  EXPECT_EQ(controls_->list(true).size(), 1u);
  EXPECT_EQ(approvals(number).size(), 1u);
  EXPECT_EQ(count(number, TimelineKind::kPlaybookMatched), 1);
  EXPECT_EQ(count(number, TimelineKind::kApprovalRequested), 1);
}

TEST_F(PlaybookServiceTest, AnInterruptedRunIsCompletedOnceAtStart) {
  playbooks_.reset();
  const std::int64_t number = signal("duplicate-refund");
  // As a crash would leave it: the run recorded as started, nothing applied yet.
  store::RecordChange started;
  started.record.kind = kPlaybookRunRecord;
  started.record.id = model::incident_id(number) + "/duplicate-refunds";
  started.record.workflow = "support-refunds";
  started.record.state = "applying";
  started.record.incident = number;
  started.record.time = clock_.now();
  started.record.body = boost::json::object{{"playbook", "duplicate-refunds"}};
  started.actor = "playbook duplicate-refunds";
  ASSERT_TRUE(store_->save_record(started).ok());
  start_playbooks();
  wait_until([&] { return approvals(number).size() == 1; });
  EXPECT_EQ(controls_->list(false).size(), 1u);
  ASSERT_TRUE(playbooks_->evaluate(number).ok());
  EXPECT_EQ(controls_->list(false).size(), 1u);
  EXPECT_EQ(approvals(number).size(), 1u);
}

TEST_F(PlaybookServiceTest, APlaybookCanClassifyTheIncident) {
  const std::int64_t number = signal("leak");
  wait_until([&] {
    auto found = store_->get_incident(number);
    return found.ok() && *found &&
           (*found)->classification == model::Classification::kSecurityEvent;
  });
  auto found = store_->get_incident(number);
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->classification, model::Classification::kSecurityEvent);
  EXPECT_EQ(count(number, TimelineKind::kClassificationChanged), 1);
}

}  // namespace
}  // namespace aiir::contain
