#pragma once
// The WHERE clause of a list query, built from optional filters with its binds kept in order, so
// each list (spans, signals, ...) states only which filter maps to which column.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/sqlite/db.h"

namespace aiir::store::sqlite {

class Filter {
 public:
  using Value = std::variant<std::string, std::int64_t>;

  // `column = value`; nothing when `value` is empty (the filter was not given).
  Filter& equals(std::string_view column, const std::string& value);
  // `column >= value` / `column < value`; nothing when absent.
  Filter& at_least(std::string_view column, const std::optional<std::int64_t>& value);
  Filter& below(std::string_view column, const std::optional<std::int64_t>& value);
  // Any condition with its own binds, in order.
  Filter& condition(std::string_view sql, std::vector<Value> binds = {});
  // `column IN (?, ...)`; nothing when `values` is empty.
  Filter& in(std::string_view column, const std::vector<std::string>& values);

  // " WHERE a = ? AND ..." ("" when nothing was added).
  std::string sql() const;
  // Binds every value from position 1; returns the next free position.
  int bind(Stmt& stmt) const;

 private:
  std::vector<std::string> conditions_;
  std::vector<Value> binds_;
};

// The page size asked for, clamped to 1..1000.
int page_limit(int asked);

// A list query reads one row more than `limit` to learn whether another page follows. Drops that
// extra row and returns the next page's cursor (`key` of the last row kept), or nullopt at the
// end of the list.
template <typename Row, typename Key>
std::optional<std::int64_t> end_page(std::vector<Row>& rows, int limit, Key key) {
  if (static_cast<int>(rows.size()) <= limit) return std::nullopt;
  rows.pop_back();
  return key(rows.back());
}

}  // namespace aiir::store::sqlite
