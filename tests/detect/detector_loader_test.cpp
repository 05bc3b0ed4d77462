// Detector files: what each kind of detector reads as, and every mistake a rule author makes in
// one, reported at the line where it was made.
#include "detect/detector_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"
#include "core/yaml_reader.h"

namespace aiir::detect {
namespace {

namespace fs = std::filesystem;

constexpr Duration kSecond = core::kNanosPerSecond;
constexpr Duration kMinute = 60 * kSecond;

// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = fs::temp_directory_path() /
            ("aiir-detector-loader-" + std::to_string(stamp) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

 private:
  fs::path path_;
};

std::optional<Detector> read(const std::string& yaml, core::Diagnostics& diags) {
  auto node = core::load_yaml_text(yaml, "d.yaml", diags);
  if (!node) return std::nullopt;
  return read_detector(*node, "d.yaml", diags);
}

// Some diagnostic is at `line` and contains `text`.
::testing::AssertionResult HasError(const core::Diagnostics& diags, int line,
                                    const std::string& text) {
  for (const auto& d : diags.items()) {
    if (d.line == line && d.message.find(text) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no error at line " << line << " containing \"" << text
                                       << "\"; got:\n"
                                       << diags.to_string();
}

// The lines every detector below starts with (lines 1-3).
constexpr const char* kHead =
    "id: test-detector\n"
    "description: A detector under test\n"
    "category: tool_misuse\n";

std::optional<Detector> read_with_head(const std::string& rest, core::Diagnostics& diags) {
  return read(std::string(kHead) + rest, diags);
}

TEST(DetectorLoader, DuplicateDetectorReadsEveryKey) {
  core::Diagnostics diags;
  auto d = read(R"(id: duplicate-refund
description: The same order refunded twice within ten minutes
category: tool_misuse
impact: high
enabled: false
scope:
  workflows: [support-refunds]
  customer_exposure: external
  data_sensitivity: [personal, regulated]
  autonomy: [acts_with_approval, acts_autonomously]
  min_risk_tier: 3
  unregistered: false
group_by: [account_id, tool.arguments.order_id]
match:
  all:
    - {field: kind, equals: tool}
    - {field: tool.name, in: [issue_refund, send_payment]}
duplicate: {key: [tool.name, tool.arguments.order_id], within: 10m}
)",
                diags);
  ASSERT_TRUE(d) << diags.to_string();
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(d->id, "duplicate-refund");
  EXPECT_EQ(d->description, "The same order refunded twice within ten minutes");
  EXPECT_EQ(d->category, model::Category::kToolMisuse);
  EXPECT_EQ(d->owasp, "LLM06:2025");  // the category's default
  EXPECT_EQ(d->impact, model::Impact::kHigh);
  EXPECT_FALSE(d->enabled);
  EXPECT_EQ(d->source_file, "d.yaml");
  EXPECT_EQ(d->source_line, 1);

  EXPECT_EQ(d->scope.workflows, std::vector<std::string>{"support-refunds"});
  EXPECT_EQ(d->scope.customer_exposure,
            std::vector<model::CustomerExposure>{model::CustomerExposure::kExternal});
  EXPECT_EQ(d->scope.data_sensitivity,
            (std::vector<model::DataSensitivity>{model::DataSensitivity::kPersonal,
                                                 model::DataSensitivity::kRegulated}));
  EXPECT_EQ(d->scope.autonomy, (std::vector<model::Autonomy>{model::Autonomy::kActsWithApproval,
                                                              model::Autonomy::kActsAutonomously}));
  EXPECT_EQ(d->scope.min_risk_tier, 3);
  EXPECT_FALSE(d->scope.unregistered);

  ASSERT_EQ(d->group_by.size(), 2u);
  EXPECT_EQ(d->group_by[0].id, FieldId::kAccountId);
  EXPECT_EQ(d->group_by[1].id, FieldId::kToolArguments);
  EXPECT_EQ(d->group_by[1].path, std::vector<std::string>{"order_id"});
  EXPECT_EQ(d->group_by[1].name, "tool.arguments.order_id");

  EXPECT_EQ(d->match.kind, Predicate::Kind::kAll);
  EXPECT_EQ(d->match.line, 15);
  ASSERT_EQ(d->match.children.size(), 2u);
  const Predicate& kind = d->match.children[0];
  EXPECT_EQ(kind.kind, Predicate::Kind::kCompare);
  EXPECT_EQ(kind.field.id, FieldId::kKind);
  EXPECT_EQ(kind.op, CompareOp::kEquals);
  ASSERT_EQ(kind.values.size(), 1u);
  EXPECT_EQ(kind.values[0].text, "tool");
  EXPECT_FALSE(kind.values[0].number);
  EXPECT_EQ(kind.line, 16);
  const Predicate& tool = d->match.children[1];
  EXPECT_EQ(tool.op, CompareOp::kIn);
  ASSERT_EQ(tool.values.size(), 2u);
  EXPECT_EQ(tool.values[1].text, "send_payment");
  EXPECT_EQ(tool.line, 17);

  const auto* dup = std::get_if<DuplicateSpec>(&d->stateful);
  ASSERT_NE(dup, nullptr);
  ASSERT_EQ(dup->key.size(), 2u);
  EXPECT_EQ(dup->key[0].id, FieldId::kToolName);
  EXPECT_EQ(dup->key[1].path, std::vector<std::string>{"order_id"});
  EXPECT_EQ(dup->within, 10 * kMinute);
}

TEST(DetectorLoader, MinimalDetectorTakesTheDefaults) {
  core::Diagnostics diags;
  auto d = read_with_head("", diags);
  ASSERT_TRUE(d) << diags.to_string();
  EXPECT_EQ(d->impact, model::Impact::kMedium);
  EXPECT_TRUE(d->enabled);
  EXPECT_TRUE(d->scope.workflows.empty());
  EXPECT_FALSE(d->scope.min_risk_tier);
  EXPECT_EQ(d->match.kind, Predicate::Kind::kAll);  // all of none: always holds
  EXPECT_TRUE(d->match.children.empty());
  EXPECT_TRUE(std::holds_alternative<std::monostate>(d->stateful));
  EXPECT_FALSE(d->classification);  // by category, when the incident opens
  EXPECT_EQ(d->group_window, 0);    // the incident component's defaults
  EXPECT_EQ(d->reopen_cooldown, 0);
}

TEST(DetectorLoader, RateDetectorReadsCountAndWindow) {
  core::Diagnostics diags;
  auto d = read_with_head("rate: {at_least: 20, within: 5m}\n", diags);
  ASSERT_TRUE(d) << diags.to_string();
  const auto* rate = std::get_if<RateSpec>(&d->stateful);
  ASSERT_NE(rate, nullptr);
  EXPECT_EQ(rate->at_least, 20);
  EXPECT_EQ(rate->within, 5 * kMinute);
}

TEST(DetectorLoader, RatioDetectorReadsItsPredicateAndThreshold) {
  core::Diagnostics diags;
  auto d = read_with_head(
      "ratio:\n"
      "  of: {field: status, equals: error}\n"
      "  above: 0.2\n"
      "  min_count: 50\n"
      "  within: 15m\n",
      diags);
  ASSERT_TRUE(d) << diags.to_string();
  const auto* ratio = std::get_if<RatioSpec>(&d->stateful);
  ASSERT_NE(ratio, nullptr);
  EXPECT_EQ(ratio->of.kind, Predicate::Kind::kCompare);
  EXPECT_EQ(ratio->of.field.id, FieldId::kStatus);
  EXPECT_EQ(ratio->of.line, 5);
  EXPECT_DOUBLE_EQ(ratio->above, 0.2);
  EXPECT_EQ(ratio->min_count, 50);
  EXPECT_EQ(ratio->within, 15 * kMinute);
}

TEST(DetectorLoader, RatioMinCountDefaultsToOne) {
  core::Diagnostics diags;
  auto d = read_with_head(
      "ratio: {of: {field: status, equals: error}, above: 0.5, within: 1h}\n", diags);
  ASSERT_TRUE(d) << diags.to_string();
  EXPECT_EQ(std::get<RatioSpec>(d->stateful).min_count, 1);
}

TEST(DetectorLoader, DriftDetectorReadsVersionFieldAndDefaults) {
  core::Diagnostics diags;
  auto d = read_with_head(
      "drift: {version: prompt_version, of: {field: status, equals: error}}\n", diags);
  ASSERT_TRUE(d) << diags.to_string();
  const auto* drift = std::get_if<DriftSpec>(&d->stateful);
  ASSERT_NE(drift, nullptr);
  EXPECT_EQ(drift->version.id, FieldId::kPromptVersion);
  EXPECT_EQ(drift->of.field.id, FieldId::kStatus);
  EXPECT_DOUBLE_EQ(drift->factor, 2);
  EXPECT_EQ(drift->min_count, 1);
  EXPECT_EQ(drift->within, 0);
}

TEST(DetectorLoader, DriftDetectorReadsEveryKey) {
  core::Diagnostics diags;
  auto d = read_with_head(
      "drift: {version: model_version, of: {field: status, equals: error}, factor: 3.5,\n"
      "        min_count: 100, within: 24h}\n",
      diags);
  ASSERT_TRUE(d) << diags.to_string();
  const auto& drift = std::get<DriftSpec>(d->stateful);
  EXPECT_EQ(drift.version.id, FieldId::kModelVersion);
  EXPECT_DOUBLE_EQ(drift.factor, 3.5);
  EXPECT_EQ(drift.min_count, 100);
  EXPECT_EQ(drift.within, 24 * 60 * kMinute);
}

TEST(DetectorLoader, NearMissDetectorReadsCountWindowAndEdits) {
  core::Diagnostics diags;
  auto d = read_with_head("near_miss: {at_least: 3, within: 1h, count_edits: true}\n", diags);
  ASSERT_TRUE(d) << diags.to_string();
  const auto* near_miss = std::get_if<NearMissSpec>(&d->stateful);
  ASSERT_NE(near_miss, nullptr);
  EXPECT_EQ(near_miss->at_least, 3);
  EXPECT_EQ(near_miss->within, 60 * kMinute);
  EXPECT_TRUE(near_miss->count_edits);
}

TEST(DetectorLoader, AbsenceDetectorGraceDefaultsToThirtySeconds) {
  core::Diagnostics diags;
  auto d = read_with_head(
      "absence:\n"
      "  missing: {field: review.decision, equals: approved}\n",
      diags);
  ASSERT_TRUE(d) << diags.to_string();
  const auto* absence = std::get_if<AbsenceSpec>(&d->stateful);
  ASSERT_NE(absence, nullptr);
  EXPECT_EQ(absence->missing.field.id, FieldId::kReviewDecision);
  EXPECT_EQ(absence->missing.values[0].text, "approved");
  EXPECT_EQ(absence->grace, 30 * kSecond);

  core::Diagnostics diags2;
  auto d2 = read_with_head("absence: {missing: {field: kind, equals: review}, grace: 500ms}\n",
                           diags2);
  ASSERT_TRUE(d2) << diags2.to_string();
  EXPECT_EQ(std::get<AbsenceSpec>(d2->stateful).grace, 500 * core::kNanosPerMilli);
}

TEST(DetectorLoader, ComparisonLiteralsKeepTextNumberAndBoolean) {
  core::Diagnostics diags;
  auto d = read_with_head(
      "match:\n"
      "  any:\n"
      "    - {field: tool.arguments.amount, gt: 500}\n"
      "    - {field: attributes.flag, equals: true}\n"
      "    - {field: tool.arguments.code, in: [A1, '42']}\n"
      "    - {field: usage.output_tokens, lte: 1.5e3}\n"
      "    - {field: record_id, exists: false}\n"
      "    - {field: output.text, contains: Refund, case_insensitive: true}\n"
      "    - {field: output.text, regex: 'refund\\s+\\d+'}\n"
      "    - not: {field: status, equals: error}\n",
      diags);
  ASSERT_TRUE(d) << diags.to_string();
  const auto& c = d->match.children;
  EXPECT_EQ(d->match.kind, Predicate::Kind::kAny);
  ASSERT_EQ(c.size(), 8u);
  EXPECT_EQ(c[0].op, CompareOp::kGt);
  EXPECT_EQ(c[0].values[0].number.value_or(-1), 500);
  EXPECT_EQ(c[0].field.path, std::vector<std::string>{"amount"});
  EXPECT_TRUE(c[1].values[0].boolean.value_or(false));
  EXPECT_EQ(c[1].field.id, FieldId::kAttribute);
  EXPECT_EQ(c[1].field.path, std::vector<std::string>{"flag"});
  ASSERT_EQ(c[2].values.size(), 2u);
  EXPECT_FALSE(c[2].values[0].number);
  EXPECT_EQ(c[2].values[1].number.value_or(-1), 42);
  EXPECT_EQ(c[3].op, CompareOp::kLte);
  EXPECT_EQ(c[3].values[0].number.value_or(-1), 1500);
  EXPECT_EQ(c[4].op, CompareOp::kExists);
  EXPECT_FALSE(c[4].exists);
  EXPECT_EQ(c[5].op, CompareOp::kContains);
  EXPECT_TRUE(c[5].case_insensitive);
  EXPECT_EQ(c[6].op, CompareOp::kRegex);
  EXPECT_EQ(c[6].values[0].text, "refund\\s+\\d+");
  EXPECT_EQ(c[7].kind, Predicate::Kind::kNot);
  ASSERT_EQ(c[7].children.size(), 1u);
  EXPECT_EQ(c[7].children[0].field.id, FieldId::kStatus);
}

TEST(DetectorLoader, ScanReadsTargetsFindersWordsPatternsAndAllowList) {
  core::Diagnostics diags;
  auto d = read_with_head(
      "match:\n"
      "  scan:\n"
      "    in: [output, documents]\n"
      "    find: [pii, secrets, email]\n"
      "    words: [guaranteed refund]\n"
      "    patterns:\n"
      "      - {name: order_number, regex: 'A-\\d{4}'}\n"
      "    allow: ['*@example.com']\n"
      "    min_matches: 2\n",
      diags);
  ASSERT_TRUE(d) << diags.to_string();
  EXPECT_EQ(d->match.kind, Predicate::Kind::kScan);
  const ScanSpec& s = d->match.scan;
  EXPECT_EQ(s.targets, (std::vector<ScanTarget>{ScanTarget::kOutput, ScanTarget::kDocuments}));
  EXPECT_EQ(s.finders, (std::vector<Finder>{Finder::kEmail, Finder::kPhone, Finder::kCard,
                                            Finder::kIban, Finder::kSsn, Finder::kIpAddress,
                                            Finder::kSecret}));
  EXPECT_EQ(s.words, std::vector<std::string>{"guaranteed refund"});
  ASSERT_EQ(s.patterns.size(), 1u);
  EXPECT_EQ(s.patterns[0].name, "order_number");
  EXPECT_EQ(s.patterns[0].pattern, "A-\\d{4}");
  EXPECT_EQ(s.allow, std::vector<std::string>{"*@example.com"});
  EXPECT_EQ(s.min_matches, 2);
}

TEST(DetectorLoader, OwaspCanBeOverriddenShortenedOrTurnedOff) {
  core::Diagnostics diags;
  auto a = read_with_head("owasp: LLM05:2025\n", diags);
  auto b = read_with_head("owasp: LLM01\n", diags);
  auto c = read_with_head("owasp: none\n", diags);
  ASSERT_TRUE(a && b && c) << diags.to_string();
  EXPECT_EQ(a->owasp, "LLM05:2025");
  EXPECT_EQ(b->owasp, "LLM01:2025");
  EXPECT_EQ(c->owasp, "");
}

TEST(DetectorLoader, FileWithADetectorsListReadsEach) {
  TempDir dir;
  std::string path = dir.write("set.yaml",
                               "detectors:\n"
                               "  - {id: one, description: First, category: drift}\n"
                               "  - {id: two, description: Second, category: bias}\n");
  core::Diagnostics diags;
  auto ds = read_detector_file(path, diags);
  ASSERT_EQ(ds.size(), 2u) << diags.to_string();
  EXPECT_EQ(ds[0].id, "one");
  EXPECT_EQ(ds[0].source_line, 2);
  EXPECT_EQ(ds[1].category, model::Category::kBias);
  EXPECT_EQ(ds[1].owasp, "");  // bias has no OWASP entry
}

TEST(DetectorLoader, EmptyFileDefinesNothing) {
  TempDir dir;
  core::Diagnostics diags;
  EXPECT_TRUE(read_detector_file(dir.write("empty.yaml", ""), diags).empty());
  EXPECT_TRUE(diags.empty()) << diags.to_string();
}

// --- mistakes ---

TEST(DetectorLoader, UnknownKeySuggestsTheClosestOne) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("mach: {field: kind, equals: tool}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "unknown key 'mach' in detector; did you mean 'match'?"));
}

TEST(DetectorLoader, UnknownKeyInsideAStatefulConditionSuggests) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("rate:\n  at_least: 3\n  withn: 5m\n", diags));
  EXPECT_TRUE(HasError(diags, 6, "unknown key 'withn' in rate; did you mean 'within'?"));
}

TEST(DetectorLoader, UnknownFieldSuggestsTheClosestField) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "match:\n"
      "  all:\n"
      "    - {field: tool.nme, equals: issue_refund}\n"
      "    - {field: tool.argument.order_id, exists: true}\n",
      diags));
  EXPECT_TRUE(HasError(diags, 6, "unknown field 'tool.nme'; did you mean 'tool.name'?"));
  EXPECT_TRUE(HasError(diags, 7, "did you mean 'tool.arguments.order_id'?"));
}

