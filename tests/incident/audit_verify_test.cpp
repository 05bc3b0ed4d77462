// Audit verification against a real SQLite store whose file is then tampered with through the
// SQLite C API, the way someone with access to the file (not to aiir) would do it.
#include "incident/audit_verify.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "core/crypto.h"
#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::incident {
namespace {

constexpr core::UnixNanos kStart = 1'795'000'000LL * core::kNanosPerSecond;  // 2026-11-18
constexpr int kEntries = 20;

class AuditVerify : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_.file("aiir.db"); }

  // Writes `count` entries through the store, as the server does, and closes it.
  void write_log(int count = kEntries) {
    auto store = store::open_sqlite_store({path_});
    ASSERT_TRUE(store.ok()) << store.error().message();
    for (int i = 1; i <= count; ++i) {
      model::AuditEntry e;
      e.time = kStart + i * core::kNanosPerSecond;
      e.actor = i % 3 == 0 ? "system" : "key_alice";
      e.action = i % 2 == 0 ? "incident.state_changed" : "incident.note_added";
      e.subject = "INC-" + std::to_string(i);
      e.detail = R"({"summary":"event )" + std::to_string(i) + R"("})";
      auto appended = (*store)->append_audit(e);
      ASSERT_TRUE(appended.ok()) << appended.error().message();
      heads_.push_back({appended->seq, appended->hash});
    }
  }

  // Runs SQL on the file directly, bypassing aiir.
  void tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message << "\n" << sql;
  }

  // Adds a row with exactly these columns.
  void insert_row(const model::AuditEntry& e) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "INSERT INTO audit_log (seq, time, actor, action, subject, "
                                 "detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 -1, &s, nullptr),
              SQLITE_OK);
    sqlite3_bind_int64(s, 1, e.seq);
    sqlite3_bind_int64(s, 2, e.time);
    const std::string* texts[] = {&e.actor, &e.action, &e.subject, &e.detail, &e.prev_hash,
                                  &e.hash};
    for (int i = 0; i < 6; ++i) {
      sqlite3_bind_text(s, i + 3, texts[i]->c_str(), -1, SQLITE_TRANSIENT);
    }
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_DONE);
  }

  // A forged entry that hashes correctly (SHA-256 needs no secret).
  model::AuditEntry forge(std::int64_t seq, const std::string& prev_hash) {
    model::AuditEntry e;
    e.seq = seq;
    e.time = kStart + seq * core::kNanosPerSecond + 1;
    e.actor = "key_mallory";
    e.action = "key.create";
    e.subject = "key_backdoor";
    e.detail = R"({"role":"admin"})";
    e.prev_hash = prev_hash;
    e.hash = core::sha256_hex(e.canonical());
    return e;
  }

  AuditVerification verify(std::optional<AuditHead> head = std::nullopt, int page_size = 1000) {
    auto store = store::open_sqlite_store({path_});
    EXPECT_TRUE(store.ok()) << store.error().message();
    if (!store.ok()) return {};
    auto verified = verify_audit_log(**store, {std::move(head), page_size});
    EXPECT_TRUE(verified.ok()) << verified.error().message();
    if (!verified.ok()) return {};
    if (verified->problem) std::cout << "  " << describe(*verified->problem) << "\n";
    return *verified;
  }

  // The hash of entry `seq` as written.
  const std::string& hash_of(std::int64_t seq) { return heads_.at(seq - 1).hash; }

  testing::TempDir dir_;
  std::string path_;
  std::vector<AuditHead> heads_;
};

void expect_problem(const AuditVerification& v, TamperKind kind, std::int64_t seq) {
  ASSERT_TRUE(v.problem.has_value()) << "the log verified as intact";
  EXPECT_EQ(v.problem->kind, kind) << describe(*v.problem);
  EXPECT_EQ(v.problem->seq, seq) << describe(*v.problem);
}

TEST_F(AuditVerify, IntactLogPassesAndReportsItsHead) {
  write_log();
  auto v = verify();
  EXPECT_FALSE(v.problem.has_value()) << describe(*v.problem);
  EXPECT_EQ(v.entries_checked, kEntries);
  EXPECT_EQ(v.head.seq, kEntries);
  EXPECT_EQ(v.head.hash, hash_of(kEntries));
}

TEST_F(AuditVerify, IntactLogPassesWithItsRecordedHeadAndAcrossSmallPages) {
  write_log();
  auto v = verify(heads_.at(9), 3);
  EXPECT_FALSE(v.problem.has_value()) << describe(*v.problem);
  EXPECT_EQ(v.entries_checked, kEntries);
}

