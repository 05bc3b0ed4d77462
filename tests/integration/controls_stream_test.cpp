// The change stream and acknowledgements on the real binary: a subscriber gets the controls in
// force at once, then every change within a second; Last-Event-ID skips what it has; an instance
// reports what it applied and /v1/controls/instances shows it; drills (API and `aiir drill`)
// time a simulated instance that applies what the stream delivers, and are stored.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "server_fixture.h"

namespace aiir {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace json = boost::json;
using testing::text;

json::value parse(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  return ec ? json::value(json::object{}) : v;
}

std::int64_t number(const json::value& v, std::string_view key) {
  if (!v.is_object()) return -1;
  const json::value* m = v.as_object().if_contains(key);
  return m != nullptr && m->is_int64() ? m->as_int64() : -1;
}

struct Event {
  std::string id;
  std::string event;
  json::value data;
};

// A server-sent events client over a raw loopback socket: sends the request, reads the chunked
// body and splits it into events.
class SseClient {
 public:
  SseClient(const std::string& url, const std::string& key, const std::string& target,
            const std::string& last_event_id = "")
      : socket_(ioc_) {
    auto colon = url.rfind(':');
    socket_.connect({asio::ip::make_address("127.0.0.1"),
                     static_cast<unsigned short>(std::stoi(url.substr(colon + 1)))});
    timeval tv{0, 50'000};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                          key + "\r\nAccept: text/event-stream\r\n";
    if (!last_event_id.empty()) request += "Last-Event-ID: " + last_event_id + "\r\n";
    asio::write(socket_, asio::buffer(request + "\r\n"));
  }

  // The response's status line and headers ("" when none arrived within 3 s).
  std::string head() {
    auto deadline = std::chrono::steady_clock::now() + 3s;
    while (!headers_done_ && std::chrono::steady_clock::now() < deadline && !eof_) read_some();
    return head_;
  }

  // The next "controls" event (comments and retry lines skipped), or nullopt after `within`.
  std::optional<Event> next(std::chrono::milliseconds within = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (true) {
      while (true) {
        auto end = body_.find("\n\n");
        if (end == std::string::npos) break;
        std::string block = body_.substr(0, end);
        body_.erase(0, end + 2);
        Event e;
        std::string data;
        std::size_t at = 0;
        while (at <= block.size()) {
          auto nl = block.find('\n', at);
          std::string line = block.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
          if (line.rfind("id: ", 0) == 0) e.id = line.substr(4);
          if (line.rfind("event: ", 0) == 0) e.event = line.substr(7);
          if (line.rfind("data: ", 0) == 0) data += line.substr(6);
          if (nl == std::string::npos) break;
          at = nl + 1;
        }
        if (e.event.empty()) continue;  // ": keep-alive", "retry: ..."
        e.data = parse(data);
        return e;
      }
      if (std::chrono::steady_clock::now() > deadline || eof_) return std::nullopt;
      read_some();
    }
  }

  bool eof() const { return eof_; }

 private:
  void read_some() {
    char buf[8192];
    ssize_t n = ::recv(socket_.native_handle(), buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      eof_ = true;
      return;
    }
    if (n < 0) return;
    raw_.append(buf, static_cast<std::size_t>(n));
    if (!headers_done_) {
      auto end = raw_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      head_ = raw_.substr(0, end + 4);
      raw_.erase(0, end + 4);
      headers_done_ = true;
    }
    // De-chunk: "<hex size>\r\n<data>\r\n".
    while (true) {
      auto line_end = raw_.find("\r\n");
      if (line_end == std::string::npos) return;
      std::size_t size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
      if (raw_.size() < line_end + 2 + size + 2) return;
      body_ += raw_.substr(line_end + 2, size);
      raw_.erase(0, line_end + 2 + size + 2);
      if (size == 0) eof_ = true;
    }
  }

  asio::io_context ioc_;
  asio::ip::tcp::socket socket_;
  std::string raw_;
  std::string head_;
  std::string body_;
  bool headers_done_ = false;
  bool eof_ = false;
};

bool has_control(const json::value& data, const std::string& id) {
  if (!data.is_object() || !data.as_object().contains("controls")) return false;
  for (const auto& c : data.at("controls").as_array()) {
    if (text(c, "id") == id) return true;
  }
  return false;
}

class ControlsStreamTest : public testing::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    app_ = create_key("app", "refund-agent pods");
  }

  std::string stream_target(const std::string& instance) {
    return "/v1/controls/stream?workflow=support-refunds&instance=" + instance;
  }

  // Sets a pause as the responder; the stored control.
  json::value pause(const std::string& reason) {
    auto r = send(responder_, "POST", "/v1/controls",
                  R"({"workflow":"support-refunds","kind":"pause","reason":")" + reason + "\"}");
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body);
  }

  json::value instance(const std::string& id) {
    json::object list = get_json("/v1/controls/instances");
    if (!list.contains("instances")) return nullptr;
    for (const auto& item : list.at("instances").as_array()) {
      if (text(item, "instance") == id) return item;
    }
    return nullptr;
  }

  std::string app_;
};

