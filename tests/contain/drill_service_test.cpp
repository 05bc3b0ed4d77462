// Drills against a real SQLite store, with simulated application instances reporting to the
// instance registry: a drill passes when every live instance applies the drill control in time
// (each one's time to apply measured from when it was set), fails naming the instances that did
// not, and finds nothing to measure without live instances; the control is always lifted and the
// result stored.
#include "contain/drill_service.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <thread>

#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::contain {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr core::UnixNanos kStart = 1'790'000'000LL * core::kNanosPerSecond;
constexpr core::UnixNanos kMilli = core::kNanosPerMilli;
constexpr const char* kActor = "Maya (key-1)";
constexpr const char* kWorkflow = "support-refunds";

class DrillServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = std::make_shared<config::Config>();
    model::Workflow w;
    w.id = kWorkflow;
    config->workflows = {w};
    config_ = config;
    auto store = store::open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
    controls_ = std::make_unique<ControlService>(*store_, clock_, [this] { return config_; });
    ASSERT_TRUE(controls_->start().ok());
    DrillOptions options;
    options.poll = 1ms;
    drills_ = std::make_unique<DrillService>(*controls_, registry_, *store_, clock_, options);
    ASSERT_TRUE(drills_->start().ok());
  }

  // Starts a drill; the result arrives in the returned future.
  std::future<core::Result<store::Record>> begin(std::chrono::seconds timeout = 30s) {
    auto promise = std::make_shared<std::promise<core::Result<store::Record>>>();
    auto future = promise->get_future();
    auto begun = drills_->begin({kWorkflow, timeout, kActor},
                                [promise](core::Result<store::Record> r) {
                                  promise->set_value(std::move(r));
                                });
    EXPECT_TRUE(begun.ok()) << begun.error().message();
    return future;
  }

  // The result, waiting at most a few seconds.
  store::Record result(std::future<core::Result<store::Record>>& future) {
    EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
    auto r = future.get();
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : store::Record{};
  }

  std::int64_t version() const { return controls_->snapshot()->version(); }

  testing::TempDir dir_;
  core::ManualClock clock_{kStart};
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ControlService> controls_;
  InstanceRegistry registry_{clock_};
  std::unique_ptr<DrillService> drills_;
};

TEST_F(DrillServiceTest, PassesWhenEveryLiveInstanceAppliesAndMeasuresEach) {
  registry_.applied("i-1", version(), kWorkflow);
  registry_.applied("i-2", version(), kWorkflow);
  registry_.applied("other-workflow", version(), "search");  // not part of this drill
  auto future = begin();
  const std::int64_t drill_version = version();
  // The drill control is in force, on the workflow, while the drill waits.
  const auto* wc = controls_->snapshot()->find(kWorkflow);
  ASSERT_NE(wc, nullptr);
  ASSERT_EQ(wc->of(model::ControlKind::kDrill).size(), 1u);

  clock_.advance(150 * kMilli);
  registry_.applied("i-1", drill_version, kWorkflow);
  clock_.advance(100 * kMilli);
  registry_.applied("i-2", drill_version, kWorkflow);

  store::Record record = result(future);
  EXPECT_EQ(record.kind, "drill");
  EXPECT_EQ(record.id.rfind("drill-", 0), 0u);
  EXPECT_EQ(record.id.size(), 6u + 12u);
  EXPECT_EQ(record.state, "passed");
  const json::object& body = record.body;
  EXPECT_EQ(body.at("controls_version").as_int64(), drill_version);
  EXPECT_EQ(body.at("set_by").as_string(), kActor);
  EXPECT_EQ(body.at("timeout_seconds").as_int64(), 30);
  const auto& instances = body.at("instances").as_array();
  ASSERT_EQ(instances.size(), 2u);
  EXPECT_EQ(instances[0].at("instance").as_string(), "i-1");
  EXPECT_DOUBLE_EQ(instances[0].at("time_to_apply_ms").as_double(), 150.0);
  EXPECT_EQ(instances[1].at("instance").as_string(), "i-2");
  EXPECT_DOUBLE_EQ(instances[1].at("time_to_apply_ms").as_double(), 250.0);
  EXPECT_EQ(body.at("slowest").at("instance").as_string(), "i-2");
  EXPECT_TRUE(body.at("timed_out").as_array().empty());
  EXPECT_FALSE(body.at("interrupted").as_bool());

  // Lifted afterwards: no drill control remains in force.
  EXPECT_TRUE(controls_->snapshot()->find(kWorkflow)->of(model::ControlKind::kDrill).empty());
  auto all = controls_->list(/*include_lifted=*/true);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, body.at("control").as_string());
  EXPECT_NE(all[0].lifted_at, 0);

  // Stored: readable by id and listed by workflow.
  auto stored = store_->get_record("drill", record.id);
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->state, "passed");
  store::RecordQuery query;
  query.kind = "drill";
  query.workflow = kWorkflow;
  auto page = store_->query_records(query);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->records.size(), 1u);

  auto rendered = drill_to_json(record);
  EXPECT_EQ(rendered.at("id").as_string(), record.id);
  EXPECT_EQ(rendered.at("state").as_string(), "passed");
  EXPECT_EQ(rendered.at("workflow").as_string(), kWorkflow);
  EXPECT_TRUE(rendered.contains("instances"));
}

