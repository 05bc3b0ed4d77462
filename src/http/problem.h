#pragma once
// Errors as application/problem+json (RFC 9457). The one table from core::Code to HTTP status.

#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace aiir::http {

int status_for(core::Code code);

// A problem response. `title` is the short class of problem; `detail` says what was wrong and
// how to fix it. `type` is a stable URI-reference naming the problem class.
Response problem(int status, std::string_view title, std::string_view detail);
Response problem(const core::Error& error);

}  // namespace aiir::http
