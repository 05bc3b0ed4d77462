#pragma once
// What each application instance has told aiir about the controls it enforces: the workflows it
// serves, when it was last heard from, the controls version it has applied and when it first
// reported each version. This is how aiir *measures* whether a control has taken effect
// everywhere ("instance i-3 applied the pause 180 ms after it was set") instead of assuming it.
//
// Instances report through POST /v1/controls/applied (heartbeat or acknowledgement), through
// their decide calls (which say which instance asks and the version it has applied), and by
// holding the change stream open (connected()).
//
// "When did instance X apply control C" = the first time X reported a version ≥ C's
// controls_version: versions only grow, so a report of version 14 means 12 is applied too.
//
// Memory is bounded: an instance not heard from for `forget_after` (and not connected) is
// forgotten; at most `max_instances` are remembered, so random instance ids cannot exhaust
// memory (reports from new instances beyond the cap are dropped and counted); each instance keeps
// its last `history` version transitions.
//
// Thread-safe and cheap: applied() is called on every decide (tens of thousands a second). State
// is split in shards by instance id, each behind its own mutex; a report of a version already
// known costs one hash lookup and no allocation.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace aiir::contain {

struct InstanceRegistryOptions {
  // An instance counts as live (expected to apply every control) while connected to the change
  // stream, or for this long after it was last heard from. Apps that only heartbeat should do so
  // more often than this.
  std::chrono::seconds live_window{120};
  // Forgotten after this long unheard (and not connected).
  std::chrono::seconds forget_after{3600};
  // Beyond this many instances, reports from new ones are dropped (and counted).
  std::size_t max_instances = 100'000;
  // Version transitions kept per instance.
  std::size_t history = 256;
};

// One version an instance reported for the first time, and when.
struct VersionTransition {
  std::int64_t version = 0;
  core::UnixNanos at = 0;
};

// What GET /v1/controls/instances shows for one instance.
struct InstanceState {
  std::string instance;
  std::vector<std::string> workflows;  // the workflows it said it serves; empty = every workflow
  int connections = 0;                 // change streams it holds open now
  bool live = false;                   // connected, or heard from within live_window
  std::int64_t applied_version = 0;    // the highest version it reported applied; 0 = none yet
  core::UnixNanos applied_at = 0;      // when it first reported applied_version
  std::int64_t delivered_version = 0;  // the highest version the stream sent it
  core::UnixNanos first_seen = 0;
  core::UnixNanos last_seen = 0;
};

class InstanceRegistry {
 public:
  explicit InstanceRegistry(const core::Clock& clock);
  InstanceRegistry(const core::Clock& clock, InstanceRegistryOptions options);
  InstanceRegistry(const InstanceRegistry&) = delete;
  InstanceRegistry& operator=(const InstanceRegistry&) = delete;

  // `instance` reports it has applied controls `version` (a heartbeat repeats the same version).
  // `workflow`, when given, is added to the workflows it serves. A version lower than one it
  // reported before changes nothing but last seen: versions only grow, and a late or reordered
  // report must not make a control look unapplied. An empty instance id is ignored.
  void applied(std::string_view instance, std::int64_t version, std::string_view workflow = {});

  // A change stream of `instance` opened or closed; `workflow` is the stream's workflow ("" =
  // every workflow, which adds none to the workflows it serves). Counted: an instance may hold
  // several streams.
  void connected(std::string_view instance, std::string_view workflow);
  void disconnected(std::string_view instance, std::string_view workflow);
  // The stream sent `instance` controls `version` (delivered, not yet applied).
  void delivered(std::string_view instance, std::int64_t version);

  struct Application {
    std::string instance;
    bool applied = false;      // it reported `version` or a later one
    core::UnixNanos at = 0;    // when it first did (0 when not applied)
  };
  // Every live instance that serves `workflow` (names it, or serves every workflow), sorted by
  // instance id, with whether and when it applied `version` or later.
  std::vector<Application> applications(std::string_view workflow, std::int64_t version) const;

  // Every remembered instance, sorted by instance id.
  std::vector<InstanceState> list() const;

  // Instances remembered now, and reports dropped because the cap was reached.
  std::size_t size() const { return count_.load(); }
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  struct Entry {
    std::vector<std::string> workflows;
    int connections = 0;
    std::int64_t delivered_version = 0;
    core::UnixNanos first_seen = 0;
    core::UnixNanos last_seen = 0;
    std::deque<VersionTransition> history;  // increasing versions, oldest first
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;
  struct Shard {
    mutable std::mutex mu;
    Map entries;                       // GUARDED_BY(mu)
    core::UnixNanos last_sweep = 0;    // GUARDED_BY(mu)
  };
  static constexpr std::size_t kShards = 16;

  Shard& shard_for(std::string_view instance) const;
  // Shard's mu held. The entry for `instance`, created when there is room; null when the cap is
  // reached.
  Entry* find_or_add_locked(Shard& shard, std::string_view instance, core::UnixNanos now);
  // Shard's mu held. Forgets entries unheard for forget_after and not connected.
  void sweep_locked(Shard& shard, core::UnixNanos now);
  bool live(const Entry& entry, core::UnixNanos now) const;
  bool forgettable(const Entry& entry, core::UnixNanos now) const;
  static void add_workflow(Entry& entry, std::string_view workflow);

  const core::Clock& clock_;
  const InstanceRegistryOptions options_;
  mutable std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> count_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace aiir::contain
