// Hostile bytes as OTLP/JSON traces and logs: decoding must never crash, hang or allocate without
// bound, and every refusal is a returned error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/otlp_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aiir::ingest;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto traces = decode_traces_json(bytes); traces.ok()) (void)traces->span_count();
  if (auto logs = decode_logs_json(bytes); logs.ok()) (void)logs->record_count();
  return 0;
}
