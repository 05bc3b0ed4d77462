#include "core/yaml_reader.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace aiir::core {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

int line_of(const YAML::Node& node) { return node.Mark().is_null() ? 0 : node.Mark().line + 1; }

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::optional<YAML::Node> load_yaml_text(const std::string& text, const std::string& file,
                                         Diagnostics& diags) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    diags.add(file, e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

std::optional<YAML::Node> load_yaml_file(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.add(path, 0, 0, "cannot read the file; check that it exists and is readable");
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return load_yaml_text(buf.str(), path, diags);
}

void report(Diagnostics& diags, const std::string& file, const YAML::Node& node,
            std::string message) {
  auto mark = node.Mark();
  if (mark.is_null()) {
    diags.add(file, 0, 0, std::move(message));
  } else {
    diags.add(file, mark.line + 1, mark.column + 1, std::move(message));
  }
}

std::string closest_match(std::string_view key, const std::vector<std::string>& allowed) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (const auto& candidate : allowed) {
    std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

MapReader::MapReader(const YAML::Node& node, std::string file, Diagnostics& diags,
                     std::string what)
    : node_(node), file_(std::move(file)), diags_(diags), what_(std::move(what)) {
  if (!node_.IsDefined() || node_.IsNull()) {
    node_ = YAML::Node(YAML::NodeType::Map);
    valid_ = true;  // an empty section reads as all defaults
  } else if (!node_.IsMap()) {
    report(diags_, file_, node, what_ + " must be a mapping of key: value");
  } else {
    valid_ = true;
    report_repeated_keys();
  }
}

// YAML forbids repeated keys, but the parser keeps both and a lookup finds the first: the second
// value would be dropped without a word. Said once per repeat, at the repeat.
void MapReader::report_repeated_keys() {
  std::map<std::string, int> first_line;
  for (const auto& entry : node_) {
    if (!entry.first.IsScalar()) continue;
    const std::string key = entry.first.Scalar();
    const int line = entry.first.Mark().line + 1;
    auto [it, inserted] = first_line.emplace(key, line);
    if (!inserted) {
      report(diags_, file_, entry.first,
             what_ + ": key '" + key + "' is given twice (first at line " +
                 std::to_string(it->second) + "); keep one");
    }
  }
}

// A node for "not given". YAML::Node() would be a defined null node, which callers could not
// tell apart from `key: ~`.
namespace {
YAML::Node absent() { return YAML::Node(YAML::NodeType::Undefined); }
}  // namespace

YAML::Node MapReader::lookup(const std::string& key, bool required) {
  asked_.push_back(key);
  if (!valid_) return absent();
  // Through a const reference: the non-const operator[] would insert the missing key.
  const YAML::Node& map = node_;
  YAML::Node child = map[key];
  if (!child.IsDefined() || child.IsNull()) {
    if (required) report(diags_, file_, node_, what_ + ": missing required key '" + key + "'");
    return absent();
  }
  return child;
}

YAML::Node MapReader::node(const std::string& key, bool required) { return lookup(key, required); }

std::optional<std::string> MapReader::string(const std::string& key, bool required) {
  YAML::Node child = lookup(key, required);
  if (!child.IsDefined()) return std::nullopt;
  if (!child.IsScalar()) {
    report(diags_, file_, child, what_ + "." + key + " must be a single value, not a list or map");
    return std::nullopt;
  }
  if (required && child.Scalar().empty()) {
    report(diags_, file_, child, what_ + "." + key + " must not be empty");
    return std::nullopt;
  }
  return child.Scalar();
}

std::optional<std::int64_t> MapReader::integer(const std::string& key, std::int64_t min,
                                               std::int64_t max, bool required) {
  YAML::Node child = lookup(key, required);
  if (!child.IsDefined()) return std::nullopt;
  std::int64_t value = 0;
  if (!child.IsScalar() || !YAML::convert<std::int64_t>::decode(child, value)) {
    report(diags_, file_, child, what_ + "." + key + " must be a whole number");
    return std::nullopt;
  }
  if (value < min || value > max) {
    report(diags_, file_, child,
           what_ + "." + key + " is " + std::to_string(value) + "; it must be between " +
               std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<double> MapReader::number(const std::string& key, double min, double max,
                                        bool required) {
  YAML::Node child = lookup(key, required);
  if (!child.IsDefined()) return std::nullopt;
  double value = 0;
  if (!child.IsScalar() || !YAML::convert<double>::decode(child, value) || std::isnan(value)) {
    report(diags_, file_, child, what_ + "." + key + " must be a number");
    return std::nullopt;
  }
  if (value < min || value > max) {
    std::ostringstream msg;
    msg << what_ << "." << key << " is " << value << "; it must be between " << min << " and "
        << max;
    report(diags_, file_, child, msg.str());
    return std::nullopt;
  }
  return value;
}

std::optional<bool> MapReader::boolean(const std::string& key, bool required) {
  YAML::Node child = lookup(key, required);
  if (!child.IsDefined()) return std::nullopt;
  bool value = false;
  if (!child.IsScalar() || !YAML::convert<bool>::decode(child, value)) {
    report(diags_, file_, child, what_ + "." + key + " must be true or false");
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<std::string>> MapReader::strings(const std::string& key,
                                                           bool required) {
  YAML::Node child = lookup(key, required);
  if (!child.IsDefined()) return std::nullopt;
  std::vector<std::string> out;
  if (child.IsScalar()) {
    out.push_back(child.Scalar());
    return out;
  }
  if (!child.IsSequence()) {
    report(diags_, file_, child, what_ + "." + key + " must be a list of values");
    return std::nullopt;
  }
  for (const auto& item : child) {
    if (!item.IsScalar()) {
      report(diags_, file_, item, what_ + "." + key + " must contain only single values");
      return std::nullopt;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

void MapReader::report_bad_choice(const std::string& key, const std::string& value,
                                  const std::vector<std::string>& names) {
  std::string message = what_ + "." + key + ": '" + value + "' is not allowed; use one of: " +
                        join_names(names);
  std::string suggestion = closest_match(value, names);
  if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
  const YAML::Node& map = node_;
  report(diags_, file_, map[key], std::move(message));
}

void MapReader::finish() {
  if (!valid_) return;
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (std::find(asked_.begin(), asked_.end(), key) != asked_.end()) continue;
    std::string message = "unknown key '" + key + "' in " + what_;
    std::string suggestion = closest_match(key, asked_);
    if (!suggestion.empty()) {
      message += "; did you mean '" + suggestion + "'?";
    } else {
      std::vector<std::string> sorted = asked_;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      message += "; allowed keys: " + join_names(sorted);
    }
    report(diags_, file_, entry.first, std::move(message));
  }
}

}  // namespace aiir::core
