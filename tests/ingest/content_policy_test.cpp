#include "ingest/content_policy.h"

#include <gtest/gtest.h>

#include <string>

#include "core/crypto.h"

namespace aiir::ingest {
namespace {

using model::ContentPolicy;

const scan::SensitiveData& redactor() {
  static const scan::SensitiveData instance;
  return instance;
}

// --- hashing -----------------------------------------------------------------------------------

TEST(ContentHash, IsSha256OfTheOriginalAndEqualForEqualInput) {
  const std::string hash = content_hash("Please refund jane.doe@example.com");
  EXPECT_EQ(hash, "sha256:" + core::sha256_hex("Please refund jane.doe@example.com"));
  EXPECT_EQ(hash.size(), 7u + 64u);
  EXPECT_EQ(content_hash("Please refund jane.doe@example.com"), hash);
  EXPECT_NE(content_hash("Please refund john@example.com"), hash);
  EXPECT_EQ(content_hash(""), "");
}

// --- policies over spans ----------------------------------------------------------------------

model::AiSpan span_with_content() {
  model::AiSpan span;
  span.name = "chat";
  span.input_messages = {{"user", "I'm jane@example.com", {}}};
  span.output_messages = {
      {"assistant", "Refunding card 4111 1111 1111 1111",
       {{"refund", R"({"email":"jane@example.com","amount":25.00,"card":4111111111111111})"}}}};
  span.tool_name = "refund";
  span.tool_arguments = R"({"email": "jane@example.com",
  "note": "call\n415-555-0132"})";
  span.tool_result = "refund sent to jane@example.com";
  span.documents = {{"doc-1", "kb", 0.9, "Contact bob@example.org for help"}};
  span.attributes = {{"app.note", R"("mail me at a@b.io")"},
                     {"app.count", "42"},
                     {"app.tags", R"(["a@b.io","plain"])"}};
  span.resource_attributes = {{"host.ip", R"("10.1.2.3")"}};
  return span;
}

TEST(ApplyContentPolicy, RedactTouchesEveryContentField) {
  model::AiSpan span = span_with_content();
  apply_content_policy(span, ContentPolicy::kRedact, redactor());
  EXPECT_EQ(span.content_policy, "redact");
  EXPECT_EQ(span.input_messages[0].content, "I'm <EMAIL>");
  EXPECT_EQ(span.input_messages[0].role, "user");
  EXPECT_EQ(span.output_messages[0].content, "Refunding card <CARD>");
  EXPECT_EQ(span.output_messages[0].tool_calls[0].first, "refund");
  EXPECT_EQ(span.output_messages[0].tool_calls[0].second,
            R"({"email":"<EMAIL>","amount":25.00,"card":"<CARD>"})");
  EXPECT_EQ(span.tool_arguments, R"({"email": "<EMAIL>",
  "note": "call\n<PHONE>"})");
  EXPECT_EQ(span.tool_result, "refund sent to <EMAIL>");
  EXPECT_EQ(span.documents[0].content, "Contact <EMAIL> for help");
  EXPECT_EQ(span.documents[0].id, "doc-1");
  EXPECT_EQ(span.tool_name, "refund");
  EXPECT_EQ(span.name, "chat");
}

TEST(ApplyContentPolicy, RedactInsideJsonStringAttributesOnly) {
  model::AiSpan span = span_with_content();
  apply_content_policy(span, ContentPolicy::kRedact, redactor());
  EXPECT_EQ(span.attributes[0].json_value, R"("mail me at <EMAIL>")");
  EXPECT_EQ(span.attributes[0].key, "app.note");
  EXPECT_EQ(span.attributes[1].json_value, "42");
  EXPECT_EQ(span.attributes[2].json_value, R"(["<EMAIL>","plain"])");
  EXPECT_EQ(span.resource_attributes[0].json_value, R"("<IP_ADDRESS>")");
}

TEST(ApplyContentPolicy, RedactKeepsJsonThatIsNotAString) {
  model::AiSpan span;
  span.attributes = {{"n", "3.5"}, {"b", "true"}, {"nil", "null"}, {"obj", R"({"k": 1})"}};
  apply_content_policy(span, ContentPolicy::kRedact, redactor());
  EXPECT_EQ(span.attributes[0].json_value, "3.5");
  EXPECT_EQ(span.attributes[1].json_value, "true");
  EXPECT_EQ(span.attributes[2].json_value, "null");
  EXPECT_EQ(span.attributes[3].json_value, R"({"k": 1})");
}

TEST(ApplyContentPolicy, RedactedJsonToolArgumentsStayValidJson) {
  model::AiSpan span;
  span.tool_arguments = R"({"msg":"He said \"call 415-555-0132\"\tthen left","to":["a@b.io"]})";
  apply_content_policy(span, ContentPolicy::kRedact, redactor());
  EXPECT_EQ(span.tool_arguments, R"({"msg":"He said \"call <PHONE>\"\tthen left","to":["<EMAIL>"]})");
}

TEST(ApplyContentPolicy, RedactsJsonNestedInAJsonString) {
  model::AiSpan span;
  span.tool_result = R"({"body":"{\"customer\":\"jane@example.com\"}"})";
  apply_content_policy(span, ContentPolicy::kRedact, redactor());
  EXPECT_EQ(span.tool_result, R"({"body":"{\"customer\":\"<EMAIL>\"}"})");
}

