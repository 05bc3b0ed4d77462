// Hostile bytes as the body of POST /v1/signals and as an Alertmanager webhook payload: both
// readers must refuse with an error, never crash or throw. What they accept must be a signal the
// rest of aiir can store: a detector and a fingerprint, and a JSON form (model::to_json, as the
// API and the store write it) that reads back (model::signal_from_json) to the same signal.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/clock.h"
#include "detect/external_signal.h"
#include "model/signal.h"

namespace {

using namespace aiir;
namespace json = boost::json;

constexpr core::UnixNanos kNow = 1'795'428'000 * core::kNanosPerSecond + 123'456'789;

[[noreturn]] void fail(const char* what, std::string_view input, const model::Signal& s,
                       const std::string& detail = "") {
  std::fprintf(stderr,
               "%s %s\ndetector: [%s]\nworkflow: [%s]\nfingerprint: [%s]\nsummary: [%s]\n"
               "input: [%.*s]\n",
               what, detail.c_str(), s.detector.c_str(), s.workflow.c_str(),
               s.fingerprint.c_str(), s.summary.c_str(), static_cast<int>(input.size()),
               input.data());
  std::abort();
}

void check_same(const char* how, std::string_view input, const model::Signal& s,
                const model::Signal& back) {
  const char* what = nullptr;
  if (back.detector != s.detector) what = "detector";
  else if (back.workflow != s.workflow) what = "workflow";
  else if (back.fingerprint != s.fingerprint) what = "fingerprint";
  else if (back.summary != s.summary) what = "summary";
  else if (back.source != s.source) what = "source";
  else if (back.category != s.category) what = "category";
  else if (back.impact != s.impact) what = "impact";
  else if (back.owasp != s.owasp) what = "owasp";
  else if (back.resolved != s.resolved) what = "resolved";
  else if (back.event_time != s.event_time) what = "event_time";
  else if (back.detected_at != s.detected_at) what = "detected_at";
  else if (back.trace_id != s.trace_id || back.span_id != s.span_id) what = "trace/span id";
  else if (back.observed != s.observed) what = "observed";
  if (what != nullptr) {
    fail("signal does not round-trip through JSON:", input, s,
         std::string(how) + " changes " + what);
  }
}

void check(const model::Signal& s, std::string_view input) {
  if (s.detector.empty()) fail("accepted signal has an empty detector", input, s);
  if (s.fingerprint.empty()) fail("accepted signal has an empty fingerprint", input, s);
  if (s.fingerprint != model::signal_fingerprint(s.detector, s.workflow, s.group)) {
    fail("fingerprint is not that of (detector, workflow, group)", input, s);
  }
  const json::object object = model::to_json(s);
  check_same("to_json/signal_from_json", input, s, model::signal_from_json(object));
  // And through text, as the API sends it and the store keeps it.
  const std::string text = json::serialize(object);
  boost::system::error_code ec;
  json::value reparsed = json::parse(text, ec);
  if (ec || !reparsed.is_object()) fail("to_json output does not parse", input, s, ec.message());
  check_same("serialize/parse", input, s, model::signal_from_json(reparsed.as_object()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto report = detect::signal_from_report(body, "zendesk", kNow); report.ok()) {
    check(*report, body);
  }
  if (auto report = detect::signal_from_report(body, "", kNow); report.ok()) {
    check(*report, body);
  }
  if (auto alerts = detect::signals_from_alertmanager(body, kNow); alerts.ok()) {
    for (const model::Signal& s : *alerts) check(s, body);
  }
  return 0;
}
