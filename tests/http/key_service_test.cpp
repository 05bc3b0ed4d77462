#include "http/key_service.h"

#include <gtest/gtest.h>

#include "core/crypto.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::http {
namespace {

class KeyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_sqlite_store({":memory:"});
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(*opened);
    keys_ = std::make_unique<KeyService>(*store_, clock_);
    ASSERT_TRUE(keys_->load().ok());
  }
  core::ManualClock clock_{1'700'000'000 * core::kNanosPerSecond};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<KeyService> keys_;
};

TEST_F(KeyServiceTest, CreatedKeyAuthenticatesWithItsRole) {
  auto created = keys_->create(model::Role::kIngest, "collector", "test");
  ASSERT_TRUE(created.ok());
  auto key = keys_->authenticate(created->secret);
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(key->role, model::Role::kIngest);
  EXPECT_EQ(key->name, "collector");
}

TEST_F(KeyServiceTest, StoreHoldsOnlyTheHashOfTheSecret) {
  auto created = keys_->create(model::Role::kViewer, "dash", "test");
  ASSERT_TRUE(created.ok());
  auto stored = store_->find_key(created->key.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->secret_hash, core::sha256_hex(created->secret));
  EXPECT_EQ((*stored)->secret_hash.find(created->secret.substr(18)), std::string::npos);
}

TEST_F(KeyServiceTest, KeysAreRandomAndWellFormed) {
  auto a = keys_->create(model::Role::kViewer, "a", "test");
  auto b = keys_->create(model::Role::kViewer, "b", "test");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->secret, b->secret);
  EXPECT_EQ(a->secret.rfind("aiir_" + a->key.id + "_", 0), 0u);
  EXPECT_EQ(a->secret.size(), 5 + 12 + 1 + 64);
}

TEST_F(KeyServiceTest, WrongSecretUnknownIdMalformedAndMissingAreUnauthenticated) {
  auto created = keys_->create(model::Role::kViewer, "a", "test");
  ASSERT_TRUE(created.ok());
  std::string tampered = created->secret;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  for (const std::string& presented :
       {tampered, std::string("aiir_000000000000_") + std::string(64, 'a'), std::string("nope"),
        std::string()}) {
    auto r = keys_->authenticate(presented);
    ASSERT_FALSE(r.ok()) << presented;
    EXPECT_EQ(r.error().code(), core::Code::kUnauthenticated);
    EXPECT_FALSE(r.error().message().empty());
  }
}

TEST_F(KeyServiceTest, RevokedKeyNoLongerAuthenticates) {
  auto created = keys_->create(model::Role::kResponder, "oncall", "test");
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(keys_->revoke(created->key.id, "admin").ok());
  auto r = keys_->authenticate(created->secret);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("revoked"), std::string::npos);
  EXPECT_EQ(keys_->revoke("ffffffffffff", "admin").error().code(), core::Code::kNotFound);
}

TEST_F(KeyServiceTest, BootstrapCreatesOneAdminKeyOnlyWhenNoneExists) {
  auto first = keys_->bootstrap_admin();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->key.role, model::Role::kAdmin);
  auto second = keys_->bootstrap_admin();
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

TEST(PresentedKey, ReadsBearerCaseInsensitivelyOrTheApiKeyHeader) {
  EXPECT_EQ(presented_key("Bearer abc", ""), "abc");
  EXPECT_EQ(presented_key("bearer abc", ""), "abc");
  EXPECT_EQ(presented_key("", "xyz"), "xyz");
  EXPECT_EQ(presented_key("Basic Zm9v", "xyz"), "xyz");
  EXPECT_EQ(presented_key("", ""), "");
}

}  // namespace
}  // namespace aiir::http
