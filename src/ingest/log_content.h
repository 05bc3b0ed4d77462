#pragma once
// GenAI content that instrumentations send as OTLP log records rather than on the span (the
// OpenTelemetry JS and Python OpenAI instrumentations do this): `gen_ai.user.message`,
// `gen_ai.choice` and friends, tied to their span by trace and span id. Each becomes SpanContent,
// stored beside the span and merged into it when the trace is read, whichever arrives first.

#include <cstddef>
#include <string>
#include <vector>

#include "config/config.h"
#include "ingest/otlp.h"
#include "store/store.h"

namespace aiir::ingest {

struct LogContent {
  store::SpanContent content;
  std::string workflow;  // from the record's resource; decides the content policy
};

struct LogContentBatch {
  std::vector<LogContent> items;  // one per span that had content in this batch
  std::size_t not_genai = 0;      // records that are not GenAI message events
  std::size_t no_span = 0;        // GenAI events without a usable trace and span id
};

LogContentBatch content_from_logs(const LogBatch& batch, const config::Config& config);

}  // namespace aiir::ingest
