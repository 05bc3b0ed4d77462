#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "process.h"
#include "store/sqlite/migrations.h"

namespace aiir::store {
namespace {

model::ApiKey make_key(const std::string& id) {
  model::ApiKey key;
  key.id = id;
  key.name = "key " + id;
  key.role = model::Role::kResponder;
  key.secret_hash = std::string(64, 'a');
  key.created_at = 1000;
  key.created_by = "test";
  return key;
}

TEST(SqliteStore, FreshFileIsMigratedToTheLatestSchema) {
  testing::TempDir dir;
  auto store = open_sqlite_store({dir.file("a/b/aiir.db")});
  ASSERT_TRUE(store.ok()) << store.error().message();
  EXPECT_EQ((*store)->schema_version(), sqlite::latest_schema_version());
}

TEST(SqliteStore, KeysSurviveReopening) {
  testing::TempDir dir;
  {
    auto store = open_sqlite_store({dir.file("aiir.db")});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->insert_key(make_key("k1")).ok());
    ASSERT_TRUE((*store)->insert_key(make_key("k2")).ok());
    ASSERT_TRUE((*store)->revoke_key("k2", 2000, "k1").ok());
  }
  auto store = open_sqlite_store({dir.file("aiir.db")});
  ASSERT_TRUE(store.ok());
  auto keys = (*store)->list_keys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].role, model::Role::kResponder);
  EXPECT_FALSE((*keys)[0].revoked_at.has_value());
  EXPECT_EQ((*keys)[1].revoked_at.value_or(0), 2000);
  EXPECT_EQ(*(*store)->count_active_keys(), 1);
}

TEST(SqliteStore, DuplicateKeyIdIsAlreadyExists) {
  auto store = open_sqlite_store({":memory:"});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->insert_key(make_key("k1")).ok());
  auto again = (*store)->insert_key(make_key("k1"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::Code::kAlreadyExists);
}

TEST(SqliteStore, RevokingAnUnknownKeyIsNotFound) {
  auto store = open_sqlite_store({":memory:"});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->revoke_key("missing", 1, "k1").error().code(), core::Code::kNotFound);
}

TEST(SqliteStore, RefusesAStoreWrittenByANewerVersion) {
  testing::TempDir dir;
  std::string path = dir.file("aiir.db");
  { ASSERT_TRUE(open_sqlite_store({path}).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = open_sqlite_store({path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(store.error().message().find("999"), std::string::npos);
  EXPECT_NE(store.error().message().find("newer aiir"), std::string::npos);
}

TEST(SqliteStore, OpensInWalModeWithForeignKeys) {
  testing::TempDir dir;
  std::string path = dir.file("aiir.db");
  auto store = open_sqlite_store({path});
  ASSERT_TRUE(store.ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
}  // namespace aiir::store