TEST_F(AuditVerify, EmptyLogPasses) {
  write_log(0);
  auto v = verify();
  EXPECT_FALSE(v.problem.has_value());
  EXPECT_EQ(v.entries_checked, 0);
  EXPECT_EQ(to_string(v.head), "0:" + std::string(64, '0'));
}

TEST_F(AuditVerify, ModifiedDetailIsNamed) {
  write_log();
  tamper(R"(UPDATE audit_log SET detail = '{"summary":"nothing happened"}' WHERE seq = 7)");
  auto v = verify();
  expect_problem(v, TamperKind::kModified, 7);
  EXPECT_EQ(v.entries_checked, 6);
  EXPECT_EQ(v.head.seq, 6);
  std::string text = describe(*v.problem);
  EXPECT_NE(text.find("entry 7 (incident.note_added INC-7, 2026-11-"), std::string::npos) << text;
  EXPECT_NE(text.find("no longer matches the hash"), std::string::npos) << text;
}

TEST_F(AuditVerify, ModifiedEntryFoundAcrossPageBoundaries) {
  write_log();
  tamper("UPDATE audit_log SET actor = 'someone_else' WHERE seq = 7");
  expect_problem(verify(std::nullopt, 3), TamperKind::kModified, 7);
}

TEST_F(AuditVerify, ModifiedEntryWithRecomputedHashIsNamedNotItsSuccessor) {
  write_log();
  auto store = store::open_sqlite_store({path_});
  ASSERT_TRUE(store.ok());
  auto entry = (*store)->list_audit(6, 1);
  store->reset();
  ASSERT_TRUE(entry.ok() && entry->size() == 1);
  model::AuditEntry changed = entry->front();
  changed.detail = R"({"summary":"nothing happened"})";
  changed.hash = core::sha256_hex(changed.canonical());
  tamper("UPDATE audit_log SET detail = '" + changed.detail + "', hash = '" + changed.hash +
         "' WHERE seq = 7");
  auto v = verify();
  expect_problem(v, TamperKind::kModified, 7);
  EXPECT_EQ(v.entries_checked, 6);
  EXPECT_NE(v.problem->message.find("recomputed"), std::string::npos) << v.problem->message;
}

TEST_F(AuditVerify, ChangedLinkIsNamedAsModified) {
  write_log();
  tamper("UPDATE audit_log SET prev_hash = '" + hash_of(3) + "' WHERE seq = 7");
  expect_problem(verify(), TamperKind::kModified, 7);
}

TEST_F(AuditVerify, FirstEntryNotLinkedToTheStartIsNamedAsModified) {
  write_log();
  auto store = store::open_sqlite_store({path_});
  ASSERT_TRUE(store.ok());
  auto first = (*store)->list_audit(0, 1);
  store->reset();
  ASSERT_TRUE(first.ok() && first->size() == 1);
  model::AuditEntry changed = first->front();
  changed.prev_hash = std::string(64, 'e');
  changed.hash = core::sha256_hex(changed.canonical());
  tamper("UPDATE audit_log SET prev_hash = '" + changed.prev_hash + "', hash = '" + changed.hash +
         "' WHERE seq = 1");
  auto v = verify();
  expect_problem(v, TamperKind::kModified, 1);
  EXPECT_NE(v.problem->message.find("first entry"), std::string::npos) << v.problem->message;
}

TEST_F(AuditVerify, DeletedMiddleEntryIsNamed) {
  write_log();
  tamper("DELETE FROM audit_log WHERE seq = 9");
  auto v = verify();
  expect_problem(v, TamperKind::kDeleted, 9);
  EXPECT_FALSE(v.problem->entry.has_value());
  EXPECT_EQ(v.entries_checked, 8);
  EXPECT_NE(describe(*v.problem).find("entry 9 (missing): deleted"), std::string::npos);
}

TEST_F(AuditVerify, SeveralDeletedEntriesAreNamedFromTheFirst) {
  write_log();
  tamper("DELETE FROM audit_log WHERE seq BETWEEN 9 AND 11");
  auto v = verify();
  expect_problem(v, TamperKind::kDeleted, 9);
  EXPECT_NE(v.problem->message.find("entries 9 to 11 are missing"), std::string::npos)
      << v.problem->message;
}

