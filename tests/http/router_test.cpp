#include "http/router.h"

#include <gtest/gtest.h>

namespace aiir::http {
namespace {

Handler noop() {
  return [](Request&, Reply reply) { reply(Response::text(200, "")); };
}

Router make_router() {
  return Router({
      Route{"GET", "/v1/workflows", {model::Role::kViewer}, false, "", noop()},
      Route{"GET", "/v1/workflows/{id}", {model::Role::kViewer}, false, "", noop()},
      Route{"DELETE", "/v1/keys/{id}", {}, false, "", noop()},
  });
}

TEST(Router, MatchesLiteralPath) {
  auto router = make_router();
  auto m = router.match("GET", "/v1/workflows");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/workflows");
}

TEST(Router, CapturesPathParameters) {
  auto router = make_router();
  auto m = router.match("GET", "/v1/workflows/support-refunds");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("id"), "support-refunds");
}

TEST(Router, ReportsAllowedMethodsWhenOnlyTheMethodDiffers) {
  auto router = make_router();
  auto m = router.match("POST", "/v1/workflows");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "GET");
}

TEST(Router, UnknownPathMatchesNothing) {
  auto router = make_router();
  auto m = router.match("GET", "/v1/nothing");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allow.empty());
  EXPECT_EQ(router.match("GET", "/v1/workflows/").route, nullptr);
  EXPECT_EQ(router.match("GET", "v1/workflows").route, nullptr);
}

TEST(Router, AdminIsAllowedEverywhereAndOthersOnlyWhereListed) {
  auto router = make_router();
  const Route& keys = router.routes()[2];
  EXPECT_TRUE(keys.allows(model::Role::kAdmin));
  EXPECT_FALSE(keys.allows(model::Role::kViewer));
  EXPECT_TRUE(router.routes()[0].allows(model::Role::kViewer));
  EXPECT_FALSE(router.routes()[0].allows(model::Role::kIngest));
}

}  // namespace
}  // namespace aiir::http
