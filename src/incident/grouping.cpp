#include "incident/grouping.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <functional>
#include <string_view>

namespace aiir::incident {
namespace {

using model::IncidentState;

bool active(IncidentState state) {
  return state == IncidentState::kOpen || state == IncidentState::kAcknowledged ||
         state == IncidentState::kContained;
}

// "2h", "35m", "12s": enough for a reason line.
std::string rough_duration(core::UnixNanos nanos) {
  const std::int64_t seconds = std::max<std::int64_t>(0, nanos / core::kNanosPerSecond);
  if (seconds >= 3600) return std::to_string(seconds / 3600) + "h";
  if (seconds >= 60) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

// Newest first, skipping incidents merged into another.
const model::Incident* newest(const std::vector<model::Incident>& incidents, bool want_active) {
  for (const auto& incident : incidents) {
    if (incident.merged_into != 0) continue;
    if (active(incident.state) == want_active) return &incident;
  }
  return nullptr;
}

}  // namespace

std::string_view to_string(GroupAction action) {
  switch (action) {
    case GroupAction::kAttach: return "attach";
    case GroupAction::kOpen: return "open";
    case GroupAction::kReopen: return "reopen";
    case GroupAction::kOpenLinked: return "open_linked";
    case GroupAction::kIgnore: return "ignore";
  }
  return "unknown";
}

GroupDecision decide(const model::Signal& signal,
                     const std::vector<model::Incident>& same_fingerprint, core::UnixNanos now,
                     const GroupingOptions& options) {
  if (signal.source == model::SignalSource::kHunt) {
    return {GroupAction::kIgnore, 0,
            "hunt finding" + (signal.hunt_id.empty() ? "" : " of " + signal.hunt_id) +
                ": findings about the past do not open incidents by themselves"};
  }
  const core::UnixNanos when = signal.event_time != 0 ? signal.event_time : now;

  // An active incident takes the signal only while the outbreak is still the same one: its event
  // time near the incident's signals. Late arrivals (before first_seen) count from first_seen.
  if (const model::Incident* open = newest(same_fingerprint, true)) {
    const core::UnixNanos gap = when > open->last_seen    ? when - open->last_seen
                                : when < open->first_seen ? open->first_seen - when
                                                          : 0;
    if (gap <= options.group_window) {
      return {GroupAction::kAttach, open->number,
              "same fingerprint as " + open->id() + " (" + std::string(to_string(open->state)) +
                  "), last signal " + rough_duration(gap) + " apart"};
    }
    return {GroupAction::kOpen, 0,
            open->id() + " is still " + std::string(to_string(open->state)) +
                " but its last signal is " + rough_duration(gap) + " away, outside the " +
                rough_duration(options.group_window) + " group window"};
  }

  const model::Incident* previous = newest(same_fingerprint, false);
  if (previous == nullptr) return {GroupAction::kOpen, 0, "first signal of this fingerprint"};

  if (previous->state == IncidentState::kClosed) {
    return {GroupAction::kOpenLinked, previous->number,
            "same fingerprint as " + previous->id() + ", which is closed (final): new incident " +
                "linked to it"};
  }
  // Resolved. Resolution is aiir's time, so the cooldown runs on aiir's time too, not the
  // signal's clock. An unknown resolution time (0, from an old row) falls back to last_seen.
  const core::UnixNanos resolved =
      previous->resolved_at != 0 ? previous->resolved_at : previous->last_seen;
  const core::UnixNanos since = now - resolved;
  if (since <= options.reopen_cooldown) {
    return {GroupAction::kReopen, previous->number,
            previous->id() + " recurred " + rough_duration(since) + " after it was resolved " +
                "(within the " + rough_duration(options.reopen_cooldown) + " cooldown): reopened"};
  }
  return {GroupAction::kOpenLinked, previous->number,
          "same fingerprint as " + previous->id() + ", resolved " + rough_duration(since) +
              " ago (past the " + rough_duration(options.reopen_cooldown) +
              " cooldown): new incident linked to it"};
}

// ---------------------------------------------------------------------------------------------
// BlastCounter

// HyperLogLog with 2^12 one-byte registers (Flajolet et al. 2007, with the linear-counting
// correction for small counts; a 64-bit hash needs no large-range correction).
class BlastCounter::Sketch {
 public:
  void add(std::string_view id) {
    const std::uint64_t h = mix(std::hash<std::string_view>{}(id));
    const std::size_t index = h >> (64 - kPrecision);
    // The remaining bits, with a guard bit so that the rank is at most 64 - kPrecision + 1.
    const std::uint64_t rest = (h << kPrecision) | (std::uint64_t{1} << (kPrecision - 1));
    const auto rank = static_cast<std::uint8_t>(std::countl_zero(rest) + 1);
    registers_[index] = std::max(registers_[index], rank);
  }

  double estimate() const {
    constexpr double m = kRegisters;
    double sum = 0;
    int zeros = 0;
    for (const std::uint8_t r : registers_) {
      sum += std::ldexp(1.0, -r);
      if (r == 0) ++zeros;
    }
    const double raw = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
    if (raw <= 2.5 * m && zeros > 0) return m * std::log(m / zeros);
    return raw;
  }

