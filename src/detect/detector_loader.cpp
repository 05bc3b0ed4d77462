#include "detect/detector_loader.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "core/yaml_reader.h"

namespace aiir::detect {
namespace {

using core::join_names;
using core::line_of;
using core::MapReader;
using core::names_of;
using core::report;

// RE2's memory budget per pattern: generous for real patterns, small enough that a pathological
// one is refused at load instead of at evaluation.
constexpr std::int64_t kRegexMaxMem = std::int64_t{8} << 20;
constexpr std::int64_t kMaxCount = 1'000'000'000;
constexpr std::string_view kForms =
    "a condition is one of {all: [...]}, {any: [...]}, {not: {...}}, "
    "{field: F, <operator>: V} or {scan: {...}}";
constexpr std::string_view kOperatorList = "equals, in, gt, gte, lt, lte, exists, contains, regex";
constexpr std::string_view kDurationHint =
    "write a whole number and a unit: 500ms, 30s, 10m, 2h or 7d (at most 366d)";

// Conditions one detector may hold. YAML aliases let a few bytes name a condition many times
// over (`&m {any: [*m, *m]}` doubles at every level); a budget keeps loading linear.
constexpr int kMaxConditions = 1000;

// Where errors go: the file being read and the shared list.
struct Ctx {
  const std::string& file;
  core::Diagnostics& diags;
  int conditions_left = kMaxConditions;
  bool too_deep_reported = false;  // once per detector, not once per branch

  void error(const YAML::Node& node, std::string message) {
    report(diags, file, node, std::move(message));
  }
};

// Words are matched as UTF-8 text; bytes that are not UTF-8 could never match and RE2 refuses them.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

bool valid_detector_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(id.front())) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) {
    return lower_or_digit(c) || c == '-' || c == '_' || c == '.';
  });
}

bool valid_pattern_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// "unknown finder 'emial'; did you mean 'email'? (allowed: ...)"
void report_unknown(Ctx& c, const YAML::Node& node, const std::string& what,
                    const std::string& noun, const std::string& value,
                    const std::vector<std::string>& names) {
  std::string message = what + ": unknown " + noun + " '" + value + "'";
  std::string guess = core::closest_match(value, names);
  if (!guess.empty()) message += "; did you mean '" + guess + "'?";
  c.error(node, message + " (allowed: " + join_names(names) + ")");
}

// The scalar nodes of "one value or a list of values"; nullopt (reported) otherwise.
std::optional<std::vector<YAML::Node>> scalar_items(Ctx& c, const YAML::Node& node,
                                                    const std::string& what) {
  std::vector<YAML::Node> items;
  if (node.IsScalar()) {
    items.push_back(node);
    return items;
  }
  if (!node.IsSequence()) {
    c.error(node, what + " must be one value or a list of values");
    return std::nullopt;
  }
  bool ok = true;
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      c.error(item, what + " must contain only single values, not lists or mappings");
      ok = false;
      continue;
    }
    items.push_back(item);
  }
  if (!ok) return std::nullopt;
  return items;
}

template <typename E>
void read_enum_list(Ctx& c, const YAML::Node& node,
                    const std::vector<std::pair<std::string_view, E>>& options,
                    const std::string& what, const std::string& noun, std::vector<E>& out) {
  if (!node.IsDefined()) return;
  auto items = scalar_items(c, node, what);
  if (!items) return;
  for (const auto& item : *items) {
    auto it = std::find_if(options.begin(), options.end(),
                           [&](const auto& option) { return option.first == item.Scalar(); });
    if (it == options.end()) {
      report_unknown(c, item, what, noun, item.Scalar(), names_of(options));
      continue;
    }
    if (std::find(out.begin(), out.end(), it->second) == out.end()) out.push_back(it->second);
  }
}

