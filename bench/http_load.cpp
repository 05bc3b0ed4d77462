#include "http_load.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "bench_support.h"

namespace aiir::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxAnswerBytes = 16 * 1024 * 1024;
constexpr std::size_t kFailureExcerptBytes = 300;

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

bool has_header(const HttpRequestTemplate& t, std::string_view name) {
  return std::any_of(t.headers.begin(), t.headers.end(), [name](const auto& h) {
    return beast::iequals(h.first, name);
  });
}

// The request's bytes, formatted once and written as they are for every request.
std::string serialize(const HttpRequestTemplate& t, const std::string& host, int port) {
  std::string out = t.method + " " + t.target + " HTTP/1.1\r\nHost: " + host + ":" +
                    std::to_string(port) + "\r\n";
  for (const auto& [name, value] : t.headers) out += name + ": " + value + "\r\n";
  const bool has_body = !t.body.empty() || t.method == "POST" || t.method == "PUT" ||
                        t.method == "PATCH";
  if (has_body) {
    if (!has_header(t, "content-type")) out += "Content-Type: application/json\r\n";
    out += "Content-Length: " + std::to_string(t.body.size()) + "\r\n";
  }
  out += "\r\n";
  out += t.body;
  return out;
}

// One thread's share of the load: its own io_context, connections and schedule.
class Generator {
 public:
  Generator(const LoadOptions& options, std::string request, int connections, double rate)
      : options_(options),
        request_(std::move(request)),
        connection_count_(std::max(1, connections)),
        rate_(rate),
        timer_(io_),
        deadline_(io_) {}

  LoadResult run() {
    const double cpu_before = thread_cpu_seconds();
    if (!connect_all()) return std::move(result_);
    begin_ = bench::Clock::now();
    measure_from_ = begin_ + options_.warmup;
    stop_at_ = measure_from_ + options_.duration;
    result_.seconds = std::chrono::duration<double>(options_.duration).count();
    deadline_.expires_at(stop_at_ + options_.drain);
    deadline_.async_wait([this](beast::error_code ec) {
      if (!ec) io_.stop();  // answers still outstanding are counted below
    });
    if (rate_ > 0) {
      const double total_seconds =
          std::chrono::duration<double>(options_.warmup + options_.duration).count();
      total_ = static_cast<std::uint64_t>(std::floor(rate_ * total_seconds));
      for (auto& c : connections_) idle_.push_back(c.get());
      pump();
    } else {
      for (auto& c : connections_) start_request(*c, bench::Clock::now());
    }
    io_.run();
    if (rate_ > 0) {
      // Not sent, or sent and not answered, by the deadline: the server fell behind the rate.
      for (std::uint64_t i = next_; i < total_; ++i) {
        if (scheduled(i) >= measure_from_) ++result_.unanswered;
      }
      for (auto& c : connections_) {
        if (c->busy && c->origin >= measure_from_) ++result_.unanswered;
      }
    }
    for (auto& c : connections_) {
      beast::error_code ignored;
      c->socket.close(ignored);
    }
    result_.generator_cpu_seconds = thread_cpu_seconds() - cpu_before;
    return std::move(result_);
  }

 private:
  struct Connection {
    explicit Connection(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    std::optional<bhttp::response_parser<bhttp::string_body>> parser;
    bench::Clock::time_point origin;  // latency is measured from here
    bool busy = false;
  };

  bool connect_all() {
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || endpoints.empty()) {
      fail_to_connect("cannot resolve " + options_.host + ": " + ec.message());
      return false;
    }
    endpoint_ = endpoints.begin()->endpoint();
    for (int i = 0; i < connection_count_; ++i) {
      auto c = std::make_unique<Connection>(io_);
      c->socket.connect(endpoint_, ec);
      if (ec) {
        fail_to_connect("cannot connect to " + options_.host + ":" +
                        std::to_string(options_.port) + ": " + ec.message());
        return false;
      }
      c->socket.set_option(tcp::no_delay(true), ec);
      connections_.push_back(std::move(c));
    }
    return true;
  }

  void fail_to_connect(std::string why) {
    result_.failed = 1;
    result_.first_failure = std::move(why);
  }