TEST_F(AuditVerify, DeletedFirstEntryIsNamed) {
  write_log();
  tamper("DELETE FROM audit_log WHERE seq = 1");
  auto v = verify();
  expect_problem(v, TamperKind::kDeleted, 1);
  EXPECT_EQ(v.entries_checked, 0);
  EXPECT_NE(v.problem->message.find("the log starts at entry 2"), std::string::npos)
      << v.problem->message;
}

TEST_F(AuditVerify, DeletedEntryWithLaterEntriesRenumberedIsNamed) {
  write_log();
  tamper("DELETE FROM audit_log WHERE seq = 9;"
         "UPDATE audit_log SET seq = -seq WHERE seq > 9;"
         "UPDATE audit_log SET seq = -seq - 1 WHERE seq < 0;");
  auto v = verify();
  expect_problem(v, TamperKind::kDeleted, 9);
  EXPECT_NE(v.problem->message.find("renumbered"), std::string::npos) << v.problem->message;
}

TEST_F(AuditVerify, InsertedEntryInTheMiddleIsNamed) {
  write_log();
  // Make room at 10 by renumbering, and link the forgery properly to entry 9.
  tamper("UPDATE audit_log SET seq = -seq WHERE seq >= 10;"
         "UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;");
  insert_row(forge(10, hash_of(9)));
  auto v = verify();
  expect_problem(v, TamperKind::kInserted, 10);
  EXPECT_EQ(v.entries_checked, 9);
  EXPECT_EQ(v.head.seq, 9);
  ASSERT_TRUE(v.problem->entry.has_value());
  EXPECT_EQ(v.problem->entry->action, "key.create");
}

TEST_F(AuditVerify, InsertedEntryBeforeTheFirstIsNamed) {
  write_log();
  tamper("UPDATE audit_log SET seq = -seq;"
         "UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;");
  insert_row(forge(1, std::string(64, '0')));
  auto v = verify();
  expect_problem(v, TamperKind::kInserted, 1);
  EXPECT_EQ(v.entries_checked, 0);
  EXPECT_EQ(v.head.seq, 0);
}

TEST_F(AuditVerify, InsertedEntryWithAMadeUpLinkInTheMiddleIsNamed) {
  write_log();
  tamper("UPDATE audit_log SET seq = -seq WHERE seq >= 10;"
         "UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;");
  insert_row(forge(10, std::string(64, 'a')));
  expect_problem(verify(), TamperKind::kInserted, 10);
}

TEST_F(AuditVerify, InsertedEntryAtTheEndWithAWrongLinkIsNamed) {
  write_log();
  insert_row(forge(kEntries + 1, hash_of(kEntries - 3)));
  auto v = verify();
  expect_problem(v, TamperKind::kInserted, kEntries + 1);
  EXPECT_EQ(v.entries_checked, kEntries);
}

TEST_F(AuditVerify, InsertedEntryAtTheEndWithAMadeUpHashIsNamed) {
  write_log();
  auto forged = forge(kEntries + 1, std::string(64, '1'));
  forged.hash = std::string(64, '2');
  insert_row(forged);
  expect_problem(verify(), TamperKind::kInserted, kEntries + 1);
}

// Moving rows is done on the numbers: swapping the seq of two rows and swapping every other
// column of them leave the same table.
TEST_F(AuditVerify, SwappedNeighboursAreReordered) {
  write_log();
  tamper("UPDATE audit_log SET seq = -1 WHERE seq = 5;"
         "UPDATE audit_log SET seq = 5 WHERE seq = 6;"
         "UPDATE audit_log SET seq = 6 WHERE seq = -1;");
  auto v = verify();
  expect_problem(v, TamperKind::kReordered, 5);
  EXPECT_EQ(v.entries_checked, 4);
  EXPECT_NE(v.problem->message.find("swapped with entry 6"), std::string::npos)
      << v.problem->message;
}

TEST_F(AuditVerify, SwappedDistantEntriesAreReordered) {
  write_log();
  tamper("UPDATE audit_log SET seq = -1 WHERE seq = 5;"
         "UPDATE audit_log SET seq = 5 WHERE seq = 12;"
         "UPDATE audit_log SET seq = 12 WHERE seq = -1;");
  auto v = verify();
  expect_problem(v, TamperKind::kReordered, 5);
  ASSERT_TRUE(v.problem->entry.has_value());
  EXPECT_EQ(v.problem->entry->subject, "INC-12");
  EXPECT_NE(v.problem->message.find("after entry 11"), std::string::npos) << v.problem->message;
}

