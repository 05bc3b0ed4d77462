#pragma once
// The route table: every REST route, its roles and its handler, in one place.

#include <vector>

#include "http/router.h"
#include "http/services.h"

namespace aiir::http {

std::vector<Route> build_routes(Services& services);

}  // namespace aiir::http
