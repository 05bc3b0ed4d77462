#include "store/sqlite/db.h"

namespace aiir::store::sqlite {

Db::~Db() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

sqlite3_stmt* Db::take_statement(std::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it == statements_.end()) return nullptr;
  sqlite3_stmt* stmt = it->second;
  statements_.erase(it);
  return stmt;
}

void Db::give_back_statement(std::string_view sql, sqlite3_stmt* stmt) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (statements_.size() >= kMaxCachedStatements || statements_.count(std::string(sql)) != 0) {
    sqlite3_finalize(stmt);
    return;
  }
  statements_.emplace(std::string(sql), stmt);
}

core::Status Db::open(const std::string& path, int busy_timeout_ms) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    return error("cannot open the store at '" + path + "'");
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  sqlite3_extended_result_codes(db_, 1);
  return {};
}

core::Status Db::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string what = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return error(what);
  }
  return {};
}

core::Error Db::error(std::string_view what) const {
  int code = db_ != nullptr ? sqlite3_errcode(db_) : SQLITE_CANTOPEN;
  std::string message = std::string(what) + ": " +
                        (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code));
  int primary = code & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return {core::Code::kUnavailable, message + " (the store is busy; retry)"};
  }
  if (primary == SQLITE_CONSTRAINT) return {core::Code::kAlreadyExists, message};
  return {core::Code::kInternal, message};
}

Stmt::Stmt(Db& db, std::string_view sql) : db_(db), sql_(sql) {
  stmt_ = db.take_statement(sql);
  if (stmt_ != nullptr) return;
  if (sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
    prepare_error_ = db.error("cannot prepare statement");
    stmt_ = nullptr;
  }
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) db_.give_back_statement(sql_, stmt_);
}

Stmt& Stmt::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Stmt& Stmt::bind_or_null(int index, const std::string& text) {
  return text.empty() ? bind_null(index) : bind(index, text);
}

Stmt& Stmt::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

core::Result<bool> Stmt::step() {
  if (stmt_ == nullptr) return prepare_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_.error("statement failed");
}

core::Status Stmt::run() {
  auto r = step();
  reset();
  if (!r.ok()) return r.error();
  return {};
}

void Stmt::reset() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Stmt::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::int64_t Stmt::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
double Stmt::real(int column) const { return sqlite3_column_double(stmt_, column); }
bool Stmt::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
std::optional<std::int64_t> Stmt::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

Transaction::Transaction(Db& db) : db_(db), begun_(db.exec("BEGIN IMMEDIATE")) {}

Transaction::~Transaction() {
  if (begun_.ok() && !done_) (void)db_.exec("ROLLBACK");
}

core::Status Transaction::commit() {
  done_ = true;
  return db_.exec("COMMIT");
}

}  // namespace aiir::store::sqlite
