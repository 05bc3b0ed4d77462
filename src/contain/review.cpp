#include "contain/review.h"

#include "model/incident.h"
#include "model/json_fields.h"

namespace aiir::contain {
namespace {

namespace json = boost::json;
using model::json_fields::get_int;
using model::json_fields::get_string;
using model::json_fields::get_time;
using model::json_fields::put;
using model::json_fields::put_time;

constexpr const char* kKind = "review";

json::object object_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->get_object() : json::object();
}

}  // namespace

const std::vector<std::pair<std::string_view, ReviewState>>& review_state_names() {
  static const std::vector<std::pair<std::string_view, ReviewState>> names{
      {"pending", ReviewState::kPending},
      {"approved", ReviewState::kApproved},
      {"rejected", ReviewState::kRejected},
      {"edited", ReviewState::kEdited}};
  return names;
}

std::string_view to_string(ReviewState state) {
  for (const auto& [name, value] : review_state_names()) {
    if (value == state) return name;
  }
  return "pending";
}

std::optional<ReviewState> parse_review_state(std::string_view text) {
  for (const auto& [name, value] : review_state_names()) {
    if (name == text) return value;
  }
  return std::nullopt;
}

std::string_view to_string(ReviewVerdict verdict) {
  switch (verdict) {
    case ReviewVerdict::kApprove: return "approve";
    case ReviewVerdict::kReject: return "reject";
    case ReviewVerdict::kEdit: return "edit";
  }
  return "approve";
}

ReviewState state_after(ReviewVerdict verdict) {
  switch (verdict) {
    case ReviewVerdict::kApprove: return ReviewState::kApproved;
    case ReviewVerdict::kReject: return ReviewState::kRejected;
    case ReviewVerdict::kEdit: return ReviewState::kEdited;
  }
  return ReviewState::kApproved;
}

store::Record to_record(const ReviewItem& item) {
  store::Record record;
  record.kind = kKind;
  record.id = item.id;
  record.workflow = item.workflow;
  record.state = std::string(to_string(item.state));
  record.incident = item.incident;
  record.time = item.submitted_at;
  record.seq = item.seq;
  json::object& b = record.body;
  put(b, "trace_id", item.trace_id);
  put(b, "action", item.action);
  b["output"] = item.output;
  if (!item.arguments.empty()) b["arguments"] = item.arguments;
  if (!item.evidence.empty()) b["evidence"] = item.evidence;
  put(b, "submitted_by", item.submitted_by);
  put(b, "submitter_key", item.submitter_key);
  put(b, "idempotency_key", item.idempotency_key);
  put_time(b, "due_at", item.due_at);
  put_time(b, "escalated_at", item.escalated_at);
  put(b, "decided_by", item.decided_by);
  put_time(b, "decided_at", item.decided_at);
  put(b, "reason", item.reason);
  if (item.state == ReviewState::kEdited) b["edited_output"] = item.edited_output;
  return record;
}

core::Result<ReviewItem> review_from_record(const store::Record& record) {
  auto state = parse_review_state(record.state);
  if (!state) {
    return core::internal("stored review " + record.id + " has the unknown state '" +
                          record.state + "'");
  }
  ReviewItem item;
  const json::object& b = record.body;
  item.id = record.id;
  item.workflow = record.workflow;
  item.state = *state;
  item.incident = record.incident;
  item.submitted_at = record.time;
  item.seq = record.seq;
  item.trace_id = get_string(b, "trace_id");
  item.action = get_string(b, "action");
  item.output = get_string(b, "output");
  item.arguments = object_member(b, "arguments");
  item.evidence = object_member(b, "evidence");
  item.submitted_by = get_string(b, "submitted_by");
  item.submitter_key = get_string(b, "submitter_key");
  item.idempotency_key = get_string(b, "idempotency_key");
  item.due_at = get_time(b, "due_at");
  item.escalated_at = get_time(b, "escalated_at");
  item.decided_by = get_string(b, "decided_by");
  item.decided_at = get_time(b, "decided_at");
  item.reason = get_string(b, "reason");
  item.edited_output = get_string(b, "edited_output");
  return item;
}

json::object to_json(const ReviewItem& item, core::UnixNanos now, bool content) {
  json::object o;
  o["id"] = item.id;
  o["state"] = to_string(item.state);
  o["workflow"] = item.workflow;
  put(o, "trace_id", item.trace_id);
  put(o, "action", item.action);
  put(o, "submitted_by", item.submitted_by);
  put_time(o, "submitted_at", item.submitted_at);
  put_time(o, "due_at", item.due_at);
  o["overdue"] = item.overdue(now);
  o["escalated"] = item.escalated_at != 0;
  put_time(o, "escalated_at", item.escalated_at);
  if (item.incident != 0) o["incident"] = model::incident_id(item.incident);
  if (item.decided()) {
    json::object decision;
    decision["verdict"] = to_string(item.state);
    put(decision, "by", item.decided_by);
    put_time(decision, "at", item.decided_at);
    put(decision, "reason", item.reason);
    if (item.decided_at != 0 && item.submitted_at != 0) {
      decision["seconds_to_decision"] =
          static_cast<double>(item.decided_at - item.submitted_at) / core::kNanosPerSecond;
    }
    o["decision"] = std::move(decision);
  } else {
    o["decision"] = nullptr;
  }
  if (content) {
    o["output"] = item.final_output();
    if (item.state == ReviewState::kEdited) o["submitted_output"] = item.output;
    o["arguments"] = item.arguments;
    o["submitted_evidence"] = item.evidence;
  }
  return o;
}

}  // namespace aiir::contain