TEST_F(DrillServiceTest, FailsNamingTheInstancesThatDidNotApplyInTime) {
  registry_.applied("fast", version(), kWorkflow);
  registry_.connected("stuck", kWorkflow);  // connected, but never acknowledges
  auto future = begin(5s);
  const std::int64_t drill_version = version();
  clock_.advance(20 * kMilli);
  registry_.applied("fast", drill_version, kWorkflow);
  std::this_thread::sleep_for(20ms);  // the drill keeps waiting for "stuck"
  EXPECT_EQ(future.wait_for(0s), std::future_status::timeout);
  clock_.advance(5 * core::kNanosPerSecond);

  store::Record record = result(future);
  EXPECT_EQ(record.state, "failed");
  const auto& timed_out = record.body.at("timed_out").as_array();
  ASSERT_EQ(timed_out.size(), 1u);
  EXPECT_EQ(timed_out[0].as_string(), "stuck");
  EXPECT_EQ(record.body.at("slowest").at("instance").as_string(), "fast");
  const auto& instances = record.body.at("instances").as_array();
  ASSERT_EQ(instances.size(), 2u);
  EXPECT_TRUE(instances[0].at("applied").as_bool());
  EXPECT_FALSE(instances[1].at("applied").as_bool());
  EXPECT_FALSE(instances[1].as_object().contains("time_to_apply_ms"));
  EXPECT_TRUE(controls_->snapshot()->find(kWorkflow)->of(model::ControlKind::kDrill).empty());
}

TEST_F(DrillServiceTest, WithoutLiveInstancesThereIsNothingToMeasure) {
  registry_.applied("long-gone", version(), kWorkflow);
  clock_.advance(10 * 60 * core::kNanosPerSecond);
  auto record = drills_->run({kWorkflow, 30s, kActor});
  ASSERT_TRUE(record.ok()) << record.error().message();
  EXPECT_EQ(record->state, "no_instances");
  EXPECT_TRUE(record->body.at("instances").as_array().empty());
  EXPECT_TRUE(record->body.at("slowest").is_null());
  EXPECT_TRUE(controls_->snapshot()->find(kWorkflow)->of(model::ControlKind::kDrill).empty());
}

TEST_F(DrillServiceTest, RefusesABadTimeoutAnUnknownWorkflowAndASecondDrillOnTheWorkflow) {
  auto bad = drills_->begin({kWorkflow, 0s, kActor}, [](auto) {});
  EXPECT_EQ(bad.error().code(), core::Code::kInvalidArgument);
  auto unknown = drills_->begin({"no-such-workflow", 30s, kActor}, [](auto) {});
  EXPECT_EQ(unknown.error().code(), core::Code::kNotFound);

  registry_.connected("stuck", kWorkflow);
  auto future = begin(30s);
  auto second = drills_->begin({kWorkflow, 30s, kActor}, [](auto) {});
  EXPECT_EQ(second.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(second.error().message().find("running already"), std::string::npos);

  // Stopping finishes it now, as interrupted, with its control lifted.
  drills_->stop();
  store::Record record = result(future);
  EXPECT_EQ(record.state, "failed");
  EXPECT_TRUE(record.body.at("interrupted").as_bool());
  EXPECT_TRUE(controls_->snapshot()->find(kWorkflow)->of(model::ControlKind::kDrill).empty());
  auto after = drills_->begin({kWorkflow, 30s, kActor}, [](auto) {});
  EXPECT_EQ(after.error().code(), core::Code::kUnavailable);
}

TEST_F(DrillServiceTest, StartLiftsADrillControlLeftByACrash) {
  model::Control leftover;
  leftover.workflow = kWorkflow;
  leftover.kind = model::ControlKind::kDrill;
  leftover.reason = "drill";
  ASSERT_TRUE(controls_->set(leftover, kActor).ok());
  DrillService again(*controls_, registry_, *store_, clock_);
  ASSERT_TRUE(again.start().ok());
  EXPECT_TRUE(controls_->snapshot()->find(kWorkflow)->of(model::ControlKind::kDrill).empty());
}

}  // namespace
}  // namespace aiir::contain
