#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/gzip.h"
#include "http/problem.h"
#include "http/url.h"

namespace aiir::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint32_t kHeaderLimitBytes = 16 * 1024;
// Lingering close: how long and in what pieces unread request bytes are dropped after an early
// answer (bounded by max_body_bytes, never buffered).
constexpr std::size_t kDrainChunkBytes = 16 * 1024;
constexpr std::size_t kBodyReadChunkBytes = 64 * 1024;
// What the wait for a connection's next request reads at once: a whole typical request.
constexpr std::size_t kFirstReadBytes = 16 * 1024;
constexpr std::chrono::seconds kLingerTime{2};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string role_list(const Route& route) {
  std::string out = "admin";
  for (auto role : route.roles) {
    out += ", ";
    out += model::to_string(role);
  }
  return out;
}

}  // namespace

class Session;

// The EventStream a streaming handler writes into. send() may run on any thread; it only queues
// and asks the session's strand to write. The session drains the queue on its strand, so writes
// keep send() order and never overlap.
class StreamChannel final : public EventStream {
 public:
  StreamChannel(std::weak_ptr<Session> session, std::size_t max_queued_bytes)
      : session_(std::move(session)), max_queued_(max_queued_bytes) {}

  bool send(std::string chunk) override;
  void close() override;
  bool closed() const override {
    std::lock_guard lock(mu_);
    return !accepting_ || close_requested_;
  }
  void on_close(std::function<void()> callback) override;

  // --- the session's side, on its strand ---
  // Moves everything queued into `out` (appended, in order). When nothing is queued, forgets
  // that a write was requested and returns false.
  bool take(std::string& out);
  // Whether close() was called (the session ends the response once the queue is empty).
  bool close_requested() const {
    std::lock_guard lock(mu_);
    return close_requested_;
  }
  // The connection is gone: refuse further sends and run the close callbacks (once).
  void mark_closed();

 private:
  // Asks the strand to write what is queued (or to end the response).
  void kick();

  // Not the session's executor itself: a handler may keep its stream after the server (and the
  // io_context behind that executor) is gone. Reaching the strand through a live session is
  // safe, since a session keeps the server alive.
  std::weak_ptr<Session> session_;
  const std::size_t max_queued_;
  mutable std::mutex mu_;
  std::deque<std::string> queue_;  // GUARDED_BY(mu_)
  std::size_t queued_bytes_ = 0;   // GUARDED_BY(mu_)
  bool accepting_ = true;          // GUARDED_BY(mu_)
  bool close_requested_ = false;   // GUARDED_BY(mu_)
  bool pump_requested_ = false;    // GUARDED_BY(mu_): a pump is posted or running
  bool callbacks_run_ = false;     // GUARDED_BY(mu_)
  std::vector<std::function<void()>> callbacks_;  // GUARDED_BY(mu_)
};

class Server::Impl : public std::enable_shared_from_this<Server::Impl> {
 public:
  Impl(ServerOptions options, const Router& router, const KeyService& keys, Metrics& metrics)
      : options_(std::move(options)),
        router_(router),
        keys_(keys),
        metrics_(metrics),
        ioc_(std::max(1, options_.threads)),
        acceptor_(ioc_) {
    for (const Route& route : router_.routes()) {
      route_series_.push_back(&metrics_.series(route.method, route.pattern));
    }
  }

  core::Status start();
  void stop(std::chrono::milliseconds grace);
  int port() const { return port_; }

  const ServerOptions& options() const { return options_; }
  const Router& router() const { return router_; }
  const KeyService& keys() const { return keys_; }
  Metrics& metrics() { return metrics_; }
  // Where a request's count and latency go: its route's series, looked up once at start.
  RequestSeries& series_for(const Route* route, std::string_view method) {
    if (route == nullptr) return metrics_.series(std::string(method), "unmatched");
    return *route_series_[static_cast<std::size_t>(route - router_.routes().data())];
  }
  bool stopping() const { return stopping_.load(); }

  void request_started() { in_flight_++; }
  void request_finished() {
    if (--in_flight_ == 0) {
      std::lock_guard lock(mu_);
      drained_.notify_all();
    }
  }
  void add_session(const std::shared_ptr<Session>& s);
  void remove_session(Session* s);

 private:
  void accept();