TEST(DetectorLoader, UnknownGroupByFieldIsReported) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("group_by: [acount_id]\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "group_by: unknown field 'acount_id'; did you mean 'account_id'?"));
}

TEST(DetectorLoader, BadCategorySuggestsAndListsTheCategories) {
  core::Diagnostics diags;
  EXPECT_FALSE(read("id: x\ndescription: X\ncategory: tool_misues\n", diags));
  EXPECT_TRUE(HasError(diags, 3, "'tool_misues' is not allowed"));
  EXPECT_TRUE(HasError(diags, 3, "did you mean 'tool_misuse'?"));
  EXPECT_TRUE(HasError(diags, 3, "data_exposure"));
}

TEST(DetectorLoader, MissingRequiredKeysAreEachReported) {
  core::Diagnostics diags;
  EXPECT_FALSE(read("impact: high\n", diags));
  EXPECT_TRUE(HasError(diags, 1, "missing required key 'id'"));
  EXPECT_TRUE(HasError(diags, 1, "missing required key 'description'"));
  EXPECT_TRUE(HasError(diags, 1, "missing required key 'category'"));
}

TEST(DetectorLoader, BadIdIsRejected) {
  core::Diagnostics diags;
  EXPECT_FALSE(read("id: Duplicate Refund\ndescription: X\ncategory: drift\n", diags));
  EXPECT_TRUE(HasError(diags, 1, "detector id 'Duplicate Refund' must be lowercase"));
}

