#pragma once
// One span as detector conditions read it: field values on demand, with the parsing that several
// detectors would otherwise repeat (tool arguments and result as JSON, attribute values, content
// scans) done at most once per span.

#include <boost/json.hpp>

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/content_scanner.h"
#include "detect/field.h"
#include "model/ai_span.h"

namespace aiir::detect {

// One value of a field. `text` is always set (numbers and booleans as they read); `number` and
// `boolean` when the value is one. Views stay valid while the SpanView lives.
struct FieldValue {
  std::string_view text;
  std::optional<double> number;
  std::optional<bool> boolean;
};

class SpanView {
 public:
  // `scanner` may be null when no detector scans content.
  SpanView(const model::AiSpan& span, const ContentScanner* scanner);
  SpanView(const SpanView&) = delete;
  SpanView& operator=(const SpanView&) = delete;

  const model::AiSpan& span() const { return span_; }

  // Replaces `out` with the values of `field` on this span (none when the span lacks it).
  void values(const FieldRef& field, std::vector<FieldValue>& out);
  // The first value's text, or "" (group-by keys, duplicate keys, drift versions).
  std::string first_text(const FieldRef& field);

  // The result of scan condition `spec` of the shared scanner.
  const ScanResult& scan(int spec);

  // A vector for field values that conditions reuse, so that judging a span by fifty detectors
  // does not allocate one per comparison.
  std::vector<FieldValue>& scratch() { return scratch_; }

 private:
  const boost::json::value* json_of(FieldId id);  // parsed tool arguments / result, or null
  void add_json(const boost::json::value& value, std::vector<FieldValue>& out, bool expand);
  std::string_view keep(std::string text);

  const model::AiSpan& span_;
  std::optional<ContentScanner::SpanScan> scan_;
  std::optional<std::optional<boost::json::value>> arguments_;  // outer: parsed yet?
  std::optional<std::optional<boost::json::value>> result_;
  std::deque<boost::json::value> attribute_values_;
  std::deque<std::string> texts_;  // storage for values that are not views into the span
  std::vector<FieldValue> scratch_;
};

}  // namespace aiir::detect
