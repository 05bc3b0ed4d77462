#include "incident/audit_verify.h"

#include <algorithm>
#include <charconv>

#include "core/clock.h"
#include "core/crypto.h"

namespace aiir::incident {
namespace {

using model::AuditEntry;

constexpr std::size_t kHashChars = 64;
// How far a renumbered entry's original number is searched for: deleting more rows than this and
// renumbering the rest reads as a modified entry instead of a deletion.
constexpr std::int64_t kRenumberProbe = 64;

std::string genesis_hash() { return std::string(kHashChars, '0'); }

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Whether the entry's stored hash is that of its content had it been numbered `seq`: a renumbered
// entry still hashes as it was written.
bool hashes_as(const AuditEntry& entry, std::int64_t seq) {
  AuditEntry copy = entry;
  copy.seq = seq;
  return core::sha256_hex(copy.canonical()) == entry.hash;
}

std::string number(std::int64_t seq) { return "entry " + std::to_string(seq); }

std::string numbers(std::int64_t from, std::int64_t to) {
  if (from == to) return number(from);
  return "entries " + std::to_string(from) + " to " + std::to_string(to);
}

// "incident.state_changed INC-3, 2026-11-23T05:05:00.123Z"
std::string summary(const AuditEntry& entry) {
  std::string out = entry.action;
  if (!entry.subject.empty()) out += " " + entry.subject;
  return out + ", " + core::format_rfc3339(entry.time);
}

std::string label(const AuditEntry& entry) {
  return number(entry.seq) + " (" + summary(entry) + ")";
}

AuditProblem at_entry(TamperKind kind, const AuditEntry& entry, std::string message) {
  return {kind, entry.seq, entry, std::move(message)};
}

AuditProblem at_missing(TamperKind kind, std::int64_t seq, std::string message) {
  return {kind, seq, std::nullopt, std::move(message)};
}

// What the classification of the first anomaly looks at. `prev` is the last intact entry (null:
// the suspect is the first entry read, and links to the start of the log); `before_prev` is the
// one before that (null with `prev` null; the start of the log when `prev` is entry 1).
struct Neighbourhood {
  const AuditEntry& suspect;
  const AuditEntry* next;  // the entry stored after the suspect, if any
  const AuditEntry* prev;
  const AuditEntry* before_prev;
  bool prev_confirmed;  // `prev` matched the head recorded earlier: it is genuine
  const std::vector<std::pair<std::string, std::int64_t>>& later;