  ServerOptions options_;
  const Router& router_;
  const KeyService& keys_;
  Metrics& metrics_;
  std::vector<RequestSeries*> route_series_;  // by position in router_.routes()
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  // Keeps the I/O threads running while a handler works off-thread with no socket operation
  // pending (its reply is posted back later); released at stop.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<int> in_flight_{0};
  std::mutex mu_;
  std::condition_variable drained_;
  std::map<Session*, std::weak_ptr<Session>> sessions_;  // GUARDED_BY(mu_)
};

// One connection. All of its handlers run on its strand, so its members need no lock.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), idle_timer_(stream_.get_executor()), server_(std::move(server)) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
  }

  void start() {
    server_->add_session(shared_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // Called at shutdown: an idle connection closes now; a busy one after its response.
  void close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      // An event stream never finishes by itself: it closes now rather than at the grace's end.
      if (!self->busy_ || self->streaming_) self->close();
    });
  }

  // At the very end of stop(), with no I/O thread running: closes without posting.
  void close_now() { close(); }

  // Event streams, on the strand: writes what the channel has queued, or ends the response when
  // the handler closed it; `abort` drops the connection (a subscriber too far behind).
  void pump_stream();
  void abort_stream() { close(); }
  // Runs `f` on this session's strand.
  template <typename F>
  void post(F f) {
    asio::post(stream_.get_executor(), std::move(f));
  }

  ~Session() {
    if (channel_) channel_->mark_closed();
    server_->remove_session(this);
  }

 private:
  void wait_for_next_request();
  void read_header();
  void on_header(beast::error_code ec);
  void read_body();
  void on_body(beast::error_code ec);
  void dispatch_request();
  void respond(Response response);
  void respond_before_body(Response response);
  void on_write(bool keep_alive, beast::error_code ec);
  void fail(int status, std::string_view detail);
  void close();
  void linger_then_close();
  void drain();
  void start_stream(Response response);
  void watch_stream_reader();
  void arm_stream_keepalive();

  beast::tcp_stream stream_;
  asio::steady_timer idle_timer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Server::Impl> server_;
  std::string remote_;
  bool busy_ = false;  // a request is being read or answered
  bool first_ = true;
  bool counted_ = false;  // the server counts this request as in flight until written
  const Route* route_ = nullptr;
  std::map<std::string, std::string> params_;
  Principal principal_;
  Target target_;
  std::string_view route_label_ = "unmatched";  // the route's pattern, for logs
  std::chrono::steady_clock::time_point started_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  // For lingering close: unread request bytes are read into this and dropped.
  std::unique_ptr<char[]> drain_buffer_;
  std::uint64_t drain_budget_ = 0;
  // Event stream state (all on the strand except the channel's own locked queue).
  std::shared_ptr<StreamChannel> channel_;
  bool streaming_ = false;
  bool stream_chunked_ = false;   // HTTP/1.1: chunked framing; HTTP/1.0: ended by closing
  bool stream_writing_ = false;
  bool stream_ending_ = false;    // the last chunk is being written
  std::string stream_out_;        // bytes of the write in progress
  std::chrono::steady_clock::time_point stream_last_write_;
  std::array<char, 256> stream_read_buffer_{};
};

bool StreamChannel::send(std::string chunk) {
  bool overflow = false;
  bool kick_now = false;
  {
    std::lock_guard lock(mu_);
    if (!accepting_ || close_requested_) return false;
    if (queued_bytes_ + chunk.size() > max_queued_) {
      // Too far behind: buffering more would let one slow reader hold unbounded memory. It
      // reconnects and gets the current state, which is all a subscriber needs.
      accepting_ = false;
      overflow = true;
    } else {
      queued_bytes_ += chunk.size();
      queue_.push_back(std::move(chunk));
      kick_now = !pump_requested_;
      pump_requested_ = true;
    }
  }
  if (overflow) {
    // The close callbacks must not run here: the caller may hold its own lock while sending.
    if (auto s = session_.lock()) {
      s->post([weak = session_] {
        if (auto session = weak.lock()) session->abort_stream();
      });
    }
    return false;
  }
  if (kick_now) kick();
  return true;
}

void StreamChannel::close() {
  bool kick_now = false;
  {
    std::lock_guard lock(mu_);
    if (!accepting_ || close_requested_) return;
    close_requested_ = true;
    kick_now = !pump_requested_;
    pump_requested_ = true;
  }
  if (kick_now) kick();
}

void StreamChannel::kick() {
  // The posted work holds the session weakly: queued work that never runs (the server stopped)
  // must not keep the session, and through it the server, alive.
  if (auto s = session_.lock()) {
    s->post([weak = session_] {
      if (auto session = weak.lock()) session->pump_stream();
    });
  }
}