// A suggestion for a misspelt field: a fixed name, or an open-ended prefix with the rest kept
// ("tool.argument.order_id" → "tool.arguments.order_id").
std::string suggest_field(const std::string& name) {
  std::string guess = core::closest_match(name, field_names());
  if (!guess.empty()) {
    if (guess.back() == '.') guess += guess.rfind("tool.", 0) == 0 ? "<path>" : "<key>";
    return guess;
  }
  static const std::vector<std::string> prefixes{"tool.arguments", "tool.result", "attributes",
                                                 "resource"};
  for (const auto& prefix : prefixes) {
    const auto segments = std::count(prefix.begin(), prefix.end(), '.') + 1;
    std::size_t pos = 0;
    for (std::ptrdiff_t i = 0; i < segments && pos != std::string::npos; ++i) {
      pos = name.find('.', i == 0 ? 0 : pos + 1);
    }
    if (pos == std::string::npos || pos + 1 >= name.size()) continue;
    const std::string head = name.substr(0, pos);
    if (head != prefix && core::closest_match(head, {prefix}) == prefix) {
      return prefix + name.substr(pos);
    }
  }
  return "";
}

std::optional<FieldRef> read_field(Ctx& c, const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    c.error(node, what + " must be a field name such as tool.name or tool.arguments.order_id");
    return std::nullopt;
  }
  const std::string& name = node.Scalar();
  if (auto field = parse_field(name)) return field;
  std::string message = what + ": unknown field '" + name + "'";
  std::string guess = suggest_field(name);
  if (!guess.empty()) {
    message += "; did you mean '" + guess + "'?";
  } else {
    message +=
        "; fields are listed in docs/detectors.md (open-ended: tool.arguments.<path>, "
        "tool.result.<path>, attributes.<key>, resource.<key>)";
  }
  c.error(node, message);
  return std::nullopt;
}

// One field or a list of fields; nullopt when any is wrong (all reported).
std::optional<std::vector<FieldRef>> read_fields(Ctx& c, const YAML::Node& node,
                                                 const std::string& what) {
  auto items = scalar_items(c, node, what);
  if (!items) return std::nullopt;
  std::vector<FieldRef> out;
  bool ok = true;
  for (const auto& item : *items) {
    auto field = read_field(c, item, what);
    if (!field) {
      ok = false;
      continue;
    }
    out.push_back(std::move(*field));
  }
  if (!ok) return std::nullopt;
  return out;
}

bool check_regex(Ctx& c, const YAML::Node& node, const std::string& pattern,
                 bool case_insensitive, const std::string& what) {
  if (pattern.empty()) {
    c.error(node, what + " must not be empty (an empty pattern matches everything)");
    return false;
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kRegexMaxMem);
  options.set_case_sensitive(!case_insensitive);
  RE2 re(pattern, options);
  if (re.ok()) return true;
  c.error(node, what + ": '" + pattern + "' is not a valid RE2 pattern: " + re.error() +
                    " (RE2 has no backreferences or lookaround)");
  return false;
}

Literal make_literal(const std::string& text) {
  Literal literal;
  literal.text = text;
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc() && ptr == end && std::isfinite(value)) literal.number = value;
  if (text == "true" || text == "True" || text == "TRUE") literal.boolean = true;
  if (text == "false" || text == "False" || text == "FALSE") literal.boolean = false;
  return literal;
}

// A duration under `key` of the section `r` reads; `allow_zero` lets "0" mean "no limit".
std::optional<Duration> read_duration(Ctx& c, MapReader& r, const std::string& section,
                                      const std::string& key, bool required,
                                      bool allow_zero = false) {
  auto text = r.string(key, required);
  if (!text) return std::nullopt;
  if (auto d = parse_duration(*text)) return d;
  // "0s", "0": well formed but zero, which parse_duration refuses and some keys allow.
  const std::size_t digits = std::min(text->find_first_not_of("0123456789"), text->size());
  const std::string unit = text->substr(digits);
  const bool known_unit =
      unit.empty() || unit == "ms" || unit == "s" || unit == "m" || unit == "h" || unit == "d";
  const bool zero = digits > 0 && known_unit && text->find_first_not_of('0') >= digits;
  if (zero && allow_zero) return Duration{0};
  const YAML::Node& map = r.self();
  if (zero) {
    c.error(map[key], section + "." + key + ": '" + *text + "' must be longer than zero");
    return std::nullopt;
  }
  c.error(map[key], section + "." + key + ": '" + *text + "' is not a duration; " +
                        std::string(kDurationHint));
  return std::nullopt;
}