TEST(DetectorLoader, BadEnumValuesInScopeSuggest) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "scope:\n"
      "  customer_exposure: extrenal\n"
      "  autonomy: [recommends, acts_autonomusly]\n"
      "  min_risk_tier: 5\n",
      diags));
  EXPECT_TRUE(HasError(diags, 5, "unknown value 'extrenal'; did you mean 'external'?"));
  EXPECT_TRUE(HasError(diags, 6, "did you mean 'acts_autonomously'?"));
  EXPECT_TRUE(HasError(diags, 7, "min_risk_tier is 5; it must be between 1 and 4"));
}

TEST(DetectorLoader, BadOwaspIdIsRejected) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("owasp: LLM11:2025\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "'LLM11:2025' is not an OWASP Top 10"));
}

TEST(DetectorLoader, BadRegexNamesRe2sReason) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("match: {field: output.text, regex: 'refund (now'}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "is not a valid RE2 pattern: missing )"));
}

TEST(DetectorLoader, BadScanPatternNamesRe2sReason) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "match:\n"
      "  scan:\n"
      "    patterns:\n"
      "      - name: backref\n"
      "        regex: '(a)\\1'\n",
      diags));
  EXPECT_TRUE(HasError(diags, 8, "scan pattern 'backref': '(a)\\1' is not a valid RE2 pattern"));
}

