#include "detect/window.h"

#include <algorithm>
#include <utility>

namespace aiir::detect {
namespace {

// Versions kept per drift group; enough for a rollout, a rollback and a canary beside them.
constexpr std::size_t kMaxVersions = 8;
// Evicted prefix length under which a queue is not worth compacting yet.
constexpr std::size_t kCompactAfter = 16;

// True when `time` lies more than `within` before `newest`. The difference is taken unsigned so
// no pair of times overflows.
bool outside(UnixNanos time, UnixNanos newest, UnixNanos within) {
  if (time >= newest) return false;
  return static_cast<std::uint64_t>(newest) - static_cast<std::uint64_t>(time) >
         static_cast<std::uint64_t>(within);
}

UnixNanos time_of(UnixNanos t) { return t; }
template <class E>
UnixNanos time_of(const E& e) {
  return e.time;
}

// A sorted queue is a vector whose live part starts at `head`. Popping only moves `head`; the dead
// prefix is erased once it is at least half the vector, so a steady stream reuses one buffer
// (no allocation per event) and the erase costs no more than the pops that made it.
template <class T>
void compact(std::vector<T>& v, std::size_t& head) {
  if (head == v.size()) {
    v.clear();
    head = 0;
  } else if (head >= kCompactAfter && head * 2 >= v.size()) {
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(head));
    head = 0;
  }
}

// Drops live entries older than `within` before `newest`, calling `on_drop` on each.
template <class T, class OnDrop>
void drop_older(std::vector<T>& v, std::size_t& head, UnixNanos newest, UnixNanos within,
                OnDrop on_drop) {
  const std::size_t before = head;
  while (head < v.size() && outside(time_of(v[head]), newest, within)) on_drop(v[head++]);
  if (head != before) compact(v, head);
}

// Inserts keeping the order; after equal times, so arrival order breaks ties. Out-of-order events
// are rare, so the linear insert is fine. Returns the index of the new entry.
template <class T>
std::size_t insert_sorted(std::vector<T>& v, std::size_t head, T item) {
  const UnixNanos t = time_of(item);
  if (head == v.size() || time_of(v.back()) <= t) {
    v.push_back(std::move(item));
    return v.size() - 1;
  }
  auto pos = std::upper_bound(v.begin() + static_cast<std::ptrdiff_t>(head), v.end(), t,
                              [](UnixNanos a, const T& b) { return a < time_of(b); });
  pos = v.insert(pos, std::move(item));
  return static_cast<std::size_t>(pos - v.begin());
}

// The groups of one tracker: slots in a vector, found by key through `index`, chained from most
// to least recently updated by slot index (`newer`/`older` in each Group). Indices rather than
// pointers keep a tracker safely copyable and movable; updating a group relinks two slots and
// allocates nothing. Views the tracker's members; made on the fly, costs nothing.
template <class Group>
struct Table {
  std::unordered_map<std::string, std::uint32_t>& index;
  std::vector<Group>& slots;
  std::uint32_t& newest;
  std::uint32_t& oldest;

  // Takes slot `i` out of the chain; at least one other slot must be in it.
  void unlink(std::uint32_t i) {
    const Group& g = slots[i];
    if (i == newest)
      newest = g.older;
    else
      slots[g.newer].older = g.older;
    if (i == oldest)
      oldest = g.newer;
    else
      slots[g.older].newer = g.newer;
  }
  // Puts slot `i` at the newest end; `alone` when no other slot is in the chain.
  void link_newest(std::uint32_t i, bool alone) {
    if (alone) {
      newest = oldest = i;
      return;
    }
    slots[i].older = newest;
    slots[newest].newer = i;
    newest = i;
  }

  // The group of `key`, created if new, now the most recently updated. A new group beyond
  // `max_groups` replaces the least recently updated one, which is counted in `dropped`.
  Group& find_or_add(const std::string& key, std::size_t max_groups, std::uint64_t& dropped,
                     bool& created) {
    if (auto it = index.find(key); it != index.end()) {
      created = false;
      const std::uint32_t i = it->second;
      if (i != newest) {
        unlink(i);
        link_newest(i, false);
      }
      return slots[i];
    }
    created = true;
    std::uint32_t i;
    bool alone = slots.empty();
    if (slots.size() >= max_groups) {
      i = oldest;
      alone = slots.size() == 1;
      if (!alone) unlink(i);
      index.erase(slots[i].key);
      slots[i] = Group{};
      ++dropped;
    } else {
      i = static_cast<std::uint32_t>(slots.size());
      slots.emplace_back();
    }
    slots[i].key = key;
    index.emplace(key, i);
    link_newest(i, alone);
    return slots[i];
  }

