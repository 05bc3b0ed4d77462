#include "http/router.h"

#include <algorithm>

namespace aiir::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 1;  // paths begin with '/'
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool match_pattern(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>& params) {
  auto want = split_path(pattern);
  auto got = split_path(path);
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      if (got[i].empty()) return false;
      found.emplace(std::string(want[i].substr(1, want[i].size() - 2)), std::string(got[i]));
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

bool Route::allows(model::Role role) const {
  return role == model::Role::kAdmin || std::find(roles.begin(), roles.end(), role) != roles.end();
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match out;
  if (path.empty() || path.front() != '/') return out;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!match_pattern(route.pattern, path, params)) continue;
    if (route.method == method) {
      out.route = &route;
      out.params = std::move(params);
      out.allow.clear();
      return out;
    }
    if (!out.allow.empty()) out.allow += ", ";
    out.allow += route.method;
  }
  return out;
}

}  // namespace aiir::http
