#include "investigate/trace_reader.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"

namespace aiir::investigate {
namespace {

const std::string kTrace = "0af7651916cd43dd8448eb211c80319c";

class TraceReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_sqlite_store({":memory:"});
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
    model::AiSpan raw;
    raw.trace_id = kTrace;
    raw.span_id = "b7ad6b7169203331";
    raw.kind = model::SpanKind::kTool;
    raw.workflow = "knowledge-assistant";
    raw.content_policy = "raw";
    raw.tool_name = "search";
    raw.tool_arguments = R"({"q":"salary bands"})";
    raw.input_messages.push_back({"user", "what are the salary bands?", {}});
    model::AiSpan redacted = raw;
    redacted.span_id = "b7ad6b7169203332";
    redacted.content_policy = "redact";
    redacted.input_messages[0].content = "mail <EMAIL>";
    ASSERT_TRUE(store_->append_spans({raw, redacted}).ok());
    reader_ = std::make_unique<TraceReader>(
        *store_, clock_, std::vector<model::Role>{model::Role::kLegal, model::Role::kAdmin});
  }
  core::ManualClock clock_{1000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TraceReader> reader_;
};

TEST_F(TraceReaderTest, RawContentIsWithheldByDefaultAndNoAuditEntryIsWritten) {
  auto view = reader_->trace(kTrace, {"k-viewer", model::Role::kViewer, false});
  ASSERT_TRUE(view.ok()) << view.error().message();
  EXPECT_EQ(view->withheld_spans, 1);
  EXPECT_EQ(view->spans[0].input_messages[0].content, kWithheld);
  EXPECT_EQ(view->spans[0].tool_arguments, kWithheld);
  EXPECT_EQ(view->spans[1].input_messages[0].content, "mail <EMAIL>");  // redacted is safe
  EXPECT_TRUE(store_->list_audit(0, 10)->empty());
}

TEST_F(TraceReaderTest, AllowedRoleReadsRawContentAndTheReadIsAudited) {
  auto view = reader_->trace(kTrace, {"k-legal", model::Role::kLegal, true});
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(view->raw_content_shown);
  EXPECT_EQ(view->spans[0].input_messages[0].content, "what are the salary bands?");
  auto audit = store_->list_audit(0, 10);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].actor, "k-legal");
  EXPECT_EQ((*audit)[0].action, "span.raw_read");
  EXPECT_EQ((*audit)[0].subject, "trace:" + kTrace);
}

TEST_F(TraceReaderTest, OtherRolesAskingForRawContentAreRefusedWithWhoMay) {
  auto view = reader_->trace(kTrace, {"k-resp", model::Role::kResponder, true});
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error().code(), core::Code::kPermissionDenied);
  EXPECT_NE(view.error().message().find("legal, admin"), std::string::npos);
  EXPECT_TRUE(store_->list_audit(0, 10)->empty());
}

TEST_F(TraceReaderTest, MalformedAndUnknownTraceIdsAreClearErrors) {
  EXPECT_EQ(reader_->trace("xyz", {"k", model::Role::kViewer, false}).error().code(),
            core::Code::kInvalidArgument);
  EXPECT_EQ(reader_->trace(std::string(32, '0'), {"k", model::Role::kViewer, false}).error().code(),
            core::Code::kInvalidArgument);
  EXPECT_EQ(reader_->trace("0af7651916cd43dd8448eb211c80319d", {"k", model::Role::kViewer, false})
                .error()
                .code(),
            core::Code::kNotFound);
}

TEST_F(TraceReaderTest, SpanSearchAppliesTheSameRules) {
  store::SpanQuery q;
  q.workflow = "knowledge-assistant";
  auto page = reader_->spans(q, {"k", model::Role::kViewer, false});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->spans.size(), 2u);
  for (const auto& s : page->spans) {
    if (s.content_policy == "raw") {
      EXPECT_EQ(s.tool_arguments, kWithheld);
    }
  }
}

}  // namespace
}  // namespace aiir::investigate