TEST(DetectorLoader, TwoStatefulConditionsAreNamedTogether) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "duplicate: {key: [tool.arguments.order_id], within: 10m}\n"
      "rate: {at_least: 3, within: 1h}\n",
      diags));
  EXPECT_TRUE(HasError(diags, 5, "detector has both 'duplicate' and 'rate'"));
}

TEST(DetectorLoader, MissingWindowIsReported) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("rate: {at_least: 3}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "rate: missing required key 'within'"));
}

TEST(DetectorLoader, DuplicateWithoutKeyIsReported) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("duplicate: {within: 10m}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "duplicate: missing required key 'key'"));
}

TEST(DetectorLoader, BadDurationSaysHowToWriteOne) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("rate:\n  at_least: 3\n  within: 10 minutes\n", diags));
  EXPECT_TRUE(HasError(diags, 6, "rate.within: '10 minutes' is not a duration"));
  EXPECT_TRUE(HasError(diags, 6, "30s, 10m"));
}

TEST(DetectorLoader, ZeroDurationIsRejected) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("absence: {missing: {field: kind, equals: review}, grace: 0s}\n",
                              diags));
  EXPECT_TRUE(HasError(diags, 4, "absence.grace: '0s' must be longer than zero"));
}

TEST(DetectorLoader, RatioAboveMustBeAFraction) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "ratio: {of: {field: status, equals: error}, above: 1, within: 5m}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "ratio.above must be a fraction strictly between 0 and 1"));
}

