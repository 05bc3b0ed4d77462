// The review queue against a real SQLite store: submitting, approving, rejecting and editing; a
// decision is final; a long-polling waiter is woken by the decision (and by its deadline);
// the SLA escalates with the manual clock and raises a signal; a rejection is a near-miss signal
// without the output's text; the evidence beside an item comes from its stored trace, and a
// missing trace is said; pending items and their SLA survive a restart.
#include "contain/review_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "contain/review_evidence.h"
#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::contain {
namespace {

namespace json = boost::json;

constexpr core::UnixNanos kStart = 1'790'000'000LL * core::kNanosPerSecond;
constexpr core::UnixNanos kMinute = 60 * core::kNanosPerSecond;
constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kSecretOutput = "Refund of 4,000 EUR approved for order A-17, no questions";

const ReviewActor kApp{"key-app", "support-bot"};
const ReviewActor kReviewer{"key-rev", "Dana"};

ReviewSubmission refund_output(std::string idempotency_key = "") {
  ReviewSubmission s;
  s.workflow = "support-refunds";
  s.trace_id = kTrace;
  s.action = "output";
  s.output = kSecretOutput;
  s.evidence = json::object{{"customer_tier", "gold"}};
  s.idempotency_key = std::move(idempotency_key);
  return s;
}

// The trace behind the held output: a retrieval, a model call and a tool call.
std::vector<model::AiSpan> refund_trace() {
  model::AiSpan retrieval;
  retrieval.trace_id = kTrace;
  retrieval.span_id = "00f067aa0ba902b7";
  retrieval.name = "retrieve policy";
  retrieval.kind = model::SpanKind::kRetrieval;
  retrieval.workflow = "support-refunds";
  retrieval.start_time = kStart - 3 * core::kNanosPerSecond;
  retrieval.index_version = "policies-2026-11";
  retrieval.documents = {{"refund-policy-7", "kb", 0.91, "Refunds above 500 EUR need a manager."}};

  model::AiSpan llm;
  llm.trace_id = kTrace;
  llm.span_id = "00f067aa0ba902b8";
  llm.name = "chat";
  llm.kind = model::SpanKind::kLlm;
  llm.workflow = "support-refunds";
  llm.start_time = kStart - 2 * core::kNanosPerSecond;
  llm.prompt_version = "refund-v12";
  llm.model_version = "2026-10-01";
  llm.request_model = "gpt-4o";
  llm.input_messages = {{"user", "I want my money back for A-17", {}}};

  model::AiSpan tool;
  tool.trace_id = kTrace;
  tool.span_id = "00f067aa0ba902b9";
  tool.name = "execute_tool issue_refund";
  tool.kind = model::SpanKind::kTool;
  tool.workflow = "support-refunds";
  tool.start_time = kStart - 1 * core::kNanosPerSecond;
  tool.tool_name = "issue_refund";
  tool.tool_arguments = R"({"order":"A-17","amount":4000})";
  return {retrieval, llm, tool};
}

class ReviewServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = std::make_shared<config::Config>();
    model::Workflow w;
    w.id = "support-refunds";
    config_->workflows = {w};
    config_->reviews.sla_minutes = 30;
    open();
  }

  void open() {
    service_.reset();
    store_.reset();
    auto store = store::open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
    ReviewServiceOptions options;
    options.on_signals = [this] { notified_++; };
    service_ = std::make_unique<ReviewService>(*store_, clock_, [this] { return config_; },
                                               options);
    // No timer thread: the test moves the clock and calls tick() itself.
    auto started = service_->start(/*run_timer=*/false);
    ASSERT_TRUE(started.ok()) << started.error().message();
  }

  ReviewItem submit(ReviewSubmission s = refund_output()) {
    auto submitted = service_->submit(std::move(s), kApp);
    EXPECT_TRUE(submitted.ok()) << submitted.error().message();
    return submitted.ok() ? submitted->item : ReviewItem{};
  }

  std::vector<model::Signal> signals(const std::string& detector) {
    store::SignalQuery q;
    q.detector = detector;
    auto page = store_->query_signals(q);
    EXPECT_TRUE(page.ok()) << page.error().message();
    return page.ok() ? page->signals : std::vector<model::Signal>{};
  }

  std::vector<model::AuditEntry> audit() {
    auto entries = store_->list_audit(0, 1000);
    EXPECT_TRUE(entries.ok());
    return entries.ok() ? *entries : std::vector<model::AuditEntry>{};
  }

  testing::TempDir dir_;
  core::ManualClock clock_{kStart};
  std::shared_ptr<config::Config> config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ReviewService> service_;
  std::atomic<int> notified_{0};
};

