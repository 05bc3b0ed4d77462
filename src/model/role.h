#pragma once
// The roles an API key carries. Which role may call which route is in one table:
// http/routes.cpp. See docs/api.md for the rendered table.

#include <optional>
#include <string_view>
#include <vector>

namespace aiir::model {

enum class Role {
  kAdmin,      // everything, including keys and reload
  kResponder,  // incidents, controls, investigation
  kReviewer,   // the human review queue
  kLegal,      // evidence, including raw content and raw exports
  kViewer,     // read-only views
  kIngest,     // traces and signals in
  kApp,        // decisions and review submissions from the AI application
};

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);
const std::vector<Role>& all_roles();

}  // namespace aiir::model
