#pragma once
// The real `aiir serve` for HTTP integration tests: a temporary config directory with the
// support-refunds workflow, the server on an ephemeral loopback port, a key of each role the
// tests act with, and OTLP exports of the support-refunds agent's tool calls.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/http_client.h"
#include "process.h"

namespace aiir::testing {

// How long a test waits for the server to get something done (a span judged, an incident opened).
inline constexpr std::chrono::seconds kDeadline{10};

// A detector on the support-refunds workflow: a refund above 500, grouped by account. One item
// of a `detectors:` list, starting with its own line break.
extern const char* const kBigRefundDetector;

// One tool call of the support-refunds agent.
struct ToolCall {
  std::string trace_id;
  std::string span_id;
  std::string account;
  std::string order;
  int amount = 0;
  std::string tool = "issue_refund";
};

// Ids of the n-th trace and span (32 and 16 hex digits), distinct for each n.
std::string trace_id(int n);
std::string span_id(int n);

// An OTLP/JSON export of `calls`, started just now (old spans could be purged by retention).
std::string otlp_export(const std::vector<ToolCall>& calls);

// The string member `key` of `v`; "" when `v` is no object or the member no string.
std::string text(const boost::json::value& v, std::string_view key);

// A test against a freshly started server. A derived fixture writes its own files under
// config/ (detectors, escalation policies) and then calls ServerTest::SetUp().
class ServerTest : public ::testing::Test {
 protected:
  // Writes aiir.yaml and the support-refunds workflow, starts the server and creates the ingest,
  // viewer and responder keys.
  void SetUp() override;

  // Starts the server on the directory's config; again after it was stopped or killed, with the
  // same store. Sets url_ and admin_; a fatal failure when it does not come up.
  void start();

  // A new key's secret ("" after a failed expectation when it was refused).
  std::string create_key(const std::string& role, const std::string& name);

  // One request with `key`; an empty response after a failed expectation when it got no answer.
  cli::ClientResponse send(const std::string& key, const std::string& method,
                           const std::string& path, const std::string& body = "");

  // GETs `path` with the viewer key and parses it; an empty object after a failed expectation
  // when the answer is not 200.
  boost::json::object get_json(const std::string& path);

  TempDir dir_;
  std::unique_ptr<Process> server_;
  std::string url_;
  std::string admin_;
  std::string ingest_;
  std::string viewer_;
  std::string responder_;
};

}  // namespace aiir::testing
