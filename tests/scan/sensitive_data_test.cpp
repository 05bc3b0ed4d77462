#include "scan/sensitive_data.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace aiir::scan {
namespace {

const SensitiveData& engine() {
  static const SensitiveData instance;
  return instance;
}

std::string redacted(std::string text) {
  engine().redact(text);
  return text;
}

// The text with each finding replaced by its kind's placeholder, as redact() writes it.
std::string replaced_by_findings(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (const Finding& f : engine().find(text)) {
    out.append(text.substr(copied, f.begin - copied));
    std::string upper(to_string(f.kind));
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    out += "<" + upper + ">";
    copied = f.end;
  }
  out.append(text.substr(copied));
  return out;
}

// --- each placeholder ------------------------------------------------------------------------

TEST(Redact, EmailAndCardInARefundRequest) {
  EXPECT_EQ(redacted("Please refund jane.doe@example.com, card 4111 1111 1111 1111"),
            "Please refund <EMAIL>, card <CARD>");
}

TEST(Redact, ReturnsHowManyValuesWereReplaced) {
  std::string text = "Please refund jane.doe@example.com, card 4111 1111 1111 1111";
  EXPECT_EQ(engine().redact(text), 2);
  std::string clean = "Where is my order A-1001?";
  EXPECT_EQ(engine().redact(clean), 0);
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
  const std::string cert =
      "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----";
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
  engine().redact(text);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Redact, OneInstanceServesManyThreads) {
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

// --- find -------------------------------------------------------------------------------------

TEST(SensitiveKindNames, AreTheFinderNamesDetectorsUse) {
  EXPECT_EQ(to_string(SensitiveKind::kEmail), "email");
  EXPECT_EQ(to_string(SensitiveKind::kPhone), "phone");
  EXPECT_EQ(to_string(SensitiveKind::kCard), "card");
  EXPECT_EQ(to_string(SensitiveKind::kIban), "iban");
  EXPECT_EQ(to_string(SensitiveKind::kSsn), "ssn");
  EXPECT_EQ(to_string(SensitiveKind::kIpAddress), "ip_address");
  EXPECT_EQ(to_string(SensitiveKind::kSecret), "secret");
}

TEST(Find, ReturnsKindsAndExactOffsetsLeftToRight) {
  //                       0         1         2         3         4         5         6
  //                       0123456789012345678901234567890123456789012345678901234567890
  const std::string text = "Please refund jane.doe@example.com, card 4111 1111 1111 1111";
  const std::vector<Finding> expected{{SensitiveKind::kEmail, 14, 34},
                                      {SensitiveKind::kCard, 41, 60}};
  EXPECT_EQ(engine().find(text), expected);
}

TEST(Find, EveryKindWithItsOffsets) {
  const std::string text =
      "ssn 123-45-6789; ip 203.0.113.42; iban DE89370400440532013000; phone +44 20 7946 0958; "
      "key AKIAIOSFODNN7EXAMPLE";
  const auto at = [&](std::string_view value) { return text.find(value); };
  const std::vector<Finding> expected{
      {SensitiveKind::kSsn, at("123-45-6789"), at("123-45-6789") + 11},
      {SensitiveKind::kIpAddress, at("203.0.113.42"), at("203.0.113.42") + 12},
      {SensitiveKind::kIban, at("DE89"), at("DE89") + 22},
      {SensitiveKind::kPhone, at("+44"), at("+44") + 16},
      {SensitiveKind::kSecret, at("AKIA"), at("AKIA") + 20},
  };
  EXPECT_EQ(engine().find(text), expected);
}

TEST(Find, SpacedIbanAndPemBlockCoverTheirWholeValue) {
  const std::string iban = "Pay to GB82 WEST 1234 5698 7654 32 today";
  const std::vector<Finding> expected_iban{{SensitiveKind::kIban, 7, 34}};
  EXPECT_EQ(engine().find(iban), expected_iban);
  const std::string pem =
      "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1234\n-----END RSA PRIVATE KEY-----"
      "\nthanks";
  const std::vector<Finding> expected_pem{
      {SensitiveKind::kSecret, 5, pem.find("\nthanks")}};
  EXPECT_EQ(engine().find(pem), expected_pem);
}

TEST(Find, CleanTextFindsNothing) {
  EXPECT_TRUE(engine().find("").empty());
  EXPECT_TRUE(engine().find("Where is my order A-1001? It was due on 2026-11-23.").empty());
}

TEST(Find, NearMissesAreNotFound) {
  for (const char* text : {
           "order 4111 1111 1111 1112 failed",  // card-shaped, fails Luhn
           "tracking 1234567812345678",  // fails Luhn
           "at 1700000000005 ms",  // 13-digit ms timestamp, Luhn-valid
           "Pay to GB83 WEST 1234 5698 7654 32",  // IBAN-shaped, bad checksum
           "DE88370400440532013000",  // IBAN-shaped, bad checksum
           "running version 1.2.3.4 now",  // version, not an address
           "v1.2.3.4",
           "000-12-3456",  // area 000 never issued
           "666-12-3456",
           "123-00-4567",
           "123-45-0000",
           "listening on 127.0.0.1:8080",  // loopback
           "Use sk-learn and scikit-learn-compatible-estimators.",
           "Scores: +3 and +25.00 points",
           "UUID 550e8400-e29b-41d4-a716-446655440000",
       }) {
    EXPECT_TRUE(engine().find(text).empty()) << text;
  }
}

TEST(Find, AgreesWithRedact) {
  for (const char* text : {
           "Please refund jane.doe@example.com, card 4111 1111 1111 1111",
           "Hi, I'm jane@example.com (phone +44 20 7946 0958). Refund card "
           "5555-5555-5555-4444 to GB82 WEST 1234 5698 7654 32; my SSN is 123-45-6789, "
           "IP 198.51.100.7, key AKIAIOSFODNN7EXAMPLE. Order A-1001, 25.00 EUR.",
           "+44 20 7946 0958+44 20 7946 0959+44 20 7946 0950",
           "Call (415) 555-0132 or 415-555-0132, UK 020 7946 0958, FR 01 23 45 67 89",
           R"(line one\n415-555-0132 hi\nbob@example.com)",
           "Grüße, José — josé.garcía@example.com ou josé@exämple.com",
           "请发邮件到jose@example.com谢谢",
           "card 4111 1111 1111 1111 2 items",
           "BE68 5390 0754 7034 THEN",
           "Order A-1001 was shipped on 2026-11-23; version 1.0.0.0",
       }) {
    EXPECT_EQ(replaced_by_findings(text), redacted(text)) << text;
  }
}

TEST(Find, RegionsAreOrderedAndDoNotOverlap) {
  const std::string text =
      "a@b.io 4111111111111111 x@y.com@z.org 10.1.2.3 +4915112345678 123-45-6789 a@b.io";
  const std::vector<Finding> found = engine().find(text);
  ASSERT_FALSE(found.empty());
  for (std::size_t i = 0; i < found.size(); ++i) {
    EXPECT_LT(found[i].begin, found[i].end);
    EXPECT_LE(found[i].end, text.size());
    if (i > 0) {
      EXPECT_LE(found[i - 1].end, found[i].begin);
    }
  }
}

}  // namespace
}  // namespace aiir::scan
