#pragma once
// Normalization: one OTLP span, in whichever dialect its instrumentation speaks, becomes one
// AiSpan. Dialects read (each a file of its own):
//   - OpenTelemetry GenAI semantic conventions, current (gen_ai.provider.name,
//     gen_ai.input.messages, ...) and older (gen_ai.system, per-message events), and
//     OpenLLMetry's indexed gen_ai.prompt.N.* / gen_ai.completion.N.*   (dialect_genai.cpp)
//   - OpenInference (openinference.span.kind, llm.*, tool.*, retrieval.documents.*) (dialect_openinference.cpp)
//   - aiir's own aiir.* attributes, which win over the others            (dialect_aiir.cpp)
// Attributes no dialect claims are kept on the span as they came.

#include <optional>
#include <string>

#include "config/config.h"
#include "ingest/otlp.h"
#include "model/ai_span.h"

namespace aiir::ingest {

// Why a span cannot be stored (malformed trace or span id), or nullopt when it is usable.
std::optional<std::string> unusable_reason(const OtlpSpan& span);

// `config` attributes the span to a workflow (aiir.workflow on the span or resource, else the
// workflow whose service_names hold the resource's service.name). Content policy is not applied
// here; see content_policy.h.
model::AiSpan normalize_span(const OtlpSpan& span, const Attributes& resource,
                             const config::Config& config);

// The workflow a resource belongs to ("" when none), for log records that carry no span.
std::string workflow_of_resource(const Attributes& resource, const config::Config& config);

}  // namespace aiir::ingest
