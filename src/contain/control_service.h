#pragma once
// The one place controls are changed at run time: it stores each change with its audit trail
// and publishes a new ControlSnapshot, which decisions read without touching the store.
//
// Changes (set, lift) are serialized by one mutex: each validates, saves, then rebuilds and swaps
// the snapshot, so a snapshot's version is always the store's version after the changes it holds.
// decide() and snapshot() only load an atomic shared_ptr: they never wait for a change, nor for
// the store.
//
// Thread-safe.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "contain/authority.h"
#include "contain/control_snapshot.h"
#include "contain/decision.h"
#include "core/clock.h"
#include "core/result.h"
#include "model/control.h"
#include "store/store.h"

namespace aiir::contain {

class ControlService {
 public:
  using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;

  ControlService(store::Store& store, const core::Clock& clock, ConfigSource config);
  ControlService(const ControlService&) = delete;
  ControlService& operator=(const ControlService&) = delete;

  // Loads the controls in force and builds the first snapshot (at the store's version). Until
  // then the snapshot is empty at version 0 and everything is allowed.
  core::Status start();

  std::shared_ptr<const ControlSnapshot> snapshot() const { return snapshot_.load(); }
  // Decides on the current snapshot at clock.now(). Errors as contain::decide.
  core::Result<Decision> decide(const DecideRequest& request) const;

  // Sets a new control: assigns its id ("ctl-" + 12 hex digits), set_at (now) and set_by
  // (`actor`), ignoring what the caller put there, and starts it fully in force (no lift). Then
  // validates it against its workflow in the current configuration (kNotFound for a workflow
  // the inventory lacks, kInvalidArgument for anything else wrong). Returns it as stored.
  core::Result<model::Control> set(model::Control control, const std::string& actor);
  // Lifts a control: 1..99 percent stages the lift (that share of traffic passes as if the
  // control were gone), 100 lifts it fully (lifted_at = now; it no longer applies at all). A
  // reason is required (kInvalidArgument). kNotFound for an unknown id, kFailedPrecondition for
  // a control lifted already. Returns the control as stored.
  core::Result<model::Control> lift(const std::string& id, int percent, const std::string& actor,
                                    const std::string& reason);

  // As set() and lift(), first checking the authority rules of the current configuration
  // (contain/authority.h) for `actor`: kPermissionDenied naming who may. A control of an incident
  // is checked against that incident's role holders. The API's way in; playbooks, which were
  // given their authority when they were written, use the unchecked forms.
  core::Result<model::Control> set(model::Control control, const Actor& actor);
  core::Result<model::Control> lift(const std::string& id, int percent, const Actor& actor,
                                    const std::string& reason);

  // Controls, oldest first; lifted ones only when asked. Read from the store; empty on a store
  // error (logged).
  std::vector<model::Control> list(bool include_lifted);

  // Called with every snapshot published from now on (each change, and each configuration
  // change), in version order, on the thread that made the change and with changes held back
  // until it returns: keep it short (the change stream hands the snapshot to its I/O threads).
  using Listener = std::function<void(const std::shared_ptr<const ControlSnapshot>&)>;
  void add_listener(Listener listener);

  // The configuration changed: rebuilds the snapshot, since workflows (and their pause
  // fallbacks) may have been added, changed or removed. The version stays.
  void config_changed();

 private:
  static std::string label(const Actor& actor);  // "name (key id)"
  core::Status check_authority(std::string_view action, const model::Control& control,
                               const Actor& actor);
  // mu_ held. Saves `change` and publishes the snapshot of the controls in force after it.
  core::Result<model::Control> save_locked(store::ControlChange change);
  // mu_ held. Builds a snapshot of controls_ at `version` with the current workflows.
  void publish_locked(std::int64_t version);

  store::Store& store_;
  const core::Clock& clock_;
  ConfigSource config_;

  std::mutex mu_;  // serializes changes
  // The controls in force (not lifted), as stored: the snapshot is rebuilt from these, so a
  // change never reads the store back.
  std::vector<model::Control> controls_;  // GUARDED_BY(mu_)
  std::int64_t version_ = 0;               // GUARDED_BY(mu_)
  std::vector<Listener> listeners_;        // GUARDED_BY(mu_)
  std::atomic<std::shared_ptr<const ControlSnapshot>> snapshot_{
      std::make_shared<const ControlSnapshot>()};
};

}  // namespace aiir::contain
