#pragma once
// The human review queue at run time (docs/reviews.md): the AI application submits an output it
// holds, waits for the decision (long-polling through when_decided), and reviewers approve, reject
// or edit it with the evidence beside it.
//
// - Every change (submit, decide, escalate) is stored with its audit entry in one transaction
//   (store::Record kind "review"); a decision is refused on an item decided already, also when two
//   reviewers race: changes are serialized by one lock.
// - A rejection is a near miss: it is committed as a signal (detector "human-review", category
//   near_miss, no output text) and on_signals is called so the incident component groups it.
// - SLA: an item is due the workflow's reviews SLA after submission. tick() escalates each pending
//   item past its due time once (escalated_at, audit entry "review.escalate", and a signal:
//   detector "review-sla", category availability, since the user waits for an answer that is not
//   coming). A thread calls tick() while started; tests call it with a manual clock instead.
// - Restart-safe: start() reloads the pending items, whose due times are absolute, so their SLA
//   continues where it was.
//
// Raw AI content (outputs, arguments, trace content) passes through but is never logged.
//
// Thread-safe.

#include <boost/json.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "contain/review.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace aiir::contain {

struct ReviewServiceOptions {
  // The longest the timer thread sleeps between looks for overdue items and expired waiters: the
  // precision of escalation and of a long-poll's timeout.
  core::UnixNanos tick = 500 * core::kNanosPerMilli;
  // Called after signals were stored (a rejection, an escalation): app/ wakes the incident
  // component with it. May be empty. Called without the service's locks held.
  std::function<void()> on_signals;
};

// Who acts: an API key.
struct ReviewActor {
  std::string key_id;
  std::string name;
  std::string label() const;  // "name (key id)"
};

// What the application submits (POST /v1/reviews).
struct ReviewSubmission {
  std::string workflow;
  std::string trace_id;
  std::string action;  // "output" or "tool:<name>" (any form contain::parse_action reads)
  std::string output;
  boost::json::object arguments;
  boost::json::object evidence;
  std::string idempotency_key;  // "" for none
};

struct ReviewListQuery {
  std::vector<ReviewState> states;  // empty: every state
  std::string workflow;
  int limit = 100;                     // 1..1000
  std::optional<std::int64_t> before;  // cursor (ignored for a pending-only list, which is whole)
};

struct ReviewList {
  std::vector<ReviewItem> items;  // overdue first (most overdue first), then by due time
  std::optional<std::int64_t> next_cursor;
};

struct ReviewStats {
  std::int64_t pending = 0;
  std::int64_t overdue = 0;
  std::uint64_t submitted = 0;
  std::uint64_t approved = 0;
  std::uint64_t rejected = 0;
  std::uint64_t edited = 0;
  std::uint64_t escalated = 0;
  std::uint64_t store_errors = 0;
  double decision_seconds_sum = 0;  // over decisions since start
};

class ReviewService {
 public:
  using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;
  static constexpr const char* kRejectionDetector = "human-review";
  static constexpr const char* kSlaDetector = "review-sla";

  ReviewService(store::Store& store, const core::Clock& clock, ConfigSource config,
                ReviewServiceOptions options = {});
  ~ReviewService();  // stop()
  ReviewService(const ReviewService&) = delete;
  ReviewService& operator=(const ReviewService&) = delete;

  // Loads the pending items. With `run_timer`, also starts the thread that calls tick().
  core::Status start(bool run_timer = true);
  // Stops the thread and answers every waiter now (with the item as it is).
  void stop();

  struct Submitted {
    ReviewItem item;
    bool created = true;  // false: the same Idempotency-Key was submitted before; this is that item
  };
  // Validates and stores a new pending item. Errors: kInvalidArgument naming the member to fix;
  // kNotFound for a workflow the inventory lacks; kPayloadTooLarge over reviews.max_output_bytes;
  // kAlreadyExists when the idempotency key was used for a different submission.
  core::Result<Submitted> submit(ReviewSubmission submission, const ReviewActor& app);

  // kNotFound for an unknown id.
  core::Result<ReviewItem> get(const std::string& id);
  core::Result<ReviewList> list(const ReviewListQuery& query);

  // Decides a pending item. `reason` is required to reject and to edit, `edited_output` (not
  // empty) to edit and refused otherwise (kInvalidArgument). kNotFound for an unknown id;
  // kFailedPrecondition (409) for an item decided already, naming that decision. Returns the item
  // as stored.
  core::Result<ReviewItem> decide(const std::string& id, ReviewVerdict verdict,
                                  const std::string& reason, const std::string& edited_output,
                                  const ReviewActor& reviewer);

  // Calls `ready` once (on the caller's thread, a decider's, or the timer's) when item `id` is no
  // longer pending (or unknown) or at `deadline`, whichever is first; at once when stopped.
  // For long-polls: the caller reads the item again in `ready`.
  void when_decided(const std::string& id, core::UnixNanos deadline, std::function<void()> ready);

  // The evidence beside item `item` (contain::review_evidence): read from its stored trace.
  boost::json::object evidence(const ReviewItem& item);

  // Escalates overdue items and answers waiters whose deadline passed, at clock.now(). Returns
  // how many items it escalated.
  int tick();

  ReviewStats stats() const;
  // Prometheus families: pending and overdue items, decisions by verdict, time to decision.
  void render_metrics(std::string& out) const;

 private:
  struct Waiter {
    core::UnixNanos deadline;
    std::function<void()> ready;
  };

  void run();
  // change_mu_ held. Saves `change`; on success updates pending_.
  core::Result<ReviewItem> save_locked(const ReviewItem& item, store::RecordChange change);
  std::int64_t active_incident(const std::string& workflow);
  core::Status raise(const model::Signal& signal);
  // Answers the waiters of `id`.
  void release(const std::string& id);

  store::Store& store_;
  const core::Clock& clock_;
  ConfigSource config_;
  ReviewServiceOptions options_;

  mutable std::mutex change_mu_;  // serializes submit, decide and escalation
  // Pending items: id → (due_at, escalated). The timer reads only this, not the store.
  struct Pending {
    core::UnixNanos due_at = 0;
    bool escalated = false;
  };
  std::map<std::string, Pending> pending_;  // GUARDED_BY(change_mu_)

  mutable std::mutex mu_;  // waiters, stats and the thread's state
  std::map<std::string, std::vector<Waiter>> waiters_;  // GUARDED_BY(mu_)
  ReviewStats stats_;                                    // GUARDED_BY(mu_)
  bool stopping_ = false;                                // GUARDED_BY(mu_)
  bool running_ = false;                                 // GUARDED_BY(mu_): accepting waiters
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace aiir::contain
