#pragma once
// The sensitive-data pattern engine: personal data (e-mail, phone, payment card, IBAN, SSN, IPv4)
// and secrets (provider API keys, private key blocks, JWTs) in free text. Ingest replaces what it
// finds by typed placeholders (ingest/content_policy.h); detection counts it (detect/).
//
// Patterns are RE2 (linear time on hostile input) and all of them are tested against a text in
// one pass with RE2::Set; only the patterns that matched are then run, so clean text costs one
// scan. A pattern only proposes a candidate: an acceptor decides (Luhn for cards, mod 97 for
// IBANs, issued SSN ranges, phone number plans, boundaries) and may move its ends.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aiir::scan {

enum class SensitiveKind { kEmail, kPhone, kCard, kIban, kSsn, kIpAddress, kSecret };

// "email" "phone" "card" "iban" "ssn" "ip_address" "secret".
std::string_view to_string(SensitiveKind kind);

// The placeholder redaction writes for a kind: "<EMAIL>", "<IP_ADDRESS>", ...
std::string_view placeholder(SensitiveKind kind);

// One value found in a text: bytes [begin, end) of it.
struct Finding {
  SensitiveKind kind;
  std::size_t begin;
  std::size_t end;

  friend bool operator==(const Finding&, const Finding&) = default;
};

class SensitiveData {
 public:
  // Compiles the built-in patterns once; share one instance across threads (const use is
  // thread-safe: RE2 and RE2::Set matching are const and thread-safe). The patterns are constants
  // of this library, so failing to compile one is a bug: it throws std::logic_error, found by the
  // first test that constructs one. Nothing after construction throws.
  SensitiveData();
  ~SensitiveData();
  SensitiveData(const SensitiveData&) = delete;
  SensitiveData& operator=(const SensitiveData&) = delete;

  // Replaces personal data and secrets in `text` by typed placeholders (<EMAIL>, <PHONE>,
  // <CARD>, <IBAN>, <SSN>, <IP_ADDRESS>, <SECRET>); returns how many were replaced. Idempotent:
  // redacting the result again replaces nothing.
  int redact(std::string& text) const;

  // What one redaction sweep over `text` would replace, left to right and not overlapping, with
  // the same acceptors as redact(). (redact() may run further sweeps in the rare case a refused
  // candidate sat next to a replacement; find() reports the first sweep only, which is what
  // detection wants: values as they are written in the original.) Allocates nothing beyond the
  // result when the pattern set finds no candidate.
  std::vector<Finding> find(std::string_view text) const;

 private:
  struct Patterns;
  std::unique_ptr<Patterns> patterns_;
};

// The candidate patterns of SensitiveData, written for RE2 in UTF-8 mode. A scanner that runs its
// own UTF-8 pattern set over a text can add these and call find() only for texts where one of
// them matched: a superset of what find() can report, at no extra pass over clean text.
const std::vector<std::string>& candidate_patterns_utf8();

// The placeholders in a text that was redacted: each stands for a value that was there, so
// detection can still say "an e-mail address was in this answer" about redacted content.
std::vector<Finding> find_placeholders(std::string_view text);

// A Luhn-valid payment card number: 13-19 digits starting 2-6 (the networks' first digits).
bool is_card_number_text(std::string_view digits);

}  // namespace aiir::scan
