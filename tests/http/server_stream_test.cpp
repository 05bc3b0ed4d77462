// Event streams (server-sent events) on the real HTTP server over loopback: headers of an endless
// response, pieces written in order from any thread, a client that leaves is noticed, a handler
// can end the response, a reader that falls too far behind is cut off, keep-alive comments hold
// an idle stream open past the idle timeout, stop() closes streams at once, and the request is
// counted in the metrics.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "http/server.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::http {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

// The streams the /events handler was given, for the test to write into.
class Streams {
 public:
  void add(std::shared_ptr<EventStream> stream) {
    std::lock_guard lock(mu_);
    streams_.push_back(std::move(stream));
    cv_.notify_all();
  }
  // The n-th stream opened (0-based), waiting up to 3 s; null when it did not open.
  std::shared_ptr<EventStream> wait(std::size_t n = 0) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 3s, [&] { return streams_.size() > n; });
    return streams_.size() > n ? streams_[n] : nullptr;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<EventStream>> streams_;
};

// A blocking loopback client that reads what arrives, with deadlines.
class Client {
 public:
  explicit Client(int port, int receive_buffer = 0) : socket_(ioc_) {
    socket_.open(asio::ip::tcp::v4());
    if (receive_buffer > 0) {
      socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    }
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    timeval tv{0, 50'000};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // Reads until `text` has arrived (true) or `within` passes or the server closes (false).
  bool read_until(const std::string& text, std::chrono::milliseconds within = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (received_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline || eof_) return false;
      read_some();
    }
    return true;
  }
  // Reads until the server closes the connection; false when it has not within `within`.
  bool read_until_closed(std::chrono::milliseconds within = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (!eof_) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      read_some();
    }
    return true;
  }
  const std::string& received() const { return received_; }
  void close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  void read_some() {
    char buf[4096];
    ssize_t n = ::recv(socket_.native_handle(), buf, sizeof buf, 0);
    if (n > 0) {
      received_.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      eof_ = true;
    }
  }

  asio::io_context ioc_;
  asio::ip::tcp::socket socket_;
  std::string received_;
  bool eof_ = false;
};

class ServerStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_sqlite_store({":memory:"});
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
    keys_ = std::make_unique<KeyService>(*store_, clock_);
    auto created = keys_->create(model::Role::kViewer, "test", "test");
    ASSERT_TRUE(created.ok());
    key_ = created->secret;
    auto streams = streams_;
    router_ = std::make_unique<Router>(std::vector<Route>{
        Route{"GET", "/events", {model::Role::kViewer}, false, "",
              [streams](Request&, Reply reply) {
                reply(Response::event_stream(
                    [streams](std::shared_ptr<EventStream> s) { streams->add(std::move(s)); }));
              }},
        Route{"GET", "/open", {}, true, "", [](Request&, Reply reply) {
                reply(Response::text(200, "ok"));
              }},
    });
  }
  void TearDown() override {
    if (server_) server_->stop(1s);
  }

  void start(ServerOptions options = {}) {
    options.port = 0;
    options.header_timeout = 1s;
    options.read_timeout = 2s;
    options.idle_timeout = 1s;
    server_ = std::make_unique<Server>(options, *router_, *keys_, metrics_);
    ASSERT_TRUE(server_->start().ok());
  }

  // A client that has asked for /events and read the response headers.
  std::unique_ptr<Client> subscribe(int receive_buffer = 0) {
    auto client = std::make_unique<Client>(server_->port(), receive_buffer);
    client->send("GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key_ +
                 "\r\nAccept: text/event-stream\r\n\r\n");
    EXPECT_TRUE(client->read_until("\r\n\r\n")) << client->received();
    return client;
  }

  core::SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<KeyService> keys_;
  Metrics metrics_;
  std::shared_ptr<Streams> streams_ = std::make_shared<Streams>();
  std::unique_ptr<Router> router_;
  std::unique_ptr<Server> server_;
  std::string key_;
};

TEST_F(ServerStreamTest, WritesEventStreamHeadersAndPiecesInTheOrderSent) {
  start();
  auto client = subscribe();
  const std::string& head = client->received();
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Cache-Control: no-cache\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;

  auto stream = streams_->wait();
  ASSERT_NE(stream, nullptr);
  // From another thread, as a control change would.
  std::thread writer([stream] {
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(stream->send("data: " + std::to_string(i) + "\n\n"));
  });
  writer.join();
  ASSERT_TRUE(client->read_until("data: 49\n\n")) << client->received();
  std::size_t at = 0;
  for (int i = 0; i < 50; ++i) {
    auto next = client->received().find("data: " + std::to_string(i) + "\n\n", at);
    ASSERT_NE(next, std::string::npos) << "event " << i << " missing or out of order";
    at = next;
  }
  EXPECT_FALSE(stream->closed());
}