  // Removes slot `i`; the last slot moves into its place.
  void remove(std::uint32_t i) {
    index.erase(slots[i].key);
    const auto last = static_cast<std::uint32_t>(slots.size() - 1);
    if (last == 0) {
      slots.clear();
      return;
    }
    unlink(i);
    if (i != last) {
      slots[i] = std::move(slots[last]);
      const Group& g = slots[i];
      index[g.key] = i;
      if (newest == last)
        newest = i;
      else
        slots[g.newer].older = i;
      if (oldest == last)
        oldest = i;
      else
        slots[g.older].newer = i;
    }
    slots.pop_back();
  }
};

template <class Group>
Table<Group> table(std::unordered_map<std::string, std::uint32_t>& index, std::vector<Group>& slots,
                   std::uint32_t& newest, std::uint32_t& oldest) {
  return Table<Group>{index, slots, newest, oldest};
}

std::size_t at_least_one(std::size_t n) { return std::max<std::size_t>(n, 1); }

}  // namespace

// ---- DuplicateTracker ----

DuplicateTracker::DuplicateTracker(UnixNanos within, std::size_t max_groups)
    : within_(std::max<UnixNanos>(within, 0)), max_groups_(at_least_one(max_groups)) {}

std::optional<DuplicateTracker::Hit> DuplicateTracker::observe(const std::string& key,
                                                               UnixNanos time) {
  bool created = false;
  Group& g =
      table(index_, groups_, newest_, oldest_).find_or_add(key, max_groups_, dropped_, created);
  if (created) {
    g.times.push_back(time);
    return std::nullopt;
  }
  // The queue is never empty: the newest occurrence is always inside its own window.
  const UnixNanos newest = std::max(g.times.back(), time);
  if (outside(time, newest, within_)) return std::nullopt;  // too late to count
  drop_older(g.times, g.head, newest, within_, [](UnixNanos) {});

  std::optional<Hit> hit;
  if (g.head < g.times.size()) {
    // Every live occurrence is within `within` of this one (both lie in [newest - within,
    // newest]); report the closest at or before it, else the closest after it.
    auto first = g.times.begin() + static_cast<std::ptrdiff_t>(g.head);
    auto pos = std::upper_bound(first, g.times.end(), time);
    const UnixNanos previous = pos != first ? *(pos - 1) : *pos;
    hit = Hit{previous, static_cast<int>(g.times.size() - g.head + 1)};
  }
  insert_sorted(g.times, g.head, time);
  return hit;
}

std::size_t DuplicateTracker::groups() const { return groups_.size(); }
std::uint64_t DuplicateTracker::dropped() const { return dropped_; }

// ---- RateTracker ----
//
// Episodes: a group is armed until it fires, then disarmed until its count is seen below
// `at_least`. The count changes only inside observe() (eviction lowers it, the new event adds one),
// so observe() looks twice: after evicting, before adding the new event, and after adding it.
// Seen below either time, the group is armed again. Hence a burst that died down re-arms on the
// next event, even when that event alone brings the count back to `at_least`.

RateTracker::RateTracker(UnixNanos within, int at_least, std::size_t max_groups)
    : within_(std::max<UnixNanos>(within, 0)),
      at_least_(std::max(at_least, 1)),
      max_groups_(at_least_one(max_groups)) {}

std::optional<RateTracker::Hit> RateTracker::observe(const std::string& group, UnixNanos time) {
  bool created = false;
  Group& g =
      table(index_, groups_, newest_, oldest_).find_or_add(group, max_groups_, dropped_, created);
  if (!created) {
    const UnixNanos newest = std::max(g.times.back(), time);
    if (outside(time, newest, within_)) return std::nullopt;
    drop_older(g.times, g.head, newest, within_, [](UnixNanos) {});
    if (static_cast<int>(g.times.size() - g.head) < at_least_) g.armed = true;
  }
  insert_sorted(g.times, g.head, time);
  const int count = static_cast<int>(g.times.size() - g.head);
  if (count < at_least_) {
    g.armed = true;
    return std::nullopt;
  }
  if (!g.armed) return std::nullopt;
  g.armed = false;
  return Hit{count, g.times[g.head]};
}

std::size_t RateTracker::groups() const { return groups_.size(); }
std::uint64_t RateTracker::dropped() const { return dropped_; }

// ---- RatioTracker ----
//
// Same episode rule as RateTracker, with "above" meaning total >= min_count and hits / total >
// above: checked after evicting and after adding, re-armed whenever seen not above.

RatioTracker::RatioTracker(UnixNanos within, double above, int min_count, std::size_t max_groups)
    : within_(std::max<UnixNanos>(within, 0)),
      above_(above),
      min_count_(std::max(min_count, 1)),
      max_groups_(at_least_one(max_groups)) {}

