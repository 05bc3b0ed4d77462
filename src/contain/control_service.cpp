#include "contain/control_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <span>

#include "core/crypto.h"

namespace aiir::contain {
namespace {

constexpr const char* kIdPrefix = "ctl-";

}  // namespace

ControlService::ControlService(store::Store& store, const core::Clock& clock,
                               ConfigSource config)
    : store_(store), clock_(clock), config_(std::move(config)) {}

core::Status ControlService::start() {
  std::lock_guard lock(mu_);
  auto version = store_.controls_version();
  if (!version.ok()) return version.error();
  auto controls = store_.list_controls(/*include_lifted=*/false);
  if (!controls.ok()) return controls.error();
  controls_ = std::move(*controls);
  publish_locked(*version);
  return {};
}

core::Result<Decision> ControlService::decide(const DecideRequest& request) const {
  // Hold the snapshot for the whole decision: a swap meanwhile must not free it.
  std::shared_ptr<const ControlSnapshot> current = snapshot_.load();
  return contain::decide(*current, request, clock_.now());
}

core::Result<model::Control> ControlService::set(model::Control control,
                                                 const std::string& actor) {
  std::lock_guard lock(mu_);
  control.id = kIdPrefix + core::random_hex(6);
  control.set_at = clock_.now();
  control.set_by = actor;
  // A new control starts fully in force; easing it is lift()'s job, with a reason on record.
  control.lift_percent = 0;
  control.lifted_at = 0;
  auto config = config_();
  const model::Workflow* workflow = config ? config->find_workflow(control.workflow) : nullptr;
  AIIR_RETURN_IF_ERROR(model::validate(control, workflow));
  store::ControlChange change{control, "set", actor, control.reason, control.set_at};
  return save_locked(std::move(change));
}

std::string ControlService::label(const Actor& actor) {
  if (actor.key_name.empty()) return actor.key_id;
  return actor.key_name + " (" + actor.key_id + ")";
}

core::Status ControlService::check_authority(std::string_view action,
                                             const model::Control& control, const Actor& actor) {
  auto config = config_();
  if (!config) return core::Status::Ok();
  const model::Workflow* workflow = config->find_workflow(control.workflow);
  // A workflow the inventory lacks has no rules to check; validate() names it for a new control.
  if (workflow == nullptr) return core::Status::Ok();
  std::optional<model::Incident> incident;
  if (control.incident != 0) {
    auto found = store_.get_incident(control.incident);
    if (!found.ok()) return found.error();
    incident = std::move(*found);
  }
  return may_take(config->authority, actor, action, *workflow,
                  incident ? &*incident : nullptr);
}

core::Result<model::Control> ControlService::set(model::Control control, const Actor& actor) {
  AIIR_RETURN_IF_ERROR(check_authority(model::to_string(control.kind), control, actor));
  return set(std::move(control), label(actor));
}

core::Result<model::Control> ControlService::lift(const std::string& id, int percent,
                                                  const Actor& actor, const std::string& reason) {
  std::optional<model::Control> control;
  {
    std::lock_guard lock(mu_);
    for (const auto& c : controls_) {
      if (c.id == id) control = c;
    }
  }
  // Unknown or lifted already: lift() below says which.
  if (control) AIIR_RETURN_IF_ERROR(check_authority(kLiftAction, *control, actor));
  return lift(id, percent, label(actor), reason);
}

core::Result<model::Control> ControlService::lift(const std::string& id, int percent,
                                                  const std::string& actor,
                                                  const std::string& reason) {
  if (reason.empty()) return core::invalid("lifting control '" + id + "' needs a reason");
  if (percent < 1 || percent > 100) {
    return core::invalid("lift percent is " + std::to_string(percent) +
                         "; it must be within 1..100 (100 lifts the control fully)");
  }
  std::lock_guard lock(mu_);
  auto it = std::find_if(controls_.begin(), controls_.end(),
                         [&](const model::Control& c) { return c.id == id; });
  if (it == controls_.end()) {
    // Not in force: either lifted already or unknown. Only the store knows which.
    auto all = store_.list_controls(/*include_lifted=*/true);
    if (!all.ok()) return all.error();
    for (const auto& c : *all) {
      if (c.id == id) {
        return core::failed_precondition("control '" + id + "' was lifted already");
      }
    }
    return core::not_found("no control has id '" + id + "'");
  }
  model::Control control = *it;
  const core::UnixNanos now = clock_.now();
  control.lift_percent = percent;
  if (percent == 100) control.lifted_at = now;
  store::ControlChange change{control, percent == 100 ? "lift" : "stage", actor, reason, now};
  return save_locked(std::move(change));
}

core::Result<model::Control> ControlService::save_locked(store::ControlChange change) {
  auto version = store_.save_control(change);
  if (!version.ok()) return version.error();
  model::Control& control = change.control;
  control.controls_version = *version;
  auto it = std::find_if(controls_.begin(), controls_.end(),
                         [&](const model::Control& c) { return c.id == control.id; });
  if (control.lifted_at != 0) {
    if (it != controls_.end()) controls_.erase(it);
  } else if (it != controls_.end()) {
    *it = control;
  } else {
    controls_.push_back(control);
  }
  publish_locked(*version);
  return std::move(control);
}

void ControlService::publish_locked(std::int64_t version) {
  version_ = version;
  auto config = config_();
  std::span<const model::Workflow> workflows;
  if (config) workflows = config->workflows;
  auto next = std::make_shared<const ControlSnapshot>(version, controls_, workflows);
  snapshot_.store(next);
  for (const auto& listener : listeners_) listener(next);
}

void ControlService::add_listener(Listener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

std::vector<model::Control> ControlService::list(bool include_lifted) {
  auto controls = store_.list_controls(include_lifted);
  if (!controls.ok()) {
    spdlog::warn("listing controls failed: {}", controls.error().message());
    return {};
  }
  return std::move(*controls);
}

void ControlService::config_changed() {
  std::lock_guard lock(mu_);
  publish_locked(version_);
}

}  // namespace aiir::contain