TEST(ApplyContentPolicy, HashOnlyKeepsOnlyHashesOfTheOriginals) {
  const model::AiSpan original = span_with_content();
  model::AiSpan span = original;
  apply_content_policy(span, ContentPolicy::kHashOnly, redactor());
  EXPECT_EQ(span.content_policy, "hash_only");
  EXPECT_EQ(span.input_messages[0].content, content_hash(original.input_messages[0].content));
  EXPECT_EQ(span.output_messages[0].content, content_hash(original.output_messages[0].content));
  EXPECT_EQ(span.output_messages[0].tool_calls[0].second,
            content_hash(original.output_messages[0].tool_calls[0].second));
  EXPECT_EQ(span.output_messages[0].tool_calls[0].first, "refund");
  EXPECT_EQ(span.tool_arguments, content_hash(original.tool_arguments));
  EXPECT_EQ(span.tool_result, content_hash(original.tool_result));
  EXPECT_EQ(span.documents[0].content, content_hash(original.documents[0].content));
  EXPECT_EQ(span.attributes[0].json_value, "\"" + content_hash("mail me at a@b.io") + "\"");
  EXPECT_EQ(span.attributes[1].json_value, "42");
  EXPECT_EQ(span.attributes[2].json_value,
            "[\"" + content_hash("a@b.io") + "\",\"" + content_hash("plain") + "\"]");
  EXPECT_EQ(span.input_messages[0].content.rfind("sha256:", 0), 0u);
}

TEST(ApplyContentPolicy, HashOnlyHashesAnAttributeThatIsNotJsonAsAString) {
  model::AiSpan span;
  span.attributes = {{"odd", "mail me at a@b.io"}};
  apply_content_policy(span, ContentPolicy::kHashOnly, redactor());
  EXPECT_EQ(span.attributes[0].json_value, "\"" + content_hash("mail me at a@b.io") + "\"");
}

TEST(ApplyContentPolicy, RedactTreatsAnAttributeThatIsNotJsonAsText) {
  model::AiSpan span;
  span.attributes = {{"odd", "mail me at a@b.io"}};
  apply_content_policy(span, ContentPolicy::kRedact, redactor());
  EXPECT_EQ(span.attributes[0].json_value, "mail me at <EMAIL>");
}

TEST(ApplyContentPolicy, HashOnlyLeavesEmptyContentEmpty) {
  model::AiSpan span;
  span.input_messages = {{"user", "", {}}};
  span.attributes = {{"empty", R"("")"}};
  apply_content_policy(span, ContentPolicy::kHashOnly, redactor());
  EXPECT_EQ(span.input_messages[0].content, "");
  EXPECT_EQ(span.tool_result, "");
  EXPECT_EQ(span.attributes[0].json_value, R"("")");
}

TEST(ApplyContentPolicy, HashOnlyMakesEqualContentMatch) {
  model::AiSpan a = span_with_content(), b = span_with_content();
  apply_content_policy(a, ContentPolicy::kHashOnly, redactor());
  apply_content_policy(b, ContentPolicy::kHashOnly, redactor());
  EXPECT_EQ(a.input_messages[0].content, b.input_messages[0].content);
  EXPECT_NE(a.input_messages[0].content, a.output_messages[0].content);
}

TEST(ApplyContentPolicy, RawLeavesEverythingUnchanged) {
  const model::AiSpan original = span_with_content();
  model::AiSpan span = original;
  apply_content_policy(span, ContentPolicy::kRaw, redactor());
  EXPECT_EQ(span.content_policy, "raw");
  EXPECT_EQ(span.input_messages[0].content, original.input_messages[0].content);
  EXPECT_EQ(span.output_messages[0].tool_calls[0].second,
            original.output_messages[0].tool_calls[0].second);
  EXPECT_EQ(span.tool_arguments, original.tool_arguments);
  EXPECT_EQ(span.tool_result, original.tool_result);
  EXPECT_EQ(span.documents[0].content, original.documents[0].content);
  EXPECT_EQ(span.attributes[0].json_value, original.attributes[0].json_value);
}

TEST(ApplyContentPolicy, LogRecordContentFollowsThePolicy) {
  store::SpanContent content;
  content.input_messages = {{"user", "I'm jane@example.com", {}}};
  content.output_messages = {{"assistant", "ok", {{"lookup", R"({"q":"jane@example.com"})"}}}};

  store::SpanContent redacted_content = content;
  apply_content_policy(redacted_content, ContentPolicy::kRedact, redactor());
  EXPECT_EQ(redacted_content.input_messages[0].content, "I'm <EMAIL>");
  EXPECT_EQ(redacted_content.output_messages[0].tool_calls[0].second, R"({"q":"<EMAIL>"})");

  store::SpanContent hashed = content;
  apply_content_policy(hashed, ContentPolicy::kHashOnly, redactor());
  EXPECT_EQ(hashed.input_messages[0].content, content_hash("I'm jane@example.com"));
  EXPECT_EQ(hashed.output_messages[0].content, content_hash("ok"));

  store::SpanContent raw = content;
  apply_content_policy(raw, ContentPolicy::kRaw, redactor());
  EXPECT_EQ(raw.input_messages[0].content, "I'm jane@example.com");
}

}  // namespace
}  // namespace aiir::ingest
