#pragma once
// OTLP/protobuf (application/x-protobuf) requests decoded into the wire-neutral types of otlp.h,
// and the protobuf responses OTLP exporters expect back.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ingest/otlp.h"

namespace aiir::ingest {

// kInvalidArgument when the bytes are not an ExportTraceServiceRequest / ExportLogsServiceRequest.
core::Result<TraceBatch> decode_traces_protobuf(std::string_view body);
core::Result<LogBatch> decode_logs_protobuf(std::string_view body);

// ExportTraceServiceResponse / ExportLogsServiceResponse; partial_success is set only when
// something was rejected, as the specification asks.
std::string encode_trace_response_protobuf(std::int64_t rejected, const std::string& message);
std::string encode_logs_response_protobuf(std::int64_t rejected, const std::string& message);

}  // namespace aiir::ingest