bool StreamChannel::take(std::string& out) {
  std::lock_guard lock(mu_);
  if (queue_.empty()) {
    pump_requested_ = false;
    return false;
  }
  for (auto& chunk : queue_) out += chunk;
  queue_.clear();
  queued_bytes_ = 0;
  return true;
}

void StreamChannel::on_close(std::function<void()> callback) {
  {
    std::lock_guard lock(mu_);
    if (!callbacks_run_) {
      callbacks_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

void StreamChannel::mark_closed() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
    if (callbacks_run_) return;
    callbacks_run_ = true;
    callbacks.swap(callbacks_);
    queue_.clear();
    queued_bytes_ = 0;
  }
  for (auto& callback : callbacks) callback();
}

void Session::wait_for_next_request() {
  // Wait for the first byte of the next request under the idle timeout, then give the client
  // header_timeout to send the rest: a slow sender cannot hold a connection open for long.
  if (buffer_.size() > 0) {
    read_header();
    return;
  }
  // The first read doubles as the wait: it is bounded by the idle timeout through the stream's
  // own timer (one timer per phase, no separate wait), and what it reads is parsed next.
  stream_.expires_after(server_->options().idle_timeout);
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            if (ec || self->server_->stopping()) {
                              self->close();
                              return;
                            }
                            self->buffer_.commit(n);
                            self->read_header();
                          });
}

void Session::read_header() {
  if (server_->stopping() && !first_) {
    close();
    return;
  }
  first_ = false;
  busy_ = true;
  route_ = nullptr;
  route_label_ = "unmatched";
  principal_ = Principal{};
  parser_.emplace();
  parser_->header_limit(kHeaderLimitBytes);
  // No body limit while reading the header: Beast would reject a large Content-Length as a parse
  // error before we know the route and caller. on_header answers 413 itself, then read_body sets
  // the limit that bounds chunked bodies.
  parser_->body_limit(boost::none);
  stream_.expires_after(server_->options().header_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_header(ec);
                           });
}

void Session::on_header(beast::error_code ec) {
  started_ = std::chrono::steady_clock::now();
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
    close();
    return;
  }
  if (ec == beast::error::timeout) {
    close();  // nothing useful to say to a client that sent nothing in time
    return;
  }
  if (ec == bhttp::error::header_limit) {
    fail(431, "the request headers exceed 16 KiB; send fewer or shorter headers");
    return;
  }
  if (ec) {
    fail(400, "malformed HTTP request: " + ec.message());
    return;
  }
  const auto& header = parser_->get();
  auto target = parse_target(std::string_view(header.target().data(), header.target().size()));
  if (!target) {
    fail(400, "the request target is not a valid path (check its percent-escapes)");
    return;
  }
  target_ = std::move(*target);
  std::string method(header.method_string());
  auto match = server_->router().match(method, target_.path);
  if (match.route == nullptr) {
    if (!match.allow.empty()) {
      Response r = problem(405, "Method Not Allowed",
                           method + " is not supported on " + target_.path + "; use " + match.allow);
      r.headers.emplace_back("Allow", match.allow);
      respond_before_body(std::move(r));
    } else {
      respond_before_body(problem(404, "Not Found", "no route " + target_.path + "; see docs/api.md"));
    }
    return;
  }
  route_ = match.route;
  route_label_ = route_->pattern;
  params_ = std::move(match.params);

  if (!route_->is_public) {
    auto authorization = header[bhttp::field::authorization];
    auto x_api_key = header["x-api-key"];
    auto key = server_->keys().authenticate(
        presented_key(std::string_view(authorization.data(), authorization.size()),
                      std::string_view(x_api_key.data(), x_api_key.size())));
    if (!key.ok()) {
      Response r = problem(key.error());
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"aiir\"");
      respond_before_body(std::move(r));
      return;
    }
    if (!route_->allows(key->role)) {
      respond_before_body(problem(403, "Forbidden",
                      "the key '" + key->id + "' has role " + std::string(model::to_string(key->role)) +
                          "; " + method + " " + route_->pattern + " needs one of: " +
                          role_list(*route_)));
      return;
    }
    principal_ = Principal{key->id, key->name, key->role};
  }
  if (header.has_content_length() &&
      *parser_->content_length() > static_cast<std::uint64_t>(server_->options().max_body_bytes)) {
    fail(413, "the body is larger than the limit of " +
                  std::to_string(server_->options().max_body_bytes) +
                  " bytes (server.max_body_bytes); send smaller batches");
    return;
  }
  if (bhttp::token_list(header[bhttp::field::expect]).exists("100-continue")) {
    auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
    bhttp::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code e, std::size_t) {
      if (e) {
        self->close();
        return;
      }
      self->read_body();
    });
    return;
  }
  read_body();
}