  std::int64_t prev_seq() const { return prev ? prev->seq : 0; }
  std::string prev_hash() const { return prev ? prev->hash : genesis_hash(); }
  std::string prev_name() const { return prev ? number(prev->seq) : "the start of the log"; }
  bool links() const { return suspect.prev_hash == prev_hash(); }
};

// Numbers that do not increase: only a store returning rows out of order shows this.
std::optional<AuditProblem> out_of_sequence(const Neighbourhood& n) {
  if (n.suspect.seq > n.prev_seq()) return std::nullopt;
  return at_entry(TamperKind::kReordered, n.suspect,
                  "it is stored out of sequence: it comes after " + number(n.prev_seq()) +
                      " but is numbered " + std::to_string(n.suspect.seq) + ".");
}

// A link to an entry stored later: the entry was written after that one and has been moved
// (rows swapped, or numbers exchanged).
std::optional<AuditProblem> moved(const Neighbourhood& n) {
  if (n.links()) return std::nullopt;
  auto found = std::find_if(n.later.begin(), n.later.end(),
                            [&](const auto& h) { return h.first == n.suspect.prev_hash; });
  if (found == n.later.end()) return std::nullopt;
  std::int64_t target = found->second;
  std::string how = target == n.suspect.seq + 1
                        ? "it was swapped with " + number(target) + ": "
                        : "it was moved from its place after " + number(target) + ": ";
  return at_entry(TamperKind::kReordered, n.suspect,
                  how + "it links to " + number(target) +
                      ", which is stored after it, so it was written after that entry. The "
                      "entries are no longer in the order they were written.");
}

// An entry that its successor skips: the successor links to the entry before it, so when the
// successor was written, this entry was not there.
std::optional<AuditProblem> inserted(const Neighbourhood& n) {
  if (n.prev && !n.prev_confirmed && !n.links()) {
    std::string before_hash = n.before_prev ? n.before_prev->hash : genesis_hash();
    if (n.suspect.prev_hash == before_hash) {
      std::string before = n.before_prev ? number(n.before_prev->seq) : "the start of the log";
      std::string renumbered =
          !hashes_as(n.suspect, n.suspect.seq) && hashes_as(n.suspect, n.suspect.seq - 1)
              ? ", and the entries after it were renumbered to make room"
              : "";
      return at_entry(TamperKind::kInserted, *n.prev,
                      number(n.suspect.seq) + ", stored after it, links straight to " + before +
                          ", skipping it: it was not in the log when " + number(n.suspect.seq) +
                          " was written, so it was inserted afterwards" + renumbered + ".");
    }
  }
  if (n.next && n.next->prev_hash == n.prev_hash()) {
    return at_entry(TamperKind::kInserted, n.suspect,
                    number(n.next->seq) + ", stored after it, links straight to " + n.prev_name() +
                        ", skipping it: it was not in the log when " + number(n.next->seq) +
                        " was written, so it was inserted afterwards.");
  }
  return std::nullopt;
}

// Numbers skipped between the last intact entry and the suspect.
std::optional<AuditProblem> gap(const Neighbourhood& n) {
  std::int64_t expected = n.prev_seq() + 1;
  if (n.suspect.seq <= expected) return std::nullopt;
  if (n.links()) {
    return at_entry(TamperKind::kModified, n.suspect,
                    "its number was changed: it links to " + n.prev_name() +
                        ", so it should be numbered " + std::to_string(expected) + ".");
  }
  std::string missing = numbers(expected, n.suspect.seq - 1);
  if (!n.prev) {
    return at_missing(TamperKind::kDeleted, expected,
                      "the log starts at " + label(n.suspect) + ": " + missing +
                          (expected == n.suspect.seq - 1 ? " is" : " are") +
                          " missing, deleted from the start of the log.");
  }
  return at_missing(TamperKind::kDeleted, expected,
                    missing + (expected == n.suspect.seq - 1 ? " is" : " are") +
                        " missing: " + label(n.suspect) + " follows " + label(*n.prev) +
                        " but links to an entry that is no longer in the log, so " +
                        (expected == n.suspect.seq - 1 ? "it was" : "they were") + " deleted.");
}

// Deleted rows whose gap was closed by renumbering the entries after them: the suspect still
// hashes as the number it was written with.
std::optional<AuditProblem> renumbered_after_delete(const Neighbourhood& n) {
  if (n.links() || hashes_as(n.suspect, n.suspect.seq)) return std::nullopt;
  for (std::int64_t d = 1; d <= kRenumberProbe; ++d) {
    if (!hashes_as(n.suspect, n.suspect.seq + d)) continue;
    return at_missing(TamperKind::kDeleted, n.suspect.seq,
                      numbers(n.suspect.seq, n.suspect.seq + d - 1) +
                          " as written " + (d == 1 ? "is" : "are") + " missing: the entry now "
                          "numbered " + std::to_string(n.suspect.seq) + " (" +
                          summary(n.suspect) + ") was written as " +
                          number(n.suspect.seq + d) + ", so entries were deleted after " +
                          n.prev_name() + " and the later ones renumbered to close the gap.");
  }
  return std::nullopt;
}

// The suspect is numbered and linked right but does not hash to its stored hash.
AuditProblem content_changed(const Neighbourhood& n) {
  return at_entry(TamperKind::kModified, n.suspect,
                  "its content no longer matches the hash recorded when it was written: its "
                  "time, actor, action, subject or detail was changed afterwards.");
}

// The suspect is numbered right but does not link to the entry before it.
AuditProblem link_broken(const Neighbourhood& n) {
  bool self_ok = hashes_as(n.suspect, n.suspect.seq);
  bool chain_continues = n.next && n.next->prev_hash == n.suspect.hash;
  if (self_ok && chain_continues && n.prev && !n.prev_confirmed) {
    return at_entry(TamperKind::kModified, *n.prev,
                    label(n.suspect) + ", written after it, recorded a different hash for it: "
                    "its content was changed and its own hash recomputed to hide the change.");
  }
  if (!n.next && n.prev) {
    return at_entry(TamperKind::kInserted, n.suspect,
                    std::string(self_ok ? "it" : "it matches neither its own hash nor") +
                        (self_ok ? " does not link to " : " ") + label(*n.prev) +
                        ", the entry before it, and it is the last entry: it was added "
                        "afterwards with a made-up link" +
                        (self_ok && !n.prev_confirmed
                             ? " (or " + number(n.prev->seq) +
                                   " was changed and its hash recomputed)."
                             : "."));
  }
  std::string what = n.prev ? "it does not link to " + number(n.prev->seq) + ", the entry before it"
                            : "it is the first entry but does not link to the start of the log";
  std::string after = chain_continues ? ", although the entries after it link to it"
                                      : ", and the entry after it does not link to it either";
  return at_entry(TamperKind::kModified, n.suspect,
                  what + after + ": its link" + (self_ok ? ", its hash" : "") +
                      " and possibly its content were changed afterwards.");
}

}  // namespace

core::Result<AuditHead> parse_audit_head(std::string_view text) {
  const std::string shape = "expected SEQ:HASH as printed by `aiir audit verify` (e.g. 1234:" +
                            std::string(12, '0') + "...), got '" + std::string(text) + "'";
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return core::invalid("no ':' in the audit head: " + shape);
  std::string_view seq_text = text.substr(0, colon);
  std::string_view hash = text.substr(colon + 1);
  AuditHead head;
  if (seq_text.empty() || seq_text.size() > 18 ||
      !std::all_of(seq_text.begin(), seq_text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      (seq_text.size() > 1 && seq_text[0] == '0')) {
    return core::invalid("the audit head's sequence number must be a decimal number without "
                         "sign or leading zeros: " + shape);
  }
  std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), head.seq);
  if (hash.size() != kHashChars || !is_lower_hex(hash)) {
    return core::invalid("the audit head's hash must be 64 lower-case hex digits: " + shape);
  }
  head.hash = std::string(hash);
  if (head.seq == 0 && head.hash != genesis_hash()) {
    return core::invalid("the audit head 0 (the empty log) has the hash of 64 zeros: " + shape);
  }
  return head;
}

