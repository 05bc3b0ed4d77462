#include "ingest/ingest_service.h"

#include "ingest/log_content.h"
#include "ingest/normalize.h"
#include "ingest/otlp_json.h"
#include "ingest/otlp_protobuf.h"

namespace aiir::ingest {
namespace {

model::ContentPolicy policy_for(const config::Config& config, const std::string& workflow) {
  if (const auto* w = config.find_workflow(workflow)) return w->content_policy;
  // A workflow nobody registered gets the safe default: personal data never stored as sent.
  return model::ContentPolicy::kRedact;
}

// "3 spans rejected: span 2 of resource 0: traceId must be ..." — the first reason in full,
// enough for the developer whose exporter misbehaves.
std::string rejection_message(std::int64_t rejected, const std::string& first_reason,
                              const char* what) {
  return std::to_string(rejected) + " " + what + " rejected; first: " + first_reason;
}

}  // namespace

IngestService::IngestService(ConfigSource config, store::SpanWriter& writer, IngestOptions options)
    : config_(std::move(config)), writer_(writer), options_(options) {}

bool IngestService::admit(std::size_t body_bytes, ExportDone& done) {
  // Decoded spans and their normalized copies take a few times the wire size.
  constexpr std::size_t kExpansion = 4;
  std::size_t charge = body_bytes * kExpansion + 4096;
  std::size_t before = inflight_bytes_.fetch_add(charge);
  // A single request larger than the budget is still admitted when nothing else is in flight.
  if (before > 0 && before + charge > options_.max_inflight_bytes) {
    inflight_bytes_ -= charge;
    counters_.requests_refused_busy++;
    done(core::Error(core::Code::kResourceExhausted,
                     "ingest is at capacity; retry after the Retry-After delay"));
    return false;
  }
  done = [this, charge, inner = std::move(done)](core::Result<ExportResult> result) {
    // Returned before replying: the caller may destroy this service once it has its answer.
    inflight_bytes_ -= charge;
    inner(std::move(result));
  };
  return true;
}

void IngestService::export_traces(std::string_view body, Encoding encoding, ExportDone done) {
  if (!admit(body.size(), done)) return;
  auto batch = encoding == Encoding::kProtobuf ? decode_traces_protobuf(body)
                                               : decode_traces_json(body);
  if (!batch.ok()) {
    counters_.requests_malformed++;
    done(batch.error());
    return;
  }
  std::shared_ptr<const config::Config> config = config_();
  std::vector<model::AiSpan> spans;
  spans.reserve(batch->span_count());
  ExportResult result;
  std::string first_reason;
  std::uint64_t unregistered = 0;
  for (std::size_t r = 0; r < batch->resource_spans.size(); ++r) {
    const auto& resource_spans = batch->resource_spans[r];
    for (const auto& scope : resource_spans.scope_spans) {
      for (std::size_t i = 0; i < scope.spans.size(); ++i) {
        const OtlpSpan& span = scope.spans[i];
        if (auto reason = unusable_reason(span)) {
          if (result.rejected++ == 0) {
            first_reason = "span '" + span.name + "' (resource " + std::to_string(r) +
                           ", position " + std::to_string(i) + "): " + *reason;
          }
          continue;
        }
        model::AiSpan normalized = normalize_span(span, resource_spans.resource, *config);
        apply_content_policy(normalized, policy_for(*config, normalized.workflow), redactor_);
        if (!normalized.registered) ++unregistered;
        spans.push_back(std::move(normalized));
      }
    }
  }
  if (result.rejected > 0) result.message = rejection_message(result.rejected, first_reason, "spans");
  result.accepted = static_cast<std::int64_t>(spans.size());
  counters_.spans_unregistered += unregistered;
  submit(std::move(spans), {}, std::move(result), false, std::move(done));
}

void IngestService::export_logs(std::string_view body, Encoding encoding, ExportDone done) {
  if (!admit(body.size(), done)) return;
  auto batch = encoding == Encoding::kProtobuf ? decode_logs_protobuf(body)
                                               : decode_logs_json(body);
  if (!batch.ok()) {
    counters_.requests_malformed++;
    done(batch.error());
    return;
  }
  std::shared_ptr<const config::Config> config = config_();
  LogContentBatch extracted = content_from_logs(*batch, *config);
  std::vector<store::SpanContent> content;
  content.reserve(extracted.items.size());
  for (auto& item : extracted.items) {
    apply_content_policy(item.content, policy_for(*config, item.workflow), redactor_);
    content.push_back(std::move(item.content));
  }
  ExportResult result;
  result.rejected = static_cast<std::int64_t>(extracted.not_genai + extracted.no_span);
  result.accepted = static_cast<std::int64_t>(batch->record_count()) - result.rejected;
  if (extracted.no_span > 0) {
    result.message = std::to_string(extracted.no_span) +
                     " GenAI log records had no valid traceId and spanId to tie them to a span";
  }
  if (extracted.not_genai > 0) {
    if (!result.message.empty()) result.message += "; ";
    result.message += std::to_string(extracted.not_genai) +
                      " log records were not GenAI message events (gen_ai.*.message, "
                      "gen_ai.choice) and were not stored";
  }
  submit({}, std::move(content), std::move(result), true, std::move(done));
}

void IngestService::submit(std::vector<model::AiSpan> spans,
                           std::vector<store::SpanContent> content, ExportResult result,
                           bool logs, ExportDone done) {
  if (spans.empty() && content.empty()) {
    (logs ? counters_.log_records_rejected : counters_.spans_rejected) += result.rejected;
    done(std::move(result));
    return;
  }
  auto shared_done = std::make_shared<ExportDone>(std::move(done));
  auto status = writer_.submit(
      std::move(spans), std::move(content),
      [this, result, logs, shared_done](core::Status committed) {
        if (!committed.ok()) {
          (*shared_done)(committed.error());
          return;
        }
        if (logs) {
          counters_.log_records_accepted += static_cast<std::uint64_t>(result.accepted);
          counters_.log_records_rejected += static_cast<std::uint64_t>(result.rejected);
        } else {
          counters_.spans_accepted += static_cast<std::uint64_t>(result.accepted);
          counters_.spans_rejected += static_cast<std::uint64_t>(result.rejected);
        }
        (*shared_done)(result);
      });
  if (!status.ok()) {
    counters_.requests_refused_busy++;
    (*shared_done)(status.error());
  }
}

void IngestService::render_metrics(std::string& out) const {
  auto counter = [&out](const char* name, const char* help, std::uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
           " " + std::to_string(value) + "\n";
  };
  counter("aiir_ingest_spans_accepted_total", "Spans stored (duplicates included).",
          counters_.spans_accepted.load());
  counter("aiir_ingest_spans_rejected_total", "Spans refused as unusable (partial success).",
          counters_.spans_rejected.load());
  counter("aiir_ingest_spans_unregistered_total",
          "Spans stored for a workflow not in the inventory.", counters_.spans_unregistered.load());
  counter("aiir_ingest_log_records_accepted_total", "GenAI content log records stored.",
          counters_.log_records_accepted.load());
  counter("aiir_ingest_log_records_rejected_total", "Log records not stored (partial success).",
          counters_.log_records_rejected.load());
  counter("aiir_ingest_requests_refused_busy_total",
          "Export requests refused with 429/503 because the write queue was full or stopping.",
          counters_.requests_refused_busy.load());
  counter("aiir_ingest_requests_malformed_total", "Export requests refused as malformed (400).",
          counters_.requests_malformed.load());
  out += "# HELP aiir_ingest_inflight_bytes Memory reserved by export requests being processed.\n"
         "# TYPE aiir_ingest_inflight_bytes gauge\naiir_ingest_inflight_bytes " +
         std::to_string(inflight_bytes_.load()) + "\n";
}

}  // namespace aiir::ingest
