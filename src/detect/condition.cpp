#include "detect/condition.h"

#include <algorithm>

namespace aiir::detect {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool equal_ignoring_case(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower_b[i]) return false;
  }
  return true;
}

bool contains_ignoring_case(std::string_view haystack, std::string_view lower_needle) {
  if (lower_needle.empty()) return true;
  const auto it = std::search(haystack.begin(), haystack.end(), lower_needle.begin(),
                              lower_needle.end(),
                              [](char h, char n) { return lower(h) == n; });
  return it != haystack.end();
}

bool literal_equals(const FieldValue& value, const Literal& literal, bool case_insensitive) {
  if (value.number && literal.number) return *value.number == *literal.number;
  if (value.boolean && literal.boolean) return *value.boolean == *literal.boolean;
  return case_insensitive ? equal_ignoring_case(value.text, literal.text)
                          : value.text == literal.text;
}

}  // namespace

core::Result<Condition> Condition::compile(const Predicate& predicate,
                                           std::vector<ScanSpec>& scans) {
  Condition condition;
  auto root = condition.compile_node(predicate, scans);
  if (!root.ok()) return root.error();
  condition.root_ = std::move(*root);
  return condition;
}

core::Result<Condition::Node> Condition::compile_node(const Predicate& p,
                                                      std::vector<ScanSpec>& scans) {
  Node node;
  node.kind = p.kind;
  for (const auto& child : p.children) {
    auto compiled = compile_node(child, scans);
    if (!compiled.ok()) return compiled.error();
    node.children.push_back(std::move(*compiled));
  }
  switch (p.kind) {
    case Predicate::Kind::kAll:
    case Predicate::Kind::kAny:
      break;
    case Predicate::Kind::kNot:
      if (node.children.size() != 1) {
        return core::invalid("`not` takes exactly one condition");
      }
      break;
    case Predicate::Kind::kScan:
      node.scan = static_cast<int>(scans.size());
      scans.push_back(p.scan);
      scans_used_.push_back(node.scan);
      break;
    case Predicate::Kind::kCompare:
      node.field = p.field;
      if (std::none_of(fields_used_.begin(), fields_used_.end(),
                       [&](const FieldRef& f) { return f.name == p.field.name; })) {
        fields_used_.push_back(p.field);
      }
      node.op = p.op;
      node.values = p.values;
      node.exists = p.exists;
      node.case_insensitive = p.case_insensitive;
      if (node.case_insensitive) {
        for (auto& literal : node.values) literal.text = lowered(literal.text);
      }
      if (p.op == CompareOp::kRegex) {
        if (p.values.size() != 1) return core::invalid("regex takes one pattern");
        RE2::Options options;
        options.set_log_errors(false);
        options.set_case_sensitive(!p.case_insensitive);
        options.set_max_mem(8 << 20);
        auto regex = std::make_shared<RE2>(p.values[0].text, options);
        if (!regex->ok()) {
          return core::invalid("regex '" + p.values[0].text + "': " + regex->error());
        }
        node.regex = std::move(regex);
      }
      break;
  }
  return node;
}

bool Condition::holds(SpanView& span) const { return eval(root_, span, span.scratch()); }

bool Condition::eval(const Node& node, SpanView& span, std::vector<FieldValue>& scratch) {
  switch (node.kind) {
    case Predicate::Kind::kAll:
      for (const auto& child : node.children) {
        if (!eval(child, span, scratch)) return false;
      }
      return true;
    case Predicate::Kind::kAny:
      for (const auto& child : node.children) {
        if (eval(child, span, scratch)) return true;
      }
      return false;
    case Predicate::Kind::kNot:
      return !eval(node.children.front(), span, scratch);
    case Predicate::Kind::kScan:
      return span.scan(node.scan).holds;
    case Predicate::Kind::kCompare:
      span.values(node.field, scratch);
      return compare(node, scratch);
  }
  return false;
}

bool Condition::compare(const Node& node, const std::vector<FieldValue>& values) {
  if (node.op == CompareOp::kExists) return values.empty() != node.exists;
  for (const FieldValue& value : values) {
    switch (node.op) {
      case CompareOp::kEquals:
      case CompareOp::kIn:
        for (const Literal& literal : node.values) {
          if (literal_equals(value, literal, node.case_insensitive)) return true;
        }
        break;
      case CompareOp::kGt:
      case CompareOp::kGte:
      case CompareOp::kLt:
      case CompareOp::kLte: {
        if (!value.number || node.values.empty() || !node.values[0].number) break;
        const double a = *value.number, b = *node.values[0].number;
        const bool ok = node.op == CompareOp::kGt    ? a > b
                        : node.op == CompareOp::kGte ? a >= b
                        : node.op == CompareOp::kLt  ? a < b
                                                     : a <= b;
        if (ok) return true;
        break;
      }
      case CompareOp::kContains:
        for (const Literal& literal : node.values) {
          if (node.case_insensitive ? contains_ignoring_case(value.text, literal.text)
                                    : value.text.find(literal.text) != std::string_view::npos) {
            return true;
          }
        }
        break;
      case CompareOp::kRegex:
        if (RE2::PartialMatch(value.text, *node.regex)) return true;
        break;
      case CompareOp::kExists:
        break;
    }
  }
  return false;
}

unsigned Condition::kind_mask() const {
  constexpr unsigned kAll = ~0u;
  const auto mask_of = [](const Node& n) -> unsigned {
    if (n.kind != Predicate::Kind::kCompare || n.field.id != FieldId::kKind ||
        (n.op != CompareOp::kEquals && n.op != CompareOp::kIn) || n.case_insensitive) {
      return kAll;
    }
    unsigned mask = 0;
    for (const Literal& literal : n.values) {
      if (auto kind = model::parse_span_kind(literal.text)) {
        mask |= 1u << static_cast<unsigned>(*kind);
      }
    }
    return mask;
  };
  if (root_.kind == Predicate::Kind::kCompare) return mask_of(root_);
  if (root_.kind != Predicate::Kind::kAll) return kAll;
  unsigned mask = kAll;
  for (const auto& child : root_.children) mask &= mask_of(child);
  return mask;
}

}  // namespace aiir::detect

namespace aiir::detect {

std::vector<std::string> Condition::tool_names() const {
  const auto names_of = [](const Node& n) -> std::optional<std::vector<std::string>> {
    if (n.kind != Predicate::Kind::kCompare || n.field.id != FieldId::kToolName ||
        !n.field.path.empty() || (n.op != CompareOp::kEquals && n.op != CompareOp::kIn) ||
        n.case_insensitive) {
      return std::nullopt;
    }
    std::vector<std::string> names;
    for (const Literal& literal : n.values) names.push_back(literal.text);
    return names;
  };
  if (auto names = names_of(root_)) return *names;
  if (root_.kind != Predicate::Kind::kAll) return {};
  for (const auto& child : root_.children) {
    if (auto names = names_of(child)) return *names;
  }
  return {};
}

}  // namespace aiir::detect
