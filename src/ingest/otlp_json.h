// src/ingest/otlp_json.h
#pragma once
// OTLP/JSON (the protobuf JSON mapping of ExportTraceServiceRequest / ExportLogsServiceRequest)
// decoded with simdjson's On-Demand API into the wire-neutral types of otlp.h.
#include <string_view>
#include "core/result.h"
#include "ingest/otlp.h"
namespace aiir::ingest {
// kInvalidArgument with a message naming the JSON path of the problem, e.g.
// "resourceSpans[0].scopeSpans[0].spans[3].startTimeUnixNano: expected an integer or a string of digits".
core::Result<TraceBatch> decode_traces_json(std::string_view body);
core::Result<LogBatch> decode_logs_json(std::string_view body);
}