std::optional<int> read_count(MapReader& r, const std::string& key, bool required) {
  auto v = r.integer(key, 1, kMaxCount, required);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

std::optional<Predicate> read_predicate(Ctx& c, const YAML::Node& node, const std::string& what,
                                        int depth);

// {field: F, <operator>: V, case_insensitive: B}
std::optional<Predicate> read_compare(Ctx& c, const YAML::Node& node) {
  const std::size_t before = c.diags.size();
  Predicate p;
  p.kind = Predicate::Kind::kCompare;
  p.line = line_of(node);
  MapReader r(node, c.file, c.diags, "condition");
  YAML::Node field_node = r.node("field", true);
  static const std::vector<std::pair<std::string, CompareOp>> kOps{
      {"equals", CompareOp::kEquals}, {"in", CompareOp::kIn},
      {"gt", CompareOp::kGt},         {"gte", CompareOp::kGte},
      {"lt", CompareOp::kLt},         {"lte", CompareOp::kLte},
      {"exists", CompareOp::kExists}, {"contains", CompareOp::kContains},
      {"regex", CompareOp::kRegex}};
  struct Present {
    std::string name;
    CompareOp op;
    YAML::Node key;
    YAML::Node value;
  };
  std::vector<Present> present;
  for (const auto& [name, op] : kOps) {
    r.node(name);  // marks the key as known
    for (const auto& entry : node) {
      if (entry.first.Scalar() == name) present.push_back({name, op, entry.first, entry.second});
    }
  }
  auto case_insensitive = r.boolean("case_insensitive");
  r.finish();

  if (field_node.IsDefined()) {
    if (auto field = read_field(c, field_node, "condition.field")) p.field = std::move(*field);
  }
  if (present.empty()) {
    c.error(node, "condition needs one operator: " + std::string(kOperatorList));
    return std::nullopt;
  }
  if (present.size() > 1) {
    c.error(present[1].key, "condition has both '" + present[0].name + "' and '" +
                                present[1].name +
                                "'; use one operator per condition and combine conditions "
                                "with all/any");
    return std::nullopt;
  }
  const Present& op = present[0];
  p.op = op.op;
  p.case_insensitive = case_insensitive.value_or(false);
  const std::string what = "condition." + op.name;
  const bool text_op = op.op == CompareOp::kEquals || op.op == CompareOp::kIn ||
                       op.op == CompareOp::kContains || op.op == CompareOp::kRegex;
  if (case_insensitive.value_or(false) && !text_op) {
    const YAML::Node& map = node;
    c.error(map["case_insensitive"],
            "condition.case_insensitive applies only to equals, in, contains and regex");
  }
  if (!op.value.IsDefined() || op.value.IsNull()) {
    c.error(op.key, what + " needs a value" +
                        std::string(op.op == CompareOp::kEquals
                                        ? "; to test that a field is absent use exists: false"
                                        : ""));
    return std::nullopt;
  }
  switch (op.op) {
    case CompareOp::kIn: {
      auto items = scalar_items(c, op.value, what);
      if (!items) break;
      if (items->empty()) {
        c.error(op.value, what + " needs at least one value");
        break;
      }
      for (const auto& item : *items) p.values.push_back(make_literal(item.Scalar()));
      break;
    }
    case CompareOp::kExists: {
      bool value = false;
      if (!op.value.IsScalar() || !YAML::convert<bool>::decode(op.value, value)) {
        c.error(op.value, what + " must be true (the field is present) or false (absent)");
        break;
      }
      p.exists = value;
      break;
    }
    default: {
      if (!op.value.IsScalar()) {
        c.error(op.value, what + " takes a single value" +
                              std::string(op.op == CompareOp::kEquals ? "; use 'in' for a list"
                                                                      : ""));
        break;
      }
      Literal literal = make_literal(op.value.Scalar());
      const bool numeric = op.op == CompareOp::kGt || op.op == CompareOp::kGte ||
                           op.op == CompareOp::kLt || op.op == CompareOp::kLte;
      if (numeric && !literal.number) {
        c.error(op.value, what + " compares numbers; '" + literal.text + "' is not a number");
        break;
      }
      if (op.op == CompareOp::kContains && literal.text.empty()) {
        c.error(op.value, what + " needs non-empty text");
        break;
      }
      if (op.op == CompareOp::kRegex &&
          !check_regex(c, op.value, literal.text, p.case_insensitive, what)) {
        break;
      }
      p.values.push_back(std::move(literal));
      break;
    }
  }
  if (c.diags.size() != before) return std::nullopt;
  return p;
}

void read_finders(Ctx& c, const YAML::Node& node, std::vector<Finder>& out) {
  static const std::vector<std::pair<std::string_view, Finder>> kFinders{
      {"email", Finder::kEmail},       {"phone", Finder::kPhone},
      {"card", Finder::kCard},         {"iban", Finder::kIban},
      {"ssn", Finder::kSsn},           {"ip_address", Finder::kIpAddress},
      {"secrets", Finder::kSecret},    {"prompt_injection", Finder::kPromptInjection}};
  if (!node.IsDefined()) return;
  auto items = scalar_items(c, node, "scan.find");
  if (!items) return;
  auto add = [&](Finder f) {
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  };
  for (const auto& item : *items) {
    const std::string& name = item.Scalar();
    if (name == "pii") {
      for (Finder f : {Finder::kEmail, Finder::kPhone, Finder::kCard, Finder::kIban, Finder::kSsn,
                       Finder::kIpAddress}) {
        add(f);
      }
      continue;
    }
    auto it = std::find_if(kFinders.begin(), kFinders.end(),
                           [&](const auto& f) { return f.first == name; });
    if (it == kFinders.end()) {
      std::vector<std::string> names = names_of(kFinders);
      names.insert(names.begin(), "pii");
      report_unknown(c, item, "scan.find", "finder", name, names);
      continue;
    }
    add(it->second);
  }
}

void read_patterns(Ctx& c, const YAML::Node& node, std::vector<NamedPattern>& out) {
  if (!node.IsDefined()) return;
  if (!node.IsSequence()) {
    c.error(node, "scan.patterns must be a list of {name: ..., regex: ...}");
    return;
  }
  std::set<std::string> seen;
  for (const auto& item : node) {
    MapReader r(item, c.file, c.diags, "scan pattern");
    if (!r.valid()) continue;
    auto name = r.string("name", true);
    auto regex = r.string("regex", true);
    r.finish();
    if (!name || !regex) continue;
    const YAML::Node& map = item;
    if (!valid_pattern_name(*name)) {
      c.error(map["name"], "scan pattern name '" + *name +
                               "' must be lowercase letters, digits and '_' (it is reported in "
                               "observed values)");
      continue;
    }
    if (!seen.insert(*name).second) {
      c.error(map["name"], "scan pattern name '" + *name + "' is used twice in this scan");
      continue;
    }
    if (!check_regex(c, map["regex"], *regex, false, "scan pattern '" + *name + "'")) continue;
    out.push_back({*name, *regex});
  }
}

// {scan: {in, find, words, patterns, allow, min_matches}}
std::optional<Predicate> read_scan(Ctx& c, const YAML::Node& node) {
  const std::size_t before = c.diags.size();
  Predicate p;
  p.kind = Predicate::Kind::kScan;
  p.line = line_of(node);
  MapReader outer(node, c.file, c.diags, "condition");
  YAML::Node body = outer.node("scan", true);
  outer.finish();
  if (!body.IsDefined()) return std::nullopt;
  MapReader r(body, c.file, c.diags, "scan");
  if (!r.valid()) return std::nullopt;
  static const std::vector<std::pair<std::string_view, ScanTarget>> kTargets{
      {"input", ScanTarget::kInput},
      {"output", ScanTarget::kOutput},
      {"tool_arguments", ScanTarget::kToolArguments},
      {"tool_result", ScanTarget::kToolResult},
      {"documents", ScanTarget::kDocuments},
      {"attributes", ScanTarget::kAttributes}};
  ScanSpec& s = p.scan;
  read_enum_list(c, r.node("in"), kTargets, "scan.in", "target", s.targets);
  read_finders(c, r.node("find"), s.finders);
  YAML::Node words_node = r.node("words");
  if (auto words = r.strings("words")) {
    for (const auto& word : *words) {
      if (word.empty()) {
        c.error(words_node, "scan.words must not contain empty words");
        continue;
      }
      if (!valid_utf8(word)) {
        c.error(words_node, "scan.words: a word is not valid UTF-8; save the file as UTF-8");
        continue;
      }
      s.words.push_back(word);
    }
  }
  read_patterns(c, r.node("patterns"), s.patterns);
  YAML::Node allow_node = r.node("allow");
  if (auto allow = r.strings("allow")) {
    for (const auto& entry : *allow) {
      if (entry.empty()) {
        c.error(allow_node, "scan.allow must not contain empty entries");
        continue;
      }
      s.allow.push_back(entry);
    }
  }
  if (auto v = read_count(r, "min_matches", false)) s.min_matches = *v;
  r.finish();
  if (c.diags.size() != before) return std::nullopt;
  if (s.finders.empty() && s.words.empty() && s.patterns.empty()) {
    c.error(body, "scan needs at least one of find, words or patterns");
    return std::nullopt;
  }
  return p;
}

// {all: [...]}, {any: [...]}, {not: {...}}
std::optional<Predicate> read_combination(Ctx& c, const YAML::Node& node, const std::string& form,
                                          int depth) {
  const std::size_t before = c.diags.size();
  Predicate p;
  p.line = line_of(node);
  MapReader r(node, c.file, c.diags, "condition");
  YAML::Node body = r.node(form, true);
  r.finish();
  if (!body.IsDefined()) return std::nullopt;
  if (form == "not") {
    p.kind = Predicate::Kind::kNot;
    if (body.IsSequence()) {
      c.error(body, "not takes one condition, not a list; write {not: {any: [...]}}");
      return std::nullopt;
    }
    if (auto child = read_predicate(c, body, "not", depth + 1)) {
      p.children.push_back(std::move(*child));
    }
  } else {
    p.kind = form == "all" ? Predicate::Kind::kAll : Predicate::Kind::kAny;
    if (!body.IsSequence()) {
      c.error(body, form + " takes a list of conditions");
      return std::nullopt;
    }
    for (const auto& item : body) {
      if (auto child = read_predicate(c, item, "each item of " + form, depth + 1)) {
        p.children.push_back(std::move(*child));
      }
    }
  }
  if (c.diags.size() != before) return std::nullopt;
  return p;
}

std::optional<Predicate> read_predicate(Ctx& c, const YAML::Node& node, const std::string& what,
                                        int depth) {
  if (--c.conditions_left < 0) {
    if (c.conditions_left == -1) {
      c.error(node, "more than " + std::to_string(kMaxConditions) +
                        " conditions in one detector (YAML aliases repeat what they name); "
                        "split it into several detectors");
    }
    return std::nullopt;
  }
  if (depth > kMaxPredicateDepth) {
    if (!c.too_deep_reported) {
      c.error(node, "conditions are nested more than " + std::to_string(kMaxPredicateDepth) +
                        " levels deep; flatten them (all and any take lists)");
      c.too_deep_reported = true;
    }
    return std::nullopt;
  }
  if (!node.IsMap()) {
    c.error(node, what + " must be a condition mapping; " + std::string(kForms));
    return std::nullopt;
  }
  static const std::vector<std::string> kFormKeys{"all", "any", "not", "field", "scan"};
  std::vector<std::pair<std::string, YAML::Node>> forms;
  for (const auto& entry : node) {
    const std::string& key = entry.first.Scalar();
    if (std::find(kFormKeys.begin(), kFormKeys.end(), key) != kFormKeys.end()) {
      forms.emplace_back(key, entry.first);
    }
  }
  if (forms.empty()) {
    bool suggested = false;
    for (const auto& entry : node) {
      const std::string& key = entry.first.Scalar();
      std::string guess = core::closest_match(key, kFormKeys);
      if (guess.empty()) continue;
      c.error(entry.first, "unknown key '" + key + "' in condition; did you mean '" + guess +
                               "'?");
      suggested = true;
    }
    if (!suggested) c.error(node, what + " is not a condition: " + std::string(kForms));
    return std::nullopt;
  }
  if (forms.size() > 1) {
    c.error(forms[1].second, "a condition has exactly one form, but this one has both '" +
                                 forms[0].first + "' and '" + forms[1].first +
                                 "'; nest them, e.g. {all: [{field: ...}, {any: [...]}]}");
    return std::nullopt;
  }
  const std::string& form = forms[0].first;
  if (form == "field") return read_compare(c, node);
  if (form == "scan") return read_scan(c, node);
  return read_combination(c, node, form, depth);
}

// The `of` / `missing` predicate of a stateful condition.
std::optional<Predicate> read_sub_predicate(Ctx& c, MapReader& r, const std::string& section,
                                            const std::string& key) {
  YAML::Node node = r.node(key, true);
  if (!node.IsDefined()) return std::nullopt;
  return read_predicate(c, node, section + "." + key, 1);
}

void read_scope(Ctx& c, MapReader& parent, Scope& s) {
  YAML::Node node = parent.node("scope");
  if (!node.IsDefined()) return;
  MapReader r(node, c.file, c.diags, "scope");
  if (!r.valid()) return;
  YAML::Node workflows_node = r.node("workflows");
  if (auto workflows = r.strings("workflows")) {
    for (const auto& id : *workflows) {
      if (id.empty()) {
        c.error(workflows_node, "scope.workflows must not contain empty ids");
        continue;
      }
      if (std::find(s.workflows.begin(), s.workflows.end(), id) == s.workflows.end()) {
        s.workflows.push_back(id);
      }
    }
  }
  read_enum_list(c, r.node("customer_exposure"), model::CustomerExposure_names(),
                 "scope.customer_exposure", "value", s.customer_exposure);
  read_enum_list(c, r.node("data_sensitivity"), model::DataSensitivity_names(),
                 "scope.data_sensitivity", "value", s.data_sensitivity);
  read_enum_list(c, r.node("autonomy"), model::Autonomy_names(), "scope.autonomy", "value",
                 s.autonomy);
  if (auto v = r.integer("min_risk_tier", 1, 4)) s.min_risk_tier = static_cast<int>(*v);
  if (auto v = r.boolean("unregistered")) s.unregistered = *v;
  r.finish();
}

Stateful read_duplicate(Ctx& c, const YAML::Node& node) {
  MapReader r(node, c.file, c.diags, "duplicate");
  DuplicateSpec spec;
  YAML::Node key = r.node("key", true);
  if (key.IsDefined()) {
    if (auto fields = read_fields(c, key, "duplicate.key")) {
      if (fields->empty()) c.error(key, "duplicate.key needs at least one field");
      spec.key = std::move(*fields);
    }
  }
  if (auto v = read_duration(c, r, "duplicate", "within", true)) spec.within = *v;
  r.finish();
  return spec;
}

Stateful read_rate(Ctx& c, const YAML::Node& node) {
  MapReader r(node, c.file, c.diags, "rate");
  RateSpec spec;
  if (auto v = read_count(r, "at_least", true)) spec.at_least = *v;
  if (auto v = read_duration(c, r, "rate", "within", true)) spec.within = *v;
  r.finish();
  return spec;
}

Stateful read_ratio(Ctx& c, const YAML::Node& node) {
  MapReader r(node, c.file, c.diags, "ratio");
  RatioSpec spec;
  if (auto v = read_sub_predicate(c, r, "ratio", "of")) spec.of = std::move(*v);
  if (auto v = r.number("above", 0, 1, true)) {
    if (*v <= 0 || *v >= 1) {
      const YAML::Node& map = node;
      c.error(map["above"],
              "ratio.above must be a fraction strictly between 0 and 1 (0.2 means 20%)");
    }
    spec.above = *v;
  }
  if (auto v = read_count(r, "min_count", false)) spec.min_count = *v;
  if (auto v = read_duration(c, r, "ratio", "within", true)) spec.within = *v;
  r.finish();
  return spec;
}

Stateful read_drift(Ctx& c, const YAML::Node& node) {
  MapReader r(node, c.file, c.diags, "drift");
  DriftSpec spec;
  YAML::Node version = r.node("version", true);
  if (version.IsDefined()) {
    if (auto field = read_field(c, version, "drift.version")) spec.version = std::move(*field);
  }
  if (auto v = read_sub_predicate(c, r, "drift", "of")) spec.of = std::move(*v);
  if (auto v = r.number("factor", 1, 1e6)) {
    if (*v <= 1) {
      const YAML::Node& map = node;
      c.error(map["factor"], "drift.factor must be greater than 1 (2 means twice as often)");
    }
    spec.factor = *v;
  }
  if (auto v = read_count(r, "min_count", false)) spec.min_count = *v;
  if (auto v = read_duration(c, r, "drift", "within", false, /*allow_zero=*/true)) {
    spec.within = *v;
  }
  r.finish();
  return spec;
}

Stateful read_near_miss(Ctx& c, const YAML::Node& node) {
  MapReader r(node, c.file, c.diags, "near_miss");
  NearMissSpec spec;
  if (auto v = read_count(r, "at_least", true)) spec.at_least = *v;
  if (auto v = read_duration(c, r, "near_miss", "within", true)) spec.within = *v;
  if (auto v = r.boolean("count_edits")) spec.count_edits = *v;
  r.finish();
  return spec;
}

Stateful read_absence(Ctx& c, const YAML::Node& node) {
  MapReader r(node, c.file, c.diags, "absence");
  AbsenceSpec spec;
  if (auto v = read_sub_predicate(c, r, "absence", "missing")) spec.missing = std::move(*v);
  if (auto v = read_duration(c, r, "absence", "grace", false)) spec.grace = *v;
  r.finish();
  return spec;
}

void read_stateful(Ctx& c, MapReader& parent, Stateful& out) {
  using ReadFn = Stateful (*)(Ctx&, const YAML::Node&);
  static const std::vector<std::pair<std::string, ReadFn>> kKinds{
      {"duplicate", read_duplicate}, {"rate", read_rate},           {"ratio", read_ratio},
      {"drift", read_drift},         {"near_miss", read_near_miss}, {"absence", read_absence}};
  std::vector<std::pair<const std::pair<std::string, ReadFn>*, YAML::Node>> present;
  for (const auto& kind : kKinds) {
    YAML::Node node = parent.node(kind.first);
    if (node.IsDefined()) present.emplace_back(&kind, node);
  }
  if (present.empty()) return;
  if (present.size() > 1) {
    std::string names;
    for (std::size_t i = 0; i < present.size(); ++i) {
      if (i > 0) names += i + 1 == present.size() ? " and " : ", ";
      names += "'" + present[i].first->first + "'";
    }
    c.error(present[1].second,
            "detector has " + std::string(present.size() == 2 ? "both " : "") + names +
                "; a detector has at most one stateful condition, split it into separate "
                "detectors");
    return;
  }
  out = present[0].first->second(c, present[0].second);
}

// incident: {group_window: 2h, reopen_cooldown: 7d}. Zero is refused rather than read as "the
// default": a rule author who writes 0 means something, and no grouping at all is not on offer.
void read_incident(Ctx& c, MapReader& parent, Detector& d) {
  YAML::Node node = parent.node("incident");
  if (!node.IsDefined()) return;
  MapReader r(node, c.file, c.diags, "incident");
  if (!r.valid()) return;
  if (auto v = read_duration(c, r, "incident", "group_window", false)) d.group_window = *v;
  if (auto v = read_duration(c, r, "incident", "reopen_cooldown", false)) d.reopen_cooldown = *v;
  r.finish();
}

void read_owasp(Ctx& c, MapReader& r, Detector& d, bool category_known) {
  auto text = r.string("owasp");
  if (!text) {
    if (category_known) d.owasp = std::string(model::default_owasp_id(d.category));
    return;
  }
  if (*text == "none") {
    d.owasp.clear();
    return;
  }
  if (!model::valid_owasp_id(*text)) {
    const YAML::Node& map = r.self();
    c.error(map["owasp"], "owasp: '" + *text +
                              "' is not an OWASP Top 10 for LLM Applications 2025 id; use "
                              "LLM01:2025 .. LLM10:2025, or none");
    return;
  }
  d.owasp = text->find(':') == std::string::npos ? *text + ":2025" : *text;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 18) return std::nullopt;  // 18 digits cannot overflow int64
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc() || ptr != text.data() + digits) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  std::int64_t scale = 0;
  if (unit == "ms") {
    scale = core::kNanosPerMilli;
  } else if (unit == "s") {
    scale = core::kNanosPerSecond;
  } else if (unit == "m") {
    scale = 60 * core::kNanosPerSecond;
  } else if (unit == "h") {
    scale = 3600 * core::kNanosPerSecond;
  } else if (unit == "d") {
    scale = 86400 * core::kNanosPerSecond;
  } else {
    return std::nullopt;
  }
  if (value <= 0 || value > kMaxDuration / scale) return std::nullopt;
  return value * scale;
}

