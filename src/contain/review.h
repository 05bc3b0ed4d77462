#pragma once
// ReviewItem: one output (or tool call) the AI application holds back until a person has looked
// at it (issue 6, the human review queue). The application submits it, a reviewer approves,
// rejects or edits it, and the application sends what the decision says.
//
// Its lifecycle:
//
//   pending ──approve──▶ approved   (send the output as submitted)
//           ──reject───▶ rejected   (send nothing; a near-miss signal is raised)
//           ──edit─────▶ edited     (send the reviewer's text instead)
//
// A decided item is final. An overdue pending item stays pending but is marked escalated
// (escalated_at); escalation is not a decision.
//
// Kept in the store as a store::Record of kind "review": state, workflow, incident and time are
// the record's columns, everything else its body.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "store/store.h"

namespace aiir::contain {

enum class ReviewState { kPending, kApproved, kRejected, kEdited };

// "pending", "approved", "rejected", "edited" and back (exact, lower case).
std::string_view to_string(ReviewState state);
std::optional<ReviewState> parse_review_state(std::string_view text);
const std::vector<std::pair<std::string_view, ReviewState>>& review_state_names();

// A reviewer's verdict: what POST /v1/reviews/{id}/approve|reject|edit asks for.
enum class ReviewVerdict { kApprove, kReject, kEdit };
// "approve", "reject", "edit".
std::string_view to_string(ReviewVerdict verdict);
// The state a verdict leaves the item in.
ReviewState state_after(ReviewVerdict verdict);

struct ReviewItem {
  std::string id;        // "rev-" + 12 hex digits
  std::string workflow;  // a workflow of the inventory
  std::string trace_id;  // the trace that produced the output (32 hex, lower case)
  std::string action;    // what is held: "output", "tool:issue_refund", "write:crm", ...
  // The text the application wants to send. Raw AI content: shown to reviewers, never logged.
  std::string output;
  boost::json::object arguments;  // the tool's arguments, for a held tool call
  boost::json::object evidence;   // whatever else the application chose to show the reviewer
  std::string submitted_by;       // "name (key id)" of the application's key
  std::string submitter_key;      // that key's id (idempotency keys are per submitter)
  std::string idempotency_key;    // the Idempotency-Key header of the submission; "" for none
  core::UnixNanos submitted_at = 0;
  core::UnixNanos due_at = 0;        // submitted_at + the workflow's SLA
  core::UnixNanos escalated_at = 0;  // when it was found overdue; 0 = not (yet)
  // The incident of the workflow that was active at submission (0 = none): its timeline hears
  // the decision.
  std::int64_t incident = 0;

  ReviewState state = ReviewState::kPending;
  // The decision; empty while pending.
  std::string decided_by;  // "name (key id)"
  core::UnixNanos decided_at = 0;
  std::string reason;
  std::string edited_output;  // the reviewer's text, for an edited item

  std::int64_t seq = 0;  // the store's creation order

  bool decided() const { return state != ReviewState::kPending; }
  // What the application may send now: the edited text when edited, the submitted one otherwise.
  const std::string& final_output() const {
    return state == ReviewState::kEdited ? edited_output : output;
  }
  // Overdue at `now`: pending and past its due time.
  bool overdue(core::UnixNanos now) const { return !decided() && due_at != 0 && now >= due_at; }
};

// The record the store keeps for `item`, and back. kInternal when a record of kind "review" does
// not hold a review (an unknown state name): the store was written by something else.
store::Record to_record(const ReviewItem& item);
core::Result<ReviewItem> review_from_record(const store::Record& record);

// The API's JSON form (times RFC 3339; zero times and empty strings omitted; "overdue" computed
// at `now`). Without `content` the output, edited output, tool arguments and the application's
// evidence are left out (a list for readers who should see only that something waits).
boost::json::object to_json(const ReviewItem& item, core::UnixNanos now, bool content);

}  // namespace aiir::contain