 private:
  static constexpr int kPrecision = 12;
  static constexpr std::size_t kRegisters = std::size_t{1} << kPrecision;

  // splitmix64's finaliser: std::hash need not spread its bits well.
  static std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }

  std::array<std::uint8_t, kRegisters> registers_{};
};

BlastCounter::Distinct::Distinct(std::size_t bound) : bound_(bound) {}
BlastCounter::Distinct::~Distinct() = default;
BlastCounter::Distinct::Distinct(Distinct&&) noexcept = default;
BlastCounter::Distinct& BlastCounter::Distinct::operator=(Distinct&&) noexcept = default;

void BlastCounter::Distinct::add(const std::string& id) {
  if (id.empty()) return;
  if (sketch_) {
    sketch_->add(id);
    return;
  }
  if (!exact_.insert(id).second || exact_.size() <= bound_) return;
  // Past the bound: hand every id seen so far to the sketch and stop storing them.
  sketch_ = std::make_unique<Sketch>();
  for (const auto& seen : exact_) sketch_->add(seen);
  exact_ = {};
}

std::int64_t BlastCounter::Distinct::count() const {
  if (!sketch_) return static_cast<std::int64_t>(exact_.size());
  // More than bound_ distinct ids were certainly seen, whatever the estimate says.
  return std::max(static_cast<std::int64_t>(bound_) + 1,
                  static_cast<std::int64_t>(std::llround(sketch_->estimate())));
}

BlastCounter::BlastCounter(std::size_t bound) : users_(bound), accounts_(bound), records_(bound) {}
BlastCounter::~BlastCounter() = default;
BlastCounter::BlastCounter(BlastCounter&&) noexcept = default;
BlastCounter& BlastCounter::operator=(BlastCounter&&) noexcept = default;

void BlastCounter::add(const model::Signal& s) {
  users_.add(s.user_id);
  accounts_.add(s.account_id);
  records_.add(s.record_id);
  worst_ = std::max(worst_, s.impact);
}

// ---------------------------------------------------------------------------------------------
// Applying a decision

std::string attach(model::Incident& incident, const model::Signal& signal,
                   BlastCounter& subjects) {
  subjects.add(signal);
  ++incident.signal_count;
  if (const core::UnixNanos t = signal.event_time; t != 0) {
    incident.first_seen = incident.first_seen == 0 ? t : std::min(incident.first_seen, t);
    incident.last_seen = std::max(incident.last_seen, t);
    incident.first_matching_span =
        incident.first_matching_span == 0 ? t : std::min(incident.first_matching_span, t);
  }
  // Never lower: after a restart the counter starts afresh while the stored counts remain.
  incident.distinct_users = std::max(incident.distinct_users, subjects.users());
  incident.distinct_accounts = std::max(incident.distinct_accounts, subjects.accounts());
  incident.records_written = std::max(incident.records_written, subjects.records());

  const std::string about = subjects.approximate() ? "about " : "";
  std::vector<std::string> parts;
  const auto part = [&](std::int64_t n, const char* one, const char* many) {
    if (n > 0) parts.push_back(about + std::to_string(n) + " " + (n == 1 ? one : many));
  };
  part(incident.distinct_users, "user", "users");
  part(incident.distinct_accounts, "account", "accounts");
  part(incident.records_written, "record", "records");
  if (parts.empty()) {
    parts.push_back(std::to_string(incident.signal_count) +
                    (incident.signal_count == 1 ? " signal" : " signals"));
  }
  std::string line = "signal " + signal.id() + " attached: ";
  for (std::size_t i = 0; i < parts.size(); ++i) line += (i == 0 ? "" : ", ") + parts[i];
  return line + " so far";
}

model::Classification initial_classification(model::Category category) {
  switch (category) {
    case model::Category::kNearMiss: return model::Classification::kNearMiss;
    case model::Category::kPromptInjection: return model::Classification::kSecurityEvent;
    default: return model::Classification::kAiIncident;
  }
}

model::Incident open_from(const model::Signal& signal, core::UnixNanos now) {
  model::Incident incident;
  incident.title = !signal.summary.empty() ? signal.summary
                   : signal.workflow.empty()
                       ? signal.detector
                       : signal.detector + " on " + signal.workflow;
  incident.workflow = signal.workflow;
  incident.fingerprint = signal.fingerprint;
  incident.detector = signal.detector;
  incident.category = signal.category;
  incident.classification = initial_classification(signal.category);
  incident.state = model::IncidentState::kOpen;
  incident.opened_at = now;
  const core::UnixNanos t = signal.event_time != 0 ? signal.event_time : now;
  incident.first_seen = t;
  incident.last_seen = t;
  incident.first_matching_span = t;
  incident.signal_count = 1;
  incident.distinct_users = signal.user_id.empty() ? 0 : 1;
  incident.distinct_accounts = signal.account_id.empty() ? 0 : 1;
  incident.records_written = signal.record_id.empty() ? 0 : 1;
  return incident;
}

}  // namespace aiir::incident