std::optional<Detector> read_detector(const YAML::Node& node, const std::string& file,
                                      core::Diagnostics& diags) {
  const std::size_t before = diags.size();
  Ctx c{file, diags};
  MapReader r(node, file, diags, "detector");
  if (!r.valid()) return std::nullopt;
  Detector d;
  d.source_file = file;
  d.source_line = line_of(node);

  if (auto id = r.string("id", true)) {
    if (!valid_detector_id(*id)) {
      c.error(r.node("id"), "detector id '" + *id +
                                "' must be lowercase letters, digits, '.', '_' and '-', starting "
                                "with a letter or digit (at most 64 characters)");
    }
    d.id = *id;
  }
  if (auto v = r.string("description", true)) d.description = *v;
  auto category = r.choice("category", model::category_names(), true);
  if (category) d.category = *category;
  read_owasp(c, r, d, category.has_value());
  if (auto v = r.choice("impact", model::impact_names())) d.impact = *v;
  d.classification = r.choice("classification", model::classification_names());
  read_incident(c, r, d);
  if (auto v = r.boolean("enabled")) d.enabled = *v;
  read_scope(c, r, d.scope);
  YAML::Node group_by = r.node("group_by");
  if (group_by.IsDefined()) {
    if (auto fields = read_fields(c, group_by, "group_by")) d.group_by = std::move(*fields);
  }
  YAML::Node match = r.node("match");
  if (match.IsDefined()) {
    if (auto p = read_predicate(c, match, "match", 1)) d.match = std::move(*p);
  }
  read_stateful(c, r, d.stateful);
  r.finish();

  if (diags.size() != before) return std::nullopt;
  return d;
}

