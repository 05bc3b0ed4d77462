#pragma once
// A production AI workflow as the inventory knows it: who owns it, what it can touch, how it can
// be stopped, and how risky it is. Loaded from workflows/*.yaml (see config/workflow_loader.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aiir::model {

enum class CustomerExposure { kInternal, kExternal };
enum class DataSensitivity { kPublic, kInternal, kConfidential, kPersonal, kRegulated };
enum class Autonomy { kRecommends, kDraftsForReview, kActsWithApproval, kActsAutonomously };
enum class Reversibility { kEasy, kCostly, kIrreversible };
enum class BusinessImpact { kMinor, kFinancial, kLegal, kSafety, kReputational };
enum class SideEffect { kRead, kWrite, kExternalCommunication, kPayment };
enum class ContainmentOption {
  kPause, kForceReview, kDisableTool, kNarrowTool, kPinVersion, kBlockSource, kStopWrites
};
enum class VersionedPartKind { kPrompt, kModel, kRetrievalIndex };
// What ingest does with AI content (prompts, outputs, tool arguments) of this workflow.
enum class ContentPolicy { kRaw, kRedact, kHashOnly };

// The names used in YAML and JSON, and their inverse. Parse returns nullopt on unknown text.
#define AIIR_ENUM_NAMES(E)                       \
  std::string_view to_string(E value);           \
  std::optional<E> parse_##E(std::string_view text); \
  const std::vector<std::pair<std::string_view, E>>& E##_names();
AIIR_ENUM_NAMES(CustomerExposure)
AIIR_ENUM_NAMES(DataSensitivity)
AIIR_ENUM_NAMES(Autonomy)
AIIR_ENUM_NAMES(Reversibility)
AIIR_ENUM_NAMES(BusinessImpact)
AIIR_ENUM_NAMES(SideEffect)
AIIR_ENUM_NAMES(ContainmentOption)
AIIR_ENUM_NAMES(VersionedPartKind)
AIIR_ENUM_NAMES(ContentPolicy)
#undef AIIR_ENUM_NAMES

struct Owner {
  std::string name;
  std::string contact;  // e-mail, chat handle or pager id
};

struct Tool {
  std::string name;
  SideEffect side_effect = SideEffect::kRead;
  bool reversible = true;
  std::string description;
};

struct VersionedPart {
  VersionedPartKind kind = VersionedPartKind::kPrompt;
  std::string name;
  std::string current;                // the version in production now
  std::vector<std::string> versions;  // known versions, oldest first; includes `current`
};

struct RegulatoryContext {
  bool personal_data = false;
  bool eu_ai_act_high_risk = false;
  std::string sector;  // free text: "financial services", "healthcare", ...
};

struct RiskProfile {
  CustomerExposure customer_exposure = CustomerExposure::kInternal;
  DataSensitivity data_sensitivity = DataSensitivity::kInternal;
  Autonomy autonomy = Autonomy::kRecommends;
  Reversibility reversibility = Reversibility::kEasy;
  std::vector<BusinessImpact> business_impact;
  RegulatoryContext regulatory;
};

// The fallback a paused workflow declares: what its users get instead of AI output.
struct PauseFallback {
  enum class Kind { kCannedMessage, kHumanQueue, kError } kind = Kind::kError;
  std::string message;  // for kCannedMessage
};

struct Workflow {
  std::string id;  // [a-z0-9][a-z0-9-]*, unique
  std::string name;
  std::string description;
  Owner business_owner;
  Owner technical_owner;
  std::string escalation_policy;          // reference to an escalation policy by name
  std::vector<std::string> service_names;  // OTLP service.name values that belong to this workflow
  RiskProfile risk;
  std::vector<Tool> tools;
  std::vector<VersionedPart> versioned_parts;
  std::vector<ContainmentOption> containment;
  PauseFallback pause_fallback;
  ContentPolicy content_policy = ContentPolicy::kRedact;
  int retention_days = 30;

  // Where it was defined, for messages ("workflows/support.yaml:3").
  std::string source_file;
  int source_line = 0;
  int escalation_policy_line = 0;  // of the `escalation_policy:` key; 0 when not given

  const Tool* find_tool(std::string_view name) const;
  bool supports(ContainmentOption option) const;
};

}  // namespace aiir::model
