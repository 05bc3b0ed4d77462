#pragma once
// The request and response types handlers see. They hold no Beast types, so handlers, the CLI's
// in-process uses and tests do not compile Beast.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/role.h"

namespace aiir::http {

// Who is calling, after authentication.
struct Principal {
  std::string key_id;  // "" for unauthenticated public routes
  std::string key_name;
  model::Role role = model::Role::kViewer;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string, percent-decoded
  std::map<std::string, std::string> query;         // decoded; last value wins
  std::map<std::string, std::string> path_params;   // from {name} segments of the route
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;    // decompressed when Content-Encoding was gzip
  Principal principal;
  std::string remote_address;

  // First header with that (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const;
  std::optional<std::string_view> query_param(const std::string& name) const;
  std::string_view param(const std::string& name) const;  // path parameter, "" when absent
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set when the body is produced incrementally (server-sent events); see server.h.
  bool close_after = false;

  static Response json(int status, std::string body) {
    return Response{status, "application/json", std::move(body), {}, false};
  }
  static Response text(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
    return Response{status, std::move(type), std::move(body), {}, false};
  }
};

// Completes a request. Must be called exactly once, from any thread.
using Reply = std::function<void(Response)>;
// A handler may reply before returning (most do) or later from another thread (ingest, which
// replies after its batch is committed).
using Handler = std::function<void(Request&, Reply)>;

// Adapts a handler that computes its response synchronously.
template <typename F>
Handler sync_handler(F f) {
  return [f = std::move(f)](Request& request, Reply reply) { reply(f(request)); };
}

}  // namespace aiir::http
