#pragma once
// Building detectors from YAML (the way users write them) and spans for detection tests.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/yaml_reader.h"
#include "detect/detector_loader.h"
#include "model/ai_span.h"
#include "model/workflow.h"

namespace aiir::detect::testing {

constexpr core::UnixNanos kSecond = core::kNanosPerSecond;
constexpr core::UnixNanos kMinute = 60 * kSecond;
// 2026-11-23T10:00:00Z
constexpr core::UnixNanos kT0 = 1'795'428'000 * kSecond;

inline Detector detector_from_yaml(const std::string& yaml) {
  core::Diagnostics diags;
  auto node = core::load_yaml_text(yaml, "test.yaml", diags);
  EXPECT_TRUE(node.has_value()) << diags.to_string();
  if (!node) return {};
  auto detector = read_detector(*node, "test.yaml", diags);
  EXPECT_TRUE(detector.has_value() && diags.empty()) << diags.to_string();
  return detector.value_or(Detector{});
}

inline model::Workflow workflow(const std::string& id,
                                model::CustomerExposure exposure = model::CustomerExposure::kExternal) {
  model::Workflow w;
  w.id = id;
  w.name = id;
  w.risk.customer_exposure = exposure;
  return w;
}

// A tool call span of workflow `wf` in trace `trace` (a short tag made into a valid id).
inline model::AiSpan tool_span(const std::string& wf, const std::string& trace, int span,
                               core::UnixNanos start, const std::string& tool,
                               const std::string& arguments) {
  model::AiSpan s;
  std::string t = trace;
  t.resize(32, '0');
  s.trace_id = t;
  char id[17];
  std::snprintf(id, sizeof id, "%016x", span + 1);
  s.span_id = id;
  s.name = "execute_tool " + tool;
  s.kind = model::SpanKind::kTool;
  s.start_time = start;
  s.end_time = start + 50 * core::kNanosPerMilli;
  s.workflow = wf;
  s.registered = true;
  s.tool_name = tool;
  s.tool_arguments = arguments;
  s.account_id = "acct-1";
  s.user_id = "user-1";
  return s;
}

inline model::AiSpan llm_span(const std::string& wf, const std::string& trace, int span,
                              core::UnixNanos start, const std::string& output) {
  model::AiSpan s = tool_span(wf, trace, span, start, "", "");
  s.name = "chat";
  s.kind = model::SpanKind::kLlm;
  s.tool_name.clear();
  s.output_messages.push_back({"assistant", output, {}});
  return s;
}

}  // namespace aiir::detect::testing
