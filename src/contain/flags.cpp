#include "contain/flags.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>
#include <utility>

#include "contain/decision.h"

namespace aiir::contain {
namespace {

namespace json = boost::json;
using model::Control;
using model::ControlKind;
using model::VersionedPartKind;

enum class FlagKind {
  kPaused, kForceReview, kDrill, kToolEnabled, kToolLimits, kSourceEnabled, kWritesEnabled,
  kWriteEnabled, kVersion
};

struct FlagKey {
  FlagKind kind = FlagKind::kPaused;
  std::string_view workflow;
  std::string_view name;  // the tool, source, target or part; empty for W.<kind>.version
  VersionedPartKind part_kind = VersionedPartKind::kPrompt;
};

constexpr std::string_view kFlagForms =
    "flags are <workflow>.paused, .force_review, .drill, .tool.<tool>.enabled, "
    ".tool.<tool>.limits, .source.<source>.enabled, .writes.enabled, .write.<target>.enabled, "
    ".<prompt|model|retrieval_index>.version and .<prompt|model|retrieval_index>.<part>.version "
    "(docs/ofrep.md)";

// The non-empty middle of `text` between `prefix` and `suffix`.
std::optional<std::string_view> between(std::string_view text, std::string_view prefix,
                                        std::string_view suffix) {
  if (text.size() <= prefix.size() + suffix.size()) return std::nullopt;
  if (!text.starts_with(prefix) || !text.ends_with(suffix)) return std::nullopt;
  return text.substr(prefix.size(), text.size() - prefix.size() - suffix.size());
}

std::optional<FlagKey> parse_key(std::string_view key) {
  auto dot = key.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  FlagKey out;
  out.workflow = key.substr(0, dot);
  std::string_view rest = key.substr(dot + 1);
  if (rest == "paused") out.kind = FlagKind::kPaused;
  else if (rest == "force_review") out.kind = FlagKind::kForceReview;
  else if (rest == "drill") out.kind = FlagKind::kDrill;
  else if (rest == "writes.enabled") out.kind = FlagKind::kWritesEnabled;
  else if (auto tool = between(rest, "tool.", ".enabled")) {
    out.kind = FlagKind::kToolEnabled;
    out.name = *tool;
  } else if (auto limited = between(rest, "tool.", ".limits")) {
    out.kind = FlagKind::kToolLimits;
    out.name = *limited;
  } else if (auto source = between(rest, "source.", ".enabled")) {
    out.kind = FlagKind::kSourceEnabled;
    out.name = *source;
  } else if (auto target = between(rest, "write.", ".enabled")) {
    out.kind = FlagKind::kWriteEnabled;
    out.name = *target;
  } else if (auto part = between(rest, "", ".version")) {
    auto part_dot = part->find('.');
    auto kind = model::parse_VersionedPartKind(part->substr(0, part_dot));
    if (!kind) return std::nullopt;
    out.kind = FlagKind::kVersion;
    out.part_kind = *kind;
    if (part_dot != std::string_view::npos) {
      out.name = part->substr(part_dot + 1);
      if (out.name.empty()) return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  return out;
}

const model::Workflow* find_workflow(std::span<const model::Workflow> inventory,
                                     std::string_view id) {
  for (const auto& w : inventory) {
    if (w.id == id) return &w;
  }
  return nullptr;
}

const model::VersionedPart* find_part(const model::Workflow* workflow, VersionedPartKind kind,
                                      std::string_view name) {
  if (workflow == nullptr) return nullptr;
  for (const auto& part : workflow->versioned_parts) {
    if (part.kind == kind && part.name == name) return &part;
  }
  return nullptr;
}

std::vector<const model::VersionedPart*> parts_of(const model::Workflow* workflow,
                                                  VersionedPartKind kind) {
  std::vector<const model::VersionedPart*> out;
  if (workflow == nullptr) return out;
  for (const auto& part : workflow->versioned_parts) {
    if (part.kind == kind) out.push_back(&part);
  }
  return out;
}

void add_unique(std::vector<std::string>& names, const std::string& name) {
  if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
    names.push_back(name);
  }
}

// A limit as JSON shows it: whole numbers without an exponent ("500", not "5E2").
json::value number_json(double value) {
  if (std::floor(value) == value && std::fabs(value) < 9e15) {
    return static_cast<std::int64_t>(value);
  }
  return value;
}

// Several narrowings of one tool all apply (decide denies a call outside any of them), so the
// limits in force are the tightest maximum and the values every narrowing allows.
json::object merged_limits(const std::vector<const Control*>& narrowings) {
  json::object out;
  for (const Control* control : narrowings) {
    for (const auto& limit : control->limits) {
      json::value& slot = out[limit.argument];
      if (!slot.is_object()) slot = json::object();
      json::object& entry = slot.as_object();
      if (limit.max) {
        const json::value* previous = entry.if_contains("max");
        double max = *limit.max;
        if (previous != nullptr) max = std::min(max, previous->to_number<double>());
        entry["max"] = number_json(max);
      }
      if (!limit.allowed.empty()) {
        json::array allowed;
        const json::value* previous = entry.if_contains("allowed");
        for (const auto& value : limit.allowed) {
          bool kept = previous == nullptr ||
                      std::any_of(previous->as_array().begin(), previous->as_array().end(),
                                  [&](const json::value& v) { return v.as_string() == value; });
          if (kept) allowed.emplace_back(value);
        }
        entry["allowed"] = std::move(allowed);
      }
    }
  }
  return out;
}

// Evaluates the flags of one workflow for one context, deciding each action at most once.
class Evaluator {
 public:
  Evaluator(const ControlSnapshot& snapshot, std::string_view workflow_id,
            const model::Workflow* workflow, const FlagContext& context, core::UnixNanos now)
      : snapshot_(snapshot),
        controls_(snapshot.find(workflow_id)),
        workflow_(workflow),
        key_(context.targeting_key),
        now_(now) {
    request_.workflow = std::string(workflow_id);
    request_.user_id = context.targeting_key;
    request_.attributes = context.attributes;
  }

  bool known() const { return controls_ != nullptr || workflow_ != nullptr; }
  const model::Workflow* workflow() const { return workflow_; }

  // The tools the workflow declares, then those only a control names (the inventory may have
  // dropped a tool that is still disabled).
  std::vector<std::string> tools() const {
    std::vector<std::string> out;
    if (workflow_ != nullptr) {
      for (const auto& tool : workflow_->tools) add_unique(out, tool.name);
    }
    for (ControlKind kind : {ControlKind::kDisableTool, ControlKind::kNarrowTool}) {
      for (const auto& control : of(kind)) add_unique(out, control.tool);
    }
    return out;
  }
  bool has_tool(std::string_view name) const {
    auto all = tools();
    return std::find(all.begin(), all.end(), name) != all.end();
  }
  std::vector<std::string> blocked_sources() const {
    std::vector<std::string> out;
    for (const auto& control : of(ControlKind::kBlockSource)) add_unique(out, control.source);
    return out;
  }
  std::vector<std::string> stopped_targets() const {
    std::vector<std::string> out;
    for (const auto& control : of(ControlKind::kStopWrites)) add_unique(out, control.target);
    return out;
  }

  core::Result<FlagEvaluation> evaluate(const FlagKey& flag, std::string key) {
    switch (flag.kind) {
      case FlagKind::kPaused:
        return boolean(std::move(key), "llm", ControlKind::kPause, true, everything);
      case FlagKind::kForceReview:
        return boolean(std::move(key), "output", ControlKind::kForceReview, true, everything);
      case FlagKind::kDrill: return drill(std::move(key));
      case FlagKind::kToolEnabled:
        return boolean(std::move(key), "tool:" + std::string(flag.name), ControlKind::kDisableTool,
                       false, [&](const Control& c) { return c.tool == flag.name; });
      case FlagKind::kToolLimits: return limits(std::move(key), flag.name);
      case FlagKind::kSourceEnabled:
        return boolean(std::move(key), "retrieve:" + std::string(flag.name),
                       ControlKind::kBlockSource, false,
                       [&](const Control& c) { return c.source == flag.name; });
      case FlagKind::kWritesEnabled:
        // Any target name asks decide about writes; only stops of every target answer this flag.
        return boolean(std::move(key), "write:*", ControlKind::kStopWrites, false,
                       [](const Control& c) { return c.target.empty(); });
      case FlagKind::kWriteEnabled:
        return boolean(std::move(key), "write:" + std::string(flag.name), ControlKind::kStopWrites,
                       false, [&](const Control& c) {
                         return c.target.empty() || c.target == flag.name;
                       });
      case FlagKind::kVersion: return version(std::move(key), flag.part_kind, flag.name);
    }
    return core::internal("unhandled flag kind");
  }

 private:
  static bool everything(const Control&) { return true; }

  const std::vector<Control>& of(ControlKind kind) const {
    static const std::vector<Control> kNone;
    return controls_ == nullptr ? kNone : controls_->of(kind);
  }

  // A staged lift puts this context on one side by its targetingKey's bucket.
  bool staged(const Control& control) const {
    return !key_.empty() && control.lift_percent > 0 && control.lift_percent < 100;
  }

  core::Result<const Decision*> decision(const std::string& action) {
    for (const auto& [cached_action, cached] : decisions_) {
      if (cached_action == action) return &cached;
    }
    request_.action = action;
    auto decided = decide(snapshot_, request_, now_);
    if (!decided) return decided.error();
    decisions_.emplace_back(action, std::move(*decided));
    return &decisions_.back().second;
  }

  // Which controls of `kind` that `concerns` the flag decided it (`decided`), and why.
  template <typename Concerns, typename Decided>
  FlagEvaluation resolve(std::string key, ControlKind kind, Concerns concerns, Decided decided,
                         std::vector<const Control*>& deciding) const {
    bool in_force = false;
    bool split = false;
    for (const auto& control : of(kind)) {
      if (!concerns(control)) continue;
      if (decided(control)) {
        deciding.push_back(&control);
        (staged(control) ? split : in_force) = true;
      } else if (control.active_at(now_) && staged(control) &&
                 !control_in_force(control, key_, now_)) {
        split = true;  // lifted for this context's bucket; it would have decided otherwise
      }
    }
    FlagEvaluation out;
    out.key = std::move(key);
    out.reason = in_force ? FlagReason::kTargetingMatch
                 : split  ? FlagReason::kSplit
                          : FlagReason::kStatic;
    for (const Control* control : deciding) out.controls.push_back(control->id);
    out.controls_version = snapshot_.version();
    return out;
  }

  static bool listed(const Decision& decision, const Control& control) {
    return std::find(decision.controls.begin(), decision.controls.end(), control.id) !=
           decision.controls.end();
  }

  static void set_boolean(FlagEvaluation& out, bool value) {
    out.value = value;
    out.variant = value ? "on" : "off";
  }

  // A boolean flag that is `when_decided` while a control of `kind` decided `action`.
  template <typename Concerns>
  core::Result<FlagEvaluation> boolean(std::string key, const std::string& action,
                                       ControlKind kind, bool when_decided, Concerns concerns) {
    auto decided = decision(action);
    if (!decided) return decided.error();
    const Decision& d = **decided;
    std::vector<const Control*> deciding;
    FlagEvaluation out = resolve(
        std::move(key), kind, concerns, [&](const Control& c) { return listed(d, c); }, deciding);
    set_boolean(out, deciding.empty() ? !when_decided : when_decided);
    return out;
  }

  // decide() has nothing to say about drills, so whether one applies is asked directly.
  FlagEvaluation drill(std::string key) const {
    std::vector<const Control*> deciding;
    FlagEvaluation out = resolve(
        std::move(key), ControlKind::kDrill, everything,
        [&](const Control& c) { return control_in_force(c, key_, now_); }, deciding);
    set_boolean(out, !deciding.empty());
    return out;
  }

  core::Result<FlagEvaluation> limits(std::string key, std::string_view tool) {
    auto decided = decision("tool:" + std::string(tool));
    if (!decided) return decided.error();
    const Decision& d = **decided;
    std::vector<const Control*> deciding;
    FlagEvaluation out = resolve(
        std::move(key), ControlKind::kNarrowTool,
        [&](const Control& c) { return c.tool == tool; },
        [&](const Control& c) { return listed(d, c); }, deciding);
    out.value = merged_limits(deciding);
    out.variant = deciding.empty() ? "unlimited" : "narrowed";
    return out;
  }

  core::Result<FlagEvaluation> version(std::string key, VersionedPartKind kind,
                                       std::string_view name) {
    // check_exists has made sure the part is there (and alone of its kind when unnamed).
    const model::VersionedPart* part =
        name.empty() ? parts_of(workflow_, kind).front() : find_part(workflow_, kind, name);
    auto decided = decision("llm");  // pins concern every action
    if (!decided) return decided.error();
    const Decision& d = **decided;
    std::vector<const Control*> deciding;
    FlagEvaluation out = resolve(
        std::move(key), ControlKind::kPinVersion,
        [&](const Control& c) { return c.part_kind == kind && c.part_name == part->name; },
        [&](const Control& c) { return listed(d, c); }, deciding);
    std::string pinned_key = std::string(model::to_string(kind)) + ":" + part->name;
    std::string version = part->current;
    for (const auto& [pinned_part, pinned_version] : d.pinned) {
      if (pinned_part == pinned_key) version = pinned_version;
    }
    out.value = version;
    out.variant = std::move(version);
    return out;
  }

  const ControlSnapshot& snapshot_;
  const WorkflowControls* controls_;  // null when no control names the workflow
  const model::Workflow* workflow_;   // null when the inventory lacks it
  std::string key_;
  core::UnixNanos now_;
  DecideRequest request_;
  // By action. A deque, so that the pointers decision() hands out stay valid as it grows.
  std::deque<std::pair<std::string, Decision>> decisions_;
};

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

// Whether the key names something the workflow has; kNotFound saying what it has otherwise.
core::Status check_exists(const Evaluator& evaluator, const FlagKey& flag, std::string_view key) {
  const std::string prefix = "flag '" + std::string(key) + "': workflow '" +
                             std::string(flag.workflow) + "'";
  if (flag.kind == FlagKind::kToolEnabled || flag.kind == FlagKind::kToolLimits) {
    if (evaluator.has_tool(flag.name)) return core::Status{};
    return core::not_found(prefix + " declares no tool '" + std::string(flag.name) +
                           "'; its tools: " + join(evaluator.tools()));
  }
  if (flag.kind != FlagKind::kVersion) return core::Status{};
  const std::string kind(model::to_string(flag.part_kind));
  auto parts = parts_of(evaluator.workflow(), flag.part_kind);
  if (parts.empty()) return core::not_found(prefix + " has no " + kind + " in the inventory");
  std::vector<std::string> keys;
  for (const auto* part : parts) {
    keys.push_back(std::string(flag.workflow) + "." + kind + "." + part->name + ".version");
  }
  if (flag.name.empty() && parts.size() > 1) {
    return core::not_found(prefix + " has " + std::to_string(parts.size()) + " " + kind +
                           " parts in the inventory, so name one: " + join(keys));
  }
  if (!flag.name.empty() && find_part(evaluator.workflow(), flag.part_kind, flag.name) == nullptr) {
    return core::not_found(prefix + " has no " + kind + " '" + std::string(flag.name) +
                           "' in the inventory; its " + kind + " flags: " + join(keys));
  }
  return core::Status{};
}

// The flags of one workflow, in the documented order.
core::Status evaluate_workflow(Evaluator& evaluator, const std::string& workflow,
                               std::vector<FlagEvaluation>& out) {
  auto add = [&](FlagKind kind, std::string key, std::string_view name = {},
                 VersionedPartKind part_kind = VersionedPartKind::kPrompt) -> core::Status {
    FlagKey flag{kind, workflow, name, part_kind};
    auto evaluated = evaluator.evaluate(flag, std::move(key));
    if (!evaluated) return evaluated.error();
    out.push_back(std::move(*evaluated));
    return core::Status{};
  };
  AIIR_RETURN_IF_ERROR(add(FlagKind::kPaused, workflow + ".paused"));
  AIIR_RETURN_IF_ERROR(add(FlagKind::kForceReview, workflow + ".force_review"));
  AIIR_RETURN_IF_ERROR(add(FlagKind::kDrill, workflow + ".drill"));
  for (const auto& tool : evaluator.tools()) {
    std::string prefix = workflow + ".tool." + tool;
    AIIR_RETURN_IF_ERROR(add(FlagKind::kToolEnabled, prefix + ".enabled", tool));
    AIIR_RETURN_IF_ERROR(add(FlagKind::kToolLimits, prefix + ".limits", tool));
  }
  for (const auto& source : evaluator.blocked_sources()) {
    AIIR_RETURN_IF_ERROR(
        add(FlagKind::kSourceEnabled, workflow + ".source." + source + ".enabled", source));
  }
  AIIR_RETURN_IF_ERROR(add(FlagKind::kWritesEnabled, workflow + ".writes.enabled"));
  for (const auto& target : evaluator.stopped_targets()) {
    AIIR_RETURN_IF_ERROR(
        add(FlagKind::kWriteEnabled, workflow + ".write." + target + ".enabled", target));
  }
  // A single part of a kind is also answered under the short key; a client-side provider looks
  // up whichever key the application uses in this list.
  for (const auto& [kind_name, kind] : model::VersionedPartKind_names()) {
    auto parts = parts_of(evaluator.workflow(), kind);
    std::string prefix = workflow + "." + std::string(kind_name) + ".";
    if (parts.size() == 1) {
      AIIR_RETURN_IF_ERROR(add(FlagKind::kVersion, prefix + "version", parts[0]->name, kind));
    }
    for (const auto* part : parts) {
      AIIR_RETURN_IF_ERROR(
          add(FlagKind::kVersion, prefix + part->name + ".version", part->name, kind));
    }
  }
  return core::Status{};
}

}  // namespace

std::string_view to_string(FlagReason reason) {
  switch (reason) {
    case FlagReason::kStatic: return "STATIC";
    case FlagReason::kTargetingMatch: return "TARGETING_MATCH";
    case FlagReason::kSplit: return "SPLIT";
  }
  return "UNKNOWN";
}

core::Result<FlagEvaluation> evaluate_flag(const ControlSnapshot& snapshot,
                                           std::span<const model::Workflow> inventory,
                                           std::string_view key, const FlagContext& context,
                                           core::UnixNanos now) {
  auto flag = parse_key(key);
  if (!flag) {
    return core::not_found("no flag '" + std::string(key) + "': " + std::string(kFlagForms));
  }
  Evaluator evaluator(snapshot, flag->workflow, find_workflow(inventory, flag->workflow), context,
                      now);
  if (!evaluator.known()) {
    return core::not_found("flag '" + std::string(key) + "': no workflow '" +
                           std::string(flag->workflow) +
                           "' in the inventory or in any control; `aiir workflows list` shows "
                           "them");
  }
  if (auto exists = check_exists(evaluator, *flag, key); !exists.ok()) return exists.error();
  return evaluator.evaluate(*flag, std::string(key));
}

core::Result<std::vector<FlagEvaluation>> evaluate_all_flags(
    const ControlSnapshot& snapshot, std::span<const model::Workflow> inventory,
    const FlagContext& context, core::UnixNanos now, std::string_view only_workflow) {
  std::vector<std::string> workflows;
  for (const auto& w : inventory) workflows.push_back(w.id);
  snapshot.for_each_workflow(
      [&](const std::string& id, const WorkflowControls&) { add_unique(workflows, id); });
  std::sort(workflows.begin(), workflows.end());
  if (!only_workflow.empty()) {
    if (std::find(workflows.begin(), workflows.end(), only_workflow) == workflows.end()) {
      return core::not_found("no workflow '" + std::string(only_workflow) +
                             "' in the inventory or in any control; `aiir workflows list` "
                             "shows them");
    }
    workflows = {std::string(only_workflow)};
  }
  std::vector<FlagEvaluation> out;
  for (const auto& workflow : workflows) {
    Evaluator evaluator(snapshot, workflow, find_workflow(inventory, workflow), context, now);
    if (auto status = evaluate_workflow(evaluator, workflow, out); !status.ok()) {
      return status.error();
    }
  }
  return out;
}

json::object to_json(const FlagEvaluation& evaluation) {
  json::object metadata;
  metadata["controls_version"] = evaluation.controls_version;
  if (!evaluation.controls.empty()) {
    std::string ids;
    for (const auto& id : evaluation.controls) ids += (ids.empty() ? "" : ",") + id;
    metadata["controls"] = std::move(ids);
  }
  json::object o;
  o["key"] = evaluation.key;
  o["value"] = evaluation.value;
  o["reason"] = to_string(evaluation.reason);
  o["variant"] = evaluation.variant;
  o["metadata"] = std::move(metadata);
  return o;
}

}  // namespace aiir::contain
