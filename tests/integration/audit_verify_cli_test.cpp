// `aiir audit verify` as an operator runs it on a store file: exit status and the entry it names.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include <boost/json.hpp>

#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir {
namespace {

constexpr core::UnixNanos kStart = 1'795'000'000LL * core::kNanosPerSecond;

// A store file with `count` audit entries, written the way the server writes them.
void write_log(const std::string& path, int count) {
  auto store = store::open_sqlite_store({path});
  ASSERT_TRUE(store.ok()) << store.error().message();
  for (int i = 1; i <= count; ++i) {
    model::AuditEntry e;
    e.time = kStart + i * core::kNanosPerSecond;
    e.actor = "system";
    e.action = "incident.state_changed";
    e.subject = "INC-" + std::to_string(i);
    e.detail = R"({"summary":"acknowledged"})";
    ASSERT_TRUE((*store)->append_audit(e).ok());
  }
}

void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  sqlite3_close(db);
}

testing::RunResult verify(const testing::TempDir& dir, std::vector<std::string> extra) {
  std::vector<std::string> argv{AIIR_BINARY, "audit", "verify"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return testing::run_command(argv, dir.path());
}

TEST(AuditVerifyCli, IntactLogExitsZeroAndPrintsItsHead) {
  testing::TempDir dir;
  std::string db = dir.file("aiir.db");
  write_log(db, 1234);
  auto r = verify(dir, {"--store", db});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("audit log intact: 1,234 entries; head 1234:"), std::string::npos) << r.out;
}

TEST(AuditVerifyCli, TamperedLogExitsOneNamingTheEntryAndStaysTampered) {
  testing::TempDir dir;
  std::string db = dir.file("aiir.db");
  write_log(db, 20);
  run_sql(db, R"(UPDATE audit_log SET detail = '{"summary":"never happened"}' WHERE seq = 7)");
  for (int run = 0; run < 2; ++run) {  // opening the store must not repair or hide anything
    auto r = verify(dir, {"--store", db});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("audit log BROKEN at entry 7 (incident.state_changed INC-7, 2026-11-18T"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find(": modified — "), std::string::npos) << r.out;
  }
}

TEST(AuditVerifyCli, JsonNamesTheDeletedEntry) {
  testing::TempDir dir;
  std::string db = dir.file("aiir.db");
  write_log(db, 20);
  run_sql(db, "DELETE FROM audit_log WHERE seq = 12");
  auto r = verify(dir, {"--store", db, "--json"});
  EXPECT_EQ(r.status, 1) << r.err;
  auto out = boost::json::parse(r.out).as_object();
  EXPECT_FALSE(out["intact"].as_bool());
  EXPECT_EQ(out["entries_checked"].as_int64(), 11);
  EXPECT_EQ(out["problem"].as_object()["kind"].as_string(), "deleted");
  EXPECT_EQ(out["problem"].as_object()["seq"].as_int64(), 12);
}

TEST(AuditVerifyCli, RecordedHeadCatchesATruncatedTail) {
  testing::TempDir dir;
  std::string db = dir.file("aiir.db");
  write_log(db, 20);
  auto first = verify(dir, {"--store", db, "--json"});
  ASSERT_EQ(first.status, 0) << first.err;
  std::string head(boost::json::parse(first.out).at("head").at("text").as_string());
  run_sql(db, "DELETE FROM audit_log WHERE seq > 15");

  EXPECT_EQ(verify(dir, {"--store", db}).status, 0);
  auto r = verify(dir, {"--store", db, "--head", head});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("truncated — the log ends at entry 15, but entry 20"), std::string::npos)
      << r.out;
}

TEST(AuditVerifyCli, FindsTheStoreThroughTheConfigDirectory) {
  testing::TempDir dir;
  testing::write_file(dir.file("cfg/aiir.yaml"), "store:\n  path: state/audit.db\n");
  write_log(dir.file("cfg/state/audit.db"), 3);
  auto r = verify(dir, {"--config", dir.file("cfg")});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("intact: 3 entries"), std::string::npos) << r.out;
}

TEST(AuditVerifyCli, MissingStoreOrMalformedHeadExitsTwo) {
  testing::TempDir dir;
  auto missing = verify(dir, {"--store", dir.file("nothing.db")});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("no store file at"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("nothing.db")));

  write_log(dir.file("aiir.db"), 1);
  auto bad = verify(dir, {"--store", dir.file("aiir.db"), "--head", "12:abc"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--head"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("64 lower-case hex digits"), std::string::npos) << bad.err;

  auto both = verify(dir, {"--store", dir.file("aiir.db"), "--config", dir.path()});
  EXPECT_EQ(both.status, 2);
}

}  // namespace
}  // namespace aiir