TEST(DetectorLoader, DriftFactorMustExceedOne) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "drift: {version: prompt_version, of: {field: status, equals: error}, factor: 1}\n",
      diags));
  EXPECT_TRUE(HasError(diags, 4, "drift.factor must be greater than 1"));
}

TEST(DetectorLoader, DriftVersionMustBeAField) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "drift: {version: promt_version, of: {field: status, equals: error}}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "did you mean 'prompt_version'?"));
}

TEST(DetectorLoader, TwoOperatorsInOneComparisonAreRejected) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "match:\n"
      "  field: tool.name\n"
      "  equals: issue_refund\n"
      "  in: [issue_refund]\n",
      diags));
  EXPECT_TRUE(HasError(diags, 7, "condition has both 'equals' and 'in'"));
}

TEST(DetectorLoader, ComparisonWithoutOperatorListsTheOperators) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("match: {field: tool.name, equal: issue_refund}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "unknown key 'equal' in condition; did you mean 'equals'?"));
  EXPECT_TRUE(HasError(diags, 4, "condition needs one operator: equals, in"));
}

TEST(DetectorLoader, OrderingOperatorNeedsANumber) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("match: {field: tool.arguments.amount, gt: lots}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "condition.gt compares numbers; 'lots' is not a number"));
}

TEST(DetectorLoader, EqualsWithAListPointsToIn) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("match: {field: tool.name, equals: [a, b]}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "use 'in' for a list"));
}

