#pragma once
// One entry of the append-only audit log. Each entry holds the hash of the previous entry and the
// hash of its own canonical content, so a modified, deleted, inserted or reordered entry breaks
// the chain (`aiir audit verify`).

#include <cstdint>
#include <string>

#include "core/clock.h"

namespace aiir::model {

struct AuditEntry {
  std::int64_t seq = 0;       // 1, 2, 3, ... assigned by the store
  core::UnixNanos time = 0;
  std::string actor;          // key id, or "system"
  std::string action;         // "span.raw_read", "key.create", ...
  std::string subject;        // what it was done to: a trace id, a key id, ...
  std::string detail;         // JSON object text with the specifics
  std::string prev_hash;      // hash of the previous entry; 64 zeros for the first
  std::string hash;           // SHA-256 over prev_hash and the canonical content

  // The canonical content hashed into `hash`: every field but `hash`, length-prefixed so no
  // two different entries serialize alike.
  std::string canonical() const;
};

}  // namespace aiir::model
