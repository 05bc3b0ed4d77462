#include "model/role.h"

#include <utility>

namespace aiir::model {
namespace {

const std::vector<std::pair<std::string_view, Role>>& role_names() {
  static const std::vector<std::pair<std::string_view, Role>> names{
      {"admin", Role::kAdmin},   {"responder", Role::kResponder}, {"reviewer", Role::kReviewer},
      {"legal", Role::kLegal},   {"viewer", Role::kViewer},       {"ingest", Role::kIngest},
      {"app", Role::kApp},
  };
  return names;
}

}  // namespace

std::string_view to_string(Role role) {
  for (const auto& [name, r] : role_names()) {
    if (r == role) return name;
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view text) {
  for (const auto& [name, r] : role_names()) {
    if (name == text) return r;
  }
  return std::nullopt;
}

const std::vector<Role>& all_roles() {
  static const std::vector<Role> roles = [] {
    std::vector<Role> out;
    for (const auto& entry : role_names()) out.push_back(entry.second);
    return out;
  }();
  return roles;
}

}  // namespace aiir::model