TEST(DetectorLoader, UnknownConditionFormListsTheForms) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("match: {when: tool}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "match is not a condition: a condition is one of {all: [...]}"));

  core::Diagnostics diags2;
  EXPECT_FALSE(read_with_head("match: {feild: kind, equals: tool}\n", diags2));
  EXPECT_TRUE(HasError(diags2, 4, "unknown key 'feild' in condition; did you mean 'field'?"));
}

TEST(DetectorLoader, TwoFormsInOneConditionAreRejected) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "match:\n"
      "  all: [{field: kind, equals: tool}]\n"
      "  any: [{field: kind, equals: llm}]\n",
      diags));
  EXPECT_TRUE(HasError(diags, 6, "has both 'all' and 'any'"));
}

TEST(DetectorLoader, ScanNeedsSomethingToFind) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("match: {scan: {in: [output]}}\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "scan needs at least one of find, words or patterns"));
}

TEST(DetectorLoader, UnknownFinderAndTargetSuggest) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "match:\n"
      "  scan:\n"
      "    in: [ouptut]\n"
      "    find: [emial]\n",
      diags));
  EXPECT_TRUE(HasError(diags, 6, "scan.in: unknown target 'ouptut'; did you mean 'output'?"));
  EXPECT_TRUE(HasError(diags, 7, "scan.find: unknown finder 'emial'; did you mean 'email'?"));
}

TEST(DetectorLoader, ScanPatternNamesMustBeUnique) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head(
      "match:\n"
      "  scan:\n"
      "    patterns:\n"
      "      - {name: code, regex: 'A\\d+'}\n"
      "      - {name: code, regex: 'B\\d+'}\n",
      diags));
  EXPECT_TRUE(HasError(diags, 8, "scan pattern name 'code' is used twice"));
}

