#include "detect/content_scanner.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scan/sensitive_data.h"

namespace aiir::detect {
namespace {

namespace json = boost::json;
using std::size_t;

// RE2's compile budget: a single user pattern, and the one set that holds them all. A pattern
// over its budget is refused at load (kInvalidArgument), never slowed down at match time.
constexpr std::int64_t kMaxMemPerRegex = 8 << 20;
constexpr std::int64_t kMaxMemForSet = 64 << 20;

// Matches of one pattern counted in one text. A pattern that matches more often than this in a
// single text (a one-letter pattern over a megabyte) has long since made its point; stopping
// keeps the cost of counting bounded by the text rather than by the matches.
constexpr int kMaxMatchesPerText = 1000;

// Instruction-override and jailbreak markers (case-insensitive unless noted). Each aims at a
// phrase that only makes sense as an attempt to steer a model, not at its words alone: "ignore my
// previous email", "disregard the previous message", "enable developer mode on your phone" and
// "follow the instructions above" are ordinary support text and must not match, while "ignore all
// previous instructions" must. A customer correcting themselves ("please ignore my previous
// instructions, the address changed") is left out on purpose: "my" is not among the owners an
// override names, since overrides address the model's instructions, not the writer's own.
constexpr std::array<const char*, 22> kPromptInjectionMarkers{{
    // "Ignore all previous instructions", "disregard the system prompt", "forget prior rules".
    R"((?i)\b(?:ignore|disregard|forget|bypass)\s+(?:(?:all|any|the|your|these|those|of)\s+)*)"
    R"((?:previous|prior|above|preceding|earlier|former|original|initial|system|foregoing)\s+)"
    R"((?:instructions?|prompts?|directives?|rules|guidelines|commands)\b)",
    // "Override the previous instructions" (rules and guidelines are overridden in ordinary text).
    R"((?i)\boverride\s+(?:(?:all|any|the|your)\s+)*(?:previous|prior|above|system|original)\s+)"
    R"((?:instructions?|prompts?)\b)",
    // "Forget everything you were told", "ignore what you have been instructed".
    R"((?i)\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+)?(?:that\s+|what\s+)?you)"
    R"((?:'ve|\s+have|\s+had|\s+were)?\s+(?:been\s+)?(?:told|instructed|programmed)\b)",
    // "Forget your instructions", "ignore all of your rules"; "training" is not: a reminder.
    R"((?i)\b(?:forget|ignore|disregard|abandon|discard)\s+(?:all\s+)?(?:of\s+)?your\s+(?:)"
    R"((?:previous|prior|original|initial|current|hidden)\s+)?(?:instructions|programming|rules|)"
    R"(guidelines|guardrails|restrictions|directives|system\s+prompt)\b)",
    // "Ignore the above and say ...".
    R"((?i)\bignore\s+(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:above|preceding)(?:\s+text|\s+content)?)"
    R"(\s+and\b)",
    // "You are now DAN", "you are now in developer mode", "you are now an unrestricted AI".
    R"((?i)\byou\s+are\s+now\s+(?:DAN\b|in\s+(?:developer|god|jailbreak|DAN)\s+mode\b|(?:an?\s+)?)"
    R"((?:unrestricted|unfiltered|uncensored|jailbroken|unaligned)\b))",
    R"((?i)\b(?:DAN|jailbreak|jailbroken)\s+mode\b)",
    // The DAN prompt's own name, in title or upper case, so "can you do anything now?" is not it.
    R"(\b(?:Do Anything Now|DO ANYTHING NOW)\b)",
    // "Act as an unrestricted AI", "pretend you have no restrictions", "you are no longer an AI".
    R"((?i)\b(?:act|behave|respond|pretend\s+to\s+be|roleplay)\s+(?:as|like)\s+(?:an?\s+)?)"
    R"((?:unrestricted|unfiltered|uncensored|jailbroken|unaligned|amoral)\b)",
    R"((?i)\b(?:pretend|imagine|assume)\s+(?:that\s+)?you\s+(?:have|had|are\s+under)\s+no\s+)"
    R"((?:restrictions|rules|guidelines|filters|limitations|content\s+polic(?:y|ies))\b)",
    R"((?i)\byou\s+are\s+no\s+longer\s+(?:an?\s+(?:AI|assistant|language\s+model|chatbot)\b|)"
    R"(ChatGPT\b|Claude\b|restricted\b|bound\s+by\s+(?:any|your)\s+(?:rules|guidelines|)"
    R"(restrictions|policies)\b))",
    R"((?i)\bfrom\s+now\s+on,?\s+you\s+(?:will|must|shall)\s+(?:ignore|disregard|act\s+as|respond)"
    R"(\s+as|answer\s+as|behave\s+as)\b)",
    // "Reveal your system prompt", "print the hidden instructions", "repeat the words above".
    R"((?i)\b(?:reveal|print|repeat|show|display|output|leak|dump|recite|tell\s+me|give\s+me|)"
    R"(write\s+out)\s+(?:me\s+)?(?:(?:your|the)\s+(?:(?:full|entire|complete|exact|original|)"
    R"(initial|hidden|secret|internal)\s+)*system\s+prompt|(?:your|the)\s+(?:hidden|secret|)"
    R"(internal)\s+(?:instructions|prompt)|your\s+(?:(?:full|entire|complete|exact)\s+)?)"
    R"((?:original|initial)\s+(?:instructions|prompt))\b)",
    R"((?i)\b(?:repeat|recite)\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?(?:words|text|instructions|)"
    R"(everything)\s+above\b)",
    R"((?i)\bwhat\s+(?:is|are|was|were)\s+your\s+(?:system\s+prompt|(?:initial|original|hidden|)"
    R"(secret)\s+instructions)\b)",
    // Chat-template control tokens smuggled into content.
    R"(<\|(?:im_start|im_end|system|user|assistant|endoftext|begin_of_text|start_header_id|)"
    R"(end_header_id|eot_id)\|>)",
    R"(\[/?INST\]|<</?SYS>>)",
    // "New instructions:", "BEGIN SYSTEM PROMPT", "END OF SYSTEM INSTRUCTIONS".
    R"((?i)\b(?:new|real|actual)\s+(?:system\s+)?instructions\s*:)",
    R"((?i)\b(?:BEGIN|START|END)\s+(?:OF\s+)?(?:SYSTEM\s+(?:PROMPT|INSTRUCTIONS)|NEW)"
    R"(\s+INSTRUCTIONS)\b)",
    // Instructions hidden in an HTML comment, or addressed to a model reading the page.
    R"((?i)<!--(?:[^-]|-[^-]){0,200}?(?:\b(?:ignore|disregard)\s+(?:all|any|the|previous|prior|)"
    R"(above|your)\b|\bsystem\s+prompt\b|\b(?:AI|assistant|model|LLM|agent)s?\s*:|\bdo\s+not\s+)"
    R"((?:tell|mention|reveal)\s+(?:this|the\s+user)\b))",
    R"((?i)\bif\s+you\s+are\s+an?\s+(?:AI|LLM|(?:large\s+)?language\s+model)(?:\s+(?:assistant|)"
    R"(agent|model))?,?\s+(?:reading|processing|summari[sz]ing|parsing)\s+this\b)",
    // "Bypass your safety filters", "override all content guidelines".
    R"((?i)\b(?:override|bypass|circumvent|disable)\s+(?:your|all)\s+(?:safety|content|ethical|)"
    R"(moral)\s+(?:filters?|guidelines|guardrails|restrictions|protocols|polic(?:y|ies))\b)",
}};

std::uint8_t target_bit(ScanTarget target) {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(target));
}

constexpr std::array<ScanTarget, 6> kAllTargets{
    ScanTarget::kInput,      ScanTarget::kOutput,    ScanTarget::kToolArguments,
    ScanTarget::kToolResult, ScanTarget::kDocuments, ScanTarget::kAttributes};

std::uint8_t target_mask(const std::vector<ScanTarget>& targets) {
  if (targets.empty()) {
    return target_bit(ScanTarget::kInput) | target_bit(ScanTarget::kOutput) |
           target_bit(ScanTarget::kToolArguments) | target_bit(ScanTarget::kToolResult) |
           target_bit(ScanTarget::kDocuments);
  }
  std::uint8_t mask = 0;
  for (ScanTarget t : targets) mask |= target_bit(t);
  return mask;
}

constexpr int kSensitiveKinds = 7;

// The sensitive-data kind a built-in finder reports; -1 for prompt injection (a set pattern).
int sensitive_kind(Finder finder) {
  switch (finder) {
    case Finder::kEmail: return static_cast<int>(scan::SensitiveKind::kEmail);
    case Finder::kPhone: return static_cast<int>(scan::SensitiveKind::kPhone);
    case Finder::kCard: return static_cast<int>(scan::SensitiveKind::kCard);
    case Finder::kIban: return static_cast<int>(scan::SensitiveKind::kIban);
    case Finder::kSsn: return static_cast<int>(scan::SensitiveKind::kSsn);
    case Finder::kIpAddress: return static_cast<int>(scan::SensitiveKind::kIpAddress);
    case Finder::kSecret: return static_cast<int>(scan::SensitiveKind::kSecret);
    case Finder::kPromptInjection: return -1;
  }
  return -1;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

// `pattern` (lower case) matches all of `text`, ignoring ASCII case; `*` matches any run of
// characters. Only the last `*` is ever backtracked to, so the cost is at most the text's length
// times the pattern's, never exponential.
bool glob_matches(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == lower(text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool is_ascii_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// A word or phrase as a case-insensitive pattern: its parts quoted, any run of white space
// between them matching any run, and a boundary at each end. RE2's \b is ASCII (\w on one side
// only), so an end that is not an ASCII word character ("C++", "#urgent", "Überweisung", "退款")
// asks for \B instead: the character beyond it is not an ASCII word character either. Thus
// "C++" does not match in "C++20", and "refund" not in "refunds", while CJK words match inside
// CJK text, which has no spaces.
std::string word_pattern(std::string_view word) {
  std::string out = "(?i)";
  bool first = true;
  size_t i = 0;
  while (i < word.size()) {
    while (i < word.size() && is_space(word[i])) ++i;
    size_t j = i;
    while (j < word.size() && !is_space(word[j])) ++j;
    if (j > i) {
      if (first) {
        out += is_ascii_word(word[i]) ? "\\b" : "\\B";
      } else {
        out += "\\s+";
      }
      out += RE2::QuoteMeta(re2::StringPiece(word.data() + i, j - i));
      first = false;
    }
    i = j;
  }
  if (first) return "";  // nothing but white space
  size_t last = word.find_last_not_of(" \t\n\r\f");
  out += is_ascii_word(word[last]) ? "\\b" : "\\B";
  return out;
}

RE2::Options regex_options(std::int64_t max_mem) {
  RE2::Options options;
  // UTF-8: words and user patterns are written in UTF-8 YAML, and case-insensitive words must
  // fold non-ASCII letters ("ÜBERWEISUNG" is "Überweisung"). Invalid UTF-8 in content can only
  // fail to match, never fake a match.
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_log_errors(false);
  options.set_max_mem(max_mem);
  return options;
}

// Calls `on_match(begin, end)` for each non-empty, non-overlapping match of `regex` in `text`,
// left to right, at most kMaxMatchesPerText times. Empty matches are not counted (a pattern that
// can match nothing, like "a*", would otherwise count every position).
template <typename OnMatch>
void for_each_match(const RE2& regex, std::string_view text, OnMatch&& on_match) {
  const re2::StringPiece input(text.data(), text.size());
  re2::StringPiece match;
  size_t pos = 0;
  int found = 0;
  while (pos <= text.size() && found < kMaxMatchesPerText &&
         regex.Match(input, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
    const size_t begin = static_cast<size_t>(match.data() - text.data());
    const size_t end = begin + match.size();
    if (end == begin) {
      pos = end + 1;
      continue;
    }
    on_match(begin, end);
    ++found;
    pos = end;
  }
}

// A JSON string literal without escapes is its own decoding: the common case needs no parser.
std::optional<std::string_view> plain_json_string(std::string_view json_text) {
  if (json_text.size() < 2 || json_text.front() != '"' || json_text.back() != '"') return {};
  const std::string_view inner = json_text.substr(1, json_text.size() - 2);
  if (inner.find_first_of("\\\"") != std::string_view::npos) return {};
  return inner;
}

// Calls `f(text)` for each non-empty text of `span` that `target` covers, in order (see
// texts_of). `buffer` holds decoded attribute strings. Attributes are the span's own unclaimed
// attributes; resource attributes describe the process (host addresses, versions), not the
// content, and scanning them would find the same host IP on every span.
template <typename F>
void for_each_text(const model::AiSpan& span, ScanTarget target, std::string& buffer, F&& f) {
  const auto text = [&](const std::string& s) {
    if (!s.empty()) f(std::string_view(s));
  };
  const auto messages = [&](const std::vector<model::Message>& list) {
    for (const model::Message& message : list) {
      text(message.content);
      for (const auto& call : message.tool_calls) text(call.second);
    }
  };
  switch (target) {
    case ScanTarget::kInput: messages(span.input_messages); return;
    case ScanTarget::kOutput: messages(span.output_messages); return;
    case ScanTarget::kToolArguments: text(span.tool_arguments); return;
    case ScanTarget::kToolResult: text(span.tool_result); return;
    case ScanTarget::kDocuments:
      for (const model::RetrievedDocument& document : span.documents) text(document.content);
      return;
    case ScanTarget::kAttributes:
      for (const model::Attribute& attribute : span.attributes) {
        const std::string_view value = attribute.json_value;
        if (const auto plain = plain_json_string(value)) {
          if (!plain->empty()) f(*plain);
          continue;
        }
        const size_t first = value.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos || (value[first] != '"' && value[first] != '['))
          continue;  // numbers, booleans, null, objects: not text
        json::error_code ec;
        const json::value parsed = json::parse(value, ec);
        if (ec) continue;
        const auto decoded = [&](const json::value& v) {
          if (!v.is_string() || v.get_string().empty()) return;
          buffer.assign(v.get_string().data(), v.get_string().size());
          f(std::string_view(buffer));
        };
        if (parsed.is_array()) {
          for (const json::value& element : parsed.get_array()) decoded(element);
        } else {
          decoded(parsed);
        }
      }
      return;
  }
}

// A count a match adds to: spec `spec`, slot `slot` of its names.
struct Subscriber {
  int spec;
  int slot;
  friend bool operator==(const Subscriber&, const Subscriber&) = default;
};

void subscribe(std::vector<Subscriber>& list, Subscriber s) {
  if (std::find(list.begin(), list.end(), s) == list.end()) list.push_back(s);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct ContentScanner::Compiled {
  struct Spec {
    std::uint8_t targets = 0;
    std::vector<std::string> names;  // slot -> finder or pattern name, sorted
    int first_slot = 0;              // where its slots start in SpanScan's counts
    std::vector<std::string> allow;  // lower case globs
    int min_matches = 1;
  };
  // One pattern of the set: a prompt-injection marker, a word, or a user pattern (equal ones of
  // several specs share an entry).
  struct Entry {
    std::unique_ptr<RE2> regex;
    bool marker = false;                  // overlapping marker matches count once
    // A candidate pattern of the sensitive-data finder: counts nothing itself, but a text where
    // none matches needs no sensitive-data pass.
    bool sensitive_candidate = false;
    std::vector<Subscriber> subscribers;  // empty for markers: see marker_subscribers
    std::uint8_t targets = 0;             // union of its subscribers' targets
  };

  std::vector<Spec> specs;
  int total_slots = 0;

  std::unique_ptr<scan::SensitiveData> sensitive;  // null when no spec uses a built-in finder
  std::array<std::vector<Subscriber>, kSensitiveKinds> sensitive_subscribers;
  std::uint8_t sensitive_targets = 0;

  std::unique_ptr<RE2::Set> set;  // null when no spec has a marker, word or pattern
  std::vector<Entry> entries;     // entries[i] is the set's pattern i
  std::vector<Subscriber> marker_subscribers;
  std::uint8_t set_targets = 0;
};

namespace {

using Compiled = ContentScanner::Compiled;

// Gives each spec its sorted names and a slot per name.
void assign_slots(Compiled& c, const std::vector<ScanSpec>& specs) {
  for (const ScanSpec& spec : specs) {
    Compiled::Spec out;
    out.targets = target_mask(spec.targets);
    for (Finder finder : spec.finders) {
      const int kind = sensitive_kind(finder);
      out.names.emplace_back(kind < 0 ? std::string_view("prompt_injection")
                                      : scan::to_string(static_cast<scan::SensitiveKind>(kind)));
    }
    if (!spec.words.empty()) out.names.emplace_back("word");
    for (const NamedPattern& pattern : spec.patterns) out.names.push_back(pattern.name);
    std::sort(out.names.begin(), out.names.end());
    out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
    out.first_slot = c.total_slots;
    c.total_slots += static_cast<int>(out.names.size());
    for (const std::string& allowed : spec.allow) out.allow.push_back(lowered(allowed));
    out.min_matches = spec.min_matches;
    c.specs.push_back(std::move(out));
  }
}

int slot_of(const Compiled::Spec& spec, std::string_view name) {
  const auto it = std::lower_bound(spec.names.begin(), spec.names.end(), name);
  return static_cast<int>(it - spec.names.begin());
}

// Adds `pattern` to the set (or finds it there) and returns its entry; an error names `what`.
core::Result<int> add_entry(Compiled& c, std::map<std::string, int>& index,
                            const std::string& pattern, const std::string& what) {
  if (const auto it = index.find(pattern); it != index.end()) return it->second;
  auto regex = std::make_unique<RE2>(pattern, regex_options(kMaxMemPerRegex));
  if (!regex->ok()) return core::invalid(what + " does not compile: " + regex->error());
  std::string error;
  const int id = c.set->Add(pattern, &error);
  if (id < 0) return core::invalid(what + " does not compile: " + error);
  const int entry = static_cast<int>(c.entries.size());
  // Set indexes are given out in order of Add, so they equal the entry numbers.
  if (id != entry) return core::internal("content scanner: pattern set numbering out of step");
  Compiled::Entry e;
  e.regex = std::move(regex);
  c.entries.push_back(std::move(e));
  index.emplace(pattern, entry);
  return entry;
}

core::Status add_sensitive_candidates(Compiled& c, std::map<std::string, int>& index);

core::Status build_set(Compiled& c, const std::vector<ScanSpec>& specs) {
  c.set = std::make_unique<RE2::Set>(regex_options(kMaxMemForSet), RE2::UNANCHORED);
  std::map<std::string, int> index;  // pattern text -> entry
  bool markers_added = false;
  for (size_t s = 0; s < specs.size(); ++s) {
    const ScanSpec& spec = specs[s];
    const Compiled::Spec& compiled = c.specs[s];
    const int si = static_cast<int>(s);
    if (std::find(spec.finders.begin(), spec.finders.end(), Finder::kPromptInjection) !=
        spec.finders.end()) {
      if (!markers_added) {
        for (const char* marker : kPromptInjectionMarkers) {
          auto entry = add_entry(c, index, marker,
                                 "built-in prompt-injection marker " + std::string(marker));
          if (!entry.ok()) return entry.error();
          c.entries[*entry].marker = true;
        }
        markers_added = true;
      }
      subscribe(c.marker_subscribers, {si, slot_of(compiled, "prompt_injection")});
      for (Compiled::Entry& e : c.entries) {
        if (e.marker) e.targets |= compiled.targets;
      }
    }
    for (const std::string& word : spec.words) {
      // Lower case first, so that "Refund" and "refund" in one spec are one entry, counted once.
      const std::string pattern = word_pattern(lowered(word));
      if (pattern.empty()) continue;
      auto entry = add_entry(c, index, pattern, "word \"" + word + "\"");
      if (!entry.ok()) return entry.error();
      subscribe(c.entries[*entry].subscribers, {si, slot_of(compiled, "word")});
      c.entries[*entry].targets |= compiled.targets;
    }
    for (const NamedPattern& pattern : spec.patterns) {
      auto entry = add_entry(c, index, pattern.pattern,
                             "pattern \"" + pattern.name + "\" (" + pattern.pattern + ")");
      if (!entry.ok()) return entry.error();
      subscribe(c.entries[*entry].subscribers, {si, slot_of(compiled, pattern.name)});
      c.entries[*entry].targets |= compiled.targets;
    }
  }
  if (c.sensitive_targets != 0) AIIR_RETURN_IF_ERROR(add_sensitive_candidates(c, index));
  if (c.entries.empty()) {
    c.set.reset();
    return core::Status::Ok();
  }
  if (!c.set->Compile()) {
    return core::invalid("the content scan patterns together (" +
                         std::to_string(c.entries.size()) +
                         " markers, words and patterns) exceed the " +
                         std::to_string(kMaxMemForSet >> 20) +
                         " MiB compile limit; use fewer or simpler patterns");
  }
  for (const Compiled::Entry& e : c.entries) c.set_targets |= e.targets;
  return core::Status::Ok();
}

// Puts the sensitive-data finder's candidate patterns into the set, so that one pass over a text
// decides whether the finder needs to look at it at all.
core::Status add_sensitive_candidates(Compiled& c, std::map<std::string, int>& index) {
  for (const std::string& pattern : scan::candidate_patterns_utf8()) {
    auto entry = add_entry(c, index, pattern, "built-in personal-data pattern " + pattern);
    if (!entry.ok()) return entry.error();
    c.entries[*entry].sensitive_candidate = true;
    c.entries[*entry].targets |= c.sensitive_targets;
  }
  return core::Status::Ok();
}

void build_sensitive(Compiled& c, const std::vector<ScanSpec>& specs) {
  for (size_t s = 0; s < specs.size(); ++s) {
    const Compiled::Spec& compiled = c.specs[s];
    for (Finder finder : specs[s].finders) {
      const int kind = sensitive_kind(finder);
      if (kind < 0) continue;
      subscribe(c.sensitive_subscribers[static_cast<size_t>(kind)],
                {static_cast<int>(s),
                 slot_of(compiled, scan::to_string(static_cast<scan::SensitiveKind>(kind)))});
      c.sensitive_targets |= compiled.targets;
    }
  }
  if (c.sensitive_targets != 0) c.sensitive = std::make_unique<scan::SensitiveData>();
}

}  // namespace

core::Result<std::shared_ptr<const ContentScanner>> ContentScanner::compile(
    std::vector<ScanSpec> specs) {
  auto compiled = std::make_unique<Compiled>();
  assign_slots(*compiled, specs);
  build_sensitive(*compiled, specs);
  AIIR_RETURN_IF_ERROR(build_set(*compiled, specs));
  return std::shared_ptr<const ContentScanner>(new ContentScanner(std::move(compiled)));
}

ContentScanner::ContentScanner(std::unique_ptr<Compiled> compiled)
    : compiled_(std::move(compiled)) {}
ContentScanner::~ContentScanner() = default;

std::size_t ContentScanner::size() const { return compiled_->specs.size(); }

// ---------------------------------------------------------------------------------------------

struct ContentScanner::SpanScan::State {
  State(const Compiled& compiled, const model::AiSpan& scanned_span)
      : c(compiled), span(scanned_span), redacted(scanned_span.content_policy == "redact") {}

  const Compiled& c;
  const model::AiSpan& span;
  // Ingest replaced the values by placeholders; each placeholder is a value that was there.
  const bool redacted;
  std::uint8_t scanned = 0;      // targets already scanned (target_bit)
  std::vector<int> counts;       // per slot of every spec; empty until something is scanned
  std::vector<ScanResult> results;
  std::vector<char> done;        // results[i] is final
  std::vector<int> hits;         // the set's matches in the current text
  std::vector<std::pair<size_t, size_t>> regions;  // marker matches in the current text
  std::string buffer;            // a decoded attribute string
  bool sensitive_candidate = false;  // the current text may hold sensitive data (set pass)

  void credit(const std::vector<Subscriber>& subscribers, std::uint8_t bit,
              std::string_view matched) {
    for (const Subscriber& s : subscribers) {
      const Compiled::Spec& spec = c.specs[static_cast<size_t>(s.spec)];
      if ((spec.targets & bit) == 0) continue;
      const bool allowed =
          std::any_of(spec.allow.begin(), spec.allow.end(),
                      [&](const std::string& glob) { return glob_matches(glob, matched); });
      if (!allowed) ++counts[static_cast<size_t>(spec.first_slot + s.slot)];
    }
  }

  void scan_sensitive(std::string_view text, std::uint8_t bit) {
    if (sensitive_candidate) {
      for (const scan::Finding& f : c.sensitive->find(text)) {
        credit(c.sensitive_subscribers[static_cast<size_t>(f.kind)], bit,
               text.substr(f.begin, f.end - f.begin));
      }
    }
    if (redacted) credit_placeholders(text, bit);
  }

  void credit_placeholders(std::string_view text, std::uint8_t bit) {
    for (const scan::Finding& f : scan::find_placeholders(text)) {
      credit(c.sensitive_subscribers[static_cast<size_t>(f.kind)], bit,
             text.substr(f.begin, f.end - f.begin));
    }
  }



  void scan_set(std::string_view text, std::uint8_t bit) {
    RE2::Set::ErrorInfo error{};
    // Without a result vector the set stops at its first match and allocates nothing, which is
    // all clean text needs.
    sensitive_candidate = false;
    bool matched = c.set->Match(text, nullptr, &error);
    if (!matched && error.kind == RE2::Set::kNoError) return;
    if (matched) {
      error = RE2::Set::ErrorInfo{};
      matched = c.set->Match(text, &hits, &error);
    }
    if (!matched) {
      // The set's DFA ran out of memory on this text: run every pattern on its own.
      hits.clear();
      for (size_t i = 0; i < c.entries.size(); ++i) hits.push_back(static_cast<int>(i));
    }
    regions.clear();
    for (int hit : hits) {
      const Compiled::Entry& entry = c.entries[static_cast<size_t>(hit)];
      if ((entry.targets & bit) == 0) continue;
      if (entry.sensitive_candidate) {
        sensitive_candidate = true;
        continue;
      }
      if (entry.marker) {
        // (A user pattern written exactly like a marker shares its entry, and counts as well.)
        for_each_match(*entry.regex, text, [&](size_t b, size_t e) {
          regions.emplace_back(b, e);
          if (!entry.subscribers.empty()) credit(entry.subscribers, bit, text.substr(b, e - b));
        });
        continue;
      }
      for_each_match(*entry.regex, text, [&](size_t b, size_t e) {
        credit(entry.subscribers, bit, text.substr(b, e - b));
      });
    }
    if (regions.empty()) return;
    // Markers overlap ("ignore all previous instructions" is several of them): one phrase counts
    // once, as the union of the markers that found it.
    std::sort(regions.begin(), regions.end());
    size_t begin = regions[0].first, end = regions[0].second;
    for (size_t i = 1; i <= regions.size(); ++i) {
      if (i < regions.size() && regions[i].first < end) {
        end = std::max(end, regions[i].second);
        continue;
      }
      credit(c.marker_subscribers, bit, text.substr(begin, end - begin));
      if (i < regions.size()) {
        begin = regions[i].first;
        end = regions[i].second;
      }
    }
  }

  void scan_target(ScanTarget target) {
    const std::uint8_t bit = target_bit(target);
    if ((scanned & bit) != 0) return;
    scanned |= bit;
    const bool sensitive = c.sensitive != nullptr && (c.sensitive_targets & bit) != 0;
    const bool patterns = c.set != nullptr && (c.set_targets & bit) != 0;
    if (!sensitive && !patterns) return;
    if (counts.empty()) counts.assign(static_cast<size_t>(c.total_slots), 0);
    for_each_text(span, target, buffer, [&](std::string_view text) {
      // The set holds the sensitive-data candidates too: one pass over the text decides
      // whether the sensitive-data finder has anything to look at.
      if (patterns) scan_set(text, bit);
      if (sensitive) scan_sensitive(text, bit);
    });
  }
};

ContentScanner::SpanScan::SpanScan(const ContentScanner& scanner, const model::AiSpan& span)
    : state_(std::make_unique<State>(*scanner.compiled_, span)) {}
ContentScanner::SpanScan::~SpanScan() = default;

const ScanResult& ContentScanner::SpanScan::result(int spec) {
  State& s = *state_;
  const size_t n = s.c.specs.size();
  if (spec < 0 || static_cast<size_t>(spec) >= n) {
    static const ScanResult kNone;
    return kNone;
  }
  if (s.results.empty()) {
    s.results.resize(n);
    s.done.assign(n, 0);
  }
  const size_t i = static_cast<size_t>(spec);
  ScanResult& result = s.results[i];
  if (s.done[i] != 0) return result;
  const Compiled::Spec& compiled = s.c.specs[i];
  for (ScanTarget target : kAllTargets) {
    if ((compiled.targets & target_bit(target)) != 0) s.scan_target(target);
  }
  if (!s.counts.empty()) {
    for (size_t slot = 0; slot < compiled.names.size(); ++slot) {
      const int count = s.counts[static_cast<size_t>(compiled.first_slot) + slot];
      if (count == 0) continue;
      result.by_name.emplace_back(compiled.names[slot], count);
      result.matches += count;
    }
  }
  result.holds = result.matches >= compiled.min_matches;
  s.done[i] = 1;
  return result;
}

std::vector<std::string> texts_of(const model::AiSpan& span, ScanTarget target) {
  std::vector<std::string> texts;
  std::string buffer;
  for_each_text(span, target, buffer, [&](std::string_view text) { texts.emplace_back(text); });
  return texts;
}

}  // namespace aiir::detect
