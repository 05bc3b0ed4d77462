#pragma once
// Controls read as feature flags, for the OpenFeature Remote Evaluation Protocol (OFREP, served by
// http/handlers/ofrep.cpp; users read docs/ofrep.md). Each workflow W of the inventory (or named
// by a control) has these flags:
//
//   W.paused                      bool    a pause is in force
//   W.force_review                bool    outputs for this context are held for review
//   W.drill                       bool    a drill control is in force
//   W.tool.<tool>.enabled         bool    false while the tool is disabled (disable_tool)
//   W.tool.<tool>.limits          object  narrow_tool limits in force: {"<argument>": {"max": 50,
//                                         "allowed": ["a", "b"]}}; {} when none
//   W.source.<source>.enabled     bool    false while the retrieval source is blocked
//   W.writes.enabled              bool    false while writes to every target are stopped
//   W.write.<target>.enabled      bool    false while writes to the target are stopped (also by
//                                         a stop_writes on every target)
//   W.<kind>.version              string  kind: prompt, model or retrieval_index; only when the
//                                         workflow has exactly one part of that kind
//   W.<kind>.<part>.version       string  always; the pinned version while a pin is in force,
//                                         otherwise the inventory's current one
//
// Tools must be ones the workflow declares (or a control names); sources and write targets are
// not in the inventory, so any name is answered. Flags mean only what their control kind does:
// W.tool.T.enabled stays true while W is paused (the application checks W.paused first).
//
// Every boolean flag is answered by contain::decide() on the equivalent request (W.paused: a
// pause decided "llm"; W.tool.T.enabled: no disable_tool decided "tool:T"; ...), with the
// context's targetingKey as the user and its other members as attributes, so a flag and a
// decision can never disagree. Reasons (OFREP's enum):
//   STATIC           no control concerns the flag
//   TARGETING_MATCH  a control in force decided it
//   SPLIT            a staged lift decided it: the targetingKey's bucket put this context on the
//                    lifted side of a control that would otherwise have decided it, or on the
//                    in-force side of a control being lifted
// A context without a targetingKey is never on the lifted side (as decide: strict is safe).
//
// Pure, never throws; reads only its arguments. Safe from many threads on one snapshot.

#include <boost/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "contain/control_snapshot.h"
#include "core/clock.h"
#include "core/result.h"
#include "model/workflow.h"

namespace aiir::contain {

enum class FlagReason { kStatic, kTargetingMatch, kSplit };
// "STATIC", "TARGETING_MATCH", "SPLIT".
std::string_view to_string(FlagReason reason);

// The OpenFeature evaluation context.
struct FlagContext {
  std::string targeting_key;  // buckets staged lifts; empty: every staged control stays in force
  // Every member of the context (targetingKey included): force_review conditions match these.
  boost::json::object attributes;
};

struct FlagEvaluation {
  std::string key;
  boost::json::value value;  // bool, string or object
  std::string variant;       // "on"/"off" for booleans, the version, "narrowed"/"unlimited"
  FlagReason reason = FlagReason::kStatic;
  std::vector<std::string> controls;  // ids of the controls that decided it, in decide's order
  std::int64_t controls_version = 0;  // of the snapshot that answered
};

// Evaluates the flag `key` at `now`. `inventory` is the configured workflows (for tools and
// current versions). kNotFound, with a message naming what is unknown and what exists, for a key
// that is not of the forms above, a workflow neither the inventory nor a control names, a tool
// the workflow does not declare, or a versioned part it does not have (and for W.<kind>.version
// when the workflow has several parts of the kind: the message lists the qualified keys).
core::Result<FlagEvaluation> evaluate_flag(const ControlSnapshot& snapshot,
                                           std::span<const model::Workflow> inventory,
                                           std::string_view key, const FlagContext& context,
                                           core::UnixNanos now);

// Every flag of every workflow (or of `only_workflow` when it is not empty; kNotFound when that
// workflow is unknown), workflows in id order and each workflow's flags in the order of the
// table above; tools in inventory order, sources and write targets as named by controls.
core::Result<std::vector<FlagEvaluation>> evaluate_all_flags(
    const ControlSnapshot& snapshot, std::span<const model::Workflow> inventory,
    const FlagContext& context, core::UnixNanos now, std::string_view only_workflow = {});

// OFREP's evaluationSuccess: {"key", "value", "reason", "variant", "metadata":
// {"controls_version": 12, "controls": "ctl-a,ctl-b"}}; "controls" only when a control decided.
// (OFREP metadata values must be strings, numbers or booleans, hence the joined ids.)
boost::json::object to_json(const FlagEvaluation& evaluation);

}  // namespace aiir::contain
