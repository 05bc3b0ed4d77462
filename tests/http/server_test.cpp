// The HTTP server against misbehaving and well-behaved clients on loopback.
#include "http/server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <future>
#include <thread>

#include "cli/http_client.h"
#include "core/gzip.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::http {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_sqlite_store({":memory:"});
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
    keys_ = std::make_unique<KeyService>(*store_, clock_);
    auto created = keys_->create(model::Role::kViewer, "test", "test");
    ASSERT_TRUE(created.ok());
    key_ = created->secret;
    router_ = std::make_unique<Router>(std::vector<Route>{
        Route{"POST", "/echo", {model::Role::kViewer}, false, "", [](Request& r, Reply reply) {
                reply(Response::text(200, r.body));
              }},
        Route{"GET", "/slow", {model::Role::kViewer}, false, "", [](Request&, Reply reply) {
                std::thread([reply] {
                  std::this_thread::sleep_for(300ms);
                  reply(Response::text(200, "finished"));
                }).detach();
              }},
        Route{"GET", "/open", {}, true, "", [](Request&, Reply reply) {
                reply(Response::text(200, "ok"));
              }},
    });
    ServerOptions options;
    options.port = 0;
    options.max_body_bytes = 1024;
    options.header_timeout = 1s;
    options.read_timeout = 2s;
    options.idle_timeout = 2s;
    server_ = std::make_unique<Server>(options, *router_, *keys_, metrics_);
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override { server_->stop(1s); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // Sends raw bytes and returns whatever the server answers before closing (up to 3 s).
  std::string raw_exchange(const std::string& bytes) {
    asio::io_context ioc;
    asio::ip::tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())});
    asio::write(socket, asio::buffer(bytes));
    std::string out;
    char buf[4096];
    boost::system::error_code ec;
    timeval tv{3, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (true) {
      std::size_t n = socket.read_some(asio::buffer(buf), ec);
      if (ec || n == 0) break;
      out.append(buf, n);
    }
    return out;
  }

  core::SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<KeyService> keys_;
  Metrics metrics_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<Server> server_;
  std::string key_;
};

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  cli::HttpClient client(url(), key_);
  for (int i = 0; i < 20; ++i) {
    auto r = client.request("POST", "/echo", "hello " + std::to_string(i), "text/plain");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello " + std::to_string(i));
  }
}

TEST_F(ServerTest, OversizeBodyGets413AsProblemJson) {
  cli::HttpClient client(url(), key_);
  auto r = client.request("POST", "/echo", std::string(2000, 'x'), "text/plain");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->content_type, "application/problem+json");
  EXPECT_NE(cli::problem_detail(*r).find("1024"), std::string::npos);
}

TEST_F(ServerTest, OversizeChunkedBodyGets413) {
  std::string chunk(1500, 'y');
  char size[16];
  std::snprintf(size, sizeof size, "%zx", chunk.size());
  std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key_ +
                        "\r\nTransfer-Encoding: chunked\r\n\r\n" + size + "\r\n" + chunk +
                        "\r\n0\r\n\r\n";
  std::string answer = raw_exchange(request);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
}

TEST_F(ServerTest, EarlyAnswerReachesAClientStillStreamingItsBody) {
  // A streaming exporter without a key: the server answers 401 after the headers while the
  // client keeps writing its body. The client must get the 401, not a reset connection.
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())});
  asio::write(socket, asio::buffer(std::string(
                          "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")));
  std::this_thread::sleep_for(50ms);  // the answer is on its way
  std::string chunk(64 * 1024, 'z');
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
  boost::system::error_code ec;
  for (int i = 0; i < 8 && !ec; ++i) asio::write(socket, asio::buffer(size + chunk + "\r\n"), ec);
  std::string answer;
  char buf[4096];
  timeval tv{3, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (true) {
    std::size_t n = socket.read_some(asio::buffer(buf), ec);
    if (ec || n == 0) break;
    answer.append(buf, n);
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer.substr(0, 200) << " / " << ec.message();
}

TEST_F(ServerTest, ChunkedBodyWithoutContentLengthIsAccepted) {
  std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key_ +
                        "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  std::string answer = raw_exchange(request);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("hello world"), std::string::npos);
}

TEST_F(ServerTest, GzipBodyIsDecompressedAndAGzipBombIsRefused) {
  cli::HttpClient client(url(), key_);
  auto ok = client.request("POST", "/echo", core::gzip("compressed hello"), "text/plain",
                           {{"Content-Encoding", "gzip"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body, "compressed hello");
  auto bomb = client.request("POST", "/echo", core::gzip(std::string(100000, 'z')), "text/plain",
                             {{"Content-Encoding", "gzip"}});
  ASSERT_TRUE(bomb.ok());
  EXPECT_EQ(bomb->status, 413);
  auto other = client.request("POST", "/echo", "x", "text/plain", {{"Content-Encoding", "br"}});
  EXPECT_EQ(other->status, 415);
}

TEST_F(ServerTest, MalformedRequestGets400AndTheServerKeepsServing) {
  std::string answer = raw_exchange("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  cli::HttpClient client(url(), "");
  EXPECT_EQ(client.get("/open")->status, 200);
}

TEST_F(ServerTest, SlowClientIsDisconnectedAfterTheHeaderTimeout) {
  auto began = std::chrono::steady_clock::now();
  std::string answer = raw_exchange("GET /open HTTP/1.1\r\nHost: x\r\n");  // never finishes
  auto waited = std::chrono::steady_clock::now() - began;
  EXPECT_LT(waited, 2900ms);  // closed by the 1 s header timeout, not by our 3 s read timeout
  cli::HttpClient client(url(), "");
  EXPECT_EQ(client.get("/open")->status, 200);
}

TEST_F(ServerTest, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
  cli::HttpClient client(url(), key_);
  auto missing = client.get("/nope");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->content_type, "application/problem+json");
  auto wrong = client.get("/echo");
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->header("Allow"), "POST");
}

TEST_F(ServerTest, StopLetsAnInFlightRequestFinish) {
  auto answer = std::async(std::launch::async, [this] {
    cli::HttpClient client(url(), key_);
    return client.get("/slow");
  });
  std::this_thread::sleep_for(100ms);  // the request is now in its handler
  server_->stop(5s);
  auto r = answer.get();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finished");
  cli::HttpClient late(url(), "");
  EXPECT_FALSE(late.get("/open").ok());  // no longer accepting
}

TEST_F(ServerTest, MetricsCountRequestsByRoutePatternAndStatus) {
  cli::HttpClient client(url(), key_);
  ASSERT_TRUE(client.get("/open").ok());
  ASSERT_TRUE(client.get("/nope").ok());
  std::string text = metrics_.render();
  EXPECT_NE(text.find(R"(aiir_http_requests_total{method="GET",route="/open",status="200"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(route="unmatched",status="404"} 1)"), std::string::npos);
  EXPECT_NE(text.find("aiir_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(text.find("aiir_build_info{version="), std::string::npos);
}

}  // namespace
}  // namespace aiir::http
