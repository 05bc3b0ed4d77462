// End-to-end OTLP ingest against the real `aiir serve` binary on loopback, durability on:
// batches of 512 spans with realistic GenAI content (1–2 KB each), protobuf and JSON, several
// keep-alive clients. Printed: acknowledged spans/s, request latency p50/p99, the server's peak
// RSS; then the same under ten times the offered load (clients that never pause), where the
// server must refuse (429) rather than grow; and decode-only throughput in this process, so the
// distance to the parse limit shows.

#include <sys/resource.h>

#include <atomic>
#include <cstring>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "bench_support.h"
#include "cli/http_client.h"
#include "config/config.h"
#include "core/crypto.h"
#include "ingest/normalize.h"
#include "ingest/otlp_json.h"
#include "ingest/otlp_protobuf.h"
#include "ingest/proto/trace.pb.h"
#include "process.h"

namespace aiir {
namespace {

using namespace std::chrono_literals;
namespace pb = opentelemetry::proto;

constexpr int kSpansPerBatch = 512;
constexpr int kDistinctBatches = 24;

// Text of a plausible support conversation turn, 700–1400 bytes.
std::string content(std::mt19937& rng, int words) {
  static const char* kWords[] = {"refund", "order",  "the",     "customer", "parcel", "arrived",
                                 "broken", "please", "policy",  "within",   "days",   "card",
                                 "we",     "can",    "process", "your",     "request", "today"};
  std::string out;
  for (int i = 0; i < words; ++i) {
    if (i) out += ' ';
    out += kWords[rng() % (sizeof kWords / sizeof *kWords)];
  }
  return out;
}

pb::collector::trace::v1::ExportTraceServiceRequest make_batch(int seed) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  pb::collector::trace::v1::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  auto* service = rs->mutable_resource()->add_attributes();
  service->set_key("service.name");
  service->mutable_value()->set_string_value("support-refunds-agent");
  auto* scope = rs->add_scope_spans();
  scope->mutable_scope()->set_name("bench");
  std::string trace_bytes;
  for (int i = 0; i < kSpansPerBatch; ++i) {
    if (i % 8 == 0) trace_bytes = core::random_hex(8) + core::random_hex(8);  // 8 spans per trace
    auto* span = scope->add_spans();
    span->set_trace_id(trace_bytes.substr(0, 16));
    std::string span_id = core::random_hex(4) + core::random_hex(4);
    span->set_span_id(span_id.substr(0, 8));
    span->set_name("chat gpt-4o");
    span->set_kind(3);
    span->set_start_time_unix_nano(1'763'900'000'000'000'000ULL + static_cast<std::uint64_t>(i) * 1'000'000);
    span->set_end_time_unix_nano(span->start_time_unix_nano() + 800'000'000);
    auto add = [&](const std::string& key, const std::string& value) {
      auto* kv = span->add_attributes();
      kv->set_key(key);
      kv->mutable_value()->set_string_value(value);
    };
    auto add_int = [&](const std::string& key, std::int64_t value) {
      auto* kv = span->add_attributes();
      kv->set_key(key);
      kv->mutable_value()->set_int_value(value);
    };
    add("gen_ai.operation.name", "chat");
    add("gen_ai.provider.name", "openai");
    add("gen_ai.request.model", "gpt-4o");
    add("gen_ai.response.model", "gpt-4o-2024-08-06");
    add_int("gen_ai.usage.input_tokens", 400 + static_cast<int>(rng() % 400));
    add_int("gen_ai.usage.output_tokens", 50 + static_cast<int>(rng() % 200));
    add("user.id", "customer-" + std::to_string(rng() % 5000));
    add("aiir.prompt.version", "v7");
    add("gen_ai.input.messages",
        R"([{"role":"user","parts":[{"type":"text","content":")" + content(rng, 60 + rng() % 60) +
            R"("}]}])");
    add("gen_ai.output.messages",
        R"([{"role":"assistant","finish_reason":"stop","parts":[{"type":"text","content":")" +
            content(rng, 40 + rng() % 60) + R"("}]}])");
  }
  return request;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The OTLP/JSON form of the same request, as the JS exporter writes it.
