// Propagation of a control change to connected applications: 1,000 subscribers of
// GET /v1/controls/stream?workflow=support-refunds&instance=bench-N (server-sent events,
// docs/control-stream.md), against the real server started in this process. Each change (a
// control set, then lifted) is timed from the moment the POST is sent to the moment each
// subscriber has read the event carrying the new version; p50 / p99 / max over every subscriber
// and every change. Target: p99 under 200 ms.
//
// The subscribers are one thread of asynchronous I/O in this process (like an SSE client
// library), reading the chunked stream and parsing the events as an EventSource would.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "bench_server.h"
#include "bench_support.h"
#include "http_load.h"

namespace {

using namespace aiir;
namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;

constexpr int kSubscribers = 1000;
constexpr int kChanges = 10;  // five controls set, each lifted again
constexpr auto kWait = std::chrono::seconds(20);

// What every subscriber has seen, shared with the main thread: for the change being timed,
// when each subscriber first read a version above `floor`.
class Arrivals {
 public:
  explicit Arrivals(int subscribers) : at_(static_cast<std::size_t>(subscribers)) {}

  // Starts timing a change: versions above `floor` count from now on.
  void expect_above(std::int64_t floor) {
    std::lock_guard lock(mu_);
    floor_ = floor;
    arrived_ = 0;
    for (auto& a : at_) a.reset();
  }

  void arrived(int subscriber, std::int64_t version) {
    const auto now = bench::Clock::now();
    std::lock_guard lock(mu_);
    latest_ = std::max(latest_, version);
    auto& slot = at_[static_cast<std::size_t>(subscriber)];
    if (version <= floor_ || slot) return;
    slot = now;
    if (++arrived_ == static_cast<int>(at_.size())) all_.notify_all();
  }

  void failed(std::string why) {
    std::lock_guard lock(mu_);
    if (failure_.empty()) failure_ = std::move(why);
    all_.notify_all();
  }

  // Waits until every subscriber has the change; throws on a broken stream or a timeout.
  std::vector<bench::Clock::time_point> wait_all() {
    std::unique_lock lock(mu_);
    const bool all = all_.wait_for(lock, kWait, [this] {
      return arrived_ == static_cast<int>(at_.size()) || !failure_.empty();
    });
    if (!failure_.empty()) throw std::runtime_error(failure_);
    if (!all) {
      throw std::runtime_error("only " + std::to_string(arrived_) + " of " +
                               std::to_string(at_.size()) + " subscribers got the change within " +
                               std::to_string(kWait.count()) + " s");
    }
    std::vector<bench::Clock::time_point> out;
    for (const auto& a : at_) out.push_back(*a);
    return out;
  }

  std::int64_t latest() const {
    std::lock_guard lock(mu_);
    return latest_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable all_;
  std::int64_t floor_ = -1;
  std::int64_t latest_ = -1;
  int arrived_ = 0;
  std::vector<std::optional<bench::Clock::time_point>> at_;
  std::string failure_;
};

// One EventSource-like client: sends the GET, checks the status, undoes the chunked framing and
// reports each `controls` event's id (the controls version).
class Subscriber {
 public:
  Subscriber(asio::io_context& io, tcp::endpoint server, std::string request, int index,
             Arrivals& arrivals)
      : socket_(io), server_(server), request_(std::move(request)), index_(index),
        arrivals_(arrivals) {}

  void start() {
    socket_.async_connect(server_, [this](boost::system::error_code ec) {
      if (ec) return fail("cannot connect: " + ec.message());
      asio::async_write(socket_, asio::buffer(request_),
                        [this](boost::system::error_code ec2, std::size_t) {
                          if (ec2) return fail("cannot send the request: " + ec2.message());
                          read();
                        });
    });
  }

  void close() {
    closing_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [this](boost::system::error_code ec,
                                                          std::size_t n) {
      if (ec) return fail("the stream ended: " + ec.message());
      if (!take(std::string_view(buffer_.data(), n))) return;
      read();
    });
  }

  void fail(const std::string& why) {
    if (closing_) return;
    arrivals_.failed("subscriber " + std::to_string(index_) + ": " + why);
  }

  // Response bytes as they come: the head, then the body (chunked or not).
  bool take(std::string_view bytes) {
    if (!head_done_) {
      head_ += bytes;
      auto end = head_.find("\r\n\r\n");
      if (end == std::string::npos) return true;
      if (head_.compare(0, 12, "HTTP/1.1 200") != 0 && head_.compare(0, 12, "HTTP/1.0 200") != 0) {
        fail("the stream was refused: " + head_.substr(0, head_.find("\r\n")));
        return false;
      }
      std::string lower;
      for (char c : head_.substr(0, end)) lower += static_cast<char>(std::tolower(c));
      chunked_ = lower.find("transfer-encoding: chunked") != std::string::npos;
      head_done_ = true;
      std::string rest = head_.substr(end + 4);
      head_.clear();
      return body(rest);
    }
    return body(bytes);
  }