TEST_F(ServerStreamTest, NoticesAClientThatLeaves) {
  start();
  auto client = subscribe();
  auto stream = streams_->wait();
  ASSERT_NE(stream, nullptr);
  std::promise<void> closed;
  stream->on_close([&closed] { closed.set_value(); });
  client->close();
  ASSERT_EQ(closed.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_TRUE(stream->closed());
  EXPECT_FALSE(stream->send("data: too late\n\n"));
  // A callback registered after the close runs at once.
  bool ran = false;
  stream->on_close([&ran] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST_F(ServerStreamTest, HandlerCloseEndsTheResponseAfterWhatWasQueued) {
  start();
  auto client = subscribe();
  auto stream = streams_->wait();
  ASSERT_NE(stream, nullptr);
  EXPECT_TRUE(stream->send("data: last\n\n"));
  stream->close();
  EXPECT_FALSE(stream->send("data: after close\n\n"));
  ASSERT_TRUE(client->read_until_closed()) << client->received();
  EXPECT_NE(client->received().find("data: last\n\n"), std::string::npos);
  // The chunked body's terminating chunk.
  EXPECT_NE(client->received().rfind("\r\n0\r\n\r\n"), std::string::npos) << client->received();
  EXPECT_EQ(client->received().find("after close"), std::string::npos);
}

TEST_F(ServerStreamTest, AReaderTooFarBehindIsDisconnectedInsteadOfBuffered) {
  ServerOptions options;
  options.stream_queue_bytes = 64 * 1024;
  start(options);
  auto client = subscribe(/*receive_buffer=*/4096);  // and never reads again
  auto stream = streams_->wait();
  ASSERT_NE(stream, nullptr);
  std::promise<void> closed;
  stream->on_close([&closed] { closed.set_value(); });
  const std::string event = "data: " + std::string(8 * 1024, 'x') + "\n\n";
  int accepted = 0;
  // At most 64 MiB: far more than socket buffers plus the queue can hold.
  for (; accepted < 8 * 1024; ++accepted) {
    if (!stream->send(event)) break;
    if (accepted % 64 == 0) std::this_thread::sleep_for(1ms);  // let the writes fill the socket
  }
  EXPECT_LT(accepted, 8 * 1024) << "the queue was never bounded";
  ASSERT_EQ(closed.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_TRUE(stream->closed());
}

TEST_F(ServerStreamTest, KeepAliveCommentsHoldAnIdleStreamPastTheIdleTimeout) {
  ServerOptions options;
  options.stream_keepalive = 200ms;
  start(options);  // idle timeout 1 s
  auto client = subscribe();
  auto stream = streams_->wait();
  ASSERT_NE(stream, nullptr);
  ASSERT_FALSE(client->read_until("never sent", 1500ms));
  EXPECT_NE(client->received().find(": keep-alive\n\n"), std::string::npos) << client->received();
  EXPECT_FALSE(stream->closed());
  EXPECT_TRUE(stream->send("data: still here\n\n"));
  EXPECT_TRUE(client->read_until("data: still here\n\n"));
}

TEST_F(ServerStreamTest, StopClosesOpenStreamsWithoutWaitingForTheGracePeriod) {
  start();
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::shared_ptr<std::promise<void>>> closed;
  for (std::size_t i = 0; i < 3; ++i) {
    clients.push_back(subscribe());
    auto stream = streams_->wait(i);
    ASSERT_NE(stream, nullptr);
    auto promise = std::make_shared<std::promise<void>>();
    stream->on_close([promise] { promise->set_value(); });
    closed.push_back(promise);
  }
  auto began = std::chrono::steady_clock::now();
  server_->stop(10s);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
  for (auto& promise : closed) {
    EXPECT_EQ(promise->get_future().wait_for(0s), std::future_status::ready);
  }
  for (auto& client : clients) EXPECT_TRUE(client->read_until_closed(1000ms));
}

TEST_F(ServerStreamTest, AThousandOpenStreamsEachGetAnEventWithoutAThreadEach) {
  start();  // two I/O threads
  auto threads = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                         std::filesystem::directory_iterator());
  };
  const auto threads_before = threads();
  constexpr std::size_t kStreams = 1000;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::shared_ptr<EventStream>> streams;
  for (std::size_t i = 0; i < kStreams; ++i) {
    clients.push_back(subscribe());
    streams.push_back(streams_->wait(i));
    ASSERT_NE(streams.back(), nullptr) << "stream " << i;
  }
  EXPECT_EQ(threads(), threads_before);
  auto began = std::chrono::steady_clock::now();
  for (auto& stream : streams) EXPECT_TRUE(stream->send("id: 7\nevent: controls\ndata: {}\n\n"));
  for (auto& client : clients) ASSERT_TRUE(client->read_until("id: 7\n"));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
}

TEST_F(ServerStreamTest, TheStreamRequestIsCountedInTheMetrics) {
  start();
  auto client = subscribe();
  ASSERT_NE(streams_->wait(), nullptr);
  std::string metrics = metrics_.render();
  EXPECT_NE(metrics.find("route=\"/events\""), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("status=\"200\""), std::string::npos) << metrics;
}

}  // namespace
}  // namespace aiir::http
