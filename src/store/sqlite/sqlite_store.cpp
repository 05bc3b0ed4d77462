#include "store/sqlite/sqlite_store.h"

#include <filesystem>
#include <mutex>

#include "store/sqlite/db.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/tables.h"

namespace aiir::store {
namespace {

using core::Code;
using core::Error;
using core::Result;
using core::Status;

Result<int> read_user_version(sqlite::Db& db) {
  sqlite::Stmt stmt(db, "PRAGMA user_version");
  auto row = stmt.step();
  if (!row.ok()) return row.error();
  return static_cast<int>(stmt.integer(0));
}

// Applies every migration past the file's version, each in its own transaction with the version
// bump, so a crash mid-migration leaves the file at a consistent earlier version.
Result<int> migrate(sqlite::Db& db, const std::string& path) {
  auto version = read_user_version(db);
  if (!version.ok()) return version.error();
  const int latest = sqlite::latest_schema_version();
  if (*version > latest) {
    return Error(Code::kFailedPrecondition,
                 "the store at '" + path + "' has schema version " + std::to_string(*version) +
                     ", written by a newer aiir; this binary knows versions up to " +
                     std::to_string(latest) +
                     ". Upgrade aiir, or point store.path at another file.");
  }
  for (int v = *version; v < latest; ++v) {
    sqlite::Transaction tx(db);
    AIIR_RETURN_IF_ERROR(tx.begun());
    auto applied = db.exec(sqlite::migrations()[static_cast<std::size_t>(v)]);
    if (!applied.ok()) {
      return Error(Code::kInternal, "migration " + std::to_string(v + 1) + " failed: " +
                                        applied.error().message());
    }
    AIIR_RETURN_IF_ERROR(db.exec("PRAGMA user_version = " + std::to_string(v + 1)));
    AIIR_RETURN_IF_ERROR(tx.commit());
  }
  return latest;
}

model::ApiKey read_key(const sqlite::Stmt& s) {
  model::ApiKey key;
  key.id = s.text(0);
  key.name = s.text(1);
  key.role = model::parse_role(s.text(2)).value_or(model::Role::kViewer);
  key.secret_hash = s.text(3);
  key.created_at = s.integer(4);
  key.created_by = s.text(5);
  key.revoked_at = s.optional_integer(6);
  return key;
}

constexpr const char* kKeyColumns =
    "id, name, role, secret_hash, created_at, created_by, revoked_at";

class SqliteStore final : public Store {
 public:
  sqlite::Db& db() { return db_; }
  void set_schema_version(int version) { schema_version_ = version; }

  int schema_version() const override { return schema_version_; }

  // Keys are created and revoked together with their audit entry (never the secret or its hash).
  Status insert_key(const model::ApiKey& key) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    AIIR_RETURN_IF_ERROR(tx.begun());
    sqlite::Stmt s(db_,
                   "INSERT INTO api_keys (id, name, role, secret_hash, created_at, created_by) "
                   "VALUES (?, ?, ?, ?, ?, ?)");
    s.bind(1, key.id).bind(2, key.name).bind(3, model::to_string(key.role));
    s.bind(4, key.secret_hash).bind(5, key.created_at).bind(6, key.created_by);
    AIIR_RETURN_IF_ERROR(s.run());
    const boost::json::object detail{{"name", key.name}, {"role", model::to_string(key.role)}};
    auto audited = sqlite::insert_audit(
        db_, {0, key.created_at, key.created_by.empty() ? "system" : key.created_by,
              "key.create", key.id, boost::json::serialize(detail), "", ""});
    if (!audited.ok()) return audited.error();
    return tx.commit();
  }

  Result<std::optional<model::ApiKey>> find_key(const std::string& id) override {
    std::lock_guard lock(mu_);
    return find_key_locked(id);
  }

