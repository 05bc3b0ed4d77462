#include "contain/playbook_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "model/json_fields.h"

namespace aiir::contain {
namespace {

namespace json = boost::json;
using model::TimelineKind;
using namespace model::json_fields;

constexpr const char* kPending = "pending";
constexpr const char* kApproved = "approved";
constexpr const char* kRefused = "refused";
constexpr const char* kFailed = "failed";
constexpr const char* kApplying = "applying";
constexpr const char* kApplied = "applied";
constexpr int kTimelineBatch = 500;
constexpr int kMaxRecordsPerIncident = 1000;

// Timeline events after which an incident may newly match a playbook: it exists, recurs, or
// its severity, classification or membership changed.
bool may_newly_match(TimelineKind kind) {
  switch (kind) {
    case TimelineKind::kOpened:
    case TimelineKind::kSeverityChanged:
    case TimelineKind::kClassificationChanged:
    case TimelineKind::kRecurred:
    case TimelineKind::kStateChanged:
    case TimelineKind::kMerged:
    case TimelineKind::kSplit: return true;
    default: return false;
  }
}

// "disable_tool issue_refund", "pin_version prompt refund-policy v6", "pause".
std::string describe_control(const model::Control& c) {
  std::string out(model::to_string(c.kind));
  switch (c.kind) {
    case model::ControlKind::kDisableTool:
    case model::ControlKind::kNarrowTool: return out + " " + c.tool;
    case model::ControlKind::kPinVersion:
      return out + " " + std::string(model::to_string(c.part_kind)) + " " + c.part_name + " " +
             c.version;
    case model::ControlKind::kBlockSource: return out + " " + c.source;
    case model::ControlKind::kStopWrites: return c.target.empty() ? out : out + " " + c.target;
    default: return out;
  }
}

// Two controls that do the same thing (for recognising an action applied before a restart).
bool same_effect(const model::Control& a, const model::Control& b) {
  return a.kind == b.kind && a.tool == b.tool && a.source == b.source && a.target == b.target &&
         a.part_kind == b.part_kind && a.part_name == b.part_name && a.version == b.version;
}

// "business_owner (Dana Whitfield)", "key:alice", "role:admin".
std::string describe_approvers(const std::vector<Authorized>& who, const model::Incident& incident) {
  std::string out;
  for (const auto& w : who) {
    std::string text = to_string(w);
    if (w.kind == Authorized::Kind::kIncidentRole) {
      for (const auto& r : incident.roles) {
        if (r.role == w.incident_role) text += " (" + r.who + ")";
      }
    }
    out += (out.empty() ? "" : " or ") + text;
  }
  return out.empty() ? "the authority rules" : out;
}

std::string label(const Actor& actor) {
  if (actor.key_name.empty()) return actor.key_id;
  return actor.key_name + " (" + actor.key_id + ")";
}

std::string run_id(const model::Incident& incident, const Playbook& playbook) {
  return incident.id() + "/" + playbook.id;
}

std::string approval_id(std::int64_t incident, const Playbook& playbook, std::size_t index) {
  return "apr-" + std::to_string(incident) + "-" + playbook.id + "-" + std::to_string(index + 1);
}

const Playbook* find_playbook(const config::Config& cfg, const std::string& id) {
  for (const auto& p : cfg.playbooks) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

model::TimelineEvent event(std::int64_t incident, core::UnixNanos at, std::string actor,
                           TimelineKind kind, std::string summary, json::object detail = {}) {
  model::TimelineEvent e;
  e.incident = incident;
  e.time = at;
  e.actor = std::move(actor);
  e.kind = kind;
  e.summary = std::move(summary);
  e.detail = std::move(detail);
  return e;
}

}  // namespace

struct PlaybookService::Wake {
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  bool stopping = false;
  bool registered = false;  // a when_events_after call is outstanding
};

PlaybookService::PlaybookService(store::Store& store, const core::Clock& clock,
                                 ConfigSource config, ControlService& controls,
                                 incident::IncidentService* incidents,
                                 PlaybookServiceOptions options)
    : store_(store),
      clock_(clock),
      config_(std::move(config)),
      controls_(controls),
      incidents_(incidents),
      options_(options),
      wake_(std::make_shared<Wake>()) {}

PlaybookService::~PlaybookService() { stop(); }

core::Status PlaybookService::start() {
  auto last = store_.last_timeline_seq();
  if (!last.ok()) return last.error();
  {
    std::lock_guard lock(stats_mu_);
    stats_.cursor = *last;
  }
  thread_ = std::thread([this] { run(); });
  return core::Status::Ok();
}

void PlaybookService::stop() {
  {
    std::lock_guard lock(wake_->mu);
    wake_->stopping = true;
  }
  wake_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

PlaybookServiceStats PlaybookService::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

void PlaybookService::run() {
  catch_up();
  while (true) {
    {
      std::lock_guard lock(wake_->mu);
      if (wake_->stopping) return;
      wake_->woken = false;
    }
    if (!step()) wait_for_events();
  }
}

void PlaybookService::catch_up() {
  for (auto state : {model::IncidentState::kOpen, model::IncidentState::kAcknowledged,
                     model::IncidentState::kContained}) {
    store::IncidentQuery q;
    q.state = state;
    q.limit = options_.catch_up_incidents;
    auto page = store_.query_incidents(q);
    if (!page.ok()) {
      spdlog::error("playbooks: cannot read open incidents at start: {}", page.error().message());
      continue;
    }
    for (const auto& incident : page->incidents) {
      if (auto s = evaluate(incident.number); !s.ok()) {
        spdlog::error("playbooks: {}: {}", incident.id(), s.error().message());
      }
    }
  }
}

void PlaybookService::wait_for_events() {
  std::int64_t after = stats().cursor;
  bool registering = false;
  if (incidents_ != nullptr) {
    std::lock_guard lock(wake_->mu);
    registering = !wake_->registered && !wake_->stopping;
    if (registering) wake_->registered = true;
  }
  bool answered_at_once = false;
  if (registering) {
    // The callback holds the wake state, not this object: it may run after this service is gone
    // (the incident service releases its waiters when it stops).
    incidents_->when_events_after(after, clock_.now() + options_.poll, [wake = wake_] {
      {
        std::lock_guard lock(wake->mu);
        wake->registered = false;
        wake->woken = true;
      }
      wake->cv.notify_all();
    });
    std::lock_guard lock(wake_->mu);
    answered_at_once = wake_->woken;
  }
  // Answered at once means events arrived since the last read, or the incident service is not
  // running (stopped: it answers every caller at once). Then only the poll period wakes us, so a
  // stopped incident service cannot make this loop spin.
  std::unique_lock lock(wake_->mu);
  wake_->cv.wait_for(lock, std::chrono::nanoseconds(options_.poll), [&] {
    return wake_->stopping || (wake_->woken && !answered_at_once);
  });
}

bool PlaybookService::step() {
  const std::int64_t after = stats().cursor;
  auto events = store_.incident_timeline(0, after, kTimelineBatch);
  if (!events.ok()) {
    spdlog::error("playbooks: cannot read the timeline: {}", events.error().message());
    std::lock_guard lock(stats_mu_);
    ++stats_.failures;
    return false;
  }
  if (events->empty()) return false;
  std::vector<std::int64_t> numbers;
  for (const auto& e : *events) {
    if (!may_newly_match(e.kind)) continue;
    if (std::find(numbers.begin(), numbers.end(), e.incident) == numbers.end()) {
      numbers.push_back(e.incident);
    }
  }
  for (std::int64_t number : numbers) {
    if (auto s = evaluate(number); !s.ok()) {
      spdlog::error("playbooks: {}: {}", model::incident_id(number), s.error().message());
    }
  }
  std::lock_guard lock(stats_mu_);
  stats_.cursor = events->back().seq;
  return true;
}

core::Status PlaybookService::evaluate(std::int64_t number) {
  std::lock_guard lock(mu_);
  auto found = store_.get_incident(number);
  if (!found.ok()) return found.error();
  if (!*found) return core::not_found("no incident " + model::incident_id(number));
  const model::Incident& incident = **found;
  // A playbook contains what is happening; a resolved, closed or merged incident is not.
  if (incident.state == model::IncidentState::kResolved ||
      incident.state == model::IncidentState::kClosed || incident.merged_into != 0) {
    return core::Status::Ok();
  }
  auto cfg = config_();
  const model::Workflow* workflow = cfg->find_workflow(incident.workflow);
  core::Status first_error;
  for (const auto& playbook : cfg->playbooks) {
    if (!matches(playbook, incident, workflow)) continue;
    auto ran = run_playbook(playbook, incident, workflow);
    if (!ran.ok() && first_error.ok()) first_error = ran;
  }
  return first_error;
}

core::Status PlaybookService::run_playbook(const Playbook& playbook,
                                           const model::Incident& incident,
                                           const model::Workflow* workflow) {
  const std::string id = run_id(incident, playbook);
  auto existing = store_.get_record(kPlaybookRunRecord, id);
  if (!existing.ok()) return existing.error();
  if (*existing && (*existing)->state == kApplied) return core::Status::Ok();
  const bool resuming = existing->has_value();
  const std::string actor = playbook_actor(playbook);
  const core::UnixNanos now = clock_.now();

  store::Record run;
  run.kind = kPlaybookRunRecord;
  run.id = id;
  run.workflow = incident.workflow;
  run.state = kApplying;
  run.incident = incident.number;
  run.time = resuming ? (*existing)->time : now;
  run.body = json::object{{"playbook", playbook.id}};
  if (!resuming) {
    store::RecordChange change;
    change.record = run;
    change.actor = actor;
    change.at = now;
    json::object detail{{"playbook", playbook.id},
                        {"automatic", static_cast<std::int64_t>(playbook.automatic.size())},
                        {"approval", static_cast<std::int64_t>(playbook.approval.size())}};
    change.event = event(incident.number, now, actor, TimelineKind::kPlaybookMatched,
                         "Playbook " + playbook.id +
                             (playbook.title.empty() ? "" : " (" + playbook.title + ")") +
                             " matched: " + std::to_string(playbook.automatic.size()) +
                             " automatic action(s), " + std::to_string(playbook.approval.size()) +
                             " awaiting approval",
                         std::move(detail));
    auto saved = store_.save_record(change);
    if (!saved.ok()) return saved.error();
  }

  json::array failures;
  auto fail = [&](std::string what, const std::string& why) {
    failures.push_back(json::object{{"action", std::move(what)}, {"error", why}});
  };
  // The control an action sets on this incident; nullopt, with the failure recorded, when the
  // workflow is gone from the inventory or the action no longer fits it.
  auto build = [&](const PlaybookAction& action) -> std::optional<model::Control> {
    const std::string what(model::to_string(action.control.kind));
    if (workflow == nullptr) {
      fail(what, "workflow '" + incident.workflow + "' is not in the inventory");
      return std::nullopt;
    }
    auto control = make_control(action, playbook, incident, *workflow, now);
    if (!control.ok()) {
      fail(what, control.error().message());
      return std::nullopt;
    }
    return std::move(*control);
  };

  if (playbook.classification && *playbook.classification != incident.classification &&
      incidents_ != nullptr) {
    auto classified = incidents_->classify(
        incident.number, *playbook.classification, incident::Actor{actor, ""},
        "playbook " + playbook.id + " classifies these incidents as " +
            std::string(model::to_string(*playbook.classification)));
    if (!classified.ok()) fail("classify", classified.error().message());
  }

  // Controls the playbook set on this incident before an interruption count as applied.
  std::vector<model::Control> earlier;
  if (resuming) {
    for (auto& c : controls_.list(true)) {
      if (c.incident == incident.number && c.set_by == actor) earlier.push_back(std::move(c));
    }
  }
  json::array controls;
  for (const auto& action : playbook.automatic) {
    auto control = build(action);
    if (!control) continue;
    auto done = std::find_if(earlier.begin(), earlier.end(),
                             [&](const model::Control& c) { return same_effect(c, *control); });
    if (done != earlier.end()) {
      controls.emplace_back(done->id);
      continue;
    }
    auto set = controls_.set(*control, actor);
    if (!set.ok()) {
      fail(describe_control(*control), set.error().message());
      continue;
    }
    controls.emplace_back(set->id);
    std::lock_guard lock(stats_mu_);
    ++stats_.controls_set;
  }

  json::array approvals;
  for (std::size_t i = 0; i < playbook.approval.size(); ++i) {
    const PlaybookAction& action = playbook.approval[i];
    Approval a;
    a.id = approval_id(incident.number, playbook, i);
    auto stored = store_.get_record(kApprovalRecord, a.id);
    if (!stored.ok()) return stored.error();
    if (*stored) {
      approvals.emplace_back(a.id);
      continue;
    }
    auto control = build(action);
    if (!control) continue;
    control->expires_at = 0;  // counted from approval, not from now
    a.incident = incident.number;
    a.workflow = incident.workflow;
    a.playbook = playbook.id;
    a.state = kPending;
    a.control = std::move(*control);
    a.expires_after = action.expires_after;
    a.approvers = action.approvers;
    a.requested_at = now;
    store::RecordChange change;
    change.record = approval_record(a);
    change.actor = actor;
    change.at = now;
    change.event = event(incident.number, now, actor, TimelineKind::kApprovalRequested,
                         "Playbook " + playbook.id + " proposes " + describe_control(a.control) +
                             "; approval " + a.id + " needs " +
                             describe_approvers(a.approvers, incident),
                         json::object{{"approval", a.id}, {"playbook", playbook.id}});
    auto saved = store_.save_record(change);
    if (!saved.ok()) return saved.error();
    approvals.emplace_back(a.id);
    std::lock_guard lock(stats_mu_);
    ++stats_.approvals_requested;
  }

  run.state = kApplied;
  run.body["controls"] = std::move(controls);
  run.body["approvals"] = std::move(approvals);
  const std::size_t failed = failures.size();
  run.body["failures"] = failures;
  store::RecordChange done;
  done.record = run;
  done.action = "applied";
  done.actor = actor;
  done.at = clock_.now();
  if (failed > 0) {
    std::string summary = "Playbook " + playbook.id + " could not apply " +
                          std::to_string(failed) + " action(s):";
    for (const auto& f : failures) {
      summary += " " + std::string(f.as_object().at("action").as_string()) + " (" +
                 std::string(f.as_object().at("error").as_string()) + ");";
    }
    summary.pop_back();
    done.event = event(incident.number, done.at, actor, TimelineKind::kNote, std::move(summary),
                       json::object{{"playbook", playbook.id}, {"failures", failures}});
  }
  auto saved = store_.save_record(done);
  if (!saved.ok()) return saved.error();
  std::lock_guard lock(stats_mu_);
  ++stats_.runs;
  stats_.failures += failed;
  return core::Status::Ok();
}

core::Result<std::vector<Approval>> PlaybookService::approvals(std::int64_t incident) {
  auto found = store_.get_incident(incident);
  if (!found.ok()) return found.error();
  if (!*found) return core::not_found("no incident " + model::incident_id(incident));
  store::RecordQuery q;
  q.kind = kApprovalRecord;
  q.incident = incident;
  q.limit = kMaxRecordsPerIncident;
  auto page = store_.query_records(q);
  if (!page.ok()) return page.error();
  std::vector<Approval> out;
  for (auto it = page->records.rbegin(); it != page->records.rend(); ++it) {
    auto a = approval_from_record(*it);
    if (!a.ok()) return a.error();
    out.push_back(std::move(*a));
  }
  return out;
}

core::Result<Approval> PlaybookService::approve(std::int64_t incident, const std::string& approval,
                                                const Actor& actor, const std::string& reason) {
  return decide(incident, approval, actor, reason, true);
}

core::Result<Approval> PlaybookService::refuse(std::int64_t incident, const std::string& approval,
                                               const Actor& actor, const std::string& reason) {
  return decide(incident, approval, actor, reason, false);
}

core::Result<Approval> PlaybookService::decide(std::int64_t number, const std::string& approval,
                                               const Actor& actor, const std::string& reason,
                                               bool approve) {
  if (!approve && reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return core::invalid("'reason' is required: say why the action is refused");
  }
  std::lock_guard lock(mu_);
  const std::string incident_name = model::incident_id(number);
  auto found = store_.get_incident(number);
  if (!found.ok()) return found.error();
  if (!*found) return core::not_found("no incident " + incident_name);
  const model::Incident& incident = **found;
  auto record = store_.get_record(kApprovalRecord, approval);
  if (!record.ok()) return record.error();
  if (!*record || (*record)->incident != number) {
    return core::not_found("no approval '" + approval + "' on " + incident_name +
                           "; GET /v1/incidents/" + incident_name + "/approvals lists them");
  }
  auto parsed = approval_from_record(**record);
  if (!parsed.ok()) return parsed.error();
  Approval a = std::move(*parsed);
  if (a.state != kPending) {
    return core::failed_precondition("approval '" + a.id + "' is " + a.state + " already (by " +
                                     a.decided_by + " at " + core::format_rfc3339(a.decided_at) +
                                     "); only a pending approval can be decided");
  }

  auto cfg = config_();
  const model::Workflow* workflow = cfg->find_workflow(a.workflow);
  const std::string kind(model::to_string(a.control.kind));
  if (!a.approvers.empty()) {
    AIIR_RETURN_IF_ERROR(check_authorized(
        a.approvers, actor, describe_action(kind, a.workflow) + " (approval " + a.id + ")",
        &incident));
  } else if (workflow != nullptr) {
    AIIR_RETURN_IF_ERROR(may_take(cfg->authority, actor, kind, *workflow, &incident));
  }

  const core::UnixNanos now = clock_.now();
  const std::string who = label(actor);
  a.decided_by = who;
  a.decided_at = now;
  a.reason = reason;
  store::RecordChange change;
  change.actor = who;
  change.reason = reason;
  change.at = now;
  std::optional<core::Error> failure;
  if (approve) {
    model::Control control = a.control;
    if (a.expires_after > 0) control.expires_at = now + a.expires_after;
    auto set = controls_.set(control, who);
    if (set.ok()) {
      a.state = kApproved;
      a.control_id = set->id;
      change.event = event(number, now, actor.key_id, TimelineKind::kApprovalGranted,
                           who + " approved " + describe_control(a.control) + " (playbook " +
                               a.playbook + "): control " + set->id);
    } else {
      a.state = kFailed;
      a.error = set.error().message();
      failure = set.error();
      change.event = event(number, now, actor.key_id, TimelineKind::kApprovalGranted,
                           who + " approved " + describe_control(a.control) + " (playbook " +
                               a.playbook + ") but it could not be applied: " + a.error);
    }
  } else {
    a.state = kRefused;
    change.event = event(number, now, actor.key_id, TimelineKind::kApprovalRefused,
                         who + " refused " + describe_control(a.control) + " (playbook " +
                             a.playbook + ")");
  }
  change.event->reason = reason;
  change.event->detail = json::object{{"approval", a.id}, {"playbook", a.playbook}};
  if (!a.control_id.empty()) change.event->detail["control"] = a.control_id;
  change.record = approval_record(a);
  auto saved = store_.save_record(change);
  if (!saved.ok()) return saved.error();
  if (failure) return *failure;
  return a;
}

core::Result<std::vector<ChecklistItem>> PlaybookService::checklists(std::int64_t number) {
  auto found = store_.get_incident(number);
  if (!found.ok()) return found.error();
  if (!*found) return core::not_found("no incident " + model::incident_id(number));
  const model::Incident& incident = **found;
  store::RecordQuery q;
  q.kind = kPlaybookRunRecord;
  q.incident = number;
  q.limit = kMaxRecordsPerIncident;
  auto page = store_.query_records(q);
  if (!page.ok()) return page.error();
  auto cfg = config_();
  std::vector<const Playbook*> ran;  // oldest run first
  for (auto it = page->records.rbegin(); it != page->records.rend(); ++it) {
    if (const Playbook* p = find_playbook(*cfg, get_string(it->body, "playbook"))) {
      ran.push_back(p);
    }
  }
  std::vector<ChecklistItem> items;
  for (const auto& [name, role] : model::incident_role_names()) {
    std::string who;
    for (const auto& r : incident.roles) {
      if (r.role == role) who = r.who;
    }
    for (const Playbook* p : ran) {
      for (const auto& checklist : p->checklists) {
        if (checklist.role != role) continue;
        for (const auto& task : checklist.tasks) items.push_back({role, who, task, p->id});
      }
    }
  }
  return items;
}

}  // namespace aiir::contain