TEST_F(ReviewServiceTest, SubmittedItemIsPendingAndDueAfterTheSla) {
  ReviewItem item = submit();
  EXPECT_EQ(item.id.rfind("rev-", 0), 0u);
  EXPECT_EQ(item.state, ReviewState::kPending);
  EXPECT_EQ(item.due_at, kStart + 30 * kMinute);
  EXPECT_EQ(item.submitted_by, "support-bot (key-app)");

  auto read = service_->get(item.id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->output, kSecretOutput);
  EXPECT_EQ(json::serialize(read->evidence), R"({"customer_tier":"gold"})");

  auto list = service_->list({{ReviewState::kPending}});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].id, item.id);
}

TEST_F(ReviewServiceTest, PerWorkflowSlaOverridesTheDefault) {
  config_->reviews.workflow_sla_minutes["support-refunds"] = 5;
  EXPECT_EQ(submit().due_at, kStart + 5 * kMinute);
}

TEST_F(ReviewServiceTest, SubmissionIsValidatedWithMessagesThatSayWhatToFix) {
  auto s = refund_output();
  s.workflow = "billing";
  auto r = service_->submit(s, kApp);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), core::Code::kNotFound);
  EXPECT_NE(r.error().message().find("billing"), std::string::npos);

  s = refund_output();
  s.trace_id = "not-a-trace";
  r = service_->submit(s, kApp);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("32 hex"), std::string::npos);

  s = refund_output();
  s.action = "tool:";
  r = service_->submit(s, kApp);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), core::Code::kInvalidArgument);

  s = refund_output();
  s.output = "";
  r = service_->submit(s, kApp);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("'output' is required"), std::string::npos);

  config_->reviews.max_output_bytes = 1024;
  s = refund_output();
  s.output = std::string(2000, 'x');
  r = service_->submit(s, kApp);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), core::Code::kPayloadTooLarge);
}

TEST_F(ReviewServiceTest, SameIdempotencyKeyGivesTheSameItem) {
  auto first = service_->submit(refund_output("msg-17"), kApp);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->created);
  auto again = service_->submit(refund_output("msg-17"), kApp);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->item.id, first->item.id);

  auto different = refund_output("msg-17");
  different.output = "something else";
  auto refused = service_->submit(different, kApp);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kAlreadyExists);
}

TEST_F(ReviewServiceTest, ApproveRejectAndEditEachDecideOnce) {
  ReviewItem a = submit(), b = submit(), c = submit();
  clock_.advance(2 * kMinute);

  auto approved = service_->decide(a.id, ReviewVerdict::kApprove, "", "", kReviewer);
  ASSERT_TRUE(approved.ok()) << approved.error().message();
  EXPECT_EQ(approved->state, ReviewState::kApproved);
  EXPECT_EQ(approved->decided_by, "Dana (key-rev)");
  EXPECT_EQ(approved->decided_at, kStart + 2 * kMinute);
  EXPECT_EQ(approved->final_output(), kSecretOutput);

  auto rejected =
      service_->decide(b.id, ReviewVerdict::kReject, "promises a refund", "", kReviewer);
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->state, ReviewState::kRejected);

  auto edited = service_->decide(c.id, ReviewVerdict::kEdit, "amount needs a manager",
                                 "A manager will review your refund today.", kReviewer);
  ASSERT_TRUE(edited.ok());
  EXPECT_EQ(edited->state, ReviewState::kEdited);
  EXPECT_EQ(edited->final_output(), "A manager will review your refund today.");
  EXPECT_EQ(edited->output, kSecretOutput);  // what was submitted stays on record

  auto twice = service_->decide(a.id, ReviewVerdict::kReject, "changed my mind", "", kReviewer);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(twice.error().message().find("approved already by Dana"), std::string::npos);

  auto list = service_->list({{ReviewState::kPending}});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->items.empty());

  // Every decision is an audit entry, and none carries the held text.
  int decisions = 0;
  for (const auto& e : audit()) {
    if (e.action == "review.approve" || e.action == "review.reject" || e.action == "review.edit") {
      decisions++;
    }
    EXPECT_EQ(e.detail.find("Refund of 4,000"), std::string::npos) << e.detail;
    EXPECT_EQ(e.detail.find("A manager will"), std::string::npos) << e.detail;
  }
  EXPECT_EQ(decisions, 3);
}

TEST_F(ReviewServiceTest, RejectAndEditNeedAReason) {
  ReviewItem item = submit();
  auto r = service_->decide(item.id, ReviewVerdict::kReject, "", "", kReviewer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), core::Code::kInvalidArgument);
  r = service_->decide(item.id, ReviewVerdict::kEdit, "wrong amount", "", kReviewer);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("'output' is required"), std::string::npos);
  r = service_->decide("rev-000000000000", ReviewVerdict::kApprove, "", "", kReviewer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), core::Code::kNotFound);
}