void Session::read_body() {
  parser_->body_limit(static_cast<std::uint64_t>(server_->options().max_body_bytes));
  // Beast reads at most the buffer's free capacity per call; left at the size the headers needed,
  // an 800 KB export arrives a few KB per system call. Room for 64 KB cuts those calls tenfold.
  if (buffer_.capacity() < kBodyReadChunkBytes) buffer_.reserve(kBodyReadChunkBytes);
  stream_.expires_after(server_->options().read_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_body(ec);
                    });
}

void Session::on_body(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) {
    fail(413, "the body is larger than the limit of " +
                  std::to_string(server_->options().max_body_bytes) +
                  " bytes (server.max_body_bytes); send smaller batches");
    return;
  }
  if (ec == beast::error::timeout) {
    fail(408, "the request body did not arrive within " +
                  std::to_string(server_->options().read_timeout.count()) + " seconds");
    return;
  }
  if (ec) {
    if (ec == asio::error::eof || ec == bhttp::error::end_of_stream ||
        ec == asio::error::connection_reset || ec == bhttp::error::partial_message) {
      close();
      return;
    }
    fail(400, "malformed HTTP request body: " + ec.message());
    return;
  }
  dispatch_request();
}

void Session::dispatch_request() {
  auto& msg = parser_->get();
  Request request;
  request.method = std::string(msg.method_string());
  request.path = std::move(target_.path);
  request.query = std::move(target_.query);
  request.path_params = std::move(params_);
  request.principal = principal_;
  request.remote_address = remote_;
  for (const auto& field : msg) {
    request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(msg.body());

  if (auto encoding = request.header("content-encoding"); encoding && !encoding->empty()) {
    std::string enc = lower(*encoding);
    if (enc == "gzip" || enc == "x-gzip") {
      auto plain = core::gunzip(request.body,
                                static_cast<std::size_t>(server_->options().max_body_bytes));
      if (!plain.ok()) {
        respond(problem(plain.error()));
        return;
      }
      request.body = std::move(*plain);
    } else if (enc != "identity") {
      respond(problem(415, "Unsupported Media Type",
                      "Content-Encoding '" + enc + "' is not supported; send gzip or identity"));
      return;
    }
  }

  server_->request_started();
  counted_ = true;
  // Most handlers reply before they return, on this thread: their answer is written from here,
  // without a round trip through the executor. A reply from another thread (or after the handler
  // returned) is posted to the session's strand.
  struct ReplyState {
    std::atomic<bool> replied{false};
    std::atomic<bool> in_handler{true};
    std::thread::id handler_thread = std::this_thread::get_id();
    std::optional<Response> inline_response;
  };
  auto state = std::make_shared<ReplyState>();
  Reply reply = [self = shared_from_this(), state](Response response) {
    if (state->replied.exchange(true)) return;  // a second reply is a handler bug; drop it
    if (state->in_handler.load() && std::this_thread::get_id() == state->handler_thread) {
      state->inline_response = std::move(response);
      return;
    }
    asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
      self->respond(std::move(response));
    });
  };
  try {
    route_->handler(request, reply);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} threw: {}", request.method, route_label_, e.what());
    reply(problem(500, "Internal Server Error",
                  "the server failed while handling this request; the log has details"));
  }
  state->in_handler.store(false);
  if (state->inline_response) respond(std::move(*state->inline_response));
}

void Session::respond(Response response) {
  if (response.on_stream && response.status >= 200 && response.status < 300) {
    start_stream(std::move(response));
    return;
  }
  const auto& req = parser_->get();
  // Errors that leave the request stream in an unknown state (malformed, oversize, timeouts)
  // go through fail(), which sets close_after; other error statuses keep the connection.
  bool keep_alive = req.keep_alive() && !response.close_after && !server_->stopping();
  response_.emplace(static_cast<bhttp::status>(response.status), req.version());
  response_->set(bhttp::field::server, "aiir");
  response_->set(bhttp::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) response_->set(name, value);
  response_->body() = std::move(response.body);
  response_->keep_alive(keep_alive);
  response_->prepare_payload();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  server_->series_for(route_, req.method_string()).observe(response.status, seconds);
  stream_.expires_after(server_->options().read_timeout);
  bhttp::async_write(stream_, *response_,
                     [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                       self->on_write(keep_alive, ec);
                     });
}

