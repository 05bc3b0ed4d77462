#include "ingest/redact.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.h"

namespace aiir::ingest {
namespace {

using model::ContentPolicy;

const Redactor& redactor() {
  static const Redactor instance;
  return instance;
}

std::string redacted(std::string text) {
  redactor().redact(text);
  return text;
}

// --- each placeholder ------------------------------------------------------------------------

TEST(Redact, EmailAndCardInARefundRequest) {
  EXPECT_EQ(redacted("Please refund jane.doe@example.com, card 4111 1111 1111 1111"),
            "Please refund <EMAIL>, card <CARD>");
}

TEST(Redact, ReturnsHowManyValuesWereReplaced) {
  std::string text = "Please refund jane.doe@example.com, card 4111 1111 1111 1111";
  EXPECT_EQ(redactor().redact(text), 2);
  std::string clean = "Where is my order A-1001?";
  EXPECT_EQ(redactor().redact(clean), 0);
}

TEST(Redact, EmailsWithSubdomainsPlusTagsAndAtSentenceEnd) {
  EXPECT_EQ(redacted("Write to ops+alerts@mail.eu.example.co.uk."), "Write to <EMAIL>.");
  EXPECT_EQ(redacted("cc: A.B_C%d@x-y.io;bob@example.org"), "cc: <EMAIL>;<EMAIL>");
}

TEST(Redact, CardNumbersWithDashesOrNoSeparators) {
  EXPECT_EQ(redacted("Visa 4111-1111-1111-1111 ok"), "Visa <CARD> ok");
  EXPECT_EQ(redacted("MC 5555555555554444."), "MC <CARD>.");
  EXPECT_EQ(redacted("Amex 3782 822463 10005"), "Amex <CARD>");
}

TEST(Redact, CardFollowedByAnotherNumberLosesOnlyTheCard) {
  EXPECT_EQ(redacted("card 4111 1111 1111 1111 2 items"), "card <CARD> 2 items");
}

TEST(Redact, CardLookingNumberFailingLuhnIsKept) {
  EXPECT_EQ(redacted("ref 4111 1111 1111 1112"), "ref 4111 1111 1111 1112");
  EXPECT_EQ(redacted("tracking 1234567812345678"), "tracking 1234567812345678");
}

TEST(Redact, MillisecondTimestampsAreNotCards) {
  // 1700000000005 passes Luhn, but no card network starts with 1.
  EXPECT_EQ(redacted("at 1700000000005 ms"), "at 1700000000005 ms");
}

TEST(Redact, IbanWithValidChecksumIsRedacted) {
  EXPECT_EQ(redacted("Pay to GB82 WEST 1234 5698 7654 32 today"), "Pay to <IBAN> today");
  EXPECT_EQ(redacted("IBAN: DE89370400440532013000."), "IBAN: <IBAN>.");
  EXPECT_EQ(redacted("NL91 ABNA 0417 1643 00"), "<IBAN>");
}

TEST(Redact, IbanWithWrongChecksumIsKept) {
  EXPECT_EQ(redacted("Pay to GB83 WEST 1234 5698 7654 32"), "Pay to GB83 WEST 1234 5698 7654 32");
  EXPECT_EQ(redacted("DE88370400440532013000"), "DE88370400440532013000");
}

TEST(Redact, IbanFollowedByCapitalsEndsAtItsCountryLength) {
  EXPECT_EQ(redacted("BE68 5390 0754 7034 THEN"), "<IBAN> THEN");
}

TEST(Redact, SocialSecurityNumbers) {
  EXPECT_EQ(redacted("SSN 123-45-6789 on file"), "SSN <SSN> on file");
}

TEST(Redact, NeverIssuedSocialSecurityNumbersAreKept) {
  for (const char* text : {"000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567",
                           "123-45-0000"}) {
    EXPECT_EQ(redacted(text), text);
  }
}

TEST(Redact, Ipv4Addresses) {
  EXPECT_EQ(redacted("login from 203.0.113.42 failed"), "login from <IP_ADDRESS> failed");
  EXPECT_EQ(redacted("host 10.0.0.1:8080"), "host <IP_ADDRESS>:8080");
}

TEST(Redact, NotAnIpAddress) {
  for (const char* text : {"999.1.1.1", "version 1.0.0.0", "v1.2.3.4", "1.2.3.4.5",
                           "build 10.0.19041.1"}) {
    EXPECT_EQ(redacted(text), text);
  }
}

TEST(Redact, PhoneNumbersInternationalAndNational) {
  EXPECT_EQ(redacted("Call +44 20 7946 0958 now"), "Call <PHONE> now");
  EXPECT_EQ(redacted("Call (415) 555-0132 or 415-555-0132"), "Call <PHONE> or <PHONE>");
  EXPECT_EQ(redacted("mobile +4915112345678"), "mobile <PHONE>");
  EXPECT_EQ(redacted("+1 (415) 555-0132"), "<PHONE>");
  EXPECT_EQ(redacted("415.555.0132"), "<PHONE>");
  EXPECT_EQ(redacted("UK 020 7946 0958, FR 01 23 45 67 89"), "UK <PHONE>, FR <PHONE>");
}

TEST(Redact, PhoneAfterLiteralNewlineEscape) {
  EXPECT_EQ(redacted(R"(line one\n415-555-0132)"), R"(line one\n<PHONE>)");
  EXPECT_EQ(redacted(R"(hi\nbob@example.com)"), R"(hi\n<EMAIL>)");
}

TEST(Redact, Secrets) {
  EXPECT_EQ(redacted("key sk-proj-Abc123def456GHI789jkl012MNO345 leaked"), "key <SECRET> leaked");
  EXPECT_EQ(redacted("OPENAI_API_KEY=sk-AbCdEfGh1234567890IjKlMnOpQrSt"),
            "OPENAI_API_KEY=<SECRET>");
  EXPECT_EQ(redacted("aws AKIAIOSFODNN7EXAMPLE"), "aws <SECRET>");
  EXPECT_EQ(redacted("token ghp_abcdefghijklmnopqrstuvwxyz0123456789"), "token <SECRET>");
  EXPECT_EQ(redacted("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"), "<SECRET>");
  EXPECT_EQ(redacted("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKl"), "slack <SECRET>");
}

TEST(Redact, JsonWebToken) {
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  EXPECT_EQ(redacted("Authorization: Bearer " + jwt), "Authorization: Bearer <SECRET>");
}

TEST(Redact, PemPrivateKeyBlock) {
  EXPECT_EQ(redacted("key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1234\nabcd+/==\n"
                     "-----END RSA PRIVATE KEY-----\nthanks"),
            "key:\n<SECRET>\nthanks");
}

TEST(Redact, TruncatedPemPrivateKeyLosesItsBody) {
  EXPECT_EQ(redacted("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nMIIE"),
            "<SECRET>");
}

TEST(Redact, PublicKeysAndCertificatesAreKept) {
  const std::string cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----";
  EXPECT_EQ(redacted(cert), cert);
}

// --- false positives that would destroy ordinary content -------------------------------------

TEST(Redact, OrdinaryBusinessTextIsKept) {
  for (const char* text : {
           "Order A-1001 was shipped.",
           "The refund of 25.00 EUR is approved.",
           "Delivered on 2026-11-23 at 14:05.",
           "Upgrade to version 1.2.3 first.",
           "Your code is 482913.",
           "Ticket 123456789 is closed.",
           "Invoice INV-2024-000123 totals 1,250.50 USD.",
           "Call between 9-5, room 12-34.",
           "UUID 550e8400-e29b-41d4-a716-446655440000",
           "npm install react@18.2.0",
           "Use sk-learn and scikit-learn-compatible-estimators.",
           "Scores: +3 and +25.00 points",
           "Dates 01-12-2026 and 12/01/2026",
           "@support please check",
           "ratio 3.14159265358979",
           "See DFARS 252.227-7013 (c) (1).",
           "<Buffer 66 68 71 77 68 67 61 64 73>",
           "bytes 66 00 68 00 71 00 77 00 68 00",
           "bytes 01 02 03 04 05 06 07",
           "Key fingerprint BA54 73A2 B058 7B07 FB27 CF2D 2160 94DF D0CB 81EF",
           "llvm-toolchain-14 (1:14~++20220202101403+91632c8ac97f-1~exp1)",
           "listening on 127.0.0.1:8080 and 0.0.0.0:9090, netmask 255.255.255.0",
           "snapshot (1:10~+20191229111838+6991d5728f1-1~exp1)",
           "assert.deepEqual('+00000000', false);",
           "https://chromestatus.com/feature/5068609911521280",
       }) {
    EXPECT_EQ(redacted(text), text);
  }
}

TEST(Redact, ShortBareDigitRunsAreNotPhones) {
  EXPECT_EQ(redacted("id 415555013"), "id 415555013");
  EXPECT_EQ(redacted("epoch 1700000000"), "epoch 1700000000");
}

TEST(Redact, SeveralKindsInOneText) {
  EXPECT_EQ(redacted("Hi, I'm jane@example.com (phone +44 20 7946 0958). Refund card "
                     "5555-5555-5555-4444 to GB82 WEST 1234 5698 7654 32; my SSN is 123-45-6789, "
                     "IP 198.51.100.7, key AKIAIOSFODNN7EXAMPLE. Order A-1001, 25.00 EUR."),
            "Hi, I'm <EMAIL> (phone <PHONE>). Refund card <CARD> to <IBAN>; my SSN is <SSN>, "
            "IP <IP_ADDRESS>, key <SECRET>. Order A-1001, 25.00 EUR.");
}

TEST(Redact, NonAsciiTextAroundPersonalData) {
  EXPECT_EQ(redacted("Grüße, José — josé.garcía@example.com ou josé@exämple.com"),
            "Grüße, José — <EMAIL> ou <EMAIL>");
  EXPECT_EQ(redacted("请发邮件到jose@example.com谢谢"), "请发邮件到<EMAIL>谢谢");
  EXPECT_EQ(redacted("Grüße: jose@example.com, Tel. 030 12345678"), "Grüße: <EMAIL>, Tel. <PHONE>");
}

TEST(Redact, RedactingTwiceEqualsOnce) {
  for (const char* text : {
           "Please refund jane.doe@example.com, card 4111 1111 1111 1111",
           "x@y.com@z.org and a@b.co.uk",
           "+44 20 7946 0958 415-555-0132 123-45-6789 10.1.2.3",
           "GB82 WEST 1234 5698 7654 32 4111111111111111",
       }) {
    const std::string once = redacted(text);
    EXPECT_EQ(redacted(once), once) << text;
  }
}

TEST(Redact, AdjacentValuesAreAllReplacedInOneCall) {
  // Each number touches the next; found by the fuzzer when only the first was replaced per pass.
  EXPECT_EQ(redacted("+44 20 7946 0958+44 20 7946 0959+44 20 7946 0950"),
            "<PHONE><PHONE><PHONE>");
  EXPECT_EQ(redacted(",020 4415-555-415-555-0132"), ",<PHONE>-<PHONE>");
  const std::string text =
      "+44 20 7946+4415-555-20 7946+4415-555-01+44 554 55-01+44 554019 55501+44 554 55-01+44 "
      "554019 55555546+44  55";
  const std::string once = redacted(text);
  EXPECT_EQ(redacted(once), once);
}

TEST(Redact, SecretGluedToAPemBlockIsStillRedacted) {
  // The key's end touches the block's "-----": only once the block is a placeholder does the key
  // stand alone, which takes a second sweep inside the same call.
  const std::string once =
      redacted("AKIAIOSFODNN7EXAMPLE-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n");
  EXPECT_EQ(once, "<SECRET><SECRET>\n");
  EXPECT_EQ(redacted(once), once);
}

TEST(Redact, HostileInputStaysFast) {
  // Each of these would be quadratic if a refused match were rescanned once per byte, or if a
  // PEM header searched the rest of the text for its END line every time.
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "-----BEGIN PRIVATE KEY-----sk-";
  text += "-----END ";
  text += std::string(200000, '4');
  text += std::string(200000, 'a') + "@";
  for (int i = 0; i < 50000; ++i) text += "\xc3\xa9";
  text += "@example.com ";
  for (int i = 0; i < 20000; ++i) text += "1.2.3.4.";
  const auto start = std::chrono::steady_clock::now();
  redactor().redact(text);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Redact, OneRedactorServesManyThreads) {
  const std::string text = "Please refund jane.doe@example.com, card 4111 1111 1111 1111";
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) result = redacted(text);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_EQ(result, "Please refund <EMAIL>, card <CARD>");
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
