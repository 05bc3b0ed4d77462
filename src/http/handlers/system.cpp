#include <boost/json.hpp>

#include "core/version.h"
#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/problem.h"

namespace aiir::http::handlers {

Handler healthz() {
  return sync_handler([](Request&) { return Response::text(200, "ok\n"); });
}

Handler readyz(Services& s) {
  return sync_handler([&s](Request&) {
    if (!s.ready.load()) {
      return problem(503, "Service Unavailable", "the server is starting or shutting down");
    }
    return Response::text(200, "ready\n");
  });
}

Handler version() {
  return sync_handler([](Request&) {
    return json_response(200, boost::json::object{{"name", "aiir"},
                                                  {"version", core::kVersion},
                                                  {"commit", core::kGitCommit}});
  });
}

Handler whoami() {
  return sync_handler([](Request& r) {
    return json_response(200, boost::json::object{{"key_id", r.principal.key_id},
                                                  {"name", r.principal.key_name},
                                                  {"role", model::to_string(r.principal.role)}});
  });
}

Handler metrics(Services& s) {
  return sync_handler([&s](Request&) {
    return Response::text(200, s.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace aiir::http::handlers