std::string to_string(const AuditHead& head) {
  return std::to_string(head.seq) + ":" + head.hash;
}

std::string_view to_string(TamperKind kind) {
  switch (kind) {
    case TamperKind::kModified: return "modified";
    case TamperKind::kDeleted: return "deleted";
    case TamperKind::kInserted: return "inserted";
    case TamperKind::kReordered: return "reordered";
    case TamperKind::kTruncated: return "truncated";
  }
  return "modified";
}

std::string describe(const AuditProblem& problem) {
  std::string where = problem.entry ? label(*problem.entry) : number(problem.seq) + " (missing)";
  return where + ": " + std::string(to_string(problem.kind)) + " — " + problem.message;
}

AuditChainChecker::AuditChainChecker(std::optional<AuditHead> expected_head)
    : expected_head_(std::move(expected_head)) {}

bool AuditChainChecker::feed(const AuditEntry& entry) {
  if (decided_) return false;
  if (suspect_) {
    later_.emplace_back(entry.hash, entry.seq);
    if (!after_suspect_) after_suspect_ = entry;
    // A link forward is decisive at once; otherwise the whole window is needed to rule it out.
    if (entry.hash == suspect_->prev_hash || later_.size() >= kLookahead) {
      problem_ = classify();
      decided_ = true;
    }
    return !decided_;
  }
  const AuditEntry* prev = trusted_.empty() ? nullptr : &trusted_.back();
  std::int64_t prev_seq = prev ? prev->seq : 0;
  bool intact = entry.seq == prev_seq + 1 &&
                entry.prev_hash == (prev ? prev->hash : genesis_hash()) &&
                hashes_as(entry, entry.seq);
  if (!intact) {
    suspect_ = entry;
    return true;
  }
  if (auto mismatch = check_head(entry)) {
    problem_ = std::move(mismatch);
    decided_ = true;
    return false;
  }
  trust(entry);
  return true;
}

