// The decision engine alone (no HTTP): how long one decide() takes on a snapshot with a realistic
// set of controls — the floor under POST /v1/decide and the OFREP endpoints.
//
//   no controls:    a workflow with nothing in force (the common case on a quiet day)
//   five controls:  narrowed refund tool, blocked source, pinned prompt, staged lift of a
//                   force-review, stop-writes — on a tool call with arguments inside the limits
#include <memory>
#include <string>
#include <vector>

#include "bench_support.h"
#include "contain/decision.h"

namespace {

using namespace aiir;

constexpr int kRuns = 5;
constexpr int kDecisions = 500'000;
constexpr core::UnixNanos kNow = 1'790'000'000LL * core::kNanosPerSecond;
volatile std::size_t sink = 0;

model::Control control(std::string id, model::ControlKind kind) {
  model::Control c;
  c.id = std::move(id);
  c.workflow = "support-refunds";
  c.kind = kind;
  c.reason = "refunds issued twice";
  c.set_by = "on-call";
  c.set_at = kNow - core::kNanosPerSecond;
  return c;
}

contain::ControlSnapshot make_snapshot(bool with_controls) {
  model::Workflow w;
  w.id = "support-refunds";
  std::vector<model::Control> controls;
  if (with_controls) {
    model::Control narrow = control("ctl-1", model::ControlKind::kNarrowTool);
    narrow.tool = "issue_refund";
    narrow.limits = {{"amount", 100.0, {}}, {"segment", std::nullopt, {"smb", "consumer"}}};
    model::Control block = control("ctl-2", model::ControlKind::kBlockSource);
    block.source = "old-wiki";
    model::Control pin = control("ctl-3", model::ControlKind::kPinVersion);
    pin.part_kind = model::VersionedPartKind::kPrompt;
    pin.part_name = "refund-agent";
    pin.version = "v6";
    model::Control review = control("ctl-4", model::ControlKind::kForceReview);
    review.lift_percent = 50;
    model::Control writes = control("ctl-5", model::ControlKind::kStopWrites);
    controls = {narrow, block, pin, review, writes};
  }
  std::vector<model::Workflow> workflows{w};
  return contain::ControlSnapshot(1, std::move(controls), workflows);
}

double nanos_per_decision(const contain::ControlSnapshot& snapshot) {
  contain::DecideRequest request;
  request.workflow = "support-refunds";
  request.action = "tool:issue_refund";
  request.attributes["arguments"] = boost::json::object{{"amount", 42}, {"segment", "smb"}};
  request.user_id = "user-17";
  std::size_t reasons = 0;
  const auto begin = bench::Clock::now();
  for (int i = 0; i < kDecisions; ++i) {
    auto decision = contain::decide(snapshot, request, kNow);
    reasons += decision.ok() ? decision->reasons.size() : 0;
  }
  const double elapsed = bench::seconds_since(begin);
  sink = reasons;  // the decisions are used, so the loop cannot be optimized away
  return elapsed * 1e9 / kDecisions;
}

}  // namespace

int main() {
  bench::heading("decide() in process, no HTTP (" + bench::machine_summary() + ")");
  for (bool with_controls : {false, true}) {
    const contain::ControlSnapshot snapshot = make_snapshot(with_controls);
    std::vector<double> runs;
    for (int i = 0; i < kRuns; ++i) runs.push_back(nanos_per_decision(snapshot));
    bench::report(std::string(with_controls ? "five controls" : "no controls") +
                      ", one decision (median of " + std::to_string(kRuns) + " x " +
                      std::to_string(kDecisions) + ")",
                  bench::median(runs), "ns");
  }
  return 0;
}