TEST_F(ReviewServiceTest, RejectionStoresANearMissSignalWithoutTheOutput) {
  ReviewItem item = submit();
  ASSERT_TRUE(
      service_->decide(item.id, ReviewVerdict::kReject, "promises money we cannot pay", "",
                       kReviewer)
          .ok());
  auto found = signals(ReviewService::kRejectionDetector);
  ASSERT_EQ(found.size(), 1u);
  const model::Signal& s = found[0];
  EXPECT_EQ(s.category, model::Category::kNearMiss);
  EXPECT_EQ(s.workflow, "support-refunds");
  EXPECT_EQ(s.trace_id, kTrace);
  EXPECT_NE(s.summary.find("promises money we cannot pay"), std::string::npos);
  const std::string everything = json::serialize(model::to_json(s));
  EXPECT_EQ(everything.find("Refund of 4,000"), std::string::npos) << everything;
  EXPECT_GE(notified_.load(), 1);
}

TEST_F(ReviewServiceTest, WaiterIsWokenByTheDecision) {
  ReviewItem item = submit();
  std::atomic<int> woken{0};
  service_->when_decided(item.id, kStart + kMinute, [&] { woken++; });
  EXPECT_EQ(woken.load(), 0);
  ASSERT_TRUE(service_->decide(item.id, ReviewVerdict::kApprove, "", "", kReviewer).ok());
  EXPECT_EQ(woken.load(), 1);
  // A decided item answers at once.
  service_->when_decided(item.id, kStart + kMinute, [&] { woken++; });
  EXPECT_EQ(woken.load(), 2);
}

TEST_F(ReviewServiceTest, WaiterIsAnsweredAtItsDeadlineAndAtStop) {
  ReviewItem item = submit();
  std::atomic<int> woken{0};
  service_->when_decided(item.id, kStart + 30 * core::kNanosPerSecond, [&] { woken++; });
  service_->when_decided(item.id, kStart + 50 * core::kNanosPerSecond, [&] { woken++; });
  clock_.advance(31 * core::kNanosPerSecond);
  service_->tick();
  EXPECT_EQ(woken.load(), 1);
  service_->stop();
  EXPECT_EQ(woken.load(), 2);
}

TEST_F(ReviewServiceTest, OverdueItemIsEscalatedOnceWithASignalAndListedFirst) {
  ReviewItem old_item = submit();
  clock_.advance(10 * kMinute);
  ReviewItem newer = submit();
  clock_.advance(21 * kMinute);  // old_item is 1 minute overdue; newer has 9 minutes left

  EXPECT_EQ(service_->tick(), 1);
  EXPECT_EQ(service_->tick(), 0);  // once
  auto escalated = service_->get(old_item.id);
  ASSERT_TRUE(escalated.ok());
  EXPECT_EQ(escalated->escalated_at, clock_.now());
  EXPECT_EQ(escalated->state, ReviewState::kPending);  // escalation is not a decision

  auto found = signals(ReviewService::kSlaDetector);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].category, model::Category::kAvailability);
  EXPECT_EQ(found[0].workflow, "support-refunds");
  EXPECT_EQ(found[0].trace_id, kTrace);
  EXPECT_EQ(json::serialize(model::to_json(found[0])).find("Refund of 4,000"), std::string::npos);
  EXPECT_GE(notified_.load(), 1);

  bool audited = false;
  for (const auto& e : audit()) audited = audited || (e.action == "review.escalate" &&
                                                      e.subject == old_item.id);
  EXPECT_TRUE(audited);

  // Listed as a queue: overdue first, also among all states.
  auto pending = service_->list({{ReviewState::kPending}});
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->items.size(), 2u);
  EXPECT_EQ(pending->items[0].id, old_item.id);
  auto all = service_->list({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->items.size(), 2u);
  EXPECT_EQ(all->items[0].id, old_item.id);
  EXPECT_EQ(all->items[1].id, newer.id);
}

TEST_F(ReviewServiceTest, PendingItemsAndTheirSlaSurviveARestart) {
  ReviewItem item = submit();
  open();  // a new service over the same store
  auto read = service_->get(item.id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->state, ReviewState::kPending);
  clock_.advance(31 * kMinute);
  EXPECT_EQ(service_->tick(), 1);
  ASSERT_TRUE(service_->decide(item.id, ReviewVerdict::kApprove, "fine", "", kReviewer).ok());
}

