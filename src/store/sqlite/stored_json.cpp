#include "store/sqlite/stored_json.h"

namespace aiir::store::sqlite {

core::Result<boost::json::object> stored_object(std::string_view body, std::string_view what) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) {
    return core::internal(std::string(what) + " has an unreadable body in the store");
  }
  return std::move(parsed.as_object());
}

}  // namespace aiir::store::sqlite
