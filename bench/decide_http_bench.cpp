// The decision an application asks for before it acts, over HTTP: POST /v1/decide and OFREP's
// single-flag evaluation (POST /ofrep/v1/evaluate/flags/{key}) on HTTP/1.1 keep-alive over
// loopback, against the real server started in this process with three controls in force on
// support-refunds (a narrowed refund tool, a pinned prompt, a blocked source).
//
//   maximum throughput: closed loop, every connection sends again as soon as it is answered.
//   latency at a fixed rate (default 20,000 requests/s): open loop, measured from each request's
//     scheduled send time, so stalls are not hidden (bench/http_load.h).
//
// Targets (docs/benchmarks-containment.md): at least 50,000 requests/s on 2 cores, p99 under
// 1 ms at 20,000 requests/s. The generator shares the machine with the server; its own CPU use
// is printed so that the figures can be read with that in mind.
//
// With --peer-url (scripts/bench-peers passes it, with an Unleash server), the same load runs
// against the peer's endpoint in the same run, and the ratios aiir/peer are printed.
//
// Options: --seconds S (measured per run, default 2), --runs N (default 3), --rate R (default
// 20000), --connections C (default 32), --threads T (generator threads, default 1),
// --peer-name NAME, --peer-url URL, --peer-path PATH, --peer-header "Name: value" (repeatable),
// --peer-rate R (an extra rate both are measured at, default 200: a rate the peer sustains).
#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_server.h"
#include "bench_support.h"
#include "http_load.h"

namespace {

using namespace aiir;
namespace json = boost::json;

struct Options {
  double seconds = 2;
  int runs = 3;
  double rate = 20'000;
  double peer_rate = 200;
  int connections = 32;
  int threads = 1;
  std::string peer_name = "peer";
  std::string peer_url;
  std::string peer_path;
  std::vector<std::pair<std::string, std::string>> peer_headers;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "decide_http_bench: %s\nusage: decide_http_bench [--seconds S] [--runs N] "
               "[--rate R] [--connections C] [--threads T]\n"
               "       [--peer-name NAME --peer-url http://127.0.0.1:PORT --peer-path PATH "
               "[--peer-header 'Name: value']... [--peer-rate R]]\n",
               why.c_str());
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") usage("HTTP benchmark of POST /v1/decide and OFREP (bench/decide_http_bench.cpp)");
    if (i + 1 >= argc) usage("option " + flag + " needs a value");
    const std::string value = argv[++i];
    try {
      if (flag == "--seconds") o.seconds = std::stod(value);
      else if (flag == "--runs") o.runs = std::stoi(value);
      else if (flag == "--rate") o.rate = std::stod(value);
      else if (flag == "--peer-rate") o.peer_rate = std::stod(value);
      else if (flag == "--connections") o.connections = std::stoi(value);
      else if (flag == "--threads") o.threads = std::stoi(value);
      else if (flag == "--peer-name") o.peer_name = value;
      else if (flag == "--peer-url") o.peer_url = value;
      else if (flag == "--peer-path") o.peer_path = value;
      else if (flag == "--peer-header") {
        auto colon = value.find(':');
        if (colon == std::string::npos) usage("--peer-header takes 'Name: value'");
        std::string header_value = value.substr(colon + 1);
        header_value.erase(0, header_value.find_first_not_of(' '));
        o.peer_headers.emplace_back(value.substr(0, colon), header_value);
      } else {
        usage("unknown option " + flag);
      }
    } catch (const std::logic_error&) {
      usage("option " + flag + " needs a number, not '" + value + "'");
    }
  }
  if (o.seconds <= 0 || o.runs < 1 || o.rate <= 0 || o.connections < 1 || o.threads < 1) {
    usage("--seconds, --runs, --rate, --connections and --threads must be positive");
  }
  if (o.peer_url.empty() != o.peer_path.empty()) {
    usage("--peer-url and --peer-path go together");
  }
  if (o.peer_rate <= 0) usage("--peer-rate must be positive");
  return o;
}

// One endpoint measured: what to send where.
struct Target {
  std::string name;
  std::string host;
  int port = 0;
  bench::HttpRequestTemplate request;
};

struct Figures {
  bool ok = false;
  double throughput = 0;  // median over the runs, requests/s
  double generator_cores = 0;  // median share of a core the generator used at full load
  // Median CPU time this process spent per answered request outside the generator's threads:
  // the in-process server's cost per request, which (unlike throughput) a busy machine does not
  // distort much. Meaningless for a peer in another process.
  double server_cpu_us = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;  // at the fixed rate
  std::uint64_t late = 0;  // at the fixed rate: failed or unanswered within the drain time
  std::uint64_t answered = 0;  // at the fixed rate: the answers the percentiles are over
};

