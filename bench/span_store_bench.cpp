// Span store write path: group commit (SpanWriter) against one transaction per request, with the
// same concurrent clients in the same run, on a real SQLite file in WAL mode.
//
// The claim it checks: batching commits means durability does not cost throughput. Printed:
// spans/s for both, request latency percentiles under group commit, and the ratio.

#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "bench_support.h"
#include "core/crypto.h"
#include "store/sqlite/sqlite_store.h"
#include "store/span_writer.h"

namespace aiir {
namespace {

constexpr int kClients = 8;
constexpr int kRequestsPerClient = 150;
constexpr int kSpansPerRequest = 20;
constexpr int kRuns = 5;

std::vector<model::AiSpan> make_request(int client, int request) {
  std::vector<model::AiSpan> spans;
  std::string trace = core::random_hex(16);
  for (int i = 0; i < kSpansPerRequest; ++i) {
    model::AiSpan s;
    s.trace_id = trace;
    s.span_id = core::random_hex(8);
    s.name = "chat gpt-4o";
    s.kind = model::SpanKind::kLlm;
    s.workflow = "support-refunds";
    s.registered = true;
    s.start_time = 1'763'900'000'000'000'000 + (client * 100000LL + request) * 1000;
    s.end_time = s.start_time + 1'000'000;
    s.user_id = "user-" + std::to_string(request % 97);
    s.request_model = "gpt-4o";
    s.input_messages = {{"user", std::string(300, 'q'), {}}};
    s.output_messages = {{"assistant", std::string(500, 'a'), {}}};
    spans.push_back(std::move(s));
  }
  return spans;
}

struct Run {
  double spans_per_second = 0;
  std::vector<double> latencies_ms;
};

std::unique_ptr<store::Store> fresh_store(const std::string& path) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  auto opened = store::open_sqlite_store({path});
  if (!opened.ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), opened.error().message().c_str());
    std::exit(1);
  }
  return std::move(*opened);
}

// Every client sends its requests one after another, waiting for each to be durable.
template <typename Send>
Run drive(Send send) {
  std::vector<std::vector<std::vector<model::AiSpan>>> requests(kClients);
  for (int c = 0; c < kClients; ++c) {
    for (int r = 0; r < kRequestsPerClient; ++r) requests[c].push_back(make_request(c, r));
  }
  std::vector<std::vector<double>> latencies(kClients);
  auto start = bench::Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      for (auto& request : requests[c]) {
        auto sent = bench::Clock::now();
        send(std::move(request));
        latencies[c].push_back(bench::seconds_since(sent) * 1000);
      }
    });
  }
  for (auto& t : threads) t.join();
  Run run;
  run.spans_per_second = kClients * kRequestsPerClient * kSpansPerRequest / bench::seconds_since(start);
  for (auto& l : latencies) run.latencies_ms.insert(run.latencies_ms.end(), l.begin(), l.end());
  return run;
}

Run group_commit(const std::string& path) {
  auto store = fresh_store(path);
  store::SpanWriter writer(*store, {});
  return drive([&](std::vector<model::AiSpan> spans) {
    std::promise<void> done;
    auto status = writer.submit(std::move(spans), {}, [&](core::Status) { done.set_value(); });
    if (status.ok()) done.get_future().wait();
  });
}

Run transaction_per_request(const std::string& path) {
  auto store = fresh_store(path);
  std::mutex mu;  // one writer connection, as in the server
  return drive([&](std::vector<model::AiSpan> spans) {
    std::lock_guard lock(mu);
    (void)store->append_spans(spans);
  });
}

}  // namespace
}  // namespace aiir

int main() {
  using namespace aiir;
  std::string dir = std::filesystem::temp_directory_path() / "aiir-bench-store";
  std::filesystem::create_directories(dir);
  bench::heading("span store write path (" + std::to_string(kClients) + " clients x " +
                 std::to_string(kRequestsPerClient) + " requests x " +
                 std::to_string(kSpansPerRequest) + " spans, SQLite WAL; " +
                 bench::machine_summary() + ")");
  std::vector<double> grouped;
  std::vector<double> single;
  std::vector<double> latencies;
  std::vector<double> ratios;
  for (int i = 0; i < kRuns; ++i) {
    Run g = group_commit(dir + "/group.db");
    Run s = transaction_per_request(dir + "/single.db");
    grouped.push_back(g.spans_per_second);
    single.push_back(s.spans_per_second);
    ratios.push_back(g.spans_per_second / s.spans_per_second);
    latencies.insert(latencies.end(), g.latencies_ms.begin(), g.latencies_ms.end());
  }
  bench::report("group commit, spans/s (median of " + std::to_string(kRuns) + ")",
                bench::median(grouped), "spans/s");
  bench::report("transaction per request, spans/s (median)", bench::median(single), "spans/s");
  bench::report("ratio group / per-request (median of per-run ratios)", bench::median(ratios), "x");
  bench::report("group commit request latency p50", bench::percentile(latencies, 50), "ms");
  bench::report("group commit request latency p99", bench::percentile(latencies, 99), "ms");
  std::filesystem::remove_all(dir);
  return 0;
}
