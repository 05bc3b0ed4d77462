#pragma once
// The state behind stateful detector conditions, one tracker per detector. Pure logic over event
// time (span start, ns) and group keys (the detector's group-by values joined into one string),
// so synthetic streams test every edge without a server or a clock.
//
// Spans arrive roughly, not strictly, in time order (exporters batch, traces end late). Each
// tracker keeps, per group, the events of the last window relative to the newest event time of
// that group; an event older than the window of the newest is counted if still inside it.
//
// Memory is bounded: each tracker holds at most `max_groups` groups (least recently updated
// dropped first) and counts what it dropped.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace aiir::detect {

using core::UnixNanos;

constexpr std::size_t kDefaultMaxGroups = 100'000;

// Same key seen twice within the window.
class DuplicateTracker {
 public:
  explicit DuplicateTracker(UnixNanos within, std::size_t max_groups = kDefaultMaxGroups);
  struct Hit {
    UnixNanos previous_time;  // start of the earlier occurrence
    int occurrences;          // including this one, within the window
  };
  // Records `key` at `time`; returns a hit when an occurrence with |time - t| <= within exists.
  std::optional<Hit> observe(const std::string& key, UnixNanos time);
  std::size_t groups() const;
  std::uint64_t dropped() const;

 private:
  // Occurrence times of one key, sorted; live from `head` on (the prefix is evicted, compacted
  // lazily so a steady stream does not allocate).
  struct Group {
    std::vector<UnixNanos> times;
    std::size_t head = 0;
    std::string key;
    std::uint32_t newer = 0, older = 0;  // LRU chain, by index into groups_
  };
  UnixNanos within_;
  std::size_t max_groups_;
  std::uint64_t dropped_ = 0;
  std::unordered_map<std::string, std::uint32_t> index_;  // key -> position in groups_
  std::vector<Group> groups_;
  std::uint32_t newest_ = 0, oldest_ = 0;  // ends of the LRU chain when groups_ is not empty
};

// At least N events in a sliding window. Fires once when the count reaches N, then again only
// after the count fell below N (the episode ended) and reached N anew.
class RateTracker {
 public:
  RateTracker(UnixNanos within, int at_least, std::size_t max_groups = kDefaultMaxGroups);
  struct Hit {
    int count;               // events in the window, including this one
    UnixNanos window_start;  // time of the oldest event counted
  };
  std::optional<Hit> observe(const std::string& group, UnixNanos time);
  std::size_t groups() const;
  std::uint64_t dropped() const;

 private:
  struct Group {
    std::vector<UnixNanos> times;  // sorted, live from `head` on
    std::size_t head = 0;
    bool armed = true;
    std::string key;
    std::uint32_t newer = 0, older = 0;  // LRU chain, by index into groups_
  };
  UnixNanos within_;
  int at_least_;
  std::size_t max_groups_;
  std::uint64_t dropped_ = 0;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<Group> groups_;
  std::uint32_t newest_ = 0, oldest_ = 0;
};

// Fraction of events that are hits, over a sliding window, once at least `min_count` events are
// in it. Fires when the fraction exceeds `above`, then again only after it fell to or below
// `above` (or the count below min_count) and rose again.
class RatioTracker {
 public:
  RatioTracker(UnixNanos within, double above, int min_count,
               std::size_t max_groups = kDefaultMaxGroups);
  struct Hit {
    int hits;
    int total;
    double ratio;
  };
  std::optional<Hit> observe(const std::string& group, UnixNanos time, bool hit);
  std::size_t groups() const;
  std::uint64_t dropped() const;

 private:
  struct Event {
    UnixNanos time;
    bool hit;
  };
  struct Group {
    std::vector<Event> events;  // sorted by time, live from `head` on
    std::size_t head = 0;
    int hits = 0;  // among the live events
    bool armed = true;
    std::string key;
    std::uint32_t newer = 0, older = 0;  // LRU chain, by index into groups_
  };
  UnixNanos within_;
  double above_;
  int min_count_;
  std::size_t max_groups_;
  std::uint64_t dropped_ = 0;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<Group> groups_;
  std::uint32_t newest_ = 0, oldest_ = 0;
};

