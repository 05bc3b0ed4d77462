#pragma once
// The schema as an ordered list of migrations. Migration N moves the schema from version N-1 to N
// (PRAGMA user_version). Never edit a released migration: append a new one.

#include <string_view>
#include <vector>

namespace aiir::store::sqlite {

const std::vector<std::string_view>& migrations();

inline int latest_schema_version() { return static_cast<int>(migrations().size()); }

}  // namespace aiir::store::sqlite