std::optional<RatioTracker::Hit> RatioTracker::observe(const std::string& group, UnixNanos time,
                                                       bool hit) {
  bool created = false;
  Group& g =
      table(index_, groups_, newest_, oldest_).find_or_add(group, max_groups_, dropped_, created);
  auto is_above = [&](int total) {
    return total >= min_count_ && static_cast<double>(g.hits) / total > above_;
  };
  if (!created) {
    const UnixNanos newest = std::max(g.events.back().time, time);
    if (outside(time, newest, within_)) return std::nullopt;
    drop_older(g.events, g.head, newest, within_, [&g](const Event& e) { g.hits -= e.hit; });
    if (!is_above(static_cast<int>(g.events.size() - g.head))) g.armed = true;
  }
  insert_sorted(g.events, g.head, Event{time, hit});
  g.hits += hit;
  const int total = static_cast<int>(g.events.size() - g.head);
  if (!is_above(total)) {
    g.armed = true;
    return std::nullopt;
  }
  if (!g.armed) return std::nullopt;
  g.armed = false;
  return Hit{g.hits, total, static_cast<double>(g.hits) / total};
}

std::size_t RatioTracker::groups() const { return groups_.size(); }
std::uint64_t RatioTracker::dropped() const { return dropped_; }

// ---- DriftTracker ----
//
// "Newest" follows event time, not arrival: an event at or after the group's newest time makes
// its version current, and the version it displaces becomes previous. Late events of any version
// are counted under it without switching. Each (current, previous) pair fires at most once, so a
// rollback (v7 -> v6) may fire again as (v6 vs v7), but returning to v7 does not repeat (v7 vs v6).

DriftTracker::DriftTracker(double factor, int min_count, UnixNanos within, std::size_t max_groups)
    : factor_(factor),
      min_count_(std::max(min_count, 1)),
      within_(within),
      max_groups_(at_least_one(max_groups)) {}

void DriftTracker::evict(Version& version, UnixNanos newest) const {
  if (within_ <= 0) return;
  drop_older(version.events, version.head, newest, within_, [&version](const Event& e) {
    version.hits -= e.hit;
    --version.total;
  });
}

// Adds `name` to the group, first dropping the least recently seen version other than the
// current and previous ones when the group is full. Returns the new version's index.
int DriftTracker::add_version(Group& group, const std::string& name) {
  if (group.versions.size() >= kMaxVersions) {
    int victim = -1;
    for (int i = 0; i < static_cast<int>(group.versions.size()); ++i) {
      if (i == group.current || i == group.previous) continue;
      if (victim < 0 || group.versions[i].last_time < group.versions[victim].last_time) victim = i;
    }
    const std::uint32_t gone = group.versions[victim].id;
    std::erase_if(group.fired,
                  [gone](const auto& p) { return p.first == gone || p.second == gone; });
    group.versions.erase(group.versions.begin() + victim);
    if (group.current > victim) --group.current;
    if (group.previous > victim) --group.previous;
  }
  Version& v = group.versions.emplace_back();
  v.name = name;
  v.id = group.next_id++;
  return static_cast<int>(group.versions.size()) - 1;
}

std::optional<DriftTracker::Hit> DriftTracker::observe(const std::string& group,
                                                       const std::string& version, UnixNanos time,
                                                       bool hit) {
  bool created = false;
  Group& g =
      table(index_, groups_, newest_, oldest_).find_or_add(group, max_groups_, dropped_, created);
  if (!created && within_ > 0 && outside(time, g.newest_time, within_)) return std::nullopt;

  int index = -1;
  for (int i = 0; i < static_cast<int>(g.versions.size()); ++i) {
    if (g.versions[i].name == version) {
      index = i;
      break;
    }
  }
  if (index < 0) index = add_version(g, version);

  if (created || time >= g.newest_time) {
    g.newest_time = time;
    if (index != g.current) {
      g.previous = g.current;
      g.current = index;
      const std::pair<std::uint32_t, std::uint32_t> pair{
          g.versions[g.current].id, g.previous >= 0 ? g.versions[g.previous].id : 0};
      g.pair_fired =
          g.previous >= 0 && std::find(g.fired.begin(), g.fired.end(), pair) != g.fired.end();
    }
  }

  Version& v = g.versions[index];
  v.last_time = std::max(v.last_time, time);
  if (within_ > 0) {
    evict(v, g.newest_time);
    insert_sorted(v.events, v.head, Event{time, hit});
  }
  v.hits += hit;
  ++v.total;

  if (g.previous < 0 || g.pair_fired) return std::nullopt;
  Version& now = g.versions[g.current];
  Version& before = g.versions[g.previous];
  evict(now, g.newest_time);
  evict(before, g.newest_time);
  if (now.total < min_count_ || before.total < min_count_) return std::nullopt;
  const double ratio = static_cast<double>(now.hits) / now.total;
  const double previous_ratio = static_cast<double>(before.hits) / before.total;
  // With previous_ratio == 0 this reads ratio > 0, as the header promises.
  if (!(ratio > factor_ * previous_ratio)) return std::nullopt;
  g.pair_fired = true;
  g.fired.emplace_back(now.id, before.id);
  return Hit{now.name,    before.name,  now.hits, now.total,
             before.hits, before.total, ratio,    previous_ratio};
}