void Session::respond_before_body(Response response) {
  // The body (if any) is still unread: the connection cannot carry another request.
  if (!parser_->is_done()) response.close_after = true;
  respond(std::move(response));
}

void Session::on_write(bool keep_alive, beast::error_code ec) {
  busy_ = false;
  if (counted_) {
    counted_ = false;
    server_->request_finished();
  }
  response_.reset();
  if (!ec && !keep_alive && parser_ && parser_->is_header_done() && !parser_->is_done()) {
    // We answered before reading the body (401, 403, 404, 413, ...) and the client may still be
    // sending it, as streaming exporters do. Closing now would make the kernel reset the
    // connection and the client could lose our answer; drop what it sends for a moment first.
    linger_then_close();
    return;
  }
  if (ec || !keep_alive) {
    close();
    return;
  }
  wait_for_next_request();
}

void Session::linger_then_close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  drain_buffer_ = std::make_unique<char[]>(kDrainChunkBytes);
  drain_budget_ = static_cast<std::uint64_t>(server_->options().max_body_bytes);
  stream_.expires_after(kLingerTime);
  drain();
}

void Session::drain() {
  stream_.async_read_some(asio::buffer(drain_buffer_.get(), kDrainChunkBytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            if (ec || n >= self->drain_budget_ || self->server_->stopping()) {
                              self->close();
                              return;
                            }
                            self->drain_budget_ -= n;
                            self->drain();
                          });
}

void Session::fail(int status, std::string_view detail) {
  // The request stream is in an unknown state: answer, then close the connection.
  Response r = problem(status, "", detail);
  r.close_after = true;
  if (!parser_ || !parser_->is_header_done()) {
    // No usable request to answer in the context of: write a minimal HTTP/1.1 response.
    parser_.emplace();
  }
  respond(std::move(r));
}

void Session::start_stream(Response response) {
  const auto& req = parser_->get();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  server_->series_for(route_, req.method_string()).observe(response.status, seconds);
  // The request is answered as far as shutdown is concerned: stop() must not wait for a stream
  // that would only end when the client leaves.
  if (counted_) {
    counted_ = false;
    server_->request_finished();
  }
  streaming_ = true;
  stream_chunked_ = req.version() >= 11;
  channel_ = std::make_shared<StreamChannel>(weak_from_this(),
                                             server_->options().stream_queue_bytes);
  if (server_->stopping()) {
    close();
    return;
  }
  std::string head = (stream_chunked_ ? "HTTP/1.1 " : "HTTP/1.0 ") +
                     std::to_string(response.status) + " " +
                     std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(response.status))) +
                     "\r\nServer: aiir\r\nContent-Type: " + response.content_type +
                     "\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  head += stream_chunked_ ? "Transfer-Encoding: chunked\r\n\r\n" : "Connection: close\r\n\r\n";
  stream_out_ = std::move(head);
  stream_writing_ = true;
  stream_.expires_after(server_->options().read_timeout);
  asio::async_write(stream_, asio::buffer(stream_out_),
                    [self = shared_from_this(), on_open = std::move(response.on_stream)](
                        beast::error_code ec, std::size_t) mutable {
                      self->stream_writing_ = false;
                      self->stream_out_.clear();
                      self->stream_.expires_never();
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->stream_last_write_ = std::chrono::steady_clock::now();
                      self->watch_stream_reader();
                      self->arm_stream_keepalive();
                      try {
                        on_open(self->channel_);
                      } catch (const std::exception& e) {
                        spdlog::error("stream handler for {} threw: {}", self->route_label_,
                                      e.what());
                        self->close();
                        return;
                      }
                      self->pump_stream();
                    });
}

void Session::watch_stream_reader() {
  // A client says nothing on an event stream; a read that completes with an error (or EOF) is
  // how its going away is noticed, without waiting for a write to fail. Read on the socket, not
  // the timed stream, so that write timeouts do not apply here.
  stream_.socket().async_read_some(
      asio::buffer(stream_read_buffer_),
      [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) {
          self->close();
          return;
        }
        self->watch_stream_reader();  // whatever it sent is ignored
      });
}

