#include "contain/instance_registry.h"

#include <algorithm>

namespace aiir::contain {
namespace {

core::UnixNanos nanos(std::chrono::seconds s) { return s.count() * core::kNanosPerSecond; }

// How often each shard looks for instances to forget. Forgetting is only about memory, so doing
// it once a minute, from whichever report arrives, is precise enough.
constexpr core::UnixNanos kSweepEvery = 60 * core::kNanosPerSecond;

}  // namespace

InstanceRegistry::InstanceRegistry(const core::Clock& clock)
    : InstanceRegistry(clock, InstanceRegistryOptions{}) {}

InstanceRegistry::InstanceRegistry(const core::Clock& clock, InstanceRegistryOptions options)
    : clock_(clock), options_(options) {}

InstanceRegistry::Shard& InstanceRegistry::shard_for(std::string_view instance) const {
  return shards_[std::hash<std::string_view>{}(instance) % kShards];
}

bool InstanceRegistry::live(const Entry& entry, core::UnixNanos now) const {
  return entry.connections > 0 || now - entry.last_seen <= nanos(options_.live_window);
}

bool InstanceRegistry::forgettable(const Entry& entry, core::UnixNanos now) const {
  return entry.connections == 0 && now - entry.last_seen > nanos(options_.forget_after);
}

void InstanceRegistry::sweep_locked(Shard& shard, core::UnixNanos now) {
  shard.last_sweep = now;
  for (auto it = shard.entries.begin(); it != shard.entries.end();) {
    if (forgettable(it->second, now)) {
      it = shard.entries.erase(it);
      count_--;
    } else {
      ++it;
    }
  }
}

InstanceRegistry::Entry* InstanceRegistry::find_or_add_locked(Shard& shard,
                                                              std::string_view instance,
                                                              core::UnixNanos now) {
  if (now - shard.last_sweep >= kSweepEvery) sweep_locked(shard, now);
  if (auto it = shard.entries.find(instance); it != shard.entries.end()) return &it->second;
  if (count_.load() >= options_.max_instances) {
    sweep_locked(shard, now);
    if (count_.load() >= options_.max_instances) {
      dropped_++;
      return nullptr;
    }
  }
  count_++;
  Entry& entry = shard.entries[std::string(instance)];
  entry.first_seen = now;
  entry.last_seen = now;
  return &entry;
}

void InstanceRegistry::add_workflow(Entry& entry, std::string_view workflow) {
  if (workflow.empty()) return;
  for (const auto& w : entry.workflows) {
    if (w == workflow) return;
  }
  entry.workflows.emplace_back(workflow);
}

void InstanceRegistry::applied(std::string_view instance, std::int64_t version,
                               std::string_view workflow) {
  if (instance.empty()) return;
  const core::UnixNanos now = clock_.now();
  Shard& shard = shard_for(instance);
  std::lock_guard lock(shard.mu);
  Entry* entry = find_or_add_locked(shard, instance, now);
  if (entry == nullptr) return;
  entry->last_seen = now;
  add_workflow(*entry, workflow);
  if (version <= 0) return;
  if (!entry->history.empty() && version <= entry->history.back().version) return;
  entry->history.push_back({version, now});
  while (entry->history.size() > std::max<std::size_t>(1, options_.history)) {
    entry->history.pop_front();
  }
}

void InstanceRegistry::connected(std::string_view instance, std::string_view workflow) {
  if (instance.empty()) return;
  const core::UnixNanos now = clock_.now();
  Shard& shard = shard_for(instance);
  std::lock_guard lock(shard.mu);
  Entry* entry = find_or_add_locked(shard, instance, now);
  if (entry == nullptr) return;
  entry->last_seen = now;
  entry->connections++;
  add_workflow(*entry, workflow);
}

void InstanceRegistry::disconnected(std::string_view instance, std::string_view) {
  if (instance.empty()) return;
  const core::UnixNanos now = clock_.now();
  Shard& shard = shard_for(instance);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(instance);
  if (it == shard.entries.end()) return;
  // Heard from until now: it stays live for live_window, like an instance that just
  // heartbeated, so that a reconnecting instance does not drop out of a drill.
  it->second.last_seen = now;
  if (it->second.connections > 0) it->second.connections--;
}

void InstanceRegistry::delivered(std::string_view instance, std::int64_t version) {
  if (instance.empty()) return;
  Shard& shard = shard_for(instance);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(instance);
  if (it == shard.entries.end()) return;
  it->second.delivered_version = std::max(it->second.delivered_version, version);
}

std::vector<InstanceRegistry::Application> InstanceRegistry::applications(
    std::string_view workflow, std::int64_t version) const {
  const core::UnixNanos now = clock_.now();
  std::vector<Application> out;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (const auto& [id, entry] : shard.entries) {
      if (!live(entry, now)) continue;
      bool serves = entry.workflows.empty() ||
                    std::find(entry.workflows.begin(), entry.workflows.end(), workflow) !=
                        entry.workflows.end();
      if (!serves) continue;
      Application a{id, false, 0};
      // The first report of a version >= `version`. When the history no longer reaches back
      // that far, its oldest kept transition is the earliest time known (an upper bound).
      auto first = std::find_if(entry.history.begin(), entry.history.end(),
                                [&](const VersionTransition& t) { return t.version >= version; });
      if (first != entry.history.end()) {
        a.applied = true;
        a.at = first->at;
      }
      out.push_back(std::move(a));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Application& a, const Application& b) { return a.instance < b.instance; });
  return out;
}

std::vector<InstanceState> InstanceRegistry::list() const {
  const core::UnixNanos now = clock_.now();
  std::vector<InstanceState> out;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (const auto& [id, entry] : shard.entries) {
      if (forgettable(entry, now)) continue;
      InstanceState state;
      state.instance = id;
      state.workflows = entry.workflows;
      state.connections = entry.connections;
      state.live = live(entry, now);
      if (!entry.history.empty()) {
        state.applied_version = entry.history.back().version;
        state.applied_at = entry.history.back().at;
      }
      state.delivered_version = entry.delivered_version;
      state.first_seen = entry.first_seen;
      state.last_seen = entry.last_seen;
      out.push_back(std::move(state));
    }
  }
  std::sort(out.begin(), out.end(), [](const InstanceState& a, const InstanceState& b) {
    return a.instance < b.instance;
  });
  return out;
}

}  // namespace aiir::contain