TEST_F(ReviewServiceTest, EvidenceComesFromTheStoredTrace) {
  ReviewItem item = submit();
  ASSERT_TRUE(store_->append_spans(refund_trace()).ok());
  json::object evidence = service_->evidence(item);
  EXPECT_EQ(evidence.at("trace").as_string(), "stored");
  EXPECT_EQ(evidence.at("spans").to_number<int>(), 3);
  const auto& docs = evidence.at("retrieved_documents").as_array();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].at("id").as_string(), "refund-policy-7");
  EXPECT_EQ(docs[0].at("content").as_string(), "Refunds above 500 EUR need a manager.");
  const auto& calls = evidence.at("tool_calls").as_array();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].at("tool").as_string(), "issue_refund");
  EXPECT_EQ(calls[0].at("arguments").at("amount").to_number<int>(), 4000);
  const auto& versions = evidence.at("versions").as_object();
  EXPECT_EQ(json::serialize(versions.at("prompt")), R"(["refund-v12"])");
  EXPECT_EQ(json::serialize(versions.at("index")), R"(["policies-2026-11"])");
  const auto& conversation = evidence.at("conversation").as_array();
  ASSERT_EQ(conversation.size(), 1u);
  EXPECT_EQ(conversation[0].at("content").as_string(), "I want my money back for A-17");

  json::object summary = evidence_summary(evidence);
  EXPECT_EQ(summary.at("retrieved_documents").to_number<int>(), 1);
  EXPECT_EQ(summary.at("tool_calls").to_number<int>(), 1);
}

TEST_F(ReviewServiceTest, MissingTraceIsSaidNotHidden) {
  ReviewItem item = submit();
  json::object evidence = service_->evidence(item);
  EXPECT_EQ(evidence.at("trace").as_string(), "not stored yet");
  EXPECT_EQ(evidence.at("trace_id").as_string(), kTrace);
  EXPECT_FALSE(evidence.at("note").as_string().empty());
}

TEST_F(ReviewServiceTest, DecisionIsAReviewEventOnTheWorkflowsActiveIncident) {
  model::Incident incident;
  incident.title = "refunds issued twice";
  incident.workflow = "support-refunds";
  incident.opened_at = kStart;
  auto saved = store_->save_incident({incident, {}, {}});
  ASSERT_TRUE(saved.ok()) << saved.error().message();
  const std::int64_t number = saved->incident.number;

  ReviewItem item = submit();
  EXPECT_EQ(item.incident, number);
  ASSERT_TRUE(
      service_->decide(item.id, ReviewVerdict::kReject, "wrong amount", "", kReviewer).ok());
  auto events = store_->incident_timeline(number, 0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  const model::TimelineEvent& e = events->front();
  EXPECT_EQ(e.kind, model::TimelineKind::kReview);
  EXPECT_EQ(e.actor, "key-rev");
  EXPECT_EQ(e.reason, "wrong amount");
  EXPECT_EQ(json::serialize(e.detail).find("Refund of 4,000"), std::string::npos);
}

TEST(ReviewConfigTest, ReviewsSectionIsReadAndItsWorkflowsChecked) {
  testing::TempDir dir;
  testing::write_file(dir.file("aiir.yaml"),
                      "reviews:\n"
                      "  sla_minutes: 20\n"
                      "  workflows:\n"
                      "    support-refunds: {sla_minutes: 5}\n");
  std::filesystem::create_directories(dir.file("workflows"));
  std::filesystem::copy(std::string(AIIR_SOURCE_DIR) + "/examples/workflows/support-refunds.yaml",
                        dir.file("workflows/support-refunds.yaml"));
  core::Diagnostics diags;
  auto loaded = config::load_config(dir.path(), diags);
  ASSERT_TRUE(loaded) << diags.to_string();
  EXPECT_EQ(loaded->reviews.sla_for("support-refunds"), 5);
  EXPECT_EQ(loaded->reviews.sla_for("other"), 20);

  testing::write_file(dir.file("aiir.yaml"),
                      "reviews:\n"
                      "  workflows:\n"
                      "    billing: {sla_minutes: 5}\n");
  core::Diagnostics bad;
  EXPECT_FALSE(config::load_config(dir.path(), bad));
  const std::string text = bad.to_string();
  EXPECT_NE(text.find("aiir.yaml:3:5: reviews.workflows: unknown workflow 'billing'"),
            std::string::npos)
      << text;
}

TEST_F(ReviewServiceTest, ItemJsonWithholdsContentWhenAsked) {
  ReviewItem item = submit();
  const std::string with = json::serialize(to_json(item, clock_.now(), true));
  const std::string without = json::serialize(to_json(item, clock_.now(), false));
  EXPECT_NE(with.find("Refund of 4,000"), std::string::npos);
  EXPECT_EQ(without.find("Refund of 4,000"), std::string::npos);
  EXPECT_EQ(without.find("gold"), std::string::npos);
}

}  // namespace
}  // namespace aiir::contain
