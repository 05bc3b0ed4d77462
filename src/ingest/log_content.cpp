#include "ingest/log_content.h"

#include <map>

#include "ingest/genai_messages.h"
#include "ingest/normalize.h"

namespace aiir::ingest {
namespace {

std::string event_name_of(const OtlpLogRecord& record) {
  if (!record.event_name.empty()) return record.event_name;
  // Before LogRecord.event_name existed, the name travelled as an attribute.
  for (const auto& kv : record.attributes) {
    if (kv.key == "event.name" && kv.value.type == AnyValue::Type::kString) {
      return kv.value.string_value;
    }
  }
  return "";
}

bool usable_ids(const OtlpLogRecord& record) {
  return model::valid_trace_id(record.trace_id) && model::valid_span_id(record.span_id);
}

}  // namespace

LogContentBatch content_from_logs(const LogBatch& batch, const config::Config& config) {
  LogContentBatch out;
  std::map<std::pair<std::string, std::string>, std::size_t> index;  // (trace, span) → item
  for (const auto& resource_logs : batch.resource_logs) {
    std::string workflow = workflow_of_resource(resource_logs.resource, config);
    for (const auto& scope : resource_logs.scope_logs) {
      for (const auto& record : scope.log_records) {
        auto message = message_from_event(event_name_of(record), json_of(record.body));
        if (!message) {
          ++out.not_genai;
          continue;
        }
        if (!usable_ids(record)) {
          ++out.no_span;
          continue;
        }
        auto key = std::make_pair(record.trace_id, record.span_id);
        auto [it, inserted] = index.emplace(key, out.items.size());
        if (inserted) {
          LogContent item;
          item.content.trace_id = record.trace_id;
          item.content.span_id = record.span_id;
          // Order by when the SDK saw each record: instrumentations stamp all messages of one
          // call with the same time (the JS OpenAI instrumentation uses one Date.now()), and
          // exporters may send them in separate, racing requests; the observed time keeps the
          // order in which they were emitted.
          item.content.time = record.observed_time != 0 ? record.observed_time : record.time;
          item.workflow = workflow;
          out.items.push_back(std::move(item));
        }
        auto& content = out.items[it->second].content;
        if (message->is_output) {
          content.output_messages.push_back(std::move(message->message));
        } else {
          content.input_messages.push_back(std::move(message->message));
        }
      }
    }
  }
  return out;
}

}  // namespace aiir::ingest
