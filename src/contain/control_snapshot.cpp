#include "contain/control_snapshot.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace aiir::contain {

ControlSnapshot::ControlSnapshot(std::int64_t version, std::vector<model::Control> controls,
                                 std::span<const model::Workflow> workflows)
    : version_(version) {
  for (const auto& workflow : workflows) {
    WorkflowControls& entry = workflows_[workflow.id];
    entry.in_inventory = true;
    entry.fallback = workflow.pause_fallback;
  }
  for (auto& control : controls) {
    if (control.lifted_at != 0) continue;
    ++control_count_;
    WorkflowControls& entry = workflows_[control.workflow];
    entry.by_kind[static_cast<std::size_t>(control.kind)].push_back(std::move(control));
  }
  for (auto& [id, entry] : workflows_) {
    for (auto& group : entry.by_kind) {
      std::sort(group.begin(), group.end(), [](const model::Control& a, const model::Control& b) {
        return std::tie(a.set_at, a.id) < std::tie(b.set_at, b.id);
      });
    }
  }
}

const WorkflowControls* ControlSnapshot::find(std::string_view workflow) const {
  auto it = workflows_.find(workflow);
  return it == workflows_.end() ? nullptr : &it->second;
}

}  // namespace aiir::contain
