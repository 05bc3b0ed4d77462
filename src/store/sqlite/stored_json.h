#pragma once
// Rows keep their record whole as a JSON object (the body column). Reading one back goes through
// here, so that a body damaged outside aiir is reported the same way everywhere: as an internal
// error naming the row, never as a default-filled record.

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "core/result.h"

namespace aiir::store::sqlite {

// The body as a JSON object; kInternal "<what> has an unreadable body in the store" otherwise.
// `what` names the row: "span 12", "signal 40", "control ctl-3".
core::Result<boost::json::object> stored_object(std::string_view body, std::string_view what);

}  // namespace aiir::store::sqlite