std::string to_otlp_json(const pb::collector::trace::v1::ExportTraceServiceRequest& request) {
  std::string out = R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support-refunds-agent"}}]},"scopeSpans":[{"scope":{"name":"bench"},"spans":[)";
  const auto& spans = request.resource_spans(0).scope_spans(0).spans();
  for (int i = 0; i < spans.size(); ++i) {
    const auto& s = spans[i];
    if (i) out += ',';
    out += R"({"traceId":")" + core::hex_encode(s.trace_id()) + R"(","spanId":")" +
           core::hex_encode(s.span_id()) + R"(","name":")" + s.name() + R"(","kind":3,"startTimeUnixNano":")" +
           std::to_string(s.start_time_unix_nano()) + R"(","endTimeUnixNano":")" +
           std::to_string(s.end_time_unix_nano()) + R"(","attributes":[)";
    for (int a = 0; a < s.attributes_size(); ++a) {
      const auto& kv = s.attributes(a);
      if (a) out += ',';
      out += R"({"key":")" + kv.key() + R"(","value":)";
      if (kv.value().has_int_value()) {
        out += R"({"intValue":")" + std::to_string(kv.value().int_value()) + R"("}})";
      } else {
        out += R"({"stringValue":")" + json_escape(kv.value().string_value()) + R"("}})";
      }
    }
    out += "]}";
  }
  return out + "]}]}]}";
}

struct Batches {
  std::vector<std::string> protobuf;
  std::vector<std::string> json;
  double mean_span_bytes = 0;
};

Batches make_batches() {
  Batches b;
  std::size_t bytes = 0;
  for (int i = 0; i < kDistinctBatches; ++i) {
    auto request = make_batch(i);
    b.protobuf.push_back(request.SerializeAsString());
    b.json.push_back(to_otlp_json(request));
    bytes += b.protobuf.back().size();
  }
  b.mean_span_bytes = static_cast<double>(bytes) / (kDistinctBatches * kSpansPerBatch);
  return b;
}

long rss_kib(pid_t pid, const char* field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  }
  return 0;
}

class Server {
 public:
  explicit Server(const std::string& dir) : dir_(dir) {
    std::filesystem::create_directories(dir + "/config");
    std::ofstream(dir + "/config/aiir.yaml")
        << "server: {port: 0, port_file: ../port}\nstore: {path: ../data/aiir.db}\n"
           "auth: {admin_key_file: ../data/admin.key}\nlog: {level: warn}\n";
    std::filesystem::create_directories(dir + "/config/workflows");
    std::filesystem::copy_file(std::string(AIIR_SOURCE_DIR) + "/examples/workflows/support-refunds.yaml",
                               dir + "/config/workflows/support-refunds.yaml");
    process_ = std::make_unique<testing::Process>(
        std::vector<std::string>{AIIR_BINARY, "serve", "--config", dir + "/config"}, dir);
    testing::eventually([&] { return !testing::read_file(dir + "/port").empty(); }, 20s);
    url_ = "http://127.0.0.1:" + std::to_string(std::stoi(testing::read_file(dir + "/port")));
    std::string admin = testing::read_file(dir + "/data/admin.key");
    admin.erase(admin.find_last_not_of('\n') + 1);
    cli::HttpClient client(url_, admin);
    auto r = client.post("/v1/keys", R"({"role":"ingest","name":"bench"})");
    auto secret = r->body.substr(r->body.find("\"secret\":\"") + 10);
    key_ = secret.substr(0, secret.find('"'));
  }
  ~Server() {
    process_->signal(SIGTERM);
    process_->wait(30s);
  }
  const std::string& url() const { return url_; }
  const std::string& key() const { return key_; }
  pid_t pid() const { return process_->pid(); }

 private:
  std::string dir_;
  std::unique_ptr<testing::Process> process_;
  std::string url_;
  std::string key_;
};

struct LoadResult {
  double spans_per_second = 0;
  std::vector<double> latencies_ms;
  std::uint64_t refused = 0;
  long peak_rss_kib = 0;
};