bench::LoadOptions load_options(const Options& o, const Target& t, double rate) {
  bench::LoadOptions l;
  l.host = t.host;
  l.port = t.port;
  l.connections = o.connections;
  l.threads = o.threads;
  l.rate = rate;
  l.duration = std::chrono::milliseconds(static_cast<std::int64_t>(o.seconds * 1000));
  return l;
}

// Says what went wrong in a run (answers that were not 2xx, or none at all). False when
// nothing was answered: the other figures of that target mean nothing then.
bool check(const Target& t, const bench::LoadResult& r) {
  if (r.failed == 0) return true;
  std::printf("  %s: %llu of %llu requests failed; first: %s\n", t.name.c_str(),
              static_cast<unsigned long long>(r.failed),
              static_cast<unsigned long long>(r.failed + r.answered), r.first_failure.c_str());
  return r.answered > 0;
}

// Maximum throughput, closed loop, median of the runs.
bool measure_throughput(const Options& o, const Target& t, Figures& f) {
  std::vector<double> rates, cores, server_cpu;
  const bench::LoadOptions closed_loop = load_options(o, t, 0);
  for (int run = 0; run < o.runs; ++run) {
    auto r = bench::run_http_load(closed_loop, t.request);
    if (!check(t, r)) return false;
    rates.push_back(r.throughput());
    const double total = std::chrono::duration<double>(closed_loop.warmup).count() + r.seconds;
    cores.push_back(r.generator_cpu_seconds / total);
    // Answers during the warm-up are not counted; assume they came at the measured rate.
    const double requests = r.throughput() * total;
    server_cpu.push_back((r.process_cpu_seconds - r.generator_cpu_seconds) / requests * 1e6);
  }
  f.throughput = bench::median(rates);
  f.generator_cores = bench::median(cores);
  f.server_cpu_us = bench::median(server_cpu);
  return true;
}

// Latency at `rate`, open loop: medians of the runs' percentiles, the largest maximum.
bool measure_latency(const Options& o, const Target& t, double rate, Figures& f) {
  std::vector<double> p50, p90, p99;
  f.max_ms = 0;
  f.late = 0;
  for (int run = 0; run < o.runs; ++run) {
    auto r = bench::run_http_load(load_options(o, t, rate), t.request);
    if (!check(t, r)) return false;
    p50.push_back(r.latency_percentile_us(50) / 1000);
    p90.push_back(r.latency_percentile_us(90) / 1000);
    p99.push_back(r.latency_percentile_us(99) / 1000);
    f.max_ms = std::max(f.max_ms, r.max_latency_us() / 1000);
    f.late += r.unanswered + r.failed;
    f.answered += r.answered;
  }
  f.p50_ms = bench::median(p50);
  f.p90_ms = bench::median(p90);
  f.p99_ms = bench::median(p99);
  return true;
}

std::string rate_text(double rate) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", rate);
  return text;
}

void report_latency(const std::string& name, double rate, const Figures& f, bool with_target) {
  const std::string at = name + " at " + rate_text(rate) + " req/s, ";
  if (f.answered == 0) {
    // Far above what the server sustains: the requests of the warm-up alone outlast the drain.
    std::printf("  %-58s %s\n", (at + "latency").c_str(),
                "none answered in time: the rate is far above the maximum throughput");
    return;
  }
  bench::report(at + "p50", f.p50_ms, "ms");
  bench::report(at + "p90", f.p90_ms, "ms");
  bench::report(at + "p99", f.p99_ms, with_target ? "ms   (target < 1 ms)" : "ms");
  bench::report(at + "max", f.max_ms, "ms");
  if (f.late > 0) {
    bench::report(at + "failed or unanswered (rate not sustained)", static_cast<double>(f.late),
                  "requests");
  }
}

