#include "store/sqlite/filter.h"

#include <algorithm>

namespace aiir::store::sqlite {

Filter& Filter::equals(std::string_view column, const std::string& value) {
  if (value.empty()) return *this;
  conditions_.push_back(std::string(column) + " = ?");
  binds_.emplace_back(value);
  return *this;
}

Filter& Filter::at_least(std::string_view column, const std::optional<std::int64_t>& value) {
  if (!value) return *this;
  conditions_.push_back(std::string(column) + " >= ?");
  binds_.emplace_back(*value);
  return *this;
}

Filter& Filter::below(std::string_view column, const std::optional<std::int64_t>& value) {
  if (!value) return *this;
  conditions_.push_back(std::string(column) + " < ?");
  binds_.emplace_back(*value);
  return *this;
}

Filter& Filter::condition(std::string_view sql, std::vector<Value> binds) {
  conditions_.emplace_back(sql);
  for (auto& b : binds) binds_.push_back(std::move(b));
  return *this;
}

Filter& Filter::in(std::string_view column, const std::vector<std::string>& values) {
  if (values.empty()) return *this;
  std::string list;
  for (const auto& v : values) {
    list += list.empty() ? "?" : ", ?";
    binds_.emplace_back(v);
  }
  conditions_.push_back(std::string(column) + " IN (" + list + ")");
  return *this;
}

std::string Filter::sql() const {
  std::string out;
  for (const auto& c : conditions_) out += (out.empty() ? " WHERE " : " AND ") + c;
  return out;
}

int Filter::bind(Stmt& stmt) const {
  int position = 1;
  for (const auto& b : binds_) {
    if (const auto* text = std::get_if<std::string>(&b)) {
      stmt.bind(position++, *text);
    } else {
      stmt.bind(position++, std::get<std::int64_t>(b));
    }
  }
  return position;
}

int page_limit(int asked) { return std::clamp(asked, 1, 1000); }

}  // namespace aiir::store::sqlite
