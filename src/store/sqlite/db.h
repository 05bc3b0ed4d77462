#pragma once
// Thin RAII wrappers over the SQLite C API, used by every file under store/sqlite/.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace aiir::store::sqlite {

class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  core::Status open(const std::string& path, int busy_timeout_ms);
  // Runs one or more statements with no parameters and no results.
  core::Status exec(std::string_view sql);
  core::Error error(std::string_view what) const;
  sqlite3* get() const { return db_; }

  // Prepared statements are kept by their SQL text and reused (Stmt takes one and gives it back),
  // so a statement run once per signal or per incident is parsed and planned once per connection.
  // Bounded: SQL built from optional filters has many variants, and beyond the bound a statement
  // is finalized instead of kept.
  static constexpr std::size_t kMaxCachedStatements = 128;
  sqlite3_stmt* take_statement(std::string_view sql);
  void give_back_statement(std::string_view sql, sqlite3_stmt* stmt);

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;  // idle, reset, unbound
};

// A prepared statement. Bind indexes are 1-based as in SQLite; column indexes are 0-based.
class Stmt {
 public:
  Stmt(Db& db, std::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool prepared() const { return stmt_ != nullptr; }
  const core::Error& prepare_error() const { return prepare_error_; }

  Stmt& bind(int index, std::string_view text);
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, double value);
  Stmt& bind_null(int index);
  // NULL for an empty string: optional text columns hold NULL rather than "".
  Stmt& bind_or_null(int index, const std::string& text);
  Stmt& bind(int index, const std::optional<std::int64_t>& value);

  // Advances: Result true while a row is available, false when done.
  core::Result<bool> step();
  // Runs to completion, expecting no rows.
  core::Status run();
  void reset();

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  double real(int column) const;
  bool is_null(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;

 private:
  Db& db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
  core::Error prepare_error_{core::Code::kInternal, ""};
};

// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  const core::Status& begun() const { return begun_; }
  core::Status commit();

 private:
  Db& db_;
  core::Status begun_;
  bool done_ = false;
};

}  // namespace aiir::store::sqlite
