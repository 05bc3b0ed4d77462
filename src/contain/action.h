#pragma once
// What the AI application is about to do, as it names it when it asks aiir (POST /v1/decide):
//
//   llm               call the model
//   tool:<name>       call one of the workflow's tools
//   retrieve:<source> read from a retrieval source
//   write:<target>    write to a system of record
//   output            show the result to its user
//
// Pure; parsing allocates nothing (the name views the input).

#include <string_view>

#include "core/result.h"

namespace aiir::contain {

enum class ActionKind { kLlm, kTool, kRetrieve, kWrite, kOutput };

struct Action {
  ActionKind kind = ActionKind::kLlm;
  std::string_view name;  // the tool, source or target; empty for llm and output. Views the input.
};

// The action named by `text`. kInvalidArgument, with a message listing the accepted forms, for
// anything else: an unknown or differently capitalised word, a missing name ("tool:"), or a name
// on llm/output ("output:x").
core::Result<Action> parse_action(std::string_view text);

std::string_view to_string(ActionKind kind);

}  // namespace aiir::contain