std::size_t DriftTracker::groups() const { return groups_.size(); }
std::uint64_t DriftTracker::dropped() const { return dropped_; }

// ---- AbsenceTracker ----
//
// Waiting actions live in `waiting_` (by id) and are named by id from their trace (for required()
// to satisfy them) and from the deadline heap (for due()). Satisfied actions leave their heap
// entry behind; due() skips ids no longer waiting. A trace that is forgotten (idle past `retain`,
// or dropped past `max_traces`) leaves its waiting actions waiting: nothing can satisfy them any
// more, so due() reports them at their deadline rather than losing them silently.

namespace {
// Heap order for std::push_heap/pop_heap: the earliest deadline (then the earliest id) on top.
constexpr auto kLater = [](const auto& a, const auto& b) {
  return a.at > b.at || (a.at == b.at && a.id > b.id);
};
}  // namespace

AbsenceTracker::AbsenceTracker(UnixNanos grace, UnixNanos retain, std::size_t max_traces)
    : grace_(std::max<UnixNanos>(grace, 0)),
      retain_(std::max<UnixNanos>(retain, 0)),
      max_traces_(at_least_one(max_traces)) {}

void AbsenceTracker::forget_idle(UnixNanos now) {
  auto t = table(index_, traces_, newest_, oldest_);
  while (!traces_.empty() && outside(traces_[oldest_].touched, now, retain_)) t.remove(oldest_);
}

AbsenceTracker::Trace& AbsenceTracker::touch(const std::string& trace_id, UnixNanos now) {
  forget_idle(now);
  bool created = false;
  Trace& t = table(index_, traces_, newest_, oldest_)
                 .find_or_add(trace_id, max_traces_, dropped_, created);
  t.touched = now;
  return t;
}

void AbsenceTracker::required(const std::string& trace_id, UnixNanos time, UnixNanos now) {
  Trace& t = touch(trace_id, now);
  if (!t.earliest_required || time < *t.earliest_required) t.earliest_required = time;
  std::erase_if(t.waiting, [&](const std::pair<std::uint64_t, UnixNanos>& w) {
    if (w.second < time) return false;
    waiting_.erase(w.first);
    return true;
  });
}

bool AbsenceTracker::action(const Pending& action, UnixNanos now) {
  Trace& t = touch(action.trace_id, now);
  if (t.earliest_required && *t.earliest_required <= action.time) return true;
  const std::uint64_t id = next_id_++;
  waiting_.emplace(id, action);
  t.waiting.emplace_back(id, action.time);
  deadlines_.push_back(Deadline{now + grace_, id});
  std::push_heap(deadlines_.begin(), deadlines_.end(), kLater);
  return false;
}

std::vector<AbsenceTracker::Pending> AbsenceTracker::due(UnixNanos now) {
  forget_idle(now);
  std::vector<Pending> out;
  while (!deadlines_.empty() && deadlines_.front().at <= now) {
    const std::uint64_t id = deadlines_.front().id;
    std::pop_heap(deadlines_.begin(), deadlines_.end(), kLater);
    deadlines_.pop_back();
    auto it = waiting_.find(id);
    if (it == waiting_.end()) continue;  // satisfied meanwhile
    if (auto trace = index_.find(it->second.trace_id); trace != index_.end()) {
      std::erase_if(traces_[trace->second].waiting, [id](const auto& w) { return w.first == id; });
    }
    out.push_back(std::move(it->second));
    waiting_.erase(it);
  }
  return out;
}

std::vector<AbsenceTracker::Pending> AbsenceTracker::drain() {
  std::vector<Pending> out;
  out.reserve(waiting_.size());
  for (auto& [id, pending] : waiting_) out.push_back(std::move(pending));
  waiting_.clear();
  deadlines_.clear();
  for (Trace& trace : traces_) trace.waiting.clear();
  return out;
}

std::size_t AbsenceTracker::waiting() const { return waiting_.size(); }
std::uint64_t AbsenceTracker::dropped() const { return dropped_; }

}  // namespace aiir::detect
