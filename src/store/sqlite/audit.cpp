#include "core/crypto.h"
#include "store/sqlite/tables.h"

namespace aiir::store::sqlite {

core::Result<model::AuditEntry> insert_audit(Db& db, const model::AuditEntry& entry) {
  model::AuditEntry out = entry;
  Stmt last(db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  auto row = last.step();
  if (!row.ok()) return row.error();
  out.seq = *row ? last.integer(0) + 1 : 1;
  out.prev_hash = *row ? last.text(1) : std::string(64, '0');
  out.hash = core::sha256_hex(out.canonical());
  Stmt insert(db,
              "INSERT INTO audit_log (seq, time, actor, action, subject, detail, prev_hash, hash) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, out.seq).bind(2, out.time).bind(3, out.actor).bind(4, out.action);
  insert.bind(5, out.subject).bind(6, out.detail).bind(7, out.prev_hash).bind(8, out.hash);
  AIIR_RETURN_IF_ERROR(insert.run());
  return out;
}

core::Result<std::vector<model::AuditEntry>> select_audit(Db& db, std::int64_t after_seq,
                                                          int limit) {
  Stmt s(db,
         "SELECT seq, time, actor, action, subject, detail, prev_hash, hash FROM audit_log "
         "WHERE seq > ? ORDER BY seq LIMIT ?");
  s.bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
  std::vector<model::AuditEntry> out;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5),
                   s.text(6), s.text(7)});
  }
  return out;
}

}  // namespace aiir::store::sqlite
