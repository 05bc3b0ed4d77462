#include "contain/action.h"

#include <array>
#include <string>
#include <utility>

namespace aiir::contain {
namespace {

constexpr std::string_view kForms =
    "expected llm, output, tool:<name>, retrieve:<source> or write:<target>";

// The actions that carry a name after the colon.
constexpr std::array<std::pair<std::string_view, ActionKind>, 3> kNamed{{
    {"tool", ActionKind::kTool},
    {"retrieve", ActionKind::kRetrieve},
    {"write", ActionKind::kWrite},
}};

core::Error malformed(std::string_view text, std::string_view what) {
  return core::invalid("action '" + std::string(text) + "' " + std::string(what) + "; " +
                       std::string(kForms));
}

}  // namespace

core::Result<Action> parse_action(std::string_view text) {
  if (text == "llm") return Action{ActionKind::kLlm, {}};
  if (text == "output") return Action{ActionKind::kOutput, {}};
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return text.empty() ? malformed(text, "is empty") : malformed(text, "is not one aiir knows");
  }
  std::string_view word = text.substr(0, colon);
  std::string_view name = text.substr(colon + 1);
  if (word == "llm" || word == "output") return malformed(text, "takes no name");
  for (const auto& [prefix, kind] : kNamed) {
    if (word != prefix) continue;
    if (name.empty()) return malformed(text, "names nothing after the colon");
    return Action{kind, name};
  }
  return malformed(text, "is not one aiir knows");
}

std::string_view to_string(ActionKind kind) {
  switch (kind) {
    case ActionKind::kLlm: return "llm";
    case ActionKind::kTool: return "tool";
    case ActionKind::kRetrieve: return "retrieve";
    case ActionKind::kWrite: return "write";
    case ActionKind::kOutput: return "output";
  }
  return "unknown";
}

}  // namespace aiir::contain
