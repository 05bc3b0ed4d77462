// POST /v1/traces and /v1/logs: OTLP/HTTP as OpenTelemetry exporters and the Collector speak it.
// The reply is sent from the writer's thread once the batch is durable.
#include <boost/json.hpp>

#include "http/handlers/handlers.h"
#include "http/problem.h"
#include "ingest/otlp_protobuf.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;

// The media type without parameters, lower-cased ("application/json; charset=utf-8" → ...).
std::string media_type(const Request& r) {
  std::string type(r.header("content-type").value_or(""));
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

std::optional<ingest::Encoding> encoding_of(const Request& r) {
  std::string type = media_type(r);
  if (type == "application/x-protobuf" || type == "application/protobuf") {
    return ingest::Encoding::kProtobuf;
  }
  if (type == "application/json") return ingest::Encoding::kJson;
  return std::nullopt;
}

Response success(ingest::Encoding encoding, const ingest::ExportResult& result, bool logs) {
  if (encoding == ingest::Encoding::kProtobuf) {
    std::string body = logs ? ingest::encode_logs_response_protobuf(result.rejected, result.message)
                            : ingest::encode_trace_response_protobuf(result.rejected, result.message);
    return Response{200, "application/x-protobuf", std::move(body), {}, false};
  }
  json::object body;
  if (result.rejected > 0 || !result.message.empty()) {
    json::object partial;
    partial[logs ? "rejectedLogRecords" : "rejectedSpans"] = result.rejected;
    partial["errorMessage"] = result.message;
    body["partialSuccess"] = std::move(partial);
  }
  return Response::json(200, json::serialize(body));
}

Handler otlp_export(Services& s, bool logs) {
  return [&s, logs](Request& r, Reply reply) {
    if (s.ingest == nullptr) {
      reply(problem(503, "", "ingest is not running on this server"));
      return;
    }
    auto encoding = encoding_of(r);
    if (!encoding) {
      reply(problem(415, "Unsupported Media Type",
                    "Content-Type '" + media_type(r) +
                        "' is not OTLP; send application/x-protobuf or application/json"));
      return;
    }
    auto done = [reply, encoding = *encoding, logs](core::Result<ingest::ExportResult> result) {
      if (!result.ok()) {
        reply(problem(result.error()));
        return;
      }
      reply(success(encoding, *result, logs));
    };
    if (logs) {
      s.ingest->export_logs(r.body, *encoding, std::move(done));
    } else {
      s.ingest->export_traces(r.body, *encoding, std::move(done));
    }
  };
}

}  // namespace

Handler export_traces(Services& s) { return otlp_export(s, false); }
Handler export_logs(Services& s) { return otlp_export(s, true); }

}  // namespace aiir::http::handlers
