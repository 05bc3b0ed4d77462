#pragma once
// Content scanners: personal data, secrets, prompt-injection markers and user word or pattern
// lists, over a span's input, output, tool arguments and results, retrieved documents and
// attributes.
//
// All scan conditions of a detector set are compiled into one ContentScanner, so each text of a
// span is scanned once whatever the number of detectors: one pass of the sensitive-data finder
// (scan/sensitive_data.h: validated e-mail, phone, card with Luhn, IBAN with mod 97, SSN, IPv4,
// secrets) when any condition uses a built-in finder, and one RE2::Set pass over the union of
// every marker, word and user pattern. Only patterns the set reports are then run on their own
// to count matches. Everything is RE2: linear time on hostile input.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "detect/detector.h"
#include "model/ai_span.h"

namespace aiir::detect {

// The outcome of one scan condition on one span.
struct ScanResult {
  int matches = 0;  // over all its targets, after the allow list
  // Matches per finder or pattern name: "email", "card", "secret", "prompt_injection",
  // "word" (all words together), or a user pattern's name. Only names with matches, sorted.
  std::vector<std::pair<std::string, int>> by_name;
  bool holds = false;  // matches >= min_matches
};

class ContentScanner {
 public:
  // Compiles `specs` (index i is the condition's id for result()). A user pattern that does not
  // compile, or is too large, gives kInvalidArgument naming the pattern and RE2's reason.
  static core::Result<std::shared_ptr<const ContentScanner>> compile(std::vector<ScanSpec> specs);

  ~ContentScanner();
  std::size_t size() const;  // number of specs

  // Scans one span lazily: a target's texts are scanned (for every spec at once) the first time
  // a spec that looks at that target asks. One per span evaluation; not thread-safe itself, but
  // any number may run at once over one shared ContentScanner.
  class SpanScan {
   public:
    SpanScan(const ContentScanner& scanner, const model::AiSpan& span);
    ~SpanScan();
    SpanScan(const SpanScan&) = delete;
    SpanScan& operator=(const SpanScan&) = delete;
    const ScanResult& result(int spec);

   private:
    struct State;
    std::unique_ptr<State> state_;
  };

  struct Compiled;  // defined in content_scanner.cpp

 private:
  explicit ContentScanner(std::unique_ptr<Compiled> compiled);
  std::unique_ptr<Compiled> compiled_;
};

// The texts of `span` a target covers, in order: for kInput each input message's content and its
// tool calls' arguments; kOutput likewise for output messages; kToolArguments / kToolResult the
// tool call's; kDocuments each document's content; kAttributes the string values of attributes
// no mapping claimed (decoded from their JSON text).
std::vector<std::string> texts_of(const model::AiSpan& span, ScanTarget target);

}  // namespace aiir::detect
