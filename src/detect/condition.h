#pragma once
// A detector predicate compiled for evaluation: regexes built once, literals lower-cased once for
// case-insensitive comparisons, scan conditions handed to the set's shared ContentScanner (so
// that all detectors' patterns run in one pass per text) and referred to by index.

#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "detect/detector.h"
#include "detect/span_view.h"

namespace aiir::detect {

class Condition {
 public:
  Condition() = default;  // holds for every span (an empty `all`)

  // Compiles `predicate`; every scan condition in it is appended to `scans` and remembered by
  // its index there. kInvalidArgument when a regex does not compile (the loader has checked them,
  // so this only happens for definitions built in code).
  static core::Result<Condition> compile(const Predicate& predicate, std::vector<ScanSpec>& scans);

  bool holds(SpanView& span) const;

  // The span kinds this condition can hold for, when a top-level `kind` equals/in says so
  // (bit i set for SpanKind i); all bits otherwise. Lets the engine skip detectors by kind.
  unsigned kind_mask() const;
  // Likewise the tool names, when a top-level `tool.name` equals/in says so; empty otherwise.
  std::vector<std::string> tool_names() const;

  // Scan indexes used, in order, for observed values.
  const std::vector<int>& scans() const { return scans_used_; }
  // Fields compared, each once, in order: their values on a matching span are what a responder
  // wants to see in the signal.
  const std::vector<FieldRef>& fields() const { return fields_used_; }

 private:
  struct Node {
    Predicate::Kind kind = Predicate::Kind::kAll;
    std::vector<Node> children;
    FieldRef field;
    CompareOp op = CompareOp::kEquals;
    std::vector<Literal> values;  // lower-cased text when case_insensitive
    bool exists = true;
    bool case_insensitive = false;
    std::shared_ptr<const RE2> regex;
    int scan = -1;
  };
  core::Result<Node> compile_node(const Predicate& predicate, std::vector<ScanSpec>& scans);
  static bool eval(const Node& node, SpanView& span, std::vector<FieldValue>& scratch);
  static bool compare(const Node& node, const std::vector<FieldValue>& values);

  Node root_;
  std::vector<int> scans_used_;
  std::vector<FieldRef> fields_used_;
};

}  // namespace aiir::detect
