#pragma once
// The HTTP/1.1 server (Boost.Beast over Asio). Only server.cpp includes Beast.
//
// Per request: read headers (bounded size and time) → match a route (404/405) → authenticate
// and check the role (401/403) before any body is read → read the body (bounded size, 413;
// bounded time, 408) → decompress gzip → call the handler → write its reply. Keep-alive
// connections idle longer than `idle_timeout` are closed. Errors never stop the server.
//
// A response with on_stream set (server-sent events) keeps its connection: the headers are
// written, then the handler's EventStream writes pieces on the connection's strand until either
// side closes. Streams cost no thread; stop() closes them at once (it does not wait for them).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/key_service.h"
#include "http/metrics.h"
#include "http/router.h"

namespace aiir::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0 = any free port; see Server::port()
  std::int64_t max_body_bytes = 16 * 1024 * 1024;
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds idle_timeout{60};
  // Event streams (Response::on_stream): a ": keep-alive" comment is written when nothing was
  // written for this long, so that proxies and clients see the connection alive; and a subscriber whose unwritten events exceed
  // `stream_queue_bytes` (it reads too slowly) is disconnected instead of buffered without end.
  // A single write that the client does not accept within `read_timeout` also disconnects it.
  std::chrono::milliseconds stream_keepalive{15000};
  std::size_t stream_queue_bytes = 1024 * 1024;
  int threads = 2;
};

class Server {
 public:
  // `router`, `keys` and `metrics` must outlive the server.
  Server(ServerOptions options, const Router& router, const KeyService& keys, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. kUnavailable when the address cannot be bound.
  core::Status start();
  // The bound port (after start).
  int port() const;
  // Graceful: stops accepting, closes idle connections, lets in-flight requests finish for up to
  // `grace`, then stops the I/O threads. Idempotent; safe from any thread but an I/O thread.
  void stop(std::chrono::milliseconds grace);

  class Impl;  // public so that connection objects in server.cpp can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace aiir::http