  Result<std::optional<model::ApiKey>> find_key_locked(const std::string& id) {
    sqlite::Stmt s(db_, std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE id = ?");
    s.bind(1, id);
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<model::ApiKey>();
    return std::optional<model::ApiKey>(read_key(s));
  }

  Result<std::vector<model::ApiKey>> list_keys() override {
    std::lock_guard lock(mu_);
    sqlite::Stmt s(db_, std::string("SELECT ") + kKeyColumns +
                            " FROM api_keys ORDER BY created_at, id");
    std::vector<model::ApiKey> out;
    while (true) {
      auto row = s.step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      out.push_back(read_key(s));
    }
    return out;
  }

  Status revoke_key(const std::string& id, core::UnixNanos at,
                    const std::string& actor) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    AIIR_RETURN_IF_ERROR(tx.begun());
    sqlite::Stmt s(db_,
                   "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
    s.bind(1, at).bind(2, id);
    AIIR_RETURN_IF_ERROR(s.run());
    if (sqlite3_changes(db_.get()) == 0) {
      auto existing = find_key_locked(id);  // mu_ is held
      if (!existing.ok()) return existing.error();
      if (!*existing) {
        return Error(Code::kNotFound,
                     "no API key has id '" + id + "'; `aiir keys list` shows them");
      }
      return {};  // revoked already: nothing changes, nothing to record
    }
    auto audited = sqlite::insert_audit(
        db_, {0, at, actor.empty() ? "system" : actor, "key.revoke", id, "{}", "", ""});
    if (!audited.ok()) return audited.error();
    return tx.commit();
  }

  Result<std::int64_t> count_active_keys() override {
    std::lock_guard lock(mu_);
    sqlite::Stmt s(db_, "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL");
    auto row = s.step();
    if (!row.ok()) return row.error();
    return s.integer(0);
  }

  Result<std::int64_t> append_spans(const std::vector<model::AiSpan>& spans,
                                    std::vector<std::int64_t>* seqs = nullptr) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    AIIR_RETURN_IF_ERROR(tx.begun());
    auto inserted = sqlite::insert_spans(db_, spans, seqs);
    if (!inserted.ok()) return inserted;
    AIIR_RETURN_IF_ERROR(tx.commit());
    return inserted;
  }

  Status append_span_content(const std::vector<SpanContent>& content) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    AIIR_RETURN_IF_ERROR(tx.begun());
    AIIR_RETURN_IF_ERROR(sqlite::insert_span_content(db_, content));
    return tx.commit();
  }

