#include "store/span_writer.h"

#include <spdlog/spdlog.h>

namespace aiir::store {

std::size_t estimated_bytes(const model::AiSpan& s) {
  std::size_t bytes = sizeof(model::AiSpan) + s.name.size() + s.tool_arguments.size() +
                      s.tool_result.size() + s.status_message.size();
  for (const auto* messages : {&s.input_messages, &s.output_messages}) {
    for (const auto& m : *messages) bytes += sizeof m + m.content.size() + 64 * m.tool_calls.size();
  }
  for (const auto& d : s.documents) bytes += sizeof d + d.content.size() + d.id.size();
  for (const auto* attrs : {&s.attributes, &s.resource_attributes}) {
    for (const auto& a : *attrs) bytes += sizeof a + a.key.size() + a.json_value.size();
  }
  return bytes;
}

SpanWriter::SpanWriter(Store& store, SpanWriterOptions options)
    : store_(store), options_(options), thread_([this] { run(); }) {}

SpanWriter::~SpanWriter() { stop(); }

core::Status SpanWriter::submit(std::vector<model::AiSpan> spans,
                                std::vector<SpanContent> content, Done done) {
  std::size_t bytes = 0;
  for (const auto& s : spans) bytes += estimated_bytes(s);
  for (const auto& c : content) {
    for (const auto& m : c.input_messages) bytes += sizeof m + m.content.size();
    for (const auto& m : c.output_messages) bytes += sizeof m + m.content.size();
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      return core::Error(core::Code::kUnavailable, "the server is shutting down; retry shortly");
    }
    // An oversize request is still accepted into an empty queue, so it can never starve.
    if (queued_bytes_ > 0 && queued_bytes_ + bytes > options_.max_queued_bytes) {
      stats_.rejected_requests++;
      return core::Error(core::Code::kResourceExhausted,
                         "the write queue is full; retry after the Retry-After delay");
    }
    queued_bytes_ += bytes;
    queue_.push_back(Pending{std::move(spans), std::move(content), bytes, std::move(done)});
  }
  wake_.notify_one();
  return {};
}

void SpanWriter::run() {
  std::vector<Pending> group;
  while (true) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Take whole requests up to the group size; always at least one.
      std::size_t spans = 0;
      while (!queue_.empty() &&
             (group.empty() || spans + queue_.front().spans.size() <= options_.max_group_spans)) {
        spans += queue_.front().spans.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_group(group);
    group.clear();
  }
}

void SpanWriter::commit_group(std::vector<Pending>& group) {
  std::vector<model::AiSpan> spans;
  std::vector<SpanContent> content;
  std::size_t total = 0;
  std::size_t bytes = 0;
  for (const auto& p : group) {
    total += p.spans.size();
    bytes += p.bytes;
  }
  spans.reserve(total);
  for (auto& p : group) {
    std::move(p.spans.begin(), p.spans.end(), std::back_inserter(spans));
    std::move(p.content.begin(), p.content.end(), std::back_inserter(content));
  }
  core::Status status;
  std::int64_t inserted = 0;
  std::vector<std::int64_t> seqs;
  if (!spans.empty()) {
    auto r = store_.append_spans(spans, options_.on_commit ? &seqs : nullptr);
    if (r.ok()) {
      inserted = *r;
    } else {
      status = r.error();
    }
  }
  if (status.ok() && !content.empty()) status = store_.append_span_content(content);
  if (!status.ok()) {
    spdlog::error("span group commit failed ({} spans): {}", spans.size(),
                  status.error().message());
  }
  {
    std::lock_guard lock(mu_);
    queued_bytes_ -= bytes;
    if (status.ok()) {
      stats_.commits++;
      stats_.committed_spans += static_cast<std::uint64_t>(inserted);
      stats_.duplicate_spans += spans.size() - static_cast<std::uint64_t>(inserted);
    } else {
      stats_.failed_commits++;
    }
  }
  for (auto& p : group) p.done(status);
  if (status.ok() && (inserted > 0 || !content.empty()) && options_.on_commit) {
    std::vector<StoredSpan> stored;
    stored.reserve(static_cast<std::size_t>(inserted));
    for (std::size_t i = 0; i < spans.size() && i < seqs.size(); ++i) {
      if (seqs[i] != 0) stored.push_back(StoredSpan{seqs[i], std::move(spans[i])});
    }
    options_.on_commit(std::move(stored));
  }
}

void SpanWriter::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SpanWriterStats SpanWriter::stats() const {
  std::lock_guard lock(mu_);
  SpanWriterStats out = stats_;
  out.queued_bytes = queued_bytes_;
  return out;
}

}  // namespace aiir::store
