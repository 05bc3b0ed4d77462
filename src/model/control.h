#pragma once
// Control: one containment measure in force on a workflow (issue 6) — a pause, a forced review,
// a disabled or narrowed tool, a pinned version, a blocked retrieval source or stopped writes —
// with who set it, why, the incident it belongs to and when it ends. Pure domain type: the
// contain component evaluates controls (contain/decision.h), the store keeps them.

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/workflow.h"

namespace aiir::model {

// One kind per containment option a workflow can declare (model::ContainmentOption), in the same
// order and with the same names, then kDrill: a rehearsal control (aiir drill) that changes no
// decision but must reach every instance like a real one, so that the time it takes is measured.
enum class ControlKind {
  kPause, kForceReview, kDisableTool, kNarrowTool, kPinVersion, kBlockSource, kStopWrites, kDrill
};
inline constexpr std::size_t kControlKindCount = 8;

// "pause", "force_review", "disable_tool", "narrow_tool", "pin_version", "block_source",
// "stop_writes", "drill", and the inverse. Exact lower case: parse returns nullopt on anything else. The
// list is in enum order.
std::string_view to_string(ControlKind kind);
std::optional<ControlKind> parse_control_kind(std::string_view text);
const std::vector<std::pair<std::string_view, ControlKind>>& control_kind_names();
// The workflow's containment option that allows this kind of control; nullopt for a drill, which
// every workflow allows (rehearsing is never the risky part).
std::optional<ContainmentOption> containment_option(ControlKind kind);

// A limit on one argument of a narrowed tool. A call is inside the limit when the argument is
// present and satisfies every part that is set.
struct ArgumentLimit {
  // Where the argument is in the call's arguments: a top-level key ("amount") or a dotted path
  // into nested objects ("refund.amount").
  std::string argument;
  std::optional<double> max;         // the value must be a number (or numeric string) ≤ max
  std::vector<std::string> allowed;  // when non-empty, the value must be one of these
};

struct Control {
  std::string id;        // unique among controls; assigned by whoever stores it
  std::string workflow;  // the workflow's id
  ControlKind kind = ControlKind::kPause;
  std::string tool;    // disable_tool, narrow_tool: the tool's name as the workflow declares it
  std::string source;  // block_source: the retrieval source's name
  std::string target;  // stop_writes: the write target; empty = every target
  // pin_version: the part (prompt, model, retrieval index) and the version to use.
  VersionedPartKind part_kind = VersionedPartKind::kPrompt;
  std::string part_name;
  std::string version;
  std::vector<ArgumentLimit> limits;  // narrow_tool
  // force_review: applies only to requests whose top-level attributes match. Pairs with the same
  // key are alternatives (account_segment in [enterprise, public_sector]); different keys must
  // all match. Empty = every output.
  std::vector<std::pair<std::string, std::string>> when;
  std::string reason;  // why it was set, in words a responder reads
  std::string set_by;  // API key id or person
  core::UnixNanos set_at = 0;
  std::int64_t incident = 0;       // INC-<n> it belongs to; 0 = none
  core::UnixNanos expires_at = 0;  // applies while now < expires_at; 0 = until lifted
  // Staged lift: this share of traffic (0..100) passes as if the control were gone. 0 = in force.
  int lift_percent = 0;
  core::UnixNanos lifted_at = 0;  // set when fully lifted; a lifted control no longer applies
  // The controls version whose change last touched this control (set, staged or lifted); set by
  // the store. An instance that has applied this version or a later one has this control.
  std::int64_t controls_version = 0;

  // False once expires_at has passed (expires_at ≤ now); true for a control without expiry.
  bool active_at(core::UnixNanos now) const { return expires_at == 0 || now < expires_at; }
};

// The API's JSON form, and back. Empty strings, zero times and a zero incident are omitted;
// "incident" is written as "INC-7" and read as that or a bare number. Kind-specific members are
// written for their kind only ("tool" for disable/narrow, "part_kind"/"part_name"/"version" for
// pin_version, ...). "when" is an object from attribute to a value or a list of values
// ({"account_segment": ["enterprise", "public_sector"]}); writing groups pairs by attribute in
// order of first appearance.
//
// control_from_json ignores unknown members. It refuses (kInvalidArgument, naming the member) a
// missing or unknown "kind" and wrongly typed limits or "when" values, because defaulting those
// would silently change what the control does; everything else absent reads as empty or zero.
boost::json::object to_json(const Control& control);
core::Result<Control> control_from_json(const boost::json::object& object);

// Whether `control` may be set on `workflow` (the inventory's entry for control.workflow; null
// when the inventory does not know it, which is kNotFound). Checks, with a message naming the
// control and what to change (kInvalidArgument):
//  - id, workflow, reason and set_by are given, and control.workflow is workflow->id;
//  - the workflow declares the matching containment option;
//  - lift_percent is within 0..100 and expires_at, when set, is after set_at;
//  - per kind: the tool is one the workflow declares (disable/narrow); a narrow_tool has limits,
//    each naming an argument and a max or allowed values; the pinned part exists with that
//    version; a blocked source is named; force_review conditions name their attribute.
// A pause needs nothing more: a workflow without a declared fallback falls back to an error.
core::Status validate(const Control& control, const Workflow* workflow);

}  // namespace aiir::model
