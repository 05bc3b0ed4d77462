#pragma once
// A detector as written in detectors/*.yaml, after loading and validation (detector_loader.h):
// what it looks for, in which workflows, and how its signals are grouped. Compiling it for
// evaluation (regexes, scanner sets, window state) is the engine's job (engine.h).
//
//   id: duplicate-refund
//   description: The same order refunded twice within ten minutes
//   category: tool_misuse            # model::Category; owasp defaults from it
//   impact: high
//   scope: {workflows: [support-refunds]}
//   group_by: [account_id]
//   match:                           # which spans this detector looks at
//     all:
//       - {field: kind, equals: tool}
//       - {field: tool.name, equals: issue_refund}
//   duplicate: {key: [tool.arguments.order_id], within: 10m}   # optional stateful condition
//   classification: ai_incident      # optional; what an incident it opens starts as
//   incident: {group_window: 2h, reopen_cooldown: 7d}           # optional grouping settings

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "detect/field.h"
#include "model/incident.h"
#include "model/signal.h"
#include "model/workflow.h"

namespace aiir::detect {

using Duration = core::UnixNanos;  // nanoseconds

// A scalar written in a detector file. `text` is always set (YAML's text of the scalar);
// `number` when it reads as a finite number, `boolean` when it is true/false.
struct Literal {
  std::string text;
  std::optional<double> number;
  std::optional<bool> boolean;
};

enum class CompareOp { kEquals, kIn, kGt, kGte, kLt, kLte, kExists, kContains, kRegex };

// Where content scanners look.
enum class ScanTarget { kInput, kOutput, kToolArguments, kToolResult, kDocuments, kAttributes };

// Built-in finders a scan can use.
enum class Finder {
  kEmail, kPhone, kCard, kIban, kSsn, kIpAddress,  // personal data ("pii" selects all six)
  kSecret,                                          // provider API keys, private keys, JWTs
  kPromptInjection,                                 // instruction-override and jailbreak markers
};

struct NamedPattern {
  std::string name;     // reported in observed values: {"matches": {"<name>": 2}}
  std::string pattern;  // RE2 syntax, validated at load
};

struct ScanSpec {
  std::vector<ScanTarget> targets;  // empty = input, output, tool arguments/result, documents
  std::vector<Finder> finders;
  std::vector<std::string> words;        // whole words or phrases, case-insensitive
  std::vector<NamedPattern> patterns;    // user patterns (RE2)
  // Matched text to ignore: exact text, or a glob with `*` ("*@example.com"), case-insensitive.
  std::vector<std::string> allow;
  int min_matches = 1;  // matches needed (over all targets) for the scan to hold
};

struct Predicate {
  enum class Kind { kAll, kAny, kNot, kCompare, kScan };
  Kind kind = Kind::kAll;
  std::vector<Predicate> children;  // all / any: any number (all of none holds); not: exactly one

  // kCompare
  FieldRef field;
  CompareOp op = CompareOp::kEquals;
  std::vector<Literal> values;      // equals / contains / gt..lte / regex: one; in: one or more
  bool exists = true;               // kExists: true = must exist, false = must be absent
  bool case_insensitive = false;    // equals / in / contains / regex

  // kScan
  ScanSpec scan;

  int line = 0;  // where it was written, for messages
};

// Stateful conditions. At most one per detector; without one, every span that matches fires.
// Windows are over event time (span start), per group (the group-by values).

// Fires when a span's key values equal those of an earlier span within `within`.
struct DuplicateSpec {
  std::vector<FieldRef> key;
  Duration within = 0;
};
// Fires when at least `at_least` matching spans fall within `within`.
struct RateSpec {
  int at_least = 1;
  Duration within = 0;
};
// Of the matching spans within `within`, the fraction for which `of` holds exceeds `above`, once
// at least `min_count` spans are in the window.
struct RatioSpec {
  Predicate of;
  double above = 0;
  int min_count = 1;
  Duration within = 0;
};
// The fraction for which `of` holds under the newest value of `version` exceeds `factor` times
// that under the previous value, with at least `min_count` spans on both sides (within `within`
// of the newest span, 0 = no limit).
struct DriftSpec {
  FieldRef version;
  Predicate of;
  double factor = 2;
  int min_count = 1;
  Duration within = 0;
};
// Fires when `at_least` spans whose review decision is rejected (or edited, if `count_edits`)
// fall within `within`: the reviewers keep catching the same thing.
struct NearMissSpec {
  int at_least = 1;
  Duration within = 0;
  bool count_edits = false;
};
// Fires when a matching span has no span satisfying `missing` earlier in the same trace, once
// `grace` has passed (spans of one trace arrive in any order).
struct AbsenceSpec {
  Predicate missing;
  Duration grace = 30 * core::kNanosPerSecond;
};

using Stateful = std::variant<std::monostate, DuplicateSpec, RateSpec, RatioSpec, DriftSpec,
                              NearMissSpec, AbsenceSpec>;

// Which workflows a detector applies to. Every set condition must hold.
struct Scope {
  std::vector<std::string> workflows;  // ids; empty = any
  std::vector<model::CustomerExposure> customer_exposure;
  std::vector<model::DataSensitivity> data_sensitivity;
  std::vector<model::Autonomy> autonomy;
  std::optional<int> min_risk_tier;    // 1..4
  // Spans whose workflow is not in the inventory (or unknown) are only seen by detectors that
  // ask for them; risk-profile conditions never hold for them.
  bool unregistered = false;
};

struct Detector {
  std::string id;  // [a-z0-9][a-z0-9._-]*, unique across files
  std::string description;
  model::Category category = model::Category::kPolicyViolation;
  std::string owasp;  // "LLM06:2025"; defaults to model::default_owasp_id(category)
  model::Impact impact = model::Impact::kMedium;
  Scope scope;
  std::vector<FieldRef> group_by;
  Predicate match;   // all of none (always holds) when the file has no `match`
  Stateful stateful;
  // The classification an incident opened by this detector starts with; nullopt: by category
  // (incident::initial_classification).
  std::optional<model::Classification> classification;
  // Grouping of its signals into incidents (docs/detectors.md); 0 = the default (24 hours).
  core::UnixNanos group_window = 0;
  core::UnixNanos reopen_cooldown = 0;
  bool enabled = true;
  std::string source_file;
  int source_line = 0;
};

}  // namespace aiir::detect
