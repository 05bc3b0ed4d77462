#pragma once
// Strict, located reading of YAML configuration on top of yaml-cpp.
//
// A typo must not be silently ignored: MapReader remembers which keys a loader asked for and
// finish() reports every other key as unknown, with the closest allowed key as a suggestion.
// Every error goes to Diagnostics with the file, line and column of the offending node.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/diagnostics.h"

namespace aiir::core {

// Parses a whole file. On a syntax error or unreadable file, records it and returns nullopt.
std::optional<YAML::Node> load_yaml_file(const std::string& path, Diagnostics& diags);
// Same for text already in memory; `file` names it in diagnostics.
std::optional<YAML::Node> load_yaml_text(const std::string& text, const std::string& file,
                                         Diagnostics& diags);

// Records `message` at `node`'s position in `file`.
void report(Diagnostics& diags, const std::string& file, const YAML::Node& node,
            std::string message);

// "a, b, c": the names a message lists ("allowed: ...").
std::string join_names(const std::vector<std::string>& names);

// The names of an enum's name table (name → value), for messages and suggestions.
template <typename E>
std::vector<std::string> names_of(const std::vector<std::pair<std::string_view, E>>& options) {
  std::vector<std::string> names;
  for (const auto& option : options) names.emplace_back(option.first);
  return names;
}

// The 1-based line `node` starts at; 0 when it has no position (a node built in code).
int line_of(const YAML::Node& node);

// The allowed key closest to `key` by edit distance, or "" when none is close.
std::string closest_match(std::string_view key, const std::vector<std::string>& allowed);

class MapReader {
 public:
  // `what` names the thing being read in messages ("workflow", "server").
  MapReader(const YAML::Node& node, std::string file, Diagnostics& diags, std::string what);

  // False when the node is not a mapping (already reported); every getter then returns empty.
  bool valid() const { return valid_; }

  // A scalar string. Missing and required → error "missing required key".
  std::optional<std::string> string(const std::string& key, bool required = false);
  std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max,
                                      bool required = false);
  std::optional<double> number(const std::string& key, double min, double max,
                               bool required = false);
  std::optional<bool> boolean(const std::string& key, bool required = false);
  // A list of scalar strings (a single scalar is accepted as a one-element list).
  std::optional<std::vector<std::string>> strings(const std::string& key, bool required = false);

  // One of `options` (name → value); an error lists the allowed names.
  template <typename E>
  std::optional<E> choice(const std::string& key,
                          const std::vector<std::pair<std::string_view, E>>& options,
                          bool required = false) {
    auto text = string(key, required);
    if (!text) return std::nullopt;
    for (const auto& [name, value] : options) {
      if (name == *text) return value;
    }
    std::vector<std::string> names;
    for (const auto& option : options) names.emplace_back(option.first);
    report_bad_choice(key, *text, names);
    return std::nullopt;
  }

  // The raw child node (marked as used); an undefined node when absent.
  YAML::Node node(const std::string& key, bool required = false);

  // Reports each key that no getter asked for. Call once, after the last getter.
  void finish();

  const std::string& file() const { return file_; }

  Diagnostics& diagnostics() { return diags_; }
  const YAML::Node& self() const { return node_; }

 private:
  YAML::Node lookup(const std::string& key, bool required);
  void report_repeated_keys();
  void report_bad_choice(const std::string& key, const std::string& value,
                         const std::vector<std::string>& names);

  YAML::Node node_;
  std::string file_;
  Diagnostics& diags_;
  std::string what_;
  bool valid_ = false;
  std::vector<std::string> asked_;
};

}  // namespace aiir::core
