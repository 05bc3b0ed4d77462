#pragma once
// The request and response types handlers see. They hold no Beast types, so handlers, the CLI's
// in-process uses and tests do not compile Beast.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/role.h"

namespace aiir::http {

// Who is calling, after authentication.
struct Principal {
  std::string key_id;  // "" for unauthenticated public routes
  std::string key_name;
  model::Role role = model::Role::kViewer;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string, percent-decoded
  std::map<std::string, std::string> query;         // decoded; last value wins
  std::map<std::string, std::string> path_params;   // from {name} segments of the route
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;    // decompressed when Content-Encoding was gzip
  Principal principal;
  std::string remote_address;

  // First header with that (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const;
  std::optional<std::string_view> query_param(const std::string& name) const;
  std::string_view param(const std::string& name) const;  // path parameter, "" when absent
};

// A long-lived response body written in pieces from any thread (server-sent events). The server
// writes the headers, then hands the handler one of these; it lives until the client goes away,
// the handler closes it, the subscriber falls too far behind, or the server stops.
//
// Thread-safe. Writes are serialized on the connection's strand in the order send() was called.
class EventStream {
 public:
  virtual ~EventStream() = default;

  // Queues `chunk` to be written as is (an SSE event is "field: value\n...\n\n"). Never blocks.
  // False once the stream is closed. A subscriber whose unwritten queue grows past the server's
  // bound is disconnected rather than buffered without end: that send() returns false and the
  // stream closes (the client reconnects and gets the current state).
  virtual bool send(std::string chunk) = 0;
  // Ends the response after what is queued has been written. Idempotent.
  virtual void close() = 0;
  virtual bool closed() const = 0;
  // Calls `callback` once when the stream closes for any reason (client gone, close(), overflow,
  // server stop), from whichever thread notices; at once, on this thread, when it is closed
  // already. Callbacks must not block.
  virtual void on_close(std::function<void()> callback) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set when the body is produced incrementally (server-sent events); see server.h.
  bool close_after = false;
  // When set (and status is 2xx), `body` is ignored: the server writes the headers of an endless
  // response (no Content-Length; chunked on HTTP/1.1, ended by closing on HTTP/1.0), with
  // Cache-Control: no-cache, then calls this once with the stream the handler writes into.
  // While the stream is open the connection carries nothing else and is not subject to the idle
  // timeout; the server writes a ": keep-alive" comment when nothing was sent for a while.
  std::function<void(std::shared_ptr<EventStream>)> on_stream;

  static Response json(int status, std::string body) {
    return Response{status, "application/json", std::move(body), {}, false};
  }
  static Response text(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
    return Response{status, std::move(type), std::move(body), {}, false};
  }
  // 200 text/event-stream; `on_open` receives the stream once the headers are written.
  static Response event_stream(std::function<void(std::shared_ptr<EventStream>)> on_open) {
    Response r{200, "text/event-stream", "", {}, false};
    r.on_stream = std::move(on_open);
    return r;
  }
};

// Completes a request. Must be called exactly once, from any thread.
using Reply = std::function<void(Response)>;
// A handler may reply before returning (most do) or later from another thread (ingest, which
// replies after its batch is committed).
using Handler = std::function<void(Request&, Reply)>;

// Adapts a handler that computes its response synchronously.
template <typename F>
Handler sync_handler(F f) {
  return [f = std::move(f)](Request& request, Reply reply) { reply(f(request)); };
}

}  // namespace aiir::http