// One endpoint: throughput, then latency at each rate. Prints as it goes. `in_process`: the
// server runs in this process, so its CPU per request can be told.
std::vector<Figures> measure(const Options& o, const Target& t, const std::vector<double>& rates,
                             bool in_process) {
  const bool with_targets = in_process;
  std::vector<Figures> out;
  Figures max;
  const std::string runs = " (median of " + std::to_string(o.runs) + " x " +
                           rate_text(o.seconds) + " s)";
  if (!measure_throughput(o, t, max)) return out;
  bench::report(t.name + ", max throughput, " + std::to_string(o.connections) + " conns" + runs,
                max.throughput, with_targets && !rates.empty() ? "req/s   (target >= 50000)" : "req/s");
  bench::report(t.name + ", load generator's CPU at max throughput", max.generator_cores * 100,
                "% of a core");
  if (in_process) {
    bench::report(t.name + ", server CPU per request at max throughput", max.server_cpu_us, "us");
  }
  for (double rate : rates) {
    Figures f = max;
    if (!measure_latency(o, t, rate, f)) return out;
    report_latency(t.name, rate, f, with_targets && rate == o.rate);
    f.ok = true;
    out.push_back(f);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  try {
    bench::BenchServer server;
    const std::string app_key = server.create_key("app", "bench-app");
    // The controls a workflow under an incident might have: refunds capped, a prompt rolled back,
    // a poisoned knowledge source blocked. The decision below passes all of them (an allow: the
    // common answer, and the one that walks every control of the tool).
    server.set_control({{"workflow", "support-refunds"},
                        {"kind", "narrow_tool"},
                        {"tool", "issue_refund"},
                        {"limits", json::array{json::object{{"argument", "amount"}, {"max", 100}}}},
                        {"reason", "benchmark: refunds capped at 100"}});
    server.set_control({{"workflow", "support-refunds"},
                        {"kind", "pin_version"},
                        {"part_kind", "prompt"},
                        {"part_name", "refund-policy"},
                        {"version", "v6"},
                        {"reason", "benchmark: prompt v7 rolled back"}});
    server.set_control({{"workflow", "support-refunds"},
                        {"kind", "block_source"},
                        {"source", "old-wiki"},
                        {"reason", "benchmark: stale articles"}});

    const auto [host, port] = bench::host_and_port(server.base_url());
    const std::vector<std::pair<std::string, std::string>> auth{
        {"Authorization", "Bearer " + app_key}};
    Target decide{"aiir POST /v1/decide", host, port,
                  {"POST", "/v1/decide", auth,
                   R"({"workflow":"support-refunds","action":"tool:issue_refund",)"
                   R"("attributes":{"arguments":{"amount":40}},"user":"u-1"})"}};
    Target ofrep{"aiir OFREP flag", host, port,
                 {"POST", "/ofrep/v1/evaluate/flags/support-refunds.paused", auth,
                  R"({"context":{"targetingKey":"u-1"}})"}};

    // One request each first, so that a wrong route or body shows as an error, not as a figure.
    for (const Target* t : {&decide, &ofrep}) {
      auto answer = server.call(app_key, t->request.method, t->request.target, t->request.body);
      if (answer.status != 200) {
        std::printf("  %s answers %d: %s\n", t->name.c_str(), answer.status,
                    answer.body.substr(0, 300).c_str());
      }
    }

    const bool with_peer = !options.peer_url.empty();
    std::vector<double> rates{options.rate};
    if (with_peer) rates.push_back(options.peer_rate);

    bench::heading("decisions over HTTP/1.1 keep-alive on loopback (aiir in process, " +
                   std::to_string(options.threads) + " generator thread(s); " +
                   bench::machine_summary() + ")");
    // The HTTP layer's floor on this machine: an unauthenticated route that does nothing.
    Target floor{"aiir GET /healthz (HTTP floor)", host, port, {"GET", "/healthz", {}, ""}};
    measure(options, floor, {}, true);
    auto decide_figures = measure(options, decide, rates, true);
    auto ofrep_figures = measure(options, ofrep, rates, true);
    if (!with_peer) return decide_figures.empty() ? 1 : 0;

    const auto [peer_host, peer_port] = bench::host_and_port(options.peer_url);
    if (peer_port == 0) usage("--peer-url must look like http://127.0.0.1:PORT");
    Target peer{options.peer_name, peer_host, peer_port,
                {"GET", options.peer_path, options.peer_headers, ""}};
    auto peer_figures = measure(options, peer, rates, false);

    bench::heading("ratios in this run, aiir / " + options.peer_name +
                   " (above 1: aiir ahead; latency ratios are peer / aiir)");
    if (peer_figures.empty()) {
      std::printf("  no ratios: %s was not measured\n", options.peer_name.c_str());
      return 1;
    }
    for (const auto* mine : {&decide_figures, &ofrep_figures}) {
      if (mine->empty()) continue;
      const std::string name = mine == &decide_figures ? "decide" : "OFREP";
      bench::report(name + " / " + options.peer_name + ", max throughput",
                    mine->front().throughput / peer_figures.front().throughput, "x");
      for (std::size_t i = 0; i < rates.size() && i < mine->size() && i < peer_figures.size();
           ++i) {
        if (peer_figures[i].answered == 0 || (*mine)[i].answered == 0) continue;
        const std::string at = ", at " + rate_text(rates[i]) + " req/s, ";
        bench::report(name + " vs " + options.peer_name + at + "p50 (peer/aiir)",
                      peer_figures[i].p50_ms / (*mine)[i].p50_ms, "x");
        bench::report(name + " vs " + options.peer_name + at + "p99 (peer/aiir)",
                      peer_figures[i].p99_ms / (*mine)[i].p99_ms, "x");
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decide_http_bench: %s\n", e.what());
    return 1;
  }
}