TEST_F(ControlsStreamTest, SubscriberGetsTheStateAtOnceThenEachChangeWithinASecond) {
  SseClient client(url_, app_, stream_target("pod-1"));
  std::string head = client.head();
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_NE(head.find("text/event-stream"), std::string::npos) << head;

  auto first = client.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->event, "controls");
  EXPECT_EQ(first->id, std::to_string(number(first->data, "version")));
  EXPECT_EQ(text(first->data, "workflow"), "support-refunds");
  EXPECT_TRUE(first->data.at("controls").as_array().empty());

  auto began = std::chrono::steady_clock::now();
  json::value control = pause("refunds issued twice");
  const std::int64_t version = number(control, "controls_version");
  ASSERT_GT(version, 0);
  auto change = client.next(1000ms);
  ASSERT_TRUE(change.has_value()) << "no event within a second of the change";
  EXPECT_LT(std::chrono::steady_clock::now() - began, 1s);
  EXPECT_EQ(change->id, std::to_string(version));
  EXPECT_EQ(number(change->data, "version"), version);
  EXPECT_TRUE(has_control(change->data, text(control, "id")));

  // Delivered, not yet applied.
  json::value pod = instance("pod-1");
  ASSERT_TRUE(pod.is_object());
  EXPECT_TRUE(pod.at("connected").as_bool());
  EXPECT_EQ(number(pod, "delivered_version"), version);
  EXPECT_EQ(number(pod, "applied_version"), 0);

  auto applied = send(app_, "POST", "/v1/controls/applied",
                      R"({"instance":"pod-1","version":)" + std::to_string(version) +
                          R"(,"workflows":["support-refunds"]})");
  EXPECT_EQ(applied.status, 204) << applied.body;
  pod = instance("pod-1");
  ASSERT_TRUE(pod.is_object());
  EXPECT_EQ(number(pod, "applied_version"), version);
  EXPECT_FALSE(text(pod, "applied_at").empty());
  EXPECT_EQ(pod.at("workflows").as_array().size(), 1u);
  EXPECT_EQ(pod.at("workflows").as_array()[0].as_string(), "support-refunds");

  // The control itself says who has applied it, and when.
  json::value listed = get_json("/v1/controls/" + text(control, "id"));
  ASSERT_TRUE(listed.as_object().contains("applied_by")) << json::serialize(listed);
  const auto& by = listed.at("applied_by");
  EXPECT_EQ(number(by, "applied"), 1);
  EXPECT_EQ(number(by, "pending"), 0);
  ASSERT_EQ(by.at("instances").as_array().size(), 1u);
  EXPECT_EQ(text(by.at("instances").as_array()[0], "instance"), "pod-1");
  EXPECT_FALSE(text(by.at("instances").as_array()[0], "applied_at").empty());

  // A decide call carrying the instance's applied version acknowledges as well.
  cli::HttpClient app_client(url_, app_);
  auto asked = app_client.request("POST", "/v1/decide",
                                  R"({"workflow":"support-refunds","action":"llm"})",
                                  "application/json",
                                  {{"X-Aiir-Instance", "pod-2"},
                                   {"X-Aiir-Controls-Version", std::to_string(version)}});
  ASSERT_TRUE(asked.ok()) << asked.error().message();
  EXPECT_EQ(asked->status, 200) << asked->body;
  json::value pod2 = instance("pod-2");
  ASSERT_TRUE(pod2.is_object());
  EXPECT_EQ(number(pod2, "applied_version"), version);
}

