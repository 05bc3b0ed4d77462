// Walks the real route table: every route but health and readiness must answer 401 without a key
// and 403 to each role it does not allow, so a new route cannot escape authentication.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "app/server_app.h"
#include "cli/http_client.h"
#include "process.h"

namespace aiir {
namespace {

std::string concrete_path(const std::string& pattern) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      out += "x";
      i = pattern.find('}', i) + 1;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

class RouteAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app::ServeOptions options;
    options.config_dir = std::string(AIIR_SOURCE_DIR) + "/examples";
    options.data_dir = dir_.path();
    options.port = 0;
    options.log_to_stderr = false;
    auto started = app::ServerApp::start(options, clock_);
    ASSERT_TRUE(started.ok()) << started.error().message();
    app_ = std::move(*started);
    ASSERT_TRUE(app_->bootstrap_key().has_value());
    cli::HttpClient admin(app_->base_url(), *app_->bootstrap_key());
    for (auto role : model::all_roles()) {
      std::string name(model::to_string(role));
      auto r = admin.post("/v1/keys", boost::json::serialize(boost::json::object{
                                          {"role", name}, {"name", "test " + name}}));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 201) << r->body;
      keys_[role] = std::string(boost::json::parse(r->body).as_object()["secret"].as_string());
    }
  }

  testing::TempDir dir_;
  core::SystemClock clock_;
  std::unique_ptr<app::ServerApp> app_;
  std::map<model::Role, std::string> keys_;
};

TEST_F(RouteAuthTest, EveryNonPublicRouteAnswers401WithoutAKey) {
  cli::HttpClient anonymous(app_->base_url(), "");
  int checked = 0;
  for (const auto& route : app_->router().routes()) {
    if (route.is_public) continue;
    auto r = anonymous.request(route.method, concrete_path(route.pattern), "{}");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401) << route.method << " " << route.pattern;
    EXPECT_EQ(r->content_type, "application/problem+json") << route.pattern;
    EXPECT_NE(r->header("WWW-Authenticate"), "") << route.pattern;
    ++checked;
  }
  EXPECT_GT(checked, 5);
}

TEST_F(RouteAuthTest, EveryRouteAnswers403ToEachRoleItDoesNotAllow) {
  int forbidden = 0;
  for (const auto& route : app_->router().routes()) {
    if (route.is_public) continue;
    for (auto role : model::all_roles()) {
      cli::HttpClient client(app_->base_url(), keys_[role]);
      auto r = client.request(route.method, concrete_path(route.pattern), "{}");
      ASSERT_TRUE(r.ok());
      if (route.allows(role)) {
        EXPECT_NE(r->status, 401) << route.pattern << " as " << model::to_string(role);
        EXPECT_NE(r->status, 403) << route.pattern << " as " << model::to_string(role);
      } else {
        EXPECT_EQ(r->status, 403) << route.method << " " << route.pattern << " as "
                                  << model::to_string(role);
        EXPECT_NE(cli::problem_detail(*r).find("needs one of"), std::string::npos);
        ++forbidden;
      }
    }
  }
  EXPECT_GT(forbidden, 10);
}

TEST_F(RouteAuthTest, HealthAndReadinessNeedNoKey) {
  cli::HttpClient anonymous(app_->base_url(), "");
  auto health = anonymous.get("/healthz");
  auto ready = anonymous.get("/readyz");
  ASSERT_TRUE(health.ok() && ready.ok());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(ready->status, 200);
}

TEST_F(RouteAuthTest, RevokedKeyIsRejectedAtOnce) {
  cli::HttpClient admin(app_->base_url(), *app_->bootstrap_key());
  cli::HttpClient viewer(app_->base_url(), keys_[model::Role::kViewer]);
  ASSERT_EQ(viewer.get("/v1/workflows")->status, 200);
  auto whoami = viewer.get("/v1/whoami");
  std::string id(boost::json::parse(whoami->body).as_object()["key_id"].as_string());
  ASSERT_EQ(admin.request("DELETE", "/v1/keys/" + id)->status, 204);
  EXPECT_EQ(viewer.get("/v1/workflows")->status, 401);
}

TEST_F(RouteAuthTest, KeyListingNeverContainsSecretsOrHashes) {
  cli::HttpClient admin(app_->base_url(), *app_->bootstrap_key());
  auto r = admin.get("/v1/keys");
  ASSERT_TRUE(r.ok());
  for (const auto& [role, secret] : keys_) {
    EXPECT_EQ(r->body.find(secret.substr(18)), std::string::npos);
  }
  EXPECT_EQ(r->body.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace aiir
