#pragma once
// Grouping: what a new signal does to the incidents of its fingerprint. Signals with one
// fingerprint attach to the open incident (count, first and last seen, subjects affected so far);
// a resolved incident whose fingerprint fires again within a cooldown reopens (the caller writes
// a `recurred` timeline event); after the cooldown, or once closed, a new incident is opened and
// linked to the old one.
//
// Everything here is pure: no store, no clock, no threads. The caller reads the incidents of the
// fingerprint, asks `decide`, and applies the answer with `attach` / `open_from` and
// model::Incident::transition in one store transaction. Thread-compatible.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "model/incident.h"
#include "model/signal.h"

namespace aiir::incident {

constexpr core::UnixNanos kNanosPerHour = 3600 * core::kNanosPerSecond;

// Per-detector settings: a detector's `incident:` block (`group_window`, `reopen_cooldown`; see
// docs/detectors.md) overrides these defaults, and the group-by keys that make the fingerprint are
// the detector's too. Durations in nanoseconds.
struct GroupingOptions {
  // A signal joins an active (open, acknowledged or contained) incident of its fingerprint when
  // its event time lies within this of the incident's signals (after last_seen, or before
  // first_seen for a late arrival); otherwise a new incident opens. Longer: fewer, larger
  // incidents, but an unrelated later outbreak hides inside an old one.
  core::UnixNanos group_window = 24 * kNanosPerHour;
  // A resolved incident whose fingerprint fires again within this (aiir's time `now` minus
  // resolved_at) reopens as a recurrence; later, a new incident opens linked to it. Longer: a fix
  // that did not hold is caught as the same incident, but unrelated repeats inflate recurrences.
  core::UnixNanos reopen_cooldown = 24 * kNanosPerHour;
};

enum class GroupAction {
  kAttach,      // add the signal to `incident` (attach)
  kOpen,        // open a new incident (open_from)
  kReopen,      // reopen resolved `incident` (resolved → open, recurrences + 1, `recurred` event),
                // then attach the signal to it
  kOpenLinked,  // open a new incident (open_from) with linked_to = `incident`
  kIgnore,      // the signal opens and joins nothing
};
std::string_view to_string(GroupAction action);

struct GroupDecision {
  GroupAction action = GroupAction::kOpen;
  std::int64_t incident = 0;  // attached to / reopened / linked from; 0 for kOpen and kIgnore
  std::string why;            // one line for the log and the timeline ("recurred 2h after ...")
};

// Decides what `signal` does, given the incidents with its fingerprint (newest first; states and
// times as stored) and aiir's time `now`. Never fails.
//  - Hunt signals (source kHunt) are kIgnore: findings about the past never open incidents by
//    themselves (a responder attaches them as evidence).
//  - Incidents merged into another (merged_into != 0) are skipped: their signals belong to the
//    incident they were merged into, which the caller finds by its own fingerprint.
//  - The newest active incident (open, acknowledged, contained) takes the signal when within
//    group_window; an active incident outside it leaves the signal to a new incident (kOpen).
//  - Otherwise the newest resolved or closed incident decides: resolved within reopen_cooldown →
//    kReopen; resolved longer ago, or closed (closed is final) → kOpenLinked.
//  - No incidents → kOpen.
// A signal with event_time 0 counts as happening at `now`.
GroupDecision decide(const model::Signal& signal,
                     const std::vector<model::Incident>& same_fingerprint, core::UnixNanos now,
                     const GroupingOptions& options);

// The subjects an incident's signals named so far (distinct users, accounts and records), and the
// worst impact among them, without storing every id forever: each kind is exact up to `bound`
// distinct ids, then counted approximately (HyperLogLog, about 1.6% standard error, 4 KiB per
// kind) and approximate() turns true. Empty ids are not subjects and are ignored.
// In memory only: after a restart the caller starts a new counter, and `attach` never lowers the
// counts already stored on the incident. Thread-compatible.
class BlastCounter {
 public:
  static constexpr std::size_t kDefaultBound = 10'000;
  explicit BlastCounter(std::size_t bound = kDefaultBound);
  ~BlastCounter();
  BlastCounter(BlastCounter&&) noexcept;
  BlastCounter& operator=(BlastCounter&&) noexcept;

  void add(const model::Signal& s);
  std::int64_t users() const { return users_.count(); }
  std::int64_t accounts() const { return accounts_.count(); }
  std::int64_t records() const { return records_.count(); }
  // True once any kind passed the bound: its count is an estimate.
  bool approximate() const {
    return users_.approximate() || accounts_.approximate() || records_.approximate();
  }
  // The worst impact added so far; kLow before any signal.
  model::Impact worst_impact() const { return worst_; }

 private:
  class Sketch;  // HyperLogLog registers; defined in grouping.cpp
  // One kind of subject: an exact set until it would pass the bound, then a sketch.
  class Distinct {
   public:
    explicit Distinct(std::size_t bound);
    ~Distinct();
    Distinct(Distinct&&) noexcept;
    Distinct& operator=(Distinct&&) noexcept;
    void add(const std::string& id);
    std::int64_t count() const;
    bool approximate() const { return sketch_ != nullptr; }

   private:
    std::size_t bound_;
    std::unordered_set<std::string> exact_;
    std::unique_ptr<Sketch> sketch_;  // set once the bound is passed; exact_ is then empty
  };

  Distinct users_;
  Distinct accounts_;
  Distinct records_;
  model::Impact worst_ = model::Impact::kLow;
};

// Applies `signal` to the incident it attaches to: adds it to `subjects`, counts it, widens
// first_seen / last_seen / first_matching_span to its event time, and raises distinct_users,
// distinct_accounts and records_written to the counter's (never lowering them). Worst impact is
// kept by `subjects` (worst_impact()) for the severity inputs; the incident stores no impact.
// Does not change state: for kReopen the caller transitions first. Returns the timeline summary
// line: "signal sig-12 attached: 3 users, 2 accounts so far" (kinds with no subjects left out;
// "about 10412 users" when approximate; "... attached: 4 signals so far" when no subjects).
std::string attach(model::Incident& incident, const model::Signal& signal,
                   BlastCounter& subjects);

// A new incident from its first signal: title from the signal's summary (or "<detector> on
// <workflow>" when it has none), workflow, fingerprint, detector, category, classification
// (ai_incident by default; near_miss for category near_miss; security_event for
// prompt_injection), opened_at = now, first_seen = last_seen = first_matching_span = event time
// (now when 0), signal_count 1, state open, and one user / account / record for each id the signal
// names. Number 0 (the store assigns it), severity left at its default for the severity policy,
// linked_to 0 (the caller sets it for kOpenLinked). The caller adds the signal to a fresh
// BlastCounter for the incident.
model::Incident open_from(const model::Signal& signal, core::UnixNanos now);

// The classification a new incident of this category starts with (see open_from).
model::Classification initial_classification(model::Category category);

}  // namespace aiir::incident