std::optional<AuditProblem> AuditChainChecker::check_head(const AuditEntry& entry) {
  head_confirmed_last_ = false;
  if (!expected_head_ || expected_head_->seq != entry.seq) return std::nullopt;
  if (entry.hash == expected_head_->hash) {
    head_confirmed_last_ = true;
    return std::nullopt;
  }
  return at_entry(TamperKind::kModified, entry,
                  "its hash is " + entry.hash + ", but the head recorded earlier says " +
                      number(entry.seq) + " had hash " + expected_head_->hash +
                      ". The log up to this entry was rewritten with every hash recomputed, so "
                      "the chain alone cannot show which entry was changed first.");
}

void AuditChainChecker::trust(const AuditEntry& entry) {
  if (trusted_.size() == 2) trusted_.erase(trusted_.begin());
  trusted_.push_back(entry);
  ++trusted_count_;
}

AuditProblem AuditChainChecker::classify() const {
  const AuditEntry* prev = trusted_.empty() ? nullptr : &trusted_.back();
  const AuditEntry* before_prev = trusted_.size() == 2 ? &trusted_.front() : nullptr;
  Neighbourhood n{*suspect_,
                  after_suspect_ ? &*after_suspect_ : nullptr,
                  prev,
                  before_prev,
                  prev != nullptr && head_confirmed_last_,
                  later_};
  // Order matters: a swap of neighbours also makes the second one skip the first (which reads
  // as an insertion), so a link forward is looked for first.
  if (auto p = out_of_sequence(n)) return *p;
  if (auto p = moved(n)) return *p;
  if (auto p = inserted(n)) return *p;
  if (auto p = gap(n)) return *p;
  if (n.links()) return content_changed(n);
  if (auto p = renumbered_after_delete(n)) return *p;
  return link_broken(n);
}

AuditVerification AuditChainChecker::finish() {
  if (suspect_ && !decided_) problem_ = classify();
  decided_ = true;
  // A problem can lie in the last entry that looked intact (it was recognised only by what
  // follows it); that entry is then not counted as checked.
  if (problem_ && !trusted_.empty() && problem_->seq <= trusted_.back().seq) {
    trusted_.pop_back();
    --trusted_count_;
  }
  AuditVerification out;
  out.entries_checked = trusted_count_;
  out.head = trusted_.empty() ? AuditHead{0, genesis_hash()}
                              : AuditHead{trusted_.back().seq, trusted_.back().hash};
  if (!problem_ && expected_head_ && expected_head_->seq > out.head.seq) {
    std::string end = out.head.seq == 0 ? "the log is empty"
                                        : "the log ends at " + number(out.head.seq);
    problem_ = at_missing(TamperKind::kTruncated, out.head.seq + 1,
                          end + ", but " + number(expected_head_->seq) + " with hash " +
                              expected_head_->hash + " was recorded as its head earlier: " +
                              numbers(out.head.seq + 1, expected_head_->seq) +
                              (out.head.seq + 1 == expected_head_->seq ? " was" : " were") +
                              " deleted from the end.");
  }
  out.problem = problem_;
  return out;
}

core::Result<AuditVerification> verify_audit_log(store::Store& store,
                                                 const AuditVerifyOptions& options) {
  const int page = std::clamp(options.page_size, 1, 1000);
  AuditChainChecker checker(options.expected_head);
  std::int64_t after = 0;
  while (true) {
    auto entries = store.list_audit(after, page);
    if (!entries.ok()) {
      return core::Error(entries.error().code(),
                         "cannot read the audit log: " + entries.error().message());
    }
    bool wanted = true;
    for (const auto& entry : *entries) {
      after = std::max(after, entry.seq);
      wanted = checker.feed(entry);
      if (!wanted) break;
    }
    if (!wanted || entries->size() < static_cast<std::size_t>(page)) break;
  }
  return checker.finish();
}

}  // namespace aiir::incident
