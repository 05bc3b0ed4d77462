#pragma once
// The decision behind POST /v1/decide: the AI application asks before it acts, aiir answers from
// the snapshot of controls in force.
//
// What each control does to each action (every other pair is unaffected):
//
//   control       | llm  | tool:<t>          | retrieve:<s> | write:<t>   | output
//   --------------+------+-------------------+--------------+-------------+-----------------------
//   pause         | deny | deny              | deny         | deny        | by the fallback: human
//                 |      |                   |              |             | queue → review, canned
//                 |      |                   |              |             | message → degrade with
//                 |      |                   |              |             | it, error → deny
//   force_review  |      |                   |              |             | review (when matches)
//   disable_tool  |      | deny if t matches |              |             |
//   narrow_tool   |      | t matches: allow  |              |             |
//                 |      | inside the limits,|              |             |
//                 |      | deny outside      |              |             |
//   pin_version   | allow, carrying the pinned version (every action)
//   block_source  |      |                   | deny if s    |             |
//   stop_writes   |      |                   |              | degrade if t|
//                 |      |                   |              | matches (or |
//                 |      |                   |              | all targets)|
//
//   drill         | (nothing: a rehearsal only has to reach every instance)
//
// degrade on a write means a dry run: do not write, record what would have been written.
//
// Several controls: the strictest verdict wins (deny > review > degrade > allow) and the reasons
// and controls list every control that applied, in kind order then set_at order.
// A control applies while now < expires_at (or without expiry). A control being lifted in stages
// passes lift_percent of requests as if it were gone (see lift_bucket).
//
// Tool arguments are read from attributes["arguments"] when that is an object (the shape the SDKs
// send), otherwise from the attributes themselves. force_review conditions match top-level
// attributes; "user" and "account" fall back to user_id and account_id.
//
// Pure, never throws, and allocates only the answer; safe to call from many threads on one
// snapshot.

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "contain/action.h"
#include "contain/control_snapshot.h"
#include "core/clock.h"
#include "core/result.h"

namespace aiir::contain {

// Ordered by precedence: a stricter verdict compares greater.
enum class Verdict { kAllow, kDegrade, kReview, kDeny };
// "allow", "degrade", "review", "deny".
std::string_view to_string(Verdict verdict);

struct DecideRequest {
  std::string workflow;
  std::string action;  // see action.h
  boost::json::object attributes;
  std::string user_id;
  std::string account_id;
  std::string trace_id;
};

struct Decision {
  Verdict verdict = Verdict::kAllow;
  // Why, one per control that applied, in words the application can log or show a responder.
  std::vector<std::string> reasons;
  std::vector<std::string> controls;  // ids of the controls that applied, in the order of reasons
  // "prompt:refund-agent" → "v6": versions the application must use instead of its current ones.
  std::vector<std::pair<std::string, std::string>> pinned;
  std::string fallback_message;  // what to show instead, for a paused output with a canned message
  std::int64_t controls_version = 0;  // of the snapshot that answered
};

// Decides `request` at time `now`. kInvalidArgument (from parse_action) when the action is
// malformed: the application has a bug, and allowing or denying it would hide that.
//
// A workflow the snapshot does not know is allowed, with a reason saying that no controls apply:
// aiir is asked before every action and must not stop a workflow it was never told about (nor
// one added to the inventory after the snapshot was built).
core::Result<Decision> decide(const ControlSnapshot& snapshot, const DecideRequest& request,
                              core::UnixNanos now);

// Where a request falls for a staged lift: 0..99, from a hash of the control's id and the
// request's stable key (user id, else account id, else trace id). The control is lifted for the
// request when bucket < lift_percent, so the same user keeps the same answer while the
// percentage stays the same, and raising it only lifts more users. Hashing with the control's id
// spreads different controls' lifts over different users. A request without any key is never
// lifted below 100 percent: being strict is the safe way to be wrong.
int lift_bucket(std::string_view control_id, std::string_view key);

// {"decision": "deny", "reasons": [...], "controls": [...], "pinned": {"prompt:x": "v6"},
//  "fallback_message": "...", "controls_version": 12}; fallback_message only when set.
boost::json::object to_json(const Decision& decision);

// Whether `control` applies to a request whose stable key is `key` at `now`, exactly as decide()
// judges it: not expired, and not on the lifted side of a staged lift. For readers of controls
// that decide() has no action for (drills) and for telling why a control did not apply
// (contain/flags.h: a staged lift's bucket versus a condition that did not match).
bool control_in_force(const model::Control& control, std::string_view key, core::UnixNanos now);

}  // namespace aiir::contain
