#pragma once
// Request-target parsing: path and query string, percent-decoded.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace aiir::http {

// Decodes %XX escapes (and '+' as space when `plus_is_space`). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);
// Encodes everything outside RFC 3986's unreserved set.
std::string percent_encode(std::string_view text);

struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};
// nullopt when the target is not an origin-form path or has a malformed escape.
std::optional<Target> parse_target(std::string_view target);

}  // namespace aiir::http