  bool body(std::string_view bytes) {
    if (!chunked_) {
      events(bytes);
      return true;
    }
    while (!bytes.empty()) {
      switch (chunk_state_) {
        case ChunkState::kSize: {
          auto nl = bytes.find('\n');
          size_line_ += bytes.substr(0, nl);
          if (nl == std::string_view::npos) return true;
          bytes.remove_prefix(nl + 1);
          chunk_left_ = std::strtoull(size_line_.c_str(), nullptr, 16);
          size_line_.clear();
          if (chunk_left_ == 0) {
            fail("the server ended the stream");
            return false;
          }
          chunk_state_ = ChunkState::kData;
          break;
        }
        case ChunkState::kData: {
          const std::size_t n = std::min<std::size_t>(chunk_left_, bytes.size());
          events(bytes.substr(0, n));
          bytes.remove_prefix(n);
          chunk_left_ -= n;
          if (chunk_left_ == 0) chunk_state_ = ChunkState::kDataEnd;
          break;
        }
        case ChunkState::kDataEnd: {  // the CRLF after a chunk's data
          auto nl = bytes.find('\n');
          if (nl == std::string_view::npos) return true;
          bytes.remove_prefix(nl + 1);
          chunk_state_ = ChunkState::kSize;
          break;
        }
      }
    }
    return true;
  }

  // Server-sent events: "field: value" lines, an event ends at a blank line.
  void events(std::string_view text) {
    for (char c : text) {
      if (c != '\n') {
        line_ += c;
        continue;
      }
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      if (line_.empty()) {
        if (event_ == "controls" && id_) arrivals_.arrived(index_, *id_);
        event_ = "message";
        id_.reset();
      } else if (line_.rfind("id: ", 0) == 0) {
        id_ = std::strtoll(line_.c_str() + 4, nullptr, 10);
      } else if (line_.rfind("event: ", 0) == 0) {
        event_ = line_.substr(7);
      }
      line_.clear();
    }
  }

  enum class ChunkState { kSize, kData, kDataEnd };

  tcp::socket socket_;
  tcp::endpoint server_;
  std::string request_;
  int index_;
  Arrivals& arrivals_;
  std::array<char, 8192> buffer_{};
  bool closing_ = false;
  bool head_done_ = false;
  bool chunked_ = false;
  std::string head_;
  ChunkState chunk_state_ = ChunkState::kSize;
  std::uint64_t chunk_left_ = 0;
  std::string size_line_;
  std::string line_;
  std::string event_ = "message";
  std::optional<std::int64_t> id_;
};

// Two sockets per subscriber live in this process (client and server side), plus the store's.
void raise_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = 4 * kSubscribers + 256;
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

int main() {
  raise_file_limit();
  try {
    bench::BenchServer server;
    const std::string app_key = server.create_key("app", "bench-subscribers");
    const auto [host, port] = bench::host_and_port(server.base_url());
    const tcp::endpoint endpoint(asio::ip::make_address(host), static_cast<unsigned short>(port));

    asio::io_context io(1);
    auto work = asio::make_work_guard(io);
    Arrivals arrivals(kSubscribers);
    std::vector<std::unique_ptr<Subscriber>> subscribers;
    for (int i = 0; i < kSubscribers; ++i) {
      std::string request = "GET /v1/controls/stream?workflow=support-refunds&instance=bench-" +
                            std::to_string(i) + " HTTP/1.1\r\nHost: " + host + ":" +
                            std::to_string(port) + "\r\nAuthorization: Bearer " + app_key +
                            "\r\nAccept: text/event-stream\r\n\r\n";
      subscribers.push_back(
          std::make_unique<Subscriber>(io, endpoint, std::move(request), i, arrivals));
    }
    std::thread io_thread([&io] { io.run(); });

    bench::heading("control change → 1,000 stream subscribers (aiir in process; " +
                   bench::machine_summary() + ")");
    // Every subscriber's first event is the state at connection time.
    const auto connect_begin = bench::Clock::now();
    arrivals.expect_above(-1);
    for (auto& s : subscribers) asio::post(io, [&s] { s->start(); });
    std::optional<std::string> failure;
    std::vector<double> millis;
    std::vector<double> slowest;
    try {
      arrivals.wait_all();
      bench::report(std::to_string(kSubscribers) + " subscribers connected, first event read",
                    bench::seconds_since(connect_begin) * 1000, "ms");

      std::string control_id;
      for (int change = 0; change < kChanges; ++change) {
        arrivals.expect_above(arrivals.latest());
        const auto sent = bench::Clock::now();
        if (change % 2 == 0) {
          control_id = server.set_control(
              {{"workflow", "support-refunds"},
               {"kind", "block_source"},
               {"source", "bench-source-" + std::to_string(change)},
               {"reason", "benchmark: propagation measured"}});
        } else {
          server.lift_control(control_id);
        }
        double worst = 0;
        for (const auto& at : arrivals.wait_all()) {
          const double ms = std::chrono::duration<double, std::milli>(at - sent).count();
          millis.push_back(ms);
          worst = std::max(worst, ms);
        }
        slowest.push_back(worst);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
    asio::post(io, [&] {
      for (auto& s : subscribers) s->close();
    });
    work.reset();
    io_thread.join();
    if (failure) throw std::runtime_error(*failure);

    const std::string over = " (" + std::to_string(kChanges) + " changes x " +
                             std::to_string(kSubscribers) + " subscribers)";
    bench::report("POST sent → event read, p50" + over, bench::percentile(millis, 50), "ms");
    bench::report("POST sent → event read, p99" + over, bench::percentile(millis, 99),
                  "ms   (target < 200 ms)");
    bench::report("POST sent → event read, max" + over, bench::percentile(millis, 100), "ms");
    bench::report("last subscriber reached, median over the changes", bench::median(slowest),
                  "ms");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream_bench: %s\n", e.what());
    return 1;
  }
}