// `clients` threads send batches back to back for `duration`; a refused batch (429/503) is
// counted and retried after a short pause, as exporters do.
LoadResult drive(const Server& server, const std::vector<std::string>& bodies,
                 const std::string& type, int clients, std::chrono::seconds duration) {
  std::atomic<std::uint64_t> acknowledged{0};
  std::atomic<std::uint64_t> refused{0};
  std::mutex mu;
  LoadResult result;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  auto start = bench::Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      cli::HttpClient client(server.url(), server.key());
      std::vector<double> latencies;
      for (std::size_t i = static_cast<std::size_t>(c); !stop; ++i) {
        auto sent = bench::Clock::now();
        auto r = client.request("POST", "/v1/traces", bodies[i % bodies.size()], type);
        if (r.ok() && r->status == 200) {
          acknowledged += kSpansPerBatch;
          latencies.push_back(bench::seconds_since(sent) * 1000);
        } else {
          ++refused;
          std::this_thread::sleep_for(20ms);
        }
      }
      std::lock_guard lock(mu);
      result.latencies_ms.insert(result.latencies_ms.end(), latencies.begin(), latencies.end());
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& t : threads) t.join();
  result.spans_per_second = static_cast<double>(acknowledged.load()) / bench::seconds_since(start);
  result.refused = refused.load();
  result.peak_rss_kib = rss_kib(server.pid(), "VmHWM:");
  return result;
}

void decode_only(const Batches& batches) {
  config::Config config;
  for (bool json : {false, true}) {
    const auto& bodies = json ? batches.json : batches.protobuf;
    std::vector<double> rates;
    for (int run = 0; run < 5; ++run) {
      auto start = bench::Clock::now();
      std::size_t spans = 0;
      for (const auto& body : bodies) {
        auto batch = json ? ingest::decode_traces_json(body) : ingest::decode_traces_protobuf(body);
        for (const auto& r : batch->resource_spans) {
          for (const auto& s : r.scope_spans) {
            for (const auto& span : s.spans) {
              (void)ingest::normalize_span(span, r.resource, config);
              ++spans;
            }
          }
        }
      }
      rates.push_back(static_cast<double>(spans) / bench::seconds_since(start));
    }
    bench::report(std::string("decode + normalize only, ") + (json ? "JSON" : "protobuf") +
                      ", one thread (median of 5)",
                  bench::median(rates), "spans/s");
  }
}

}  // namespace
}  // namespace aiir

int main() {
  using namespace aiir;
  Batches batches = make_batches();
  bench::heading("OTLP ingest end to end (aiir serve, SQLite WAL, 512-span batches, " +
                 std::to_string(static_cast<int>(batches.mean_span_bytes)) +
                 " B/span protobuf; " + bench::machine_summary() + ")");
  std::string root = std::filesystem::temp_directory_path() / ("aiir-bench-ingest-" + std::to_string(::getpid()));
  constexpr int kClients = 4;
  for (bool json : {false, true}) {
    std::string name = json ? "JSON" : "protobuf";
    std::string dir = root + "/" + name;
    Server server(dir);
    const auto& bodies = json ? batches.json : batches.protobuf;
    std::string type = json ? "application/json" : "application/x-protobuf";
    LoadResult sustained = drive(server, bodies, type, kClients, 10s);
    bench::report(name + ": acknowledged spans/s, " + std::to_string(kClients) + " clients, 10 s",
                  sustained.spans_per_second, "spans/s");
    bench::report(name + ": request latency p50", bench::percentile(sustained.latencies_ms, 50), "ms");
    bench::report(name + ": request latency p99", bench::percentile(sustained.latencies_ms, 99), "ms");
    bench::report(name + ": server peak RSS", sustained.peak_rss_kib / 1024.0, "MiB");
    // Ten times the clients, twice in a row: flat memory means the second window's peak is no
    // higher than the first's (the budgets refuse what does not fit instead of buffering it).
    LoadResult overload = drive(server, bodies, type, kClients * 10, 10s);
    bench::report(name + ": under 10x clients, acknowledged spans/s", overload.spans_per_second, "spans/s");
    bench::report(name + ": under 10x clients, refused requests (429/503)",
                  static_cast<double>(overload.refused), "requests");
    bench::report(name + ": under 10x clients, server peak RSS after 10 s", overload.peak_rss_kib / 1024.0, "MiB");
    LoadResult longer = drive(server, bodies, type, kClients * 10, 10s);
    bench::report(name + ": under 10x clients, server peak RSS after 20 s", longer.peak_rss_kib / 1024.0, "MiB");
    bench::report(name + ": server RSS now (after 20 s at 10x)",
                  rss_kib(server.pid(), "VmRSS:") / 1024.0, "MiB");
  }
  std::filesystem::remove_all(root);
  decode_only(batches);
  return 0;
}
