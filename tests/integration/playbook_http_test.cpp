// Playbooks on the real binary: a big refund opens an incident, the playbook in the config
// disables the refund tool at once and proposes a prompt rollback that only the business owner
// may approve. A responder without that authority gets 403 naming who has it; the business owner
// approves (the control is set) or refuses with a reason; checklists and playbooks are listed.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

#include "server_fixture.h"

namespace aiir {
namespace {

namespace json = boost::json;
using testing::kDeadline;
using testing::span_id;
using testing::text;
using testing::trace_id;

constexpr const char* kPlaybook = R"(id: big-refunds
title: Refunds above the limit
match:
  workflows: [support-refunds]
  categories: [excessive_agency]
automatic:
  - {kind: disable_tool, tool: issue_refund, expires_after: 4h}
approval:
  - kind: pin_version
    part_kind: prompt
    part_name: refund-policy
    version: previous
    approvers: [business_owner]
checklists:
  incident_lead: [Confirm refunds are stopped]
  business_owner: [Approve or refuse the prompt rollback]
)";

class PlaybookHttpTest : public testing::ServerTest {
 protected:
  void SetUp() override {
    testing::write_file(dir_.file("config/detectors/test.yaml"),
                        std::string("detectors:") + testing::kBigRefundDetector);
    testing::write_file(dir_.file("config/playbooks/refunds.yaml"), kPlaybook);
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    // Named as the workflow's business owner is: the incident's business_owner holder.
    owner_ = create_key("responder", "Dana Whitfield");
  }

  // Exports a big refund for `account` and waits until its incident has its approval; the
  // incident's id and the approval's, or "" after a failed expectation.
  std::pair<std::string, std::string> open_incident(int n, const std::string& account) {
    auto r = send(ingest_, "POST", "/v1/traces",
                  testing::otlp_export({{trace_id(n), span_id(n), account, "A-1", 900}}));
    EXPECT_EQ(r.status, 200) << r.body;
    std::string incident, approval;
    testing::eventually(
        [&] {
          auto page = get_json("/v1/incidents?workflow=support-refunds");
          const auto* list = page.if_contains("incidents");
          if (list == nullptr || !list->is_array() || list->as_array().empty()) return false;
          incident = text(list->as_array().front(), "id");
          auto approvals = get_json("/v1/incidents/" + incident + "/approvals");
          const auto* items = approvals.if_contains("approvals");
          if (items == nullptr || !items->is_array() || items->as_array().empty()) return false;
          approval = text(items->as_array().front(), "id");
          return true;
        },
        kDeadline);
    EXPECT_FALSE(approval.empty()) << server_->stderr_text();
    return {incident, approval};
  }

  json::value post(const std::string& key, const std::string& path, const std::string& body,
                   int expected) {
    auto r = send(key, "POST", path, body);
    EXPECT_EQ(r.status, expected) << path << ": " << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    return ec ? json::value(json::object{}) : v;
  }

  std::string owner_;
};

TEST_F(PlaybookHttpTest, AutomaticControlThenApprovalOnlyByTheBusinessOwner) {
  auto [incident, approval] = open_incident(1, "acct-1");
  ASSERT_FALSE(approval.empty());

  // The automatic action: issue_refund disabled, on the incident, by the playbook.
  auto controls = get_json("/v1/controls");
  const auto& list = controls["controls"].as_array();
  ASSERT_EQ(list.size(), 1u) << json::serialize(controls);
  EXPECT_EQ(text(list[0], "kind"), "disable_tool");
  EXPECT_EQ(text(list[0], "incident"), incident);
  EXPECT_EQ(text(list[0], "set_by"), "playbook big-refunds");
  EXPECT_FALSE(text(list[0], "expires_at").empty());

  const std::string base = "/v1/incidents/" + incident + "/approvals/" + approval;
  auto denied = post(responder_, base + "/approve", "{}", 403);
  const std::string detail = text(denied, "detail");
  EXPECT_NE(detail.find("needs the business owner (Dana Whitfield <dana.whitfield@example.com>)"),
            std::string::npos)
      << detail;
  EXPECT_NE(detail.find("you are key 'on-call' (responder)"), std::string::npos) << detail;

  auto approved = post(owner_, base + "/approve", R"({"reason":"v7 causes it"})", 200);
  EXPECT_EQ(text(approved, "state"), "approved");
  const std::string control = text(approved, "control_id");
  ASSERT_FALSE(control.empty());
  auto pinned = get_json("/v1/controls/" + control);
  EXPECT_EQ(text(pinned, "kind"), "pin_version");
  EXPECT_EQ(text(pinned, "version"), "v6");

  post(owner_, base + "/approve", "{}", 409);  // decided already

  auto timeline = get_json("/v1/incidents/" + incident + "/timeline");
  std::vector<std::string> kinds;
  for (const auto& e : timeline["events"].as_array()) kinds.push_back(text(e, "kind"));
  for (const char* kind : {"playbook_matched", "approval_requested", "approval_granted"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
  }

  auto checklists = get_json("/v1/incidents/" + incident + "/checklists");
  const auto& roles = checklists["checklists"].as_array();
  ASSERT_EQ(roles.size(), 2u) << json::serialize(checklists);
  EXPECT_EQ(text(roles[1], "role"), "business_owner");
  EXPECT_EQ(text(roles[1], "who"), "Dana Whitfield <dana.whitfield@example.com>");

  auto playbooks = get_json("/v1/playbooks");
  ASSERT_EQ(playbooks["playbooks"].as_array().size(), 1u);
  EXPECT_EQ(text(playbooks["playbooks"].as_array()[0], "id"), "big-refunds");
}

TEST_F(PlaybookHttpTest, RefusalNeedsAReasonAndIsRecorded) {
  auto [incident, approval] = open_incident(2, "acct-2");
  ASSERT_FALSE(approval.empty());
  const std::string base = "/v1/incidents/" + incident + "/approvals/" + approval;
  post(owner_, base + "/refuse", "{}", 400);
  auto refused = post(owner_, base + "/refuse", R"({"reason":"the prompt is not the cause"})", 200);
  EXPECT_EQ(text(refused, "state"), "refused");
  EXPECT_EQ(text(refused, "decided_by").rfind("Dana Whitfield (", 0), 0u);
  auto controls = get_json("/v1/controls");
  EXPECT_EQ(controls["controls"].as_array().size(), 1u);  // only the automatic one
}

TEST_F(PlaybookHttpTest, TheCliListsApprovalsAndSaysWhoMayDecide) {
  auto [incident, approval] = open_incident(3, "acct-3");
  ASSERT_FALSE(approval.empty());
  auto cli = [&](const std::string& key, std::vector<std::string> args) {
    std::vector<std::string> argv{AIIR_BINARY, "--server", url_, "--key", key, "approvals"};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_command(argv, dir_.path(), std::chrono::seconds(30));
  };
  auto listed = cli(viewer_, {"list", incident});
  ASSERT_EQ(listed.status, 0) << listed.err;
  EXPECT_NE(listed.out.find(approval), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("pending"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("business_owner"), std::string::npos) << listed.out;

  auto denied = cli(responder_, {"approve", incident, approval});
  EXPECT_NE(denied.status, 0);
  EXPECT_NE(denied.err.find("business owner"), std::string::npos) << denied.err;

  auto refused = cli(owner_, {"refuse", incident, approval, "--reason", "not the prompt"});
  ASSERT_EQ(refused.status, 0) << refused.err;
  EXPECT_NE(refused.out.find("refused"), std::string::npos) << refused.out;
}

}  // namespace
}  // namespace aiir
