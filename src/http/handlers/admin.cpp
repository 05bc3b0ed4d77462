#include <boost/json.hpp>

#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"

namespace aiir::http::handlers {

Handler reload(Services& s) {
  return sync_handler([&s](Request&) {
    ReloadOutcome outcome = s.reload();
    boost::json::array diagnostics;
    for (const auto& d : outcome.diagnostics) diagnostics.emplace_back(d);
    boost::json::object body{{"applied", outcome.applied},
                             {"summary", outcome.summary},
                             {"errors", std::move(diagnostics)}};
    if (!outcome.applied) {
      // problem+json with the located errors as an extension member.
      body["type"] = "about:blank";
      body["title"] = "Unprocessable Content";
      body["status"] = 422;
      body["detail"] = "the new configuration is invalid; the running one is kept: " +
                       outcome.summary;
      return Response{422, "application/problem+json", boost::json::serialize(body), {}, false};
    }
    return json_response(200, body);
  });
}

}  // namespace aiir::http::handlers