void Session::arm_stream_keepalive() {
  // Checks twice per period, so that a quiet stream gets its comment at most 1.5 periods after
  // its last write; a busy stream gets none.
  idle_timer_.expires_after(server_->options().stream_keepalive / 2);
  idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->channel_ || self->channel_->closed()) return;
    if (!self->stream_writing_ && std::chrono::steady_clock::now() - self->stream_last_write_ >=
                                      self->server_->options().stream_keepalive) {
      self->channel_->send(": keep-alive\n\n");
    }
    self->arm_stream_keepalive();
  });
}

void Session::pump_stream() {
  if (!channel_ || stream_writing_ || stream_ending_ || !stream_.socket().is_open()) return;
  std::string data;
  if (!channel_->take(data)) {
    if (!channel_->close_requested()) return;
    // The handler closed the stream and everything it queued is written: end the response.
    stream_ending_ = true;
    channel_->mark_closed();
    if (!stream_chunked_) {
      close();
      return;
    }
    stream_out_ = "0\r\n\r\n";
    stream_.expires_after(server_->options().read_timeout);
    asio::async_write(stream_, asio::buffer(stream_out_),
                      [self = shared_from_this()](beast::error_code, std::size_t) {
                        self->close();
                      });
    return;
  }
  if (stream_chunked_) {
    char size[24];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    stream_out_ = size;
    stream_out_ += data;
    stream_out_ += "\r\n";
  } else {
    stream_out_ = std::move(data);
  }
  stream_writing_ = true;
  stream_.expires_after(server_->options().read_timeout);
  asio::async_write(stream_, asio::buffer(stream_out_),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->stream_writing_ = false;
                      self->stream_.expires_never();
                      if (ec) {
                        self->close();  // gone, or did not take a write within read_timeout
                        return;
                      }
                      self->stream_last_write_ = std::chrono::steady_clock::now();
                      self->pump_stream();
                    });
}

void Session::close() {
  if (channel_) channel_->mark_closed();
  beast::error_code ec;
  idle_timer_.cancel();
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

void Server::Impl::add_session(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(mu_);
  sessions_[s.get()] = s;
}

void Server::Impl::remove_session(Session* s) {
  std::lock_guard lock(mu_);
  sessions_.erase(s);
}

core::Status Server::Impl::start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.address, ec);
  if (ec) {
    return core::invalid("server.listen_address '" + options_.address +
                         "' is not an IP address; use e.g. 127.0.0.1");
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Error(core::Code::kUnavailable, "cannot listen on " + options_.address + ":" +
                                                     std::to_string(options_.port) + ": " +
                                                     ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  work_.emplace(ioc_.get_executor());
  accept();
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { ioc_.run(); });
  }
  return {};
}

void Server::Impl::accept() {
  acceptor_.async_accept(asio::make_strand(ioc_),
                         [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                           if (self->stopping_) return;
                           if (!ec) {
                             socket.set_option(tcp::no_delay(true), ec);
                             std::make_shared<Session>(std::move(socket), self)->start();
                           }
                           self->accept();
                         });
}

void Server::Impl::stop(std::chrono::milliseconds grace) {
  if (stopped_.exchange(true)) return;
  stopping_ = true;
  asio::post(ioc_, [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
  });
  {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(mu_);
      for (auto& [ptr, weak] : sessions_) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->close_if_idle();
  }
  {
    std::unique_lock lock(mu_);
    drained_.wait_for(lock, grace, [this] { return in_flight_.load() == 0; });
  }
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  // Handlers still queued hold their sessions and this object. With no thread running, close
  // every socket and let those handlers finish with operation_aborted, so nothing outlives the
  // server (and no connection is left half-open).
  beast::error_code ec;
  acceptor_.close(ec);
  std::vector<std::shared_ptr<Session>> remaining;
  {
    std::lock_guard lock(mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) remaining.push_back(std::move(s));
    }
  }
  for (auto& s : remaining) s->close_now();
  remaining.clear();
  ioc_.restart();
  ioc_.run_for(std::chrono::seconds(2));
}

Server::Server(ServerOptions options, const Router& router, const KeyService& keys,
               Metrics& metrics)
    : impl_(std::make_shared<Impl>(std::move(options), router, keys, metrics)) {}

Server::~Server() { stop(std::chrono::milliseconds(0)); }

core::Status Server::start() { return impl_->start(); }
int Server::port() const { return impl_->port(); }
void Server::stop(std::chrono::milliseconds grace) { impl_->stop(grace); }

}  // namespace aiir::http