TEST(DetectorLoader, NestingDeeperThanTheLimitIsRefused) {
  std::string condition = "{field: kind, exists: true}";
  for (int i = 0; i < kMaxPredicateDepth + 5; ++i) condition = "{not: " + condition + "}";
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("match: " + condition + "\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "nested more than 32 levels deep"));
  EXPECT_EQ(diags.size(), 1u) << diags.to_string();
}

TEST(DetectorLoader, NestingUpToTheLimitIsAccepted) {
  std::string condition = "{field: kind, exists: true}";
  for (int i = 1; i < kMaxPredicateDepth; ++i) condition = "{not: " + condition + "}";
  core::Diagnostics diags;
  EXPECT_TRUE(read_with_head("match: " + condition + "\n", diags)) << diags.to_string();
}

TEST(DetectorLoader, EveryErrorInOneDetectorIsReported) {
  core::Diagnostics diags;
  EXPECT_FALSE(read(
      "id: x\n"
      "description: X\n"
      "category: tool_misues\n"
      "impact: severe\n"
      "group_by: [acount_id]\n"
      "rate: {at_least: 0, within: 5m}\n",
      diags));
  EXPECT_TRUE(HasError(diags, 3, "tool_misues"));
  EXPECT_TRUE(HasError(diags, 4, "severe"));
  EXPECT_TRUE(HasError(diags, 5, "acount_id"));
  EXPECT_TRUE(HasError(diags, 6, "at_least is 0"));
}

// --- across files ---

TEST(DetectorLoader, DuplicateIdsAcrossFilesNameTheFirst) {
  TempDir dir;
  core::Diagnostics diags;
  std::string a = dir.write("a.yaml", "id: same\ndescription: A\ncategory: drift\n");
  std::string b = dir.write("b.yaml",
                            "# second file\n"
                            "id: same\ndescription: B\ncategory: drift\n");
  auto detectors = read_detector_file(a, diags);
  for (auto& d : read_detector_file(b, diags)) detectors.push_back(std::move(d));
  ASSERT_TRUE(diags.empty()) << diags.to_string();
  check_detector_set(detectors, {}, diags);
  ASSERT_EQ(diags.size(), 1u) << diags.to_string();
  EXPECT_EQ(diags.items()[0].file, b);
  EXPECT_EQ(diags.items()[0].line, 2);
  EXPECT_NE(diags.items()[0].message.find("duplicate detector id 'same' (first defined at " + a +
                                          ":1)"),
            std::string::npos)
      << diags.to_string();
}

TEST(DetectorLoader, ScopeWorkflowMustBeInTheInventory) {
  core::Diagnostics diags;
  auto d = read_with_head("scope: {workflows: [support-refund]}\n", diags);
  ASSERT_TRUE(d) << diags.to_string();
  std::vector<Detector> detectors{*d};
  model::Workflow w;
  w.id = "support-refunds";
  check_detector_set(detectors, {w}, diags);
  EXPECT_TRUE(HasError(diags, 1,
                       "detector 'test-detector': scope.workflows names 'support-refund', which "
                       "is not a workflow in workflows/; did you mean 'support-refunds'?"));
}

TEST(DetectorLoader, SetIsSortedById) {
  core::Diagnostics diags;
  std::vector<Detector> detectors(3);
  detectors[0].id = "c";
  detectors[1].id = "a";
  detectors[2].id = "b";
  check_detector_set(detectors, {}, diags);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(detectors[0].id, "a");
  EXPECT_EQ(detectors[2].id, "c");
}

// --- durations ---

// --- incident keys: classification and the incident: block ---

TEST(DetectorLoader, ClassificationAndIncidentBlockAreRead) {
  core::Diagnostics diags;
  auto d = read_with_head(
      "classification: near_miss\n"
      "incident:\n"
      "  group_window: 2h\n"
      "  reopen_cooldown: 7d\n",
      diags);
  ASSERT_TRUE(d) << diags.to_string();
  EXPECT_EQ(d->classification, model::Classification::kNearMiss);
  EXPECT_EQ(d->group_window, 2 * 60 * kMinute);
  EXPECT_EQ(d->reopen_cooldown, 7 * 24 * 60 * kMinute);
}

TEST(DetectorLoader, IncidentBlockMayGiveOneSettingAndLeaveTheOtherToTheDefault) {
  core::Diagnostics diags;
  auto d = read_with_head("incident: {reopen_cooldown: 30m}\n", diags);
  ASSERT_TRUE(d) << diags.to_string();
  EXPECT_FALSE(d->classification);
  EXPECT_EQ(d->group_window, 0);
  EXPECT_EQ(d->reopen_cooldown, 30 * kMinute);
}

TEST(DetectorLoader, MisspeltClassificationSuggestsTheName) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("classification: near-miss\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "classification: 'near-miss' is not allowed"));
  EXPECT_TRUE(HasError(diags, 4, "did you mean 'near_miss'?"));
}

TEST(DetectorLoader, UnknownKeyInIncidentBlockSuggestsTheKey) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("incident:\n  group_windw: 2h\n", diags));
  EXPECT_TRUE(HasError(diags, 5, "unknown key 'group_windw' in incident; did you mean "
                                 "'group_window'?"));
}