  bench::Clock::time_point scheduled(std::uint64_t i) const {
    return begin_ + std::chrono::nanoseconds(
                        static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / rate_));
  }

  // Whether a request answered now, sent (or scheduled) at `origin`, is counted: closed loop by
  // the time of its answer, open loop by its schedule.
  bool counted(const Connection& c, bench::Clock::time_point now) const {
    if (rate_ > 0) return c.origin >= measure_from_;
    return now >= measure_from_ && now < stop_at_;
  }

  void start_request(Connection& c, bench::Clock::time_point origin) {
    c.origin = origin;
    c.busy = true;
    ++in_flight_;
    asio::async_write(c.socket, asio::buffer(request_),
                      [this, &c](beast::error_code ec, std::size_t) {
                        if (ec) return on_answer(c, ec);
                        c.parser.emplace();
                        c.parser->body_limit(kMaxAnswerBytes);
                        bhttp::async_read(c.socket, c.buffer, *c.parser,
                                          [this, &c](beast::error_code ec2, std::size_t) {
                                            on_answer(c, ec2);
                                          });
                      });
  }

  void on_answer(Connection& c, beast::error_code ec) {
    const auto now = bench::Clock::now();
    c.busy = false;
    --in_flight_;
    const bool count = counted(c, now);
    bool reconnect = false;
    if (ec) {
      if (count) record_failure(0, "I/O error: " + ec.message());
      reconnect = true;
    } else {
      const auto& answer = c.parser->get();
      const int status = static_cast<int>(answer.result_int());
      if (count) {
        if (status >= 200 && status < 300) {
          ++result_.answered;
          result_.latencies_us.push_back(
              std::chrono::duration<double, std::micro>(now - c.origin).count());
        } else {
          record_failure(status, "HTTP " + std::to_string(status) + ": " +
                                     answer.body().substr(0, kFailureExcerptBytes));
        }
      }
      reconnect = !answer.keep_alive();
    }
    if (reconnect) return reopen(c);
    next_for(c);
  }

  void record_failure(int status, std::string what) {
    if (result_.failed == 0) {
      result_.first_failure_status = status;
      result_.first_failure = std::move(what);
    }
    ++result_.failed;
  }

  // The server closed the connection (or it broke): a new one takes its place.
  void reopen(Connection& c) {
    beast::error_code ignored;
    c.socket.close(ignored);
    c.buffer.clear();
    c.socket.async_connect(endpoint_, [this, &c](beast::error_code ec) {
      if (ec) {
        // Left closed: the load goes on with the remaining connections.
        record_failure(0, "cannot reconnect: " + ec.message());
        finish_if_done();
        return;
      }
      beast::error_code ignored2;
      c.socket.set_option(tcp::no_delay(true), ignored2);
      next_for(c);
    });
  }

  // What a free connection does next.
  void next_for(Connection& c) {
    if (rate_ > 0) {
      idle_.push_back(&c);
      pump();
      return;
    }
    const auto now = bench::Clock::now();
    if (now < stop_at_) return start_request(c, now);
    finish_if_done();
  }

  // Open loop: sends every request that is due on the free connections, then sleeps until the
  // next one is due (a request due while every connection is busy is sent by the next answer).
  void pump() {
    const auto now = bench::Clock::now();
    while (!idle_.empty() && next_ < total_) {
      const auto at = scheduled(next_);
      if (at > now) break;
      Connection* c = idle_.back();
      idle_.pop_back();
      ++next_;
      start_request(*c, at);
    }
    if (next_ < total_ && !idle_.empty() && !timer_armed_) {
      timer_armed_ = true;
      timer_.expires_at(scheduled(next_));
      timer_.async_wait([this](beast::error_code ec) {
        timer_armed_ = false;
        if (!ec) pump();
      });
    }
    finish_if_done();
  }

  void finish_if_done() {
    if (in_flight_ > 0) return;
    if (rate_ > 0 ? next_ >= total_ : bench::Clock::now() >= stop_at_) io_.stop();
  }

  const LoadOptions& options_;
  const std::string request_;
  const int connection_count_;
  const double rate_;
  asio::io_context io_{1};
  asio::steady_timer timer_;
  asio::steady_timer deadline_;
  bool timer_armed_ = false;
  tcp::endpoint endpoint_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> idle_;
  bench::Clock::time_point begin_, measure_from_, stop_at_;
  std::uint64_t total_ = 0;  // open loop: requests scheduled in all
  std::uint64_t next_ = 0;   // open loop: the next request to send
  int in_flight_ = 0;
  LoadResult result_;
};

}  // namespace

double LoadResult::latency_percentile_us(double p) const { return percentile(latencies_us, p); }

double LoadResult::max_latency_us() const {
  return latencies_us.empty() ? 0 : *std::max_element(latencies_us.begin(), latencies_us.end());
}

LoadResult run_http_load(const LoadOptions& options, const HttpRequestTemplate& request) {
  const std::string bytes = serialize(request, options.host, options.port);
  const int threads = std::clamp(options.threads, 1, std::max(1, options.connections));
  const double cpu_before = process_cpu_seconds();
  std::vector<LoadResult> parts(static_cast<std::size_t>(threads));
  {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      // Connections and rate split as evenly as they go.
      const int connections = options.connections / threads + (t < options.connections % threads);
      workers.emplace_back([&, t, connections] {
        Generator generator(options, bytes, connections, options.rate / threads);
        parts[static_cast<std::size_t>(t)] = generator.run();
      });
    }
    for (auto& w : workers) w.join();
  }
  LoadResult total;
  total.process_cpu_seconds = process_cpu_seconds() - cpu_before;
  for (auto& part : parts) {
    total.answered += part.answered;
    total.unanswered += part.unanswered;
    if (total.failed == 0 && part.failed > 0) {
      total.first_failure_status = part.first_failure_status;
      total.first_failure = part.first_failure;
    }
    total.failed += part.failed;
    total.seconds = std::max(total.seconds, part.seconds);
    total.generator_cpu_seconds += part.generator_cpu_seconds;
    total.latencies_us.insert(total.latencies_us.end(), part.latencies_us.begin(),
                              part.latencies_us.end());
  }
  return total;
}

std::pair<std::string, int> host_and_port(const std::string& base_url) {
  constexpr std::string_view kScheme = "http://";
  if (base_url.rfind(kScheme, 0) != 0) return {"", 0};
  std::string rest = base_url.substr(kScheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return {rest, 80};
  try {
    return {rest.substr(0, colon), std::stoi(rest.substr(colon + 1))};
  } catch (const std::exception&) {
    return {"", 0};
  }
}

}  // namespace aiir::bench
