#pragma once
// An HTTP/1.1 load generator for benchmarks: N keep-alive connections to one loopback server,
// driven by one (or a few) threads of asynchronous I/O so that it takes as little CPU from the
// server under test as possible. Two modes:
//
//   closed loop (rate == 0): every connection sends its next request as soon as the previous
//     answer arrived, for a fixed duration — the maximum throughput the server sustains.
//   open loop (rate > 0): requests are scheduled at fixed intervals (rate per second, over all
//     connections) whether or not earlier ones were answered. Latency is measured from each
//     request's *scheduled* send time, so a server that stalls is charged for the requests that
//     queued behind the stall (no coordinated omission, as in wrk2). A request waits for the
//     first free connection; the connections are the client's pool.
//
// Every request is the same (one template). Answers are read with Beast's parser, so chunked
// answers (Node.js servers) are measured the same as ones with a Content-Length.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace aiir::bench {

struct HttpRequestTemplate {
  std::string method = "GET";
  std::string target = "/";  // path and query
  std::vector<std::pair<std::string, std::string>> headers;  // Host is added
  std::string body;  // sent with Content-Type: application/json when not empty
};

struct LoadOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  int connections = 16;
  int threads = 1;  // each thread drives connections/threads connections at rate/threads
  double rate = 0;  // requests per second over all connections; 0 = closed loop
  // Requests sent during the warm-up are answered but not counted.
  std::chrono::milliseconds warmup{500};
  std::chrono::milliseconds duration{3000};  // measured, after the warm-up
  // Open loop: how long after the last scheduled send the answers still outstanding are waited
  // for; those still unanswered then are counted as `unanswered`.
  std::chrono::milliseconds drain{3000};
};

struct LoadResult {
  std::uint64_t answered = 0;    // counted requests with a 2xx answer
  std::uint64_t failed = 0;      // counted requests with another status or an I/O error
  std::uint64_t unanswered = 0;  // open loop: scheduled but not answered within the drain time
  int first_failure_status = 0;  // 0 = an I/O error (or no failure)
  std::string first_failure;     // status line and the start of the body, or the I/O error
  double seconds = 0;            // the measured window
  // Microseconds: open loop from the scheduled send time, closed loop from the actual send.
  std::vector<double> latencies_us;
  double generator_cpu_seconds = 0;  // CPU time of the generator's own threads
  double process_cpu_seconds = 0;    // CPU time of the whole process meanwhile (user + system)

  double throughput() const { return seconds > 0 ? static_cast<double>(answered) / seconds : 0; }
  double latency_percentile_us(double p) const;
  double max_latency_us() const;
};

// Connects, runs the load and returns what was measured. Failing to connect at all is a failed
// result (answered == 0, first_failure says why); the caller decides whether that is fatal.
LoadResult run_http_load(const LoadOptions& options, const HttpRequestTemplate& request);

// "http://127.0.0.1:8080" → {"127.0.0.1", 8080}; port 0 when the URL is not of that form.
std::pair<std::string, int> host_and_port(const std::string& base_url);

}  // namespace aiir::bench
