#pragma once
// Group commit for ingest: requests hand their spans to one writer thread, which commits
// everything queued in one transaction and then completes each request. A request is answered
// only after its spans are durable, and durability costs one commit per group, not per request.
//
// Memory is bounded: when the queued spans would exceed `max_queued_bytes`, submit() refuses at
// once with kResourceExhausted (the HTTP layer answers 429 with Retry-After) and queues nothing.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "model/ai_span.h"
#include "store/store.h"

namespace aiir::store {

struct SpanWriterOptions {
  // Upper bound on the estimated size of spans waiting for commit. 64 MiB holds about two
  // seconds of the 100 k spans/s target; beyond that, clients are told to back off.
  std::size_t max_queued_bytes = 64 * 1024 * 1024;
  // Spans per transaction at most. Larger groups amortize the commit; smaller ones bound the
  // latency of the first request in a group.
  std::size_t max_group_spans = 8192;
  // Called on the writer thread after each commit that stored new spans or log-record content,
  // with the new spans and their sequence numbers, in order (detection judges them without
  // reading them back). Must not block.
  std::function<void(std::vector<StoredSpan>&&)> on_commit;
};

struct SpanWriterStats {
  std::uint64_t committed_spans = 0;   // new spans stored
  std::uint64_t duplicate_spans = 0;   // skipped as already stored
  std::uint64_t commits = 0;
  std::uint64_t rejected_requests = 0;  // refused because the queue was full
  std::uint64_t failed_commits = 0;
  std::size_t queued_bytes = 0;
};

class SpanWriter {
 public:
  // Called on the writer thread after the commit (or its failure).
  using Done = std::function<void(core::Status)>;

  SpanWriter(Store& store, SpanWriterOptions options);
  ~SpanWriter();  // stop()
  SpanWriter(const SpanWriter&) = delete;
  SpanWriter& operator=(const SpanWriter&) = delete;

  // Queues `spans` (and optional log-record content) for the next group commit. Returns
  // kResourceExhausted (queue full) or kUnavailable (stopping) without queueing; otherwise `done`
  // will be called exactly once. Thread-safe.
  core::Status submit(std::vector<model::AiSpan> spans, std::vector<SpanContent> content,
                      Done done);

  // Commits what is queued, then stops the writer thread. Idempotent.
  void stop();

  SpanWriterStats stats() const;

 private:
  struct Pending {
    std::vector<model::AiSpan> spans;
    std::vector<SpanContent> content;
    std::size_t bytes = 0;
    Done done;
  };

  void run();
  void commit_group(std::vector<Pending>& group);

  Store& store_;
  SpanWriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;    // GUARDED_BY(mu_)
  std::size_t queued_bytes_ = 0;  // GUARDED_BY(mu_)
  bool stopping_ = false;         // GUARDED_BY(mu_)
  SpanWriterStats stats_;         // GUARDED_BY(mu_)
  std::thread thread_;
};

// Rough in-memory size of a span, used for the queue bound.
std::size_t estimated_bytes(const model::AiSpan& span);

}  // namespace aiir::store
