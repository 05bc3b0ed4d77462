#pragma once
// Audit log verification: recomputes the hash chain and names the first entry that was modified,
// deleted, inserted or reordered (`aiir audit verify`, docs/audit.md).
//
// Every entry stores the hash of the entry before it (prev_hash) and the SHA-256 of its own
// canonical content (hash, model::AuditEntry::canonical()). An intact log has seq 1, 2, 3, ...,
// each entry hashing to its stored hash and linking to the stored hash of the one before it.
// Tampering done directly on the database file leaves a recognisable pattern; the checker reads
// the log once, in order, and keeps only a bounded window after the first anomaly to tell the
// patterns apart.
//
// A log cut short at its end is still a valid chain: only a head recorded earlier (AuditHead,
// printed by every verification) shows that entries are missing there.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "model/audit.h"
#include "store/store.h"

namespace aiir::incident {

// "The log had entry `seq` with hash `hash`": what an operator records after a verification and
// passes to the next one.
struct AuditHead {
  std::int64_t seq = 0;  // 0: the empty log
  std::string hash;      // 64 lower-case hex digits; 64 zeros for seq 0
};

// Parses "SEQ:HASH" as printed by `aiir audit verify`. Strict: a decimal seq without sign or
// leading zeros, one colon, 64 lower-case hex digits (64 zeros when seq is 0). kInvalidArgument
// saying what is wrong otherwise.
core::Result<AuditHead> parse_audit_head(std::string_view text);
// "SEQ:HASH", the form parse_audit_head reads.
std::string to_string(const AuditHead& head);

enum class TamperKind {
  kModified,   // an entry's content (or its hash, or its number) was changed
  kDeleted,    // entries are missing from the middle or the start
  kInserted,   // an entry was added that was not written by aiir when its neighbours were
  kReordered,  // entries were moved (e.g. two rows swapped)
  kTruncated,  // the log ends before the head recorded earlier
};
std::string_view to_string(TamperKind kind);

struct AuditProblem {
  TamperKind kind = TamperKind::kModified;
  // The first entry affected. For kDeleted and kTruncated: the first missing sequence number.
  std::int64_t seq = 0;
  // The entry stored at `seq`, when there is one (none for kDeleted and kTruncated).
  std::optional<model::AuditEntry> entry;
  // What is wrong, in words for a compliance reader; names the other entries involved.
  std::string message;
};

// "entry 57 (incident.state_changed INC-3, 2026-11-23T05:05:00.123Z): modified — <message>";
// "entry 7 (missing): deleted — ..." when no entry is stored at the problem's number.
std::string describe(const AuditProblem& problem);

struct AuditVerification {
  // Entries read in order and found intact: all of them when the log is intact, otherwise those
  // before the problem.
  std::int64_t entries_checked = 0;
  // The last intact entry (seq 0 and 64 zeros when there is none). Record it (to_string) and pass
  // it as the expected head next time: that is what detects a truncated or rewritten log.
  AuditHead head;
  std::optional<AuditProblem> problem;  // nullopt: the log is intact
};

// The streaming checker: feed entries in stored (seq) order, then call finish(). Memory is
// bounded by kLookahead entries' hashes, whatever the log's length. Not thread-safe.
class AuditChainChecker {
 public:
  // After the first anomaly, how many further entries are looked at to classify it (a swapped
  // entry is recognised as reordered when the entry it belongs after is within this window;
  // further away, it reads as modified).
  static constexpr std::size_t kLookahead = 1000;

  explicit AuditChainChecker(std::optional<AuditHead> expected_head = std::nullopt);

  // Feeds the next entry. Returns false once the outcome is decided: feeding more changes nothing.
  bool feed(const model::AuditEntry& entry);
  // The outcome, once the last entry was fed (or feed returned false). Call once.
  AuditVerification finish();

 private:
  AuditProblem classify() const;
  std::optional<AuditProblem> check_head(const model::AuditEntry& entry);
  void trust(const model::AuditEntry& entry);

  std::optional<AuditHead> expected_head_;
  // The last two entries found intact, oldest first (at most two).
  std::vector<model::AuditEntry> trusted_;
  std::int64_t trusted_count_ = 0;
  bool head_confirmed_last_ = false;  // the newest trusted entry matched the expected head
  // The first anomaly and the window after it.
  std::optional<model::AuditEntry> suspect_;
  std::optional<model::AuditEntry> after_suspect_;
  std::vector<std::pair<std::string, std::int64_t>> later_;  // (hash, seq) after the suspect
  std::optional<AuditProblem> problem_;
  bool decided_ = false;
};

struct AuditVerifyOptions {
  std::optional<AuditHead> expected_head;
  int page_size = 1000;  // entries per store read (1..1000)
};

// Reads the store's audit log page by page through the checker. Fails only when the store cannot
// be read; a broken log is a successful verification with a problem.
core::Result<AuditVerification> verify_audit_log(store::Store& store,
                                                 const AuditVerifyOptions& options = {});

}  // namespace aiir::incident
