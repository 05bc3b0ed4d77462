#pragma once
// The ingest path behind POST /v1/traces and /v1/logs: decode (protobuf or JSON), normalize each
// span to AiSpan, apply its workflow's content policy, and hand the batch to the group-commit
// writer. The caller is told the outcome only after the batch is durable, or at once when it was
// refused (malformed: kInvalidArgument; writer queue full: kResourceExhausted; shutting down:
// kUnavailable) — memory stays bounded because a full queue refuses instead of buffering.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/result.h"
#include "ingest/content_policy.h"
#include "store/span_writer.h"

namespace aiir::ingest {

enum class Encoding { kProtobuf, kJson };

// What OTLP's partial_success reports: items refused and why (0 and "" when all were accepted).
struct ExportResult {
  std::int64_t accepted = 0;
  std::int64_t rejected = 0;
  std::string message;
};
using ExportDone = std::function<void(core::Result<ExportResult>)>;

struct IngestCounters {
  std::atomic<std::uint64_t> spans_accepted{0};
  std::atomic<std::uint64_t> spans_rejected{0};
  std::atomic<std::uint64_t> spans_unregistered{0};  // accepted for a workflow not in the inventory
  std::atomic<std::uint64_t> log_records_accepted{0};
  std::atomic<std::uint64_t> log_records_rejected{0};
  std::atomic<std::uint64_t> requests_refused_busy{0};
  std::atomic<std::uint64_t> requests_malformed{0};
};

struct IngestOptions {
  // Requests being decoded, normalized and committed at once may hold at most this much memory
  // (estimated from body sizes); beyond it new requests get 429 at once. With the writer's queue
  // bound this keeps the server's memory flat however many clients send at the same time.
  std::size_t max_inflight_bytes = 96 * 1024 * 1024;
};

class IngestService {
 public:
  using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;

  IngestService(ConfigSource config, store::SpanWriter& writer, IngestOptions options = {});

  // `done` is called exactly once: from this call on refusal, else from the writer's thread.
  void export_traces(std::string_view body, Encoding encoding, ExportDone done);
  void export_logs(std::string_view body, Encoding encoding, ExportDone done);

  const IngestCounters& counters() const { return counters_; }
  // Prometheus families for /metrics.
  void render_metrics(std::string& out) const;

 private:
  void submit(std::vector<model::AiSpan> spans, std::vector<store::SpanContent> content,
              ExportResult result, bool logs, ExportDone done);
  // Reserves memory for a request of `body_bytes`; on success `done` is wrapped so the
  // reservation is returned when the request completes. False (and `done` called) when full.
  bool admit(std::size_t body_bytes, ExportDone& done);

  ConfigSource config_;
  store::SpanWriter& writer_;
  IngestOptions options_;
  scan::SensitiveData redactor_;
  IngestCounters counters_;
  std::atomic<std::size_t> inflight_bytes_{0};
};

}  // namespace aiir::ingest
