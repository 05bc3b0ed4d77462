#pragma once
// An action a playbook proposed and someone must approve first (docs/playbooks.md), and how it is
// kept: as a store::Record of kind "approval" whose state is the approval's and whose body holds
// the control it would set, its approvers and the decision. Owned by contain::PlaybookService.

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "contain/authority.h"
#include "core/clock.h"
#include "core/result.h"
#include "model/control.h"
#include "store/store.h"

namespace aiir::contain {

inline constexpr const char* kApprovalRecord = "approval";

// An action of a playbook waiting for (or past) approval: the body of an "approval" record.
struct Approval {
  std::string id;  // "apr-<incident number>-<playbook>-<n>", n counting from 1
  std::int64_t incident = 0;
  std::string workflow;
  std::string playbook;
  std::string state;  // "pending", "approved", "refused", "failed"
  model::Control control;             // what approving sets (id, set_by, set_at empty)
  core::UnixNanos expires_after = 0;  // the control expires this long after it is set
  std::vector<Authorized> approvers;
  core::UnixNanos requested_at = 0;
  std::string decided_by;  // "name (key id)"
  core::UnixNanos decided_at = 0;
  std::string reason;      // the approver's or refuser's
  std::string control_id;  // once approved and set
  std::string error;       // why it failed, for state "failed"
};

boost::json::object to_json(const Approval& approval);

// The record that keeps `approval`, and back (kInternal for a record without a readable control:
// a damaged row, never a caller's mistake).
store::Record approval_record(const Approval& approval);
core::Result<Approval> approval_from_record(const store::Record& record);

}  // namespace aiir::contain
