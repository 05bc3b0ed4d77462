#include "model/workflow.h"

#include <algorithm>
#include <utility>

namespace aiir::model {

#define AIIR_ENUM_IMPL(E, ...)                                                  \
  const std::vector<std::pair<std::string_view, E>>& E##_names() {              \
    static const std::vector<std::pair<std::string_view, E>> names{__VA_ARGS__}; \
    return names;                                                               \
  }                                                                             \
  std::string_view to_string(E value) {                                         \
    for (const auto& [name, v] : E##_names()) {                                 \
      if (v == value) return name;                                              \
    }                                                                           \
    return "unknown";                                                           \
  }                                                                             \
  std::optional<E> parse_##E(std::string_view text) {                           \
    for (const auto& [name, v] : E##_names()) {                                 \
      if (name == text) return v;                                               \
    }                                                                           \
    return std::nullopt;                                                        \
  }

AIIR_ENUM_IMPL(CustomerExposure, {"internal", CustomerExposure::kInternal},
               {"external", CustomerExposure::kExternal})
AIIR_ENUM_IMPL(DataSensitivity, {"public", DataSensitivity::kPublic},
               {"internal", DataSensitivity::kInternal},
               {"confidential", DataSensitivity::kConfidential},
               {"personal", DataSensitivity::kPersonal},
               {"regulated", DataSensitivity::kRegulated})
AIIR_ENUM_IMPL(Autonomy, {"recommends", Autonomy::kRecommends},
               {"drafts_for_review", Autonomy::kDraftsForReview},
               {"acts_with_approval", Autonomy::kActsWithApproval},
               {"acts_autonomously", Autonomy::kActsAutonomously})
AIIR_ENUM_IMPL(Reversibility, {"easy", Reversibility::kEasy}, {"costly", Reversibility::kCostly},
               {"irreversible", Reversibility::kIrreversible})
AIIR_ENUM_IMPL(BusinessImpact, {"minor", BusinessImpact::kMinor},
               {"financial", BusinessImpact::kFinancial}, {"legal", BusinessImpact::kLegal},
               {"safety", BusinessImpact::kSafety},
               {"reputational", BusinessImpact::kReputational})
AIIR_ENUM_IMPL(SideEffect, {"read", SideEffect::kRead}, {"write", SideEffect::kWrite},
               {"external_communication", SideEffect::kExternalCommunication},
               {"payment", SideEffect::kPayment})
AIIR_ENUM_IMPL(ContainmentOption, {"pause", ContainmentOption::kPause},
               {"force_review", ContainmentOption::kForceReview},
               {"disable_tool", ContainmentOption::kDisableTool},
               {"narrow_tool", ContainmentOption::kNarrowTool},
               {"pin_version", ContainmentOption::kPinVersion},
               {"block_source", ContainmentOption::kBlockSource},
               {"stop_writes", ContainmentOption::kStopWrites})
AIIR_ENUM_IMPL(VersionedPartKind, {"prompt", VersionedPartKind::kPrompt},
               {"model", VersionedPartKind::kModel},
               {"retrieval_index", VersionedPartKind::kRetrievalIndex})
AIIR_ENUM_IMPL(ContentPolicy, {"raw", ContentPolicy::kRaw}, {"redact", ContentPolicy::kRedact},
               {"hash_only", ContentPolicy::kHashOnly})

#undef AIIR_ENUM_IMPL

const Tool* Workflow::find_tool(std::string_view tool_name) const {
  for (const auto& tool : tools) {
    if (tool.name == tool_name) return &tool;
  }
  return nullptr;
}

bool Workflow::supports(ContainmentOption option) const {
  return std::find(containment.begin(), containment.end(), option) != containment.end();
}

}  // namespace aiir::model