TEST(DetectorLoader, IncidentDurationsMustBeDurations) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("incident:\n  group_window: two hours\n  reopen_cooldown: 0d\n",
                              diags));
  EXPECT_TRUE(HasError(diags, 5, "incident.group_window: 'two hours' is not a duration"));
  EXPECT_TRUE(HasError(diags, 6, "incident.reopen_cooldown: '0d' must be longer than zero"));
}

TEST(DetectorLoader, IncidentBlockMustBeAMapping) {
  core::Diagnostics diags;
  EXPECT_FALSE(read_with_head("incident: 2h\n", diags));
  EXPECT_TRUE(HasError(diags, 4, "incident must be a mapping"));
}

TEST(ParseDuration, ReadsEveryUnit) {
  EXPECT_EQ(parse_duration("500ms"), 500 * core::kNanosPerMilli);
  EXPECT_EQ(parse_duration("30s"), 30 * kSecond);
  EXPECT_EQ(parse_duration("10m"), 10 * kMinute);
  EXPECT_EQ(parse_duration("2h"), 120 * kMinute);
  EXPECT_EQ(parse_duration("7d"), 7 * 24 * 60 * kMinute);
}

TEST(ParseDuration, RejectsMalformedZeroAndOverflowingText) {
  EXPECT_EQ(parse_duration("366d"), kMaxDuration);
  for (const char* bad : {"", "s", "10", "10 m", " 10m", "10M", "1.5h", "-5m", "0s", "0ms",
                          "10mm", "10w", "99999999999999999999d", "999999999999d", "367d",
                          "106751d"}) {
    EXPECT_FALSE(parse_duration(bad)) << "'" << bad << "'";
  }
}

// Found by the detector fuzz target: inputs that loaded but could not be used.

TEST(DetectorLoader, AliasesCannotMultiplyConditionsWithoutBound) {
  core::Diagnostics diags;
  auto d = read("id: s\ndescription: d\ncategory: bias\nmatch: &m {any: [*m, *m]}\n", diags);
  EXPECT_FALSE(d);
  EXPECT_NE(diags.to_string().find("more than 1000 conditions"), std::string::npos)
      << diags.to_string();
  EXPECT_LT(diags.size(), 40u) << "one error, not one per repeated branch";
}

TEST(DetectorLoader, AWordThatIsNotUtf8IsRefusedAtLoad) {
  core::Diagnostics diags;
  auto d = read("id: a\ndescription: a\ncategory: bias\nmatch: {scan: {words: [\"\xff\"]}}\n",
                diags);
  EXPECT_FALSE(d);
  EXPECT_NE(diags.to_string().find("not valid UTF-8"), std::string::npos) << diags.to_string();
}

// --- the shipped examples ---

TEST(DetectorLoader, ExampleDetectorsLoadWithTheExampleWorkflows) {
  core::Diagnostics diags;
  auto config = config::load_config(std::string(AIIR_SOURCE_DIR) + "/examples", diags);
  ASSERT_TRUE(config) << diags.to_string();
  EXPECT_TRUE(diags.empty()) << diags.to_string();
  EXPECT_GE(config->detectors.size(), 20u);
  EXPECT_TRUE(std::is_sorted(config->detectors.begin(), config->detectors.end(),
                             [](const Detector& a, const Detector& b) { return a.id < b.id; }));
  // Every kind of stateful condition is shown by at least one example.
  std::vector<bool> seen(std::variant_size_v<Stateful>, false);
  for (const auto& d : config->detectors) seen[d.stateful.index()] = true;
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << "stateful kind " << i;

  const Detector* dup = config->find_detector("duplicate-refund");
  ASSERT_NE(dup, nullptr);
  EXPECT_TRUE(std::holds_alternative<DuplicateSpec>(dup->stateful));
  EXPECT_EQ(config->find_detector("no-such-detector"), nullptr);

  // The incident keys are shown too.
  const Detector* quality = config->find_detector("answer-without-retrieval");
  ASSERT_NE(quality, nullptr);
  EXPECT_EQ(quality->classification, model::Classification::kQualityIssue);
  const Detector* near_misses = config->find_detector("repeated-near-misses");
  ASSERT_NE(near_misses, nullptr);
  EXPECT_EQ(near_misses->reopen_cooldown, 7 * 24 * 60 * kMinute);
}

}  // namespace
}  // namespace aiir::detect
