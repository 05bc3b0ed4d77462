#pragma once
// The controls in force, as one immutable value that decisions are answered from without touching
// the store. Whoever changes a control builds a new snapshot with the next version and publishes
// it (e.g. as std::shared_ptr<const ControlSnapshot>); decisions already running keep the old one.
//
// Indexed by workflow, then by kind, so that a decision reads only the controls of its workflow
// that can concern its action. Immutable after construction: safe to share between threads.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/control.h"
#include "model/workflow.h"

namespace aiir::contain {

// One workflow's controls and what a decision needs to know of the workflow itself.
struct WorkflowControls {
  bool in_inventory = false;      // false: controls name a workflow the inventory lacks
  model::PauseFallback fallback;  // the workflow's declared fallback; kError when not in inventory

  // The controls of one kind, ordered by set_at, then id, so that reasons come in a stable order.
  const std::vector<model::Control>& of(model::ControlKind kind) const {
    return by_kind[static_cast<std::size_t>(kind)];
  }

  std::array<std::vector<model::Control>, model::kControlKindCount> by_kind;
};

class ControlSnapshot {
 public:
  // An empty snapshot at version 0: no workflow is known, everything is allowed.
  ControlSnapshot() = default;
  // `controls` as stored (expired ones may be included; decisions skip them). Lifted ones
  // (lifted_at set) are dropped here, so that a caller passing every stored control cannot
  // bring a lifted control back into force; control_count() counts only those kept. `workflows` is the
  // inventory; only each workflow's id and pause fallback are kept. Controls are not validated
  // here (model::validate does that before they are stored) and are kept even when their
  // workflow is not in the inventory, so that stopping something never depends on the inventory
  // being right.
  ControlSnapshot(std::int64_t version, std::vector<model::Control> controls,
                  std::span<const model::Workflow> workflows);

  std::int64_t version() const { return version_; }
  // Null when neither the inventory nor any control names the workflow.
  const WorkflowControls* find(std::string_view workflow) const;
  std::size_t control_count() const { return control_count_; }
  // Every workflow the inventory or a control names, in no particular order.
  template <typename F>  // F(const std::string& workflow, const WorkflowControls&)
  void for_each_workflow(F&& f) const {
    for (const auto& [id, controls] : workflows_) f(id, controls);
  }

 private:
  // Lets find() look up a string_view without building a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::int64_t version_ = 0;
  std::size_t control_count_ = 0;
  std::unordered_map<std::string, WorkflowControls, Hash, std::equal_to<>> workflows_;
};

}  // namespace aiir::contain
