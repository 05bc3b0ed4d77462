#pragma once
// What every fuzz target of a configuration file checks the same way: a failure reported with the
// input that caused it, and the diagnostics contract of core/diagnostics.h (each names the file,
// says something, and points at a line of the input; only a document with nothing in it gets a
// whole-file diagnostic, at line 0).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "core/diagnostics.h"
#include "core/yaml_reader.h"

namespace aiir::fuzz {

[[noreturn]] inline void fail(const char* what, const std::string& input,
                              const std::string& detail) {
  std::fprintf(stderr, "%s\n%s\ninput: [%.*s]\n", what, detail.c_str(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

inline int line_count(const std::string& input) {
  return 1 + static_cast<int>(std::count(input.begin(), input.end(), '\n'));
}

inline void check_diagnostics(const core::Diagnostics& diags, const std::string& input,
                              const char* file) {
  // Parsed again only when there is a whole-file diagnostic to justify.
  std::optional<bool> empty;
  auto empty_document = [&] {
    if (!empty) {
      core::Diagnostics ignored;
      std::optional<YAML::Node> root = core::load_yaml_text(input, file, ignored);
      empty = root && root->IsNull();
    }
    return *empty;
  };
  const int lines = line_count(input);
  for (const core::Diagnostic& d : diags.items()) {
    if (d.file != file) fail("diagnostic names another file", input, d.to_string());
    if (d.message.empty()) fail("diagnostic without a message", input, d.to_string());
    if (d.line == 0 && d.column == 0 && empty_document()) continue;
    if (d.line < 1) fail("diagnostic without a line", input, d.to_string());
    if (d.line > lines) fail("diagnostic past the last line", input, d.to_string());
    if (d.column < 0) fail("diagnostic with a negative column", input, d.to_string());
  }
}

}  // namespace aiir::fuzz
