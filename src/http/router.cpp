#include "http/router.h"

#include <algorithm>

namespace aiir::http {
namespace {

// The segment of `path` starting at `pos` (just after a '/'), and where the next one starts
// (npos after the last). Paths begin with '/'.
std::string_view next_segment(std::string_view path, std::size_t& pos) {
  std::size_t end = path.find('/', pos);
  std::string_view segment = path.substr(pos, end == std::string_view::npos ? path.size() - pos
                                                                            : end - pos);
  pos = end == std::string_view::npos ? std::string_view::npos : end + 1;
  return segment;
}

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Walks pattern and path segment by segment without allocating: every request is matched
// against every route until one fits, so this runs dozens of times per request. Parameters are
// collected only once the whole path has matched.
bool match_pattern(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>* params) {
  std::size_t p = 1;
  std::size_t q = 1;
  bool has_parameters = false;
  while (p != std::string_view::npos && q != std::string_view::npos) {
    std::string_view want = next_segment(pattern, p);
    std::string_view got = next_segment(path, q);
    if (is_parameter(want)) {
      if (got.empty()) return false;
      has_parameters = true;
    } else if (want != got) {
      return false;
    }
  }
  if (p != q) return false;  // one has segments left
  if (!has_parameters || params == nullptr) return true;
  p = q = 1;
  while (p != std::string_view::npos) {
    std::string_view want = next_segment(pattern, p);
    std::string_view got = next_segment(path, q);
    if (is_parameter(want)) {
      params->emplace(std::string(want.substr(1, want.size() - 2)), std::string(got));
    }
  }
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
    if (route.method == method) {
      if (!match_pattern(route.pattern, path, &out.params)) continue;
      out.route = &route;
      out.allow.clear();
      return out;
    }
    if (!match_pattern(route.pattern, path, nullptr)) continue;
    if (!out.allow.empty()) out.allow += ", ";
    out.allow += route.method;
  }
  return out;
}

}  // namespace aiir::http
