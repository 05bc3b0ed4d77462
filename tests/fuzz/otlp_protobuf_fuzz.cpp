// Hostile bytes as OTLP/protobuf traces and logs: decoding and normalizing (which parses message
// JSON found inside attributes) must never crash, hang or allocate without bound.
#include <cstdint>
#include <string_view>

#include "config/config.h"
#include "ingest/log_content.h"
#include "ingest/normalize.h"
#include "ingest/otlp_protobuf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aiir::ingest;
  static const aiir::config::Config config;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto traces = decode_traces_protobuf(bytes); traces.ok()) {
    for (const auto& resource : traces->resource_spans) {
      for (const auto& scope : resource.scope_spans) {
        for (const auto& span : scope.spans) {
          if (!unusable_reason(span)) (void)normalize_span(span, resource.resource, config);
        }
      }
    }
  }
  if (auto logs = decode_logs_protobuf(bytes); logs.ok()) (void)content_from_logs(*logs, config);
  return 0;
}
