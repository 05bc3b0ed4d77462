// Incidents: how fast stored signals become incidents (grouping, severity, timeline, audit, all in
// one transaction per batch), and how long one signal takes to reach its incident.
//
//   burst:   50,000 signals over 500 fingerprints, stored at once; signals applied per second.
//   latency: one signal at a time, stored then waited for; p50 / p99 from store to incident.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "bench_support.h"
#include "config/config.h"
#include "incident/incident_service.h"
#include "incident/severity_policy.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace aiir;

constexpr int kRuns = 3;
constexpr int kFingerprints = 500;
constexpr int kSignalsPerFingerprint = 100;
constexpr int kLatencySignals = 2000;

std::shared_ptr<const config::Config> make_config() {
  auto cfg = std::make_shared<config::Config>();
  model::Workflow w;
  w.id = "support-chat";
  w.business_owner = {"Maya Ortiz", "maya@example.com"};
  w.technical_owner = {"Sam Lee", "sam@example.com"};
  w.risk.customer_exposure = model::CustomerExposure::kExternal;
  w.risk.data_sensitivity = model::DataSensitivity::kPersonal;
  cfg->workflows = {w};
  cfg->severity_policy = incident::default_severity_policy();
  return cfg;
}

model::Signal make_signal(int n, int fingerprint, core::UnixNanos now) {
  model::Signal s;
  s.detector = "cross-customer-data";
  s.workflow = "support-chat";
  s.category = model::Category::kDataExposure;
  s.impact = model::Impact::kHigh;
  s.summary = "another customer's order shown";
  s.group = {{"user.account_id", "acct-" + std::to_string(fingerprint)}};
  s.fingerprint = model::signal_fingerprint(s.detector, s.workflow, s.group);
  s.user_id = "user-" + std::to_string(n % 5000);
  s.account_id = "acct-" + std::to_string(fingerprint);
  s.trace_id = "trace-" + std::to_string(n);
  s.event_time = now;
  s.detected_at = now;
  s.dedup_key = "bench:" + std::to_string(n);
  return s;
}

struct Setup {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<incident::IncidentService> service;
};

Setup start(const std::string& path, const core::Clock& clock,
            std::shared_ptr<const config::Config> cfg) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  Setup s;
  auto store = store::open_sqlite_store({path});
  if (!store.ok()) throw std::runtime_error(store.error().message());
  s.store = std::move(*store);
  s.service = std::make_unique<incident::IncidentService>(*s.store, clock,
                                                          [cfg] { return cfg; });
  if (!s.service->start().ok()) throw std::runtime_error("cannot start the incident service");
  return s;
}

double burst(const std::string& path, const core::Clock& clock,
             const std::shared_ptr<const config::Config>& cfg) {
  Setup s = start(path, clock, cfg);
  std::vector<model::Signal> signals;
  int n = 0;
  std::int64_t last = 0;
  for (int round = 0; round < kSignalsPerFingerprint; ++round) {
    for (int f = 0; f < kFingerprints; ++f) signals.push_back(make_signal(n++, f, clock.now()));
    if (signals.size() >= 5000) {
      auto stored = s.store->commit_signals(signals, "", 0);
      if (!stored.ok()) throw std::runtime_error(stored.error().message());
      last = stored->back().seq;
      signals.clear();
    }
  }
  const auto begin = bench::Clock::now();
  s.service->notify();
  if (!s.service->wait_for(last, 600 * core::kNanosPerSecond)) {
    throw std::runtime_error("signals not applied within 10 minutes");
  }
  const double elapsed = bench::seconds_since(begin);
  return static_cast<double>(kFingerprints * kSignalsPerFingerprint) / elapsed;
}

std::vector<double> latency(const std::string& path, const core::Clock& clock,
                            const std::shared_ptr<const config::Config>& cfg) {
  Setup s = start(path, clock, cfg);
  std::vector<double> millis;
  for (int n = 0; n < kLatencySignals; ++n) {
    const auto begin = bench::Clock::now();
    auto stored = s.store->commit_signals({make_signal(n, n % 50, clock.now())}, "", 0);
    if (!stored.ok()) throw std::runtime_error(stored.error().message());
    s.service->notify();
    s.service->wait_for(stored->front().seq, 10 * core::kNanosPerSecond);
    millis.push_back(bench::seconds_since(begin) * 1000.0);
  }
  return millis;
}

}  // namespace

int main() {
  spdlog::set_level(spdlog::level::warn);  // one line per incident opened would drown the figures
  const std::string dir = std::filesystem::temp_directory_path() / "aiir-bench-incidents";
  std::filesystem::create_directories(dir);
  core::SystemClock clock;
  const auto cfg = make_config();
  bench::heading("incidents from signals (SQLite WAL; " + bench::machine_summary() + ")");
  std::vector<double> rates;
  for (int i = 0; i < kRuns; ++i) rates.push_back(burst(dir + "/burst.db", clock, cfg));
  bench::report("burst: " + std::to_string(kFingerprints * kSignalsPerFingerprint) +
                    " signals over " + std::to_string(kFingerprints) +
                    " fingerprints, applied/s (median of " + std::to_string(kRuns) + ")",
                bench::median(rates), "signals/s");
  const std::vector<double> millis = latency(dir + "/latency.db", clock, cfg);
  bench::report("one signal, stored → in its incident, p50", bench::percentile(millis, 50), "ms");
  bench::report("one signal, stored → in its incident, p99", bench::percentile(millis, 99), "ms");
  std::filesystem::remove_all(dir);
  return 0;
}
