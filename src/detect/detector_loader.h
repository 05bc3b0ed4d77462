#pragma once
// Reading detectors/*.yaml into Detector values (detector.h), with every mistake reported as
// `file:line:column: message` and loading carried on, so that `aiir validate` lists them all.
//
// Two passes: read_detector_file() / read_detector() check one detector on its own (keys,
// fields, categories, durations, regexes compiled with RE2); check_detector_set() checks what
// needs all of them (unique ids, scope workflows in the inventory). The format is described in
// docs/detectors.md. Nothing here throws.

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "detect/detector.h"
#include "model/workflow.h"

namespace aiir::detect {

// How deep all/any/not may nest. Deeper files are refused with a located error rather than
// risking the reader's (or the evaluator's) stack on a hostile or generated file.
constexpr int kMaxPredicateDepth = 32;

// Reads one detectors file: either one detector mapping, or `detectors:` with a list of them.
// Returns the detectors that read without error; every error is in `diags`. An empty file
// defines nothing.
std::vector<Detector> read_detector_file(const std::string& path, core::Diagnostics& diags);

// Reads a detector from a YAML node; `file` names it in messages and in Detector::source_file.
// nullopt when it has errors, all of them reported.
std::optional<Detector> read_detector(const YAML::Node& node, const std::string& file,
                                      core::Diagnostics& diags);

// Checks across files: ids are unique (a repeat names the first definition) and every
// scope.workflows entry is a workflow of `workflows`. Then sorts `detectors` by id (stable).
void check_detector_set(std::vector<Detector>& detectors,
                        const std::vector<model::Workflow>& workflows, core::Diagnostics& diags);

// The longest window or grace: a year and a day. Longer would not describe a detection window,
// and keeps every time computed from one far from overflow.
constexpr Duration kMaxDuration = 366 * 86400 * core::kNanosPerSecond;

// Parses a duration: a whole number followed by ms, s, m, h or d ("500ms", "30s", "10m", "2h",
// "7d") into nanoseconds. nullopt when malformed, zero or longer than kMaxDuration.
std::optional<Duration> parse_duration(std::string_view text);

}  // namespace aiir::detect