std::vector<Detector> read_detector_file(const std::string& path, core::Diagnostics& diags) {
  std::vector<Detector> out;
  auto root = core::load_yaml_file(path, diags);
  if (!root) return out;
  if (root->IsNull()) return out;  // an empty file defines nothing
  const YAML::Node& map = *root;
  if (map.IsMap() && map["detectors"].IsDefined()) {
    MapReader file_reader(map, path, diags, "detectors file");
    YAML::Node list = file_reader.node("detectors");
    file_reader.finish();
    if (!list.IsSequence()) {
      report(diags, path, list.IsDefined() ? list : map,
             "detectors must be a list of detector mappings");
      return out;
    }
    for (const auto& item : list) {
      if (auto d = read_detector(item, path, diags)) out.push_back(std::move(*d));
    }
    return out;
  }
  if (auto d = read_detector(map, path, diags)) out.push_back(std::move(*d));
  return out;
}

void check_detector_set(std::vector<Detector>& detectors,
                        const std::vector<model::Workflow>& workflows, core::Diagnostics& diags) {
  std::vector<std::string> workflow_ids;
  for (const auto& w : workflows) workflow_ids.push_back(w.id);
  std::map<std::string, const Detector*> by_id;
  for (const auto& d : detectors) {
    auto [it, inserted] = by_id.emplace(d.id, &d);
    if (!inserted) {
      diags.add(d.source_file, d.source_line, 1,
                "duplicate detector id '" + d.id + "' (first defined at " +
                    it->second->source_file + ":" + std::to_string(it->second->source_line) +
                    "); ids must be unique across detector files");
    }
    for (const auto& id : d.scope.workflows) {
      if (std::find(workflow_ids.begin(), workflow_ids.end(), id) != workflow_ids.end()) continue;
      std::string message = "detector '" + d.id + "': scope.workflows names '" + id +
                            "', which is not a workflow in workflows/";
      std::string guess = core::closest_match(id, workflow_ids);
      if (!guess.empty()) {
        message += "; did you mean '" + guess + "'?";
      } else if (!workflow_ids.empty()) {
        message += " (known: " + join_names(workflow_ids) + ")";
      }
      diags.add(d.source_file, d.source_line, 1, message);
    }
  }
  std::stable_sort(detectors.begin(), detectors.end(),
                   [](const Detector& a, const Detector& b) { return a.id < b.id; });
}

}  // namespace aiir::detect
