#pragma once
// A simulated run of the support-refunds workflow, as its OpenTelemetry instrumentation would
// export it (OTLP/JSON, GenAI semantic conventions plus aiir.* business attributes): an agent
// retrieves policy articles, asks the model, looks up the order, gets a reviewer's approval and
// issues the refund. The demo sends it through the real ingest path.

#include <string>

#include "core/clock.h"

namespace aiir::cli {

// An ExportTraceServiceRequest body for `trace_id` (32 hex), steps starting at `start`.
std::string simulated_refund_trace(const std::string& trace_id, core::UnixNanos start);

// A retried run of the same conversation a minute later: the agent refunds the same order again,
// with no review, and reads the customer's card number back to them. Detectors catch both.
std::string simulated_repeated_refund(const std::string& trace_id, core::UnixNanos start);

}  // namespace aiir::cli