TEST_F(ControlsStreamTest, LastEventIdSkipsTheStateTheClientHasAlready) {
  json::value control = pause("stop");
  const std::string version = std::to_string(number(control, "controls_version"));
  SseClient client(url_, viewer_, "/v1/controls/stream", version);
  EXPECT_EQ(client.head().rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_FALSE(client.next(300ms).has_value());
  json::value second = pause("stop harder");
  auto change = client.next(1000ms);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(number(change->data, "version"), number(second, "controls_version"));
  // Every workflow's controls when no workflow was asked for.
  EXPECT_FALSE(change->data.as_object().contains("workflow"));
  EXPECT_EQ(change->data.at("controls").as_array().size(), 2u);
}

TEST_F(ControlsStreamTest, APlainGetWithoutAcceptEventStreamGetsTheStateOnce) {
  json::value control = pause("stop");
  auto r = send(app_, "GET", "/v1/controls/stream?workflow=support-refunds");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  json::value state = parse(r.body);
  EXPECT_EQ(number(state, "version"), number(control, "controls_version"));
  EXPECT_TRUE(has_control(state, text(control, "id")));
}

TEST_F(ControlsStreamTest, ShutdownClosesOpenStreamsAtOnce) {
  SseClient a(url_, app_, stream_target("pod-1"));
  SseClient b(url_, viewer_, "/v1/controls/stream");
  ASSERT_TRUE(a.next().has_value());
  ASSERT_TRUE(b.next().has_value());
  auto began = std::chrono::steady_clock::now();
  server_->signal(SIGTERM);
  auto status = server_->wait(5s);
  ASSERT_TRUE(status.has_value()) << "the server did not stop with streams open";
  EXPECT_EQ(*status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
  EXPECT_FALSE(a.next(500ms).has_value());
  EXPECT_TRUE(a.eof());
}

TEST_F(ControlsStreamTest, WrongInputIsRefusedWithWhatToFix) {
  auto ahead = send(app_, "POST", "/v1/controls/applied", R"({"instance":"pod-1","version":999})");
  EXPECT_EQ(ahead.status, 400);
  EXPECT_NE(cli::problem_detail(ahead).find("ahead of the current controls version"),
            std::string::npos);
  auto nameless = send(app_, "POST", "/v1/controls/applied", R"({"version":0})");
  EXPECT_EQ(nameless.status, 400);
  EXPECT_NE(cli::problem_detail(nameless).find("instance"), std::string::npos);
  EXPECT_EQ(send(viewer_, "POST", "/v1/controls/applied", R"({"instance":"x","version":0})").status,
            403);
  EXPECT_EQ(send(app_, "GET", "/v1/controls/stream?workflow=no-such-flow").status, 404);
  EXPECT_EQ(send(app_, "GET", "/v1/controls/stream?instance=has%20space").status, 400);
  EXPECT_EQ(send(viewer_, "POST", "/v1/drills", R"({"workflow":"support-refunds"})").status, 403);
  EXPECT_EQ(send(responder_, "POST", "/v1/drills", R"({"workflow":"no-such-flow"})").status, 404);
}

// An application instance: applies whatever the stream delivers and acknowledges it.
class SimulatedInstance {
 public:
  SimulatedInstance(const std::string& url, const std::string& key, const std::string& id)
      : thread_([this, url, key, id] {
          SseClient stream(url, key, "/v1/controls/stream?workflow=support-refunds&instance=" + id);
          cli::HttpClient client(url, key);
          while (!stop_) {
            auto event = stream.next(50ms);
            if (!event) continue;
            auto r = client.post("/v1/controls/applied",
                                 R"({"instance":")" + id + R"(","version":)" + event->id + "}");
            if (r.ok() && r->status == 204) acknowledged_++;
          }
        }) {}
  ~SimulatedInstance() {
    stop_ = true;
    thread_.join();
  }
  int acknowledged() const { return acknowledged_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> acknowledged_{0};
  std::thread thread_;
};

TEST_F(ControlsStreamTest, DrillTimesAnInstanceThatAppliesWhatTheStreamDelivers) {
  SimulatedInstance pod(url_, app_, "pod-7");
  ASSERT_TRUE(testing::eventually([&] { return pod.acknowledged() >= 1; }, 5s));

  auto r = send(responder_, "POST", "/v1/drills",
                R"({"workflow":"support-refunds","timeout_seconds":5})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value drill = parse(r.body);
  EXPECT_EQ(text(drill, "state"), "passed") << r.body;
  EXPECT_EQ(text(drill, "id").rfind("drill-", 0), 0u);
  const auto& instances = drill.at("instances").as_array();
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(text(instances[0], "instance"), "pod-7");
  EXPECT_LT(instances[0].at("time_to_apply_ms").to_number<double>(), 1000.0);
  EXPECT_EQ(text(drill.at("slowest"), "instance"), "pod-7");
  EXPECT_TRUE(drill.at("timed_out").as_array().empty());

  // The drill control is lifted again.
  json::object controls = get_json("/v1/controls");
  EXPECT_EQ(json::serialize(controls).find("\"drill\""), std::string::npos)
      << json::serialize(controls);

  // Stored: listed and readable.
  json::object list = get_json("/v1/drills?workflow=support-refunds");
  ASSERT_TRUE(list.contains("drills"));
  ASSERT_EQ(list.at("drills").as_array().size(), 1u);
  json::object one = get_json("/v1/drills/" + text(drill, "id"));
  EXPECT_EQ(text(one, "state"), "passed");
  EXPECT_EQ(send(viewer_, "GET", "/v1/drills/drill-000000000000").status, 404);

  // The CLI prints each instance and the verdict.
  auto cli = testing::run_command({AIIR_BINARY, "--server", url_, "--key", responder_, "drill",
                                   "support-refunds", "--timeout", "5s"},
                                  dir_.path(), 20s);
  EXPECT_EQ(cli.status, 0) << cli.out << cli.err;
  EXPECT_NE(cli.out.find("pod-7"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("PASSED"), std::string::npos) << cli.out;
}

TEST_F(ControlsStreamTest, DrillWithoutInstancesSaysNothingWasMeasured) {
  auto cli = testing::run_command({AIIR_BINARY, "--server", url_, "--key", responder_, "--json",
                                   "drill", "support-refunds", "--timeout", "2s"},
                                  dir_.path(), 20s);
  EXPECT_EQ(cli.status, 0) << cli.out << cli.err;
  json::value answer = parse(cli.out);
  EXPECT_EQ(text(answer, "state"), "no_instances") << cli.out;
}

}  // namespace
}  // namespace aiir
