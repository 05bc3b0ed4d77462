#pragma once
// Routes: method, path pattern, the roles allowed, and the handler. The table itself is built in
// one place, routes.cpp, and documented in docs/api.md; tests walk it so that no route can
// escape authentication.

#include <map>
#include <string>
#include <vector>

#include "http/message.h"
#include "model/role.h"

namespace aiir::http {

struct Route {
  std::string method;   // "GET", "POST", "DELETE"
  std::string pattern;  // "/v1/workflows/{id}": a {name} segment matches one path segment
  // Roles allowed besides admin (admin may call every route). Empty with `is_public` false means
  // admin only.
  std::vector<model::Role> roles;
  bool is_public = false;  // no key needed (health and readiness only)
  std::string summary;
  Handler handler;

  bool allows(model::Role role) const;
};

class Router {
 public:
  explicit Router(std::vector<Route> routes) : routes_(std::move(routes)) {}

  struct Match {
    const Route* route = nullptr;  // null when nothing matched
    std::map<std::string, std::string> params;
    std::string allow;  // when the path matched under other methods only: "GET, POST"
  };
  Match match(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace aiir::http