TEST_F(AuditVerify, TruncatedTailIsDetectedOnlyWithARecordedHead) {
  write_log();
  AuditHead recorded = verify().head;
  tamper("DELETE FROM audit_log WHERE seq > 17");

  auto without = verify();
  EXPECT_FALSE(without.problem.has_value()) << describe(*without.problem);
  EXPECT_EQ(without.head.seq, 17);

  auto with = verify(recorded);
  expect_problem(with, TamperKind::kTruncated, 18);
  EXPECT_NE(with.problem->message.find("the log ends at entry 17, but entry 20 with hash " +
                                       recorded.hash),
            std::string::npos)
      << with.problem->message;
}

TEST_F(AuditVerify, ConsistentlyRewrittenLogIsDetectedOnlyWithARecordedHead) {
  write_log();
  AuditHead recorded = verify().head;
  // Change entry 15 and recompute every hash from there on: a valid chain again.
  auto store = store::open_sqlite_store({path_});
  ASSERT_TRUE(store.ok());
  auto tail = (*store)->list_audit(14, 100);
  store->reset();
  ASSERT_TRUE(tail.ok());
  std::string prev = hash_of(14);
  std::string sql;
  for (auto e : *tail) {
    if (e.seq == 15) e.detail = R"({"summary":"nothing happened"})";
    e.prev_hash = prev;
    e.hash = core::sha256_hex(e.canonical());
    prev = e.hash;
    sql += "UPDATE audit_log SET detail = '" + e.detail + "', prev_hash = '" + e.prev_hash +
           "', hash = '" + e.hash + "' WHERE seq = " + std::to_string(e.seq) + ";";
  }
  tamper(sql);

  EXPECT_FALSE(verify().problem.has_value());
  auto with = verify(recorded);
  expect_problem(with, TamperKind::kModified, 20);
  EXPECT_NE(with.problem->message.find("head recorded earlier"), std::string::npos);
}

TEST_F(AuditVerify, HeadRecordedPastTheEndOfAnEmptyLogIsTruncation) {
  write_log(0);
  auto v = verify(AuditHead{3, std::string(64, 'c')});
  expect_problem(v, TamperKind::kTruncated, 1);
  EXPECT_NE(v.problem->message.find("the log is empty"), std::string::npos);
}

TEST(AuditChainChecker, StopsAskingForEntriesOnceTheWindowAfterAProblemIsRead) {
  std::vector<model::AuditEntry> log;
  std::string prev(64, '0');
  for (int i = 1; i <= 2000; ++i) {
    model::AuditEntry e;
    e.seq = i;
    e.action = "span.raw_read";
    e.prev_hash = prev;
    e.hash = core::sha256_hex(e.canonical());
    prev = e.hash;
    log.push_back(e);
  }
  log[4].detail = "changed";
  AuditChainChecker checker;
  std::size_t fed = 0;
  while (fed < log.size() && checker.feed(log[fed])) ++fed;
  EXPECT_EQ(fed, 5 + AuditChainChecker::kLookahead - 1);
  auto v = checker.finish();
  expect_problem(v, TamperKind::kModified, 5);
}

TEST(AuditHeadText, ParsesWhatVerifyPrints) {
  AuditHead head{1234, std::string(64, 'f')};
  auto parsed = parse_audit_head(to_string(head));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->seq, 1234);
  EXPECT_EQ(parsed->hash, head.hash);
  EXPECT_TRUE(parse_audit_head("0:" + std::string(64, '0')).ok());
}

TEST(AuditHeadText, RejectsAnythingElseSayingWhatIsWrong) {
  const std::string hash(64, 'a');
  for (const std::string& bad :
       {std::string(""), hash, "12" + hash, "-1:" + hash, "+1:" + hash, "01:" + hash,
        "1:" + hash.substr(1), "1:" + hash + "a", "1:" + std::string(64, 'A'),
        "1:" + std::string(63, 'a') + "g", "1 :" + hash, "1:" + hash + ":", ":" + hash,
        "99999999999999999999:" + hash, "0:" + hash}) {
    auto parsed = parse_audit_head(bad);
    EXPECT_FALSE(parsed.ok()) << "'" << bad << "' was accepted";
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code(), core::Code::kInvalidArgument);
      EXPECT_NE(parsed.error().message().find("SEQ:HASH"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace aiir::incident