// Per group, hit ratios per version value. The newest version (the one of the event with the
// latest time) is compared with the version that was newest before it. Fires once per
// (group, new version) when both have at least `min_count` events and ratio(new) > factor *
// ratio(previous) — with ratio(previous) == 0, any hit ratio above 0 under the new version counts
// as exceeding. `within` > 0 limits both sides to events within that long of the newest event.
class DriftTracker {
 public:
  DriftTracker(double factor, int min_count, UnixNanos within,
               std::size_t max_groups = kDefaultMaxGroups);
  struct Hit {
    std::string version;
    std::string previous_version;
    int hits, total;                    // under `version`
    int previous_hits, previous_total;  // under `previous_version`
    double ratio, previous_ratio;
  };
  std::optional<Hit> observe(const std::string& group, const std::string& version,
                             UnixNanos time, bool hit);
  std::size_t groups() const;
  std::uint64_t dropped() const;

 private:
  struct Event {
    UnixNanos time;
    bool hit;
  };
  struct Version {
    std::string name;
    std::uint32_t id = 0;        // unique within the group, names the version in `fired`
    std::vector<Event> events;   // only when within_ > 0; sorted, live from `head` on
    std::size_t head = 0;
    int hits = 0, total = 0;     // live events
    UnixNanos last_time = 0;     // latest event time under this version
  };
  struct Group {
    std::vector<Version> versions;  // at most a handful; the least recently seen go first
    int current = -1;               // index of the newest version
    int previous = -1;              // index of the version newest before it
    bool pair_fired = false;        // (current, previous) already fired
    UnixNanos newest_time = 0;
    std::uint32_t next_id = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> fired;  // (version id, previous id)
    std::string key;
    std::uint32_t newer = 0, older = 0;  // LRU chain, by index into groups_
  };
  void evict(Version& version, UnixNanos newest) const;
  static int add_version(Group& group, const std::string& name);

  double factor_;
  int min_count_;
  UnixNanos within_;
  std::size_t max_groups_;
  std::uint64_t dropped_ = 0;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<Group> groups_;
  std::uint32_t newest_ = 0, oldest_ = 0;
};

// A step that must precede another in the same trace. `required` spans are remembered per trace;
// an `action` span with a required span in its trace that started at or before it is fine; one
// without waits `grace` (processing time, not event time: the required span may still be on its
// way) and is reported by due() if none has arrived by then. Traces are forgotten after
// `retain` of processing time.
class AbsenceTracker {
 public:
  AbsenceTracker(UnixNanos grace, UnixNanos retain = 3600 * core::kNanosPerSecond,
                 std::size_t max_traces = kDefaultMaxGroups);
  struct Pending {
    std::string trace_id;
    std::string span_id;
    UnixNanos time;      // the action's start
    std::int64_t token;  // the caller's (the engine passes the span's sequence number)
  };
  void required(const std::string& trace_id, UnixNanos time, UnixNanos now);
  // Returns true when the action is already satisfied; otherwise it waits.
  bool action(const Pending& action, UnixNanos now);
  // Actions whose grace ended by `now` with no required span at or before them; removed.
  std::vector<Pending> due(UnixNanos now);
  // Every waiting action, regardless of grace (a retro-hunt has seen all its spans); removed.
  std::vector<Pending> drain();
  std::size_t waiting() const;
  std::uint64_t dropped() const;

 private:
  struct Trace {
    std::optional<UnixNanos> earliest_required;
    std::vector<std::pair<std::uint64_t, UnixNanos>> waiting;  // (action id, action time)
    UnixNanos touched = 0;                                     // processing time
    std::string key;
    std::uint32_t newer = 0, older = 0;  // LRU chain, by index into groups_
  };
  struct Deadline {
    UnixNanos at;
    std::uint64_t id;
  };
  Trace& touch(const std::string& trace_id, UnixNanos now);
  void forget_idle(UnixNanos now);

  UnixNanos grace_;
  UnixNanos retain_;
  std::size_t max_traces_;
  std::uint64_t dropped_ = 0;
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::string, std::uint32_t> index_;  // trace id -> position in traces_
  std::vector<Trace> traces_;
  std::uint32_t newest_ = 0, oldest_ = 0;  // LRU chain by touch, oldest forgotten first
  std::map<std::uint64_t, Pending> waiting_;  // by id, i.e. in arrival order
  std::vector<Deadline> deadlines_;  // min-heap on `at`; entries of satisfied actions linger
};

}  // namespace aiir::detect