  Result<std::vector<model::AiSpan>> get_trace(const std::string& trace_id) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_trace(reader(), trace_id);
  }

  Result<SpanPage> query_spans(const SpanQuery& query) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_spans(reader(), query);
  }

  Result<std::int64_t> purge_spans(const std::string& workflow, core::UnixNanos older_than,
                                   int limit) override {
    std::lock_guard lock(mu_);
    return sqlite::delete_expired_spans(db_, workflow, older_than, limit);
  }

  Result<std::int64_t> set_legal_hold(const std::string& trace_id, bool hold) override {
    std::lock_guard lock(mu_);
    return sqlite::update_legal_hold(db_, trace_id, hold);
  }

  Result<std::vector<std::pair<std::string, std::int64_t>>> span_counts_by_workflow() override {
    std::lock_guard lock(read_mu());
    return sqlite::count_spans_by_workflow(reader());
  }

  Result<std::vector<StoredSpan>> read_spans_after(std::int64_t after, int limit) override {
    std::lock_guard lock(stream_mu());
    return sqlite::select_spans_after(stream(), after, limit);
  }

  Result<std::int64_t> last_span_seq() override {
    std::lock_guard lock(read_mu());
    return sqlite::select_last_span_seq(reader());
  }

  Result<std::vector<StoredContent>> read_content_after(std::int64_t after, int limit) override {
    std::lock_guard lock(stream_mu());
    return sqlite::select_content_after(stream(), after, limit);
  }

  Result<std::int64_t> last_content_seq() override {
    std::lock_guard lock(read_mu());
    return sqlite::select_last_content_seq(reader());
  }

  Result<std::optional<StoredSpan>> find_span(const std::string& trace_id,
                                              const std::string& span_id) override {
    std::lock_guard lock(stream_mu());
    return sqlite::select_span(stream(), trace_id, span_id);
  }

  Result<std::vector<StoredSpan>> scan_spans(const SpanScan& scan) override {
    std::lock_guard lock(hunt_mu());
    return sqlite::select_span_scan(hunter(), scan);
  }

  Result<std::int64_t> count_spans(const std::string& workflow, core::UnixNanos from,
                                   core::UnixNanos to) override {
    std::lock_guard lock(hunt_mu());
    return sqlite::count_spans_in(hunter(), workflow, from, to);
  }

  Result<std::vector<model::Signal>> commit_signals(const std::vector<model::Signal>& signals,
                                                    const std::string& cursor,
                                                    std::int64_t position) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    AIIR_RETURN_IF_ERROR(tx.begun());
    auto stored = sqlite::insert_signals(db_, signals);
    if (!stored.ok()) return stored;
    if (!cursor.empty()) AIIR_RETURN_IF_ERROR(sqlite::update_cursor(db_, cursor, position));
    AIIR_RETURN_IF_ERROR(tx.commit());
    return stored;
  }

  Result<std::optional<std::int64_t>> read_cursor(const std::string& cursor) override {
    std::lock_guard lock(mu_);
    return sqlite::select_cursor(db_, cursor);
  }

  Result<SignalPage> query_signals(const SignalQuery& query) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_signals(reader(), query);
  }

  Result<std::optional<model::Signal>> get_signal(std::int64_t seq) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_signal(reader(), seq);
  }

  Result<std::vector<model::Signal>> read_signals_after(std::int64_t after, int limit) override {
    std::lock_guard lock(stream_mu());
    return sqlite::select_signals_after(stream(), after, limit);
  }

  Result<std::int64_t> last_signal_seq() override {
    std::lock_guard lock(stream_mu());
    return sqlite::select_last_signal_seq(stream());
  }

  Result<IncidentChange> save_incident(const IncidentChange& change) override {
    auto saved = save_incidents({change}, "", 0);
    if (!saved.ok()) return saved.error();
    return std::move(saved->front());
  }

  Result<std::vector<IncidentChange>> save_incidents(const std::vector<IncidentChange>& changes,
                                                     const std::string& cursor,
                                                     std::int64_t position) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    AIIR_RETURN_IF_ERROR(tx.begun());
    std::vector<IncidentChange> saved;
    saved.reserve(changes.size());
    for (const IncidentChange& change : changes) {
      auto one = sqlite::upsert_incident(db_, change);
      if (!one.ok()) return one.error();
      saved.push_back(std::move(*one));
    }
    if (!cursor.empty()) AIIR_RETURN_IF_ERROR(sqlite::update_cursor(db_, cursor, position));
    AIIR_RETURN_IF_ERROR(tx.commit());
    return saved;
  }

  Result<std::vector<IncidentCount>> count_incidents() override {
    std::lock_guard lock(read_mu());
    return sqlite::count_incidents_by_kind(reader());
  }

  Result<std::optional<model::Incident>> get_incident(std::int64_t number) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_incident(reader(), number);
  }

  Result<IncidentPage> query_incidents(const IncidentQuery& query) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_incidents(reader(), query);
  }

  Result<std::vector<model::TimelineEvent>> incident_timeline(std::int64_t incident,
                                                              std::int64_t after_seq,
                                                              int limit) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_timeline(reader(), incident, after_seq, limit);
  }

  Result<std::int64_t> last_timeline_seq() override {
    std::lock_guard lock(read_mu());
    return sqlite::select_last_timeline_seq(reader());
  }

  Result<std::int64_t> save_control(const ControlChange& change) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    AIIR_RETURN_IF_ERROR(tx.begun());
    auto version = sqlite::upsert_control(db_, change);
    if (!version.ok()) return version;
    AIIR_RETURN_IF_ERROR(tx.commit());
    return version;
  }

  Result<std::vector<model::Control>> list_controls(bool include_lifted) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_controls(reader(), include_lifted);
  }

  Result<std::int64_t> controls_version() override {
    std::lock_guard lock(read_mu());
    return sqlite::select_controls_version(reader());
  }

  Result<Record> save_record(const RecordChange& change) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    AIIR_RETURN_IF_ERROR(tx.begun());
    auto stored = sqlite::upsert_record(db_, change);
    if (!stored.ok()) return stored;
    AIIR_RETURN_IF_ERROR(tx.commit());
    return stored;
  }

  Result<std::optional<Record>> get_record(const std::string& kind,
                                           const std::string& id) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_record(reader(), kind, id);
  }

  Result<RecordPage> query_records(const RecordQuery& query) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_records(reader(), query);
  }

  core::Status append_decisions(const std::vector<DecisionRecord>& decisions) override {
    if (decisions.empty()) return core::Status::Ok();
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    AIIR_RETURN_IF_ERROR(tx.begun());
    AIIR_RETURN_IF_ERROR(sqlite::insert_decisions(db_, decisions));
    return tx.commit();
  }

  Result<DecisionPage> query_decisions(const DecisionQuery& query) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_decisions(reader(), query);
  }

  Result<model::AuditEntry> append_audit(const model::AuditEntry& entry) override {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    AIIR_RETURN_IF_ERROR(tx.begun());
    auto appended = sqlite::insert_audit(db_, entry);
    if (!appended.ok()) return appended;
    AIIR_RETURN_IF_ERROR(tx.commit());
    return appended;
  }

  Result<std::vector<model::AuditEntry>> list_audit(std::int64_t after_seq, int limit) override {
    std::lock_guard lock(read_mu());
    return sqlite::select_audit(reader(), after_seq, limit);
  }

  // A second connection for reads, so that readers do not wait for the writer (WAL lets both
  // proceed). In-memory stores have one database per connection and so share the writer's.
  Status open_reader(const std::string& path, int busy_timeout_ms) {
    if (path == ":memory:") return {};
    for (sqlite::Db* db : {&read_db_, &stream_db_, &hunt_db_}) {
      AIIR_RETURN_IF_ERROR(db->open(path, busy_timeout_ms));
      AIIR_RETURN_IF_ERROR(db->exec("PRAGMA query_only = ON"));
      // Readers map the file instead of copying each page through a read() call: scans over
      // millions of spans (retro-hunts) spent a fifth of their time in those calls.
      AIIR_RETURN_IF_ERROR(db->exec("PRAGMA mmap_size = 1073741824"));
    }
    separate_reader_ = true;
    return {};
  }

  Status flush() override {
    std::lock_guard lock(mu_);
    // Moves the WAL's content into the main file so a backup of the .db alone is complete.
    return db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

 private:
  sqlite::Db& reader() { return separate_reader_ ? read_db_ : db_; }
  std::mutex& read_mu() { return separate_reader_ ? read_mu_ : mu_; }
  // Detection follows new spans and retro-hunts scan old ones, each on its own connection, so
  // neither waits for the other or for the API's reads.
  sqlite::Db& stream() { return separate_reader_ ? stream_db_ : db_; }
  std::mutex& stream_mu() { return separate_reader_ ? stream_mu_ : mu_; }
  sqlite::Db& hunter() { return separate_reader_ ? hunt_db_ : db_; }
  std::mutex& hunt_mu() { return separate_reader_ ? hunt_mu_ : mu_; }

  // Connections are opened NOMUTEX: each is used under its own lock.
  std::mutex mu_;
  sqlite::Db db_;  // GUARDED_BY(mu_): every write
  std::mutex read_mu_;
  sqlite::Db read_db_;  // GUARDED_BY(read_mu_)
  std::mutex stream_mu_;
  sqlite::Db stream_db_;  // GUARDED_BY(stream_mu_)
  std::mutex hunt_mu_;
  sqlite::Db hunt_db_;  // GUARDED_BY(hunt_mu_)
  bool separate_reader_ = false;
  int schema_version_ = 0;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  if (options.path != ":memory:") {
    std::error_code ec;
    auto dir = std::filesystem::path(options.path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Error(Code::kInternal, "cannot create the store directory '" + dir.string() +
                                        "': " + ec.message());
    }
  }
  auto store = std::make_unique<SqliteStore>();
  sqlite::Db& db = store->db();
  AIIR_RETURN_IF_ERROR(db.open(options.path, options.busy_timeout_ms));
  AIIR_RETURN_IF_ERROR(db.exec("PRAGMA journal_mode = WAL"));
  AIIR_RETURN_IF_ERROR(db.exec("PRAGMA foreign_keys = ON"));
  // 64 MiB of page cache for the writer: the trace-id and user indexes take inserts at random
  // keys, and keeping their interior pages cached is what keeps ingest from waiting on reads.
  AIIR_RETURN_IF_ERROR(db.exec("PRAGMA cache_size = -65536"));
  AIIR_RETURN_IF_ERROR(db.exec(options.synchronous_full ? "PRAGMA synchronous = FULL"
                                                        : "PRAGMA synchronous = NORMAL"));
  auto version = migrate(db, options.path);
  if (!version.ok()) return version.error();
  store->set_schema_version(*version);
  AIIR_RETURN_IF_ERROR(store->open_reader(options.path, options.busy_timeout_ms));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace aiir::store
