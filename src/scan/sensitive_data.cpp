#include "scan/sensitive_data.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace aiir::scan {
namespace {

using std::size_t;

// ---------------------------------------------------------------------------------------------
// Character classes. Hand-written instead of <cctype> so the locale never changes what counts as
// a boundary, and bytes >= 0x80 (UTF-8) are never letters or digits.

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alpha(char c) { return is_upper(c) || (c >= 'a' && c <= 'z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_word(char c) { return is_alnum(c) || c == '_'; }
bool is_token_char(char c) { return is_word(c) || c == '-'; }

// Content often carries escapes literally ("line one\n415-555-0132"): the letter of a "\n", "\t"
// or "\r" is punctuation, not the end of a word that would glue onto what follows.
bool after_escape(std::string_view t, size_t b) {
  return b >= 2 && t[b - 2] == '\\' && (t[b - 1] == 'n' || t[b - 1] == 't' || t[b - 1] == 'r');
}

// How far around a match acceptors look (before it: "version " and "\n"; after it: "-" + digit).
// A refused match whose surroundings a replacement changed may be decided differently by a
// second sweep; nowhere else can it be.
constexpr size_t kLookBehind = 16;
constexpr size_t kLookAhead = 2;

// The text being redacted, as the rules see it while one sweep goes left to right over it.
struct Scan {
  std::string_view text;  // the original; replacements are written elsewhere
  // End of the last replacement: a placeholder ends there, which is a boundary whatever the
  // original character was. Without this, "+44 20 7946 0958+44 20 7946 0959" would only lose its
  // second number on a second pass, and redaction would not be idempotent.
  size_t last_begin = std::string_view::npos;
  size_t last_end = std::string_view::npos;
  // Next "-----END " at or after a PEM header, so a flood of unterminated headers costs one scan.
  size_t pem_end = 0;
  bool pem_end_known = false;

  // Nothing before `b` can glue onto a match starting there.
  bool fresh_start(size_t b) const { return b == 0 || b == last_end || after_escape(text, b); }
  // The character at `i` (< the current position) as the redacted text will have it: inside the
  // last replacement it is part of a placeholder, which is never a letter, digit or separator
  // that a number could continue.
  char before(size_t i) const { return i >= last_begin && i < last_end ? '>' : text[i]; }
};

// Nothing before `b` continues the number: a letter or digit makes it part of a longer
// identifier ("A-1001", "x4111..."), and "-" or "." after a digit part of a longer code, date
// or decimal. Every numeric rule checks both ends with this pair: when what one rule refuses to
// end before is also what another refuses to start after, no replacement can turn a refused
// match into an accepted one, which keeps redaction idempotent.
bool starts_number(const Scan& s, size_t b) {
  if (s.fresh_start(b)) return true;
  const std::string_view t = s.text;
  const char p = t[b - 1];
  if (is_word(p)) return false;
  return !((p == '-' || p == '.') && b >= 2 && is_digit(s.before(b - 2)));
}

// Nothing after `e` continues the number (the mirror of starts_number).
bool ends_number(std::string_view t, size_t e) {
  if (e >= t.size()) return true;
  const char n = t[e];
  if (is_word(n)) return false;
  return !((n == '-' || n == '.') && e + 1 < t.size() && is_digit(t[e + 1]));
}

bool starts_token(const Scan& s, size_t b) {
  return s.fresh_start(b) || !is_token_char(s.text[b - 1]);
}
bool ends_token(std::string_view t, size_t e) { return e >= t.size() || !is_token_char(t[e]); }

int digits_in(std::string_view s) {
  return static_cast<int>(std::count_if(s.begin(), s.end(), is_digit));
}

std::string only_digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (is_digit(c)) out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checksums and number plans: what makes a digit run a card, an IBAN, an SSN or a phone number
// rather than an order id or an amount.

bool luhn_ok(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// Card numbers are 13-19 digits and start with a major network's first digit (2-6: Mastercard,
// Amex, Diners, Visa, Discover, JCB, UnionPay). The prefix check keeps millisecond timestamps
// (13 digits starting with 1) and most snowflake ids from being taken for cards.
bool is_card_number(std::string_view digits) {
  return digits.size() >= 13 && digits.size() <= 19 && digits[0] >= '2' && digits[0] <= '6' &&
         luhn_ok(digits);
}

// IBAN lengths per country (SWIFT IBAN registry); 0 for a country without IBANs. The length
// fixes where the IBAN ends, which matters when it is followed by more capitals and digits.
int iban_length(std::string_view country) {
  static constexpr std::array<std::pair<std::string_view, int>, 89> kLengths{{
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
      {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
      {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
      {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
      {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
      {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30},
      {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
      {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
      {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
      {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
      {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
      {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29},
      {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30}, {"GF", 27},
  }};
  for (const auto& [code, length] : kLengths) {
    if (code == country) return length;
  }
  return 0;
}

// ISO 13616: move the first four characters to the end, read letters as 10..35, and the whole
// number must be 1 modulo 97.
bool iban_checksum_ok(std::string_view iban) {
  if (iban.size() < 15 || iban.size() > 34) return false;
  int remainder = 0;
  for (size_t i = 0; i < iban.size(); ++i) {
    const char c = iban[(i + 4) % iban.size()];
    if (is_digit(c)) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (is_upper(c)) {
      remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

// Areas 000, 666 and 900-999, group 00 and serial 0000 are never issued.
bool is_issued_ssn(std::string_view digits) {
  const std::string_view area = digits.substr(0, 3), group = digits.substr(3, 2),
                         serial = digits.substr(5, 4);
  return area != "000" && area != "666" && area[0] != '9' && group != "00" && serial != "0000";
}

// North American numbers: area code and exchange never start with 0 or 1.
bool is_nanp_number(std::string digits) {
  if (digits.size() == 11 && digits[0] == '1') digits.erase(0, 1);
  return digits.size() == 10 && digits[0] >= '2' && digits[3] >= '2';
}

// ---------------------------------------------------------------------------------------------
// Rules: a pattern finds candidates, an acceptor decides (checksums, boundaries, digit counts)
// and may move the ends of what gets replaced.

struct Span {
  size_t begin;
  size_t end;
};

using Acceptor = std::optional<Span> (*)(Scan&, size_t, size_t);

// Sizes of the digit groups of a number as written ("4111 1111 1111 1111" -> 4 4 4 4).
std::vector<int> digit_groups(std::string_view written) {
  std::vector<int> groups;
  bool in_group = false;
  for (char c : written) {
    if (is_digit(c)) {
      if (!in_group) groups.push_back(0);
      ++groups.back();
    }
    in_group = is_digit(c);
  }
  return groups;
}

// Cards are written unbroken or in groups of four (Amex and Diners: 4-6-5, 4-6-4), with one
// kind of separator. Two-digit groups are hex dumps ("66 68 71 77 68 67 61 64"), not cards.
bool is_card_as_written(std::string_view written) {
  const std::vector<int> groups = digit_groups(written);
  if (groups.size() > 1) {
    if (groups.front() != 4) return false;
    if (std::any_of(groups.begin(), groups.end(), [](int g) { return g < 3; })) return false;
    const char separator = written[4];
    for (char c : written) {
      if (!is_digit(c) && c != separator) return false;
    }
  }
  return is_card_number(only_digits(written));
}

// The longest prefix of [b, e) that ends where a group of digits ends (at `e` itself or before a
// separator) and holds between `min_digits` and `max_digits` digits. Lets "card 4111 1111 1111
// 1111 2 items" and "+44 20 7946 0958 12 times" lose the trailing number, not the match.
std::optional<Span> longest_grouped_prefix(std::string_view t, size_t b, size_t e, int min_digits,
                                           int max_digits, std::string_view separators,
                                           bool (*valid)(std::string_view written)) {
  std::vector<size_t> cuts{e};
  for (size_t i = e - 1; i > b; --i) {
    if (separators.find(t[i]) != std::string_view::npos && (is_digit(t[i - 1]) || t[i - 1] == ')'))
      cuts.push_back(i);
  }
  for (size_t cut : cuts) {
    if (cut == e && !ends_number(t, e)) continue;
    const std::string_view written = t.substr(b, cut - b);
    const int n = digits_in(written);
    if (n >= min_digits && n <= max_digits && (valid == nullptr || valid(written)))
      return Span{b, cut};
  }
  return std::nullopt;
}

std::optional<Span> accept_card(Scan& s, size_t b, size_t e) {
  // After "+" it is an international phone number, after "/" an id in a URL path
  // ("chromestatus.com/feature/5068609911521280"), not a card.
  if (!starts_number(s, b)) return std::nullopt;
  if (!s.fresh_start(b) && (s.text[b - 1] == '+' || s.text[b - 1] == '/')) return std::nullopt;
  return longest_grouped_prefix(s.text, b, e, 13, 19, " ", is_card_as_written);
}

std::optional<Span> accept_iban(Scan& s, size_t b, size_t e) {
  const std::string_view t = s.text;
  if (!s.fresh_start(b) && is_alnum(t[b - 1])) return std::nullopt;
  std::string compact;
  std::vector<size_t> ends;  // ends[k]: text offset just past the (k+1)-th IBAN character
  for (size_t i = b; i < e; ++i) {
    if (t[i] == ' ') continue;
    compact += t[i];
    ends.push_back(i + 1);
  }
  const auto fits = [&](size_t length) {
    if (length < 15 || length > compact.size()) return false;
    const size_t end = ends[length - 1];
    if (end < t.size() && is_alnum(t[end])) return false;
    return iban_checksum_ok(std::string_view(compact).substr(0, length));
  };
  // An unknown country is a hex fingerprint or a part number, whatever its checksum says.
  const int length = iban_length(compact.substr(0, 2));
  if (length == 0 || !fits(static_cast<size_t>(length))) return std::nullopt;
  return Span{b, ends[length - 1]};
}

std::optional<Span> accept_ssn(Scan& s, size_t b, size_t e) {
  if (!starts_number(s, b) || !ends_number(s.text, e)) return std::nullopt;
  if (!is_issued_ssn(only_digits(s.text.substr(b, e - b)))) return std::nullopt;
  return Span{b, e};
}

// "version 1.0.0.0" and "v1.2.3.4" are versions, not addresses.
bool after_version_word(std::string_view t, size_t b) {
  const size_t floor = b > kLookBehind ? b - kLookBehind : 0;
  size_t i = b;
  while (i > floor && (t[i - 1] == ' ' || t[i - 1] == ':')) --i;
  size_t word_begin = i;
  while (word_begin > floor && is_alpha(t[word_begin - 1])) --word_begin;
  std::string word;
  for (size_t k = word_begin; k < i; ++k) word += static_cast<char>(t[k] | 0x20);
  return word == "version" || word == "ver" || word == "v";
}

std::optional<Span> accept_ipv4(Scan& s, size_t b, size_t e) {
  const std::string_view t = s.text;
  if (!starts_number(s, b) || (!s.fresh_start(b) && t[b - 1] == '.')) return std::nullopt;
  if (!ends_number(t, e) || after_version_word(t, b)) return std::nullopt;
  // Loopback, "any", multicast and netmask-like addresses (224 and up) name no one, and they are
  // everywhere in technical content.
  const std::string_view address = t.substr(b, e - b);
  if (address.substr(0, 4) == "127." || address == "0.0.0.0") return std::nullopt;
  int octet = 0;
  bool first_octet = true;
  for (size_t i = b; i <= e; ++i) {
    if (i == e || t[i] == '.') {
      if (octet > 255 || (first_octet && octet >= 224)) return std::nullopt;
      octet = 0;
      first_octet = false;
    } else {
      octet = octet * 10 + (t[i] - '0');
    }
  }
  return Span{b, e};
}

// "+20191229111838": a build stamp (YYYYMMDDhhmmss), written without separators.
bool is_date_stamp(std::string_view written) {
  const std::string digits = only_digits(written);
  if (digits.size() != written.size() - 1 || (digits.size() != 12 && digits.size() != 14))
    return false;
  const auto number = [&](size_t at, size_t length) {
    int value = 0;
    for (size_t i = at; i < at + length; ++i) value = value * 10 + (digits[i] - '0');
    return value;
  };
  const int year = number(0, 4), month = number(4, 2), day = number(6, 2);
  return year >= 1970 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool is_dialable(std::string_view written) { return !is_date_stamp(written); }

std::optional<Span> accept_international_phone(Scan& s, size_t b, size_t e) {
  // "1:14~++20220202101403": a build stamp after "++", not a number to dial.
  if (!starts_number(s, b) || (!s.fresh_start(b) && s.text[b - 1] == '+')) return std::nullopt;
  // E.164 allows at most 15 digits; fewer than 8 is an amount or a score ("+25.00", "+3 5").
  return longest_grouped_prefix(s.text, b, e, 8, 15, " .-(", is_dialable);
}

std::optional<Span> accept_nanp_phone(Scan& s, size_t b, size_t e) {
  if (!starts_number(s, b) || !ends_number(s.text, e)) return std::nullopt;
  // Written without parentheses, a number keeps one separator ("415-555-0132", "415.555.0132");
  // mixed ones are clause and part numbers ("DFARS 252.227-7013"). The pattern ends in
  // "ddd?dddd" (sep at e-5) after "ddd?" or "(ddd) " (sep or ")" at e-9).
  const std::string_view t = s.text;
  const bool parenthesized = t[e - 9] == ')' || t[e - 10] == ')';
  if (!parenthesized && t[e - 9] != t[e - 5]) return std::nullopt;
  if (!is_nanp_number(only_digits(s.text.substr(b, e - b)))) return std::nullopt;
  return Span{b, e};
}

std::optional<Span> accept_trunk_phone(Scan& s, size_t b, size_t e) {
  if (!starts_number(s, b) || (!s.fresh_start(b) && s.text[b - 1] == '+')) return std::nullopt;
  const std::string_view t = s.text;
  // "00" is the international prefix ("0044 ...") or a hex dump ("66 00 68 00 71"), not a trunk.
  const size_t first = t[b] == '(' ? b + 1 : b;
  if (t[first + 1] == '0' && !is_digit(t[first + 2])) return std::nullopt;
  // Two-digit groups are French numbers ("01 23 45 67 89"): five groups, and no group before or
  // after, which would make them part of a hex dump ("01 02 03 04 05 06 07").
  const std::vector<int> groups = digit_groups(t.substr(b, e - b));
  if (std::all_of(groups.begin(), groups.end(), [](int g) { return g == 2; })) {
    const auto is_separator = [](char c) { return c == ' ' || c == '-'; };
    const bool continues = e + 1 < t.size() && is_separator(t[e]) && is_digit(t[e + 1]);
    const bool continued = !s.fresh_start(b) && b >= 2 && is_separator(t[b - 1]) &&
                           is_digit(s.before(b - 2));
    if (groups.size() != 5 || continues || continued) return std::nullopt;
  }
  // National numbers dialled with a leading 0 have 10-12 digits (UK, DE, FR, NL, ...); fewer is
  // a date or a code ("01-12-2026").
  return longest_grouped_prefix(t, b, e, 10, 12, " -", nullptr);
}

std::optional<Span> accept_email(Scan& s, size_t b, size_t e) {
  const std::string_view t = s.text;
  // "...\nbob@example.com": the "n" belongs to the escape, not to the address.
  if (b > 0 && t[b - 1] == '\\' && after_escape(t, b + 1)) ++b;
  if (b >= e || t[b] == '@') return std::nullopt;
  return Span{b, e};
}

std::optional<Span> accept_token_secret(Scan& s, size_t b, size_t e) {
  if (!starts_token(s, b) || !ends_token(s.text, e)) return std::nullopt;
  return Span{b, e};
}

// Keys whose prefix is an ordinary word fragment ("sk-", "xoxb-") also need a digit, so that a
// hyphenated phrase like "sk-learn-compatible-estimators" is not a secret.
std::optional<Span> accept_token_secret_with_digit(Scan& s, size_t b, size_t e) {
  if (digits_in(s.text.substr(b, e - b)) == 0) return std::nullopt;
  return accept_token_secret(s, b, e);
}

// The pattern finds the BEGIN line; the block runs to its END line when that comes within a
// large key's size, else (a key cut off mid-way, as truncated output often is) to the end of the
// base64 body that follows.
std::optional<Span> accept_pem_block(Scan& s, size_t b, size_t e) {
  constexpr size_t kMaxBlock = 16 * 1024;
  const std::string_view t = s.text;
  if (!s.pem_end_known || (s.pem_end != std::string_view::npos && s.pem_end < e)) {
    s.pem_end = t.find("-----END ", e);
    s.pem_end_known = true;
  }
  if (s.pem_end != std::string_view::npos && s.pem_end - b <= kMaxBlock) {
    // The END line's label ("RSA PRIVATE KEY") is short; looking further would rescan the text
    // for every header when no END line closes.
    const std::string_view rest = t.substr(s.pem_end + 9, 64);
    const size_t close = rest.find("-----");
    if (close != std::string_view::npos) {
      const std::string_view label = rest.substr(0, close);
      if (label.find("PRIVATE KEY") != std::string_view::npos &&
          label.find('\n') == std::string_view::npos)
        return Span{b, s.pem_end + 9 + close + 5};
    }
  }
  size_t body_end = e;
  for (size_t i = e; i < t.size() && i - b <= kMaxBlock;) {
    const char c = t[i];
    if (is_alnum(c) || c == '+' || c == '/' || c == '=') {
      body_end = ++i;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      ++i;
    } else if (c == '\\' && i + 1 < t.size() && (t[i + 1] == 'n' || t[i + 1] == 'r')) {
      i += 2;
    } else {
      break;
    }
  }
  return Span{b, body_end};
}

struct Rule {
  const char* pattern;
  SensitiveKind kind;
  Acceptor accept;
  // On rejection, resume after the whole match instead of one byte later. Only for patterns
  // whose later starts inside the match would be rejected the same way (token secrets), so an
  // unbounded token is not rescanned once per byte.
  bool skip_rejected_match;
};

constexpr SensitiveKind kSecret = SensitiveKind::kSecret;
constexpr SensitiveKind kEmail = SensitiveKind::kEmail;
constexpr SensitiveKind kPhone = SensitiveKind::kPhone;

// Order breaks ties between matches that start at the same place: a secret or an e-mail address
// is replaced whole before its digits could be read as a card or a phone number.
const std::array<Rule, 17> kRules{{
    {R"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)", kSecret, accept_pem_block, false},
    {R"(eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)", kSecret, accept_token_secret,
     true},
    {R"(sk-[A-Za-z0-9_\-]{20,})", kSecret, accept_token_secret_with_digit, true},
    {R"((?:sk|rk)_live_[A-Za-z0-9]{16,})", kSecret, accept_token_secret, true},
    {R"((?:AKIA|ASIA)[0-9A-Z]{16})", kSecret, accept_token_secret, true},
    {R"(gh[pousr]_[A-Za-z0-9]{36,255})", kSecret, accept_token_secret, true},
    {R"(github_pat_[A-Za-z0-9_]{22,255})", kSecret, accept_token_secret, true},
    {R"(xox[abpr]-[A-Za-z0-9\-]{10,})", kSecret, accept_token_secret_with_digit, true},
    {R"(AIza[0-9A-Za-z_\-]{35})", kSecret, accept_token_secret, true},
    // Bytes 0x80-0xff are UTF-8 letters of internationalized addresses ("josé@exämple.com"). The
    // first character is ASCII so that text glued before an address ("请发邮件到jose@example.com")
    // is not taken for part of it.
    {R"([A-Za-z0-9._%+\-][A-Za-z0-9._%+\-\x80-\xff]*@)"
     R"([A-Za-z0-9\x80-\xff](?:[A-Za-z0-9\-\x80-\xff]*[A-Za-z0-9\x80-\xff])?)"
     R"((?:\.[A-Za-z0-9\x80-\xff](?:[A-Za-z0-9\-\x80-\xff]*[A-Za-z0-9\x80-\xff])?)*)"
     R"(\.[A-Za-z]{2,})",
     kEmail, accept_email, false},
    {R"([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)", SensitiveKind::kIban,
     accept_iban, false},
    {R"([0-9](?:[ \-]?[0-9]){12,18})", SensitiveKind::kCard, accept_card, false},
    {R"([0-9]{3}-[0-9]{2}-[0-9]{4})", SensitiveKind::kSsn, accept_ssn, false},
    {R"([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})", SensitiveKind::kIpAddress, accept_ipv4,
     false},
    {R"(\+[1-9][0-9]{0,2}(?:[ .\-]?(?:\([0-9]{1,4}\)|[0-9]{1,6})){1,6})", kPhone,
     accept_international_phone, false},
    {R"((?:1[ .\-])?(?:\([0-9]{3}\) ?|[0-9]{3}[ .\-])[0-9]{3}[ .\-][0-9]{4})", kPhone,
     accept_nanp_phone, false},
    {R"((?:0[0-9]{1,4}|\(0[0-9]{1,4}\))(?:[ \-][0-9]{2,8}){1,4})", kPhone, accept_trunk_phone,
     false},
}};

RE2::Options pattern_options() {
  RE2::Options options;
  // Every pattern is ASCII; Latin-1 makes each byte one character, so invalid UTF-8 in content
  // can neither hide nor fake a match, and the DFA stays small.
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  return options;
}

// The next match of one rule at or after some position, in the original text.
struct Candidate {
  int rule;
  size_t begin = 0, end = 0;
  bool found = false;
};

Candidate find_candidate(const RE2& regex, int rule, std::string_view text, size_t from) {
  Candidate next{rule};
  re2::StringPiece match;
  if (from < text.size() &&
      regex.Match(re2::StringPiece(text.data(), text.size()), from, text.size(), RE2::UNANCHORED,
                  &match, 1)) {
    next.begin = static_cast<size_t>(match.data() - text.data());
    next.end = next.begin + match.size();
    next.found = true;
  }
  return next;
}

struct SweepResult {
  int accepted = 0;
  // False when a refused match was within look-around distance of an accepted one: once that is
  // replaced, the text the refusal was judged in has changed, and a further redaction sweep is
  // needed for the result to be final.
  bool settled = true;
};

// One left-to-right sweep with the given rules (indexes into kRules, ascending) over `text`: at
// each step the candidate that starts first is decided (on a tie, the rule listed first), so
// whatever comes first in the text is taken whole and a later rule never cuts into it. Calls
// `on_accept(kind, span)` for each accepted value, in text order; the acceptors judge what follows
// an accepted value as if it had been replaced already. Redaction and finding share this sweep so
// that what is found is exactly what would be replaced.
template <typename OnAccept>
SweepResult sweep(const std::vector<std::unique_ptr<RE2>>& regexes, const std::vector<int>& rules,
                  std::string_view text, OnAccept&& on_accept) {
  Scan scan{text};
  std::vector<Candidate> next;
  next.reserve(rules.size());
  for (int rule : rules) next.push_back(find_candidate(*regexes[rule], rule, text, 0));
  size_t refused_reach = 0;  // how far right the surroundings of refused matches reach
  SweepResult result;
  while (true) {
    Candidate* first = nullptr;
    for (Candidate& c : next) {
      if (c.found && (first == nullptr || c.begin < first->begin)) first = &c;
    }
    if (first == nullptr) break;
    const Rule& rule = kRules[first->rule];
    const std::optional<Span> span = rule.accept(scan, first->begin, first->end);
    if (!span || span->begin < first->begin || span->end <= span->begin) {
      const size_t looked_from = first->begin > kLookBehind ? first->begin - kLookBehind : 0;
      if (scan.last_end != std::string_view::npos && scan.last_end > looked_from)
        result.settled = false;
      refused_reach = std::max(refused_reach, first->end + kLookAhead);
      const size_t from =
          rule.skip_rejected_match ? std::max(first->end, first->begin + 1) : first->begin + 1;
      *first = find_candidate(*regexes[first->rule], first->rule, text, from);
      continue;
    }
    if (span->begin < refused_reach) result.settled = false;
    on_accept(rule.kind, *span);
    scan.last_begin = span->begin;
    scan.last_end = span->end;
    ++result.accepted;
    for (Candidate& c : next) {
      if (c.found && c.begin < scan.last_end)
        c = find_candidate(*regexes[c.rule], c.rule, text, scan.last_end);
    }
  }
  return result;
}

}  // namespace

std::string_view to_string(SensitiveKind kind) {
  switch (kind) {
    case SensitiveKind::kEmail: return "email";
    case SensitiveKind::kPhone: return "phone";
    case SensitiveKind::kCard: return "card";
    case SensitiveKind::kIban: return "iban";
    case SensitiveKind::kSsn: return "ssn";
    case SensitiveKind::kIpAddress: return "ip_address";
    case SensitiveKind::kSecret: return "secret";
  }
  return "secret";
}

std::string_view placeholder(SensitiveKind kind) {
  switch (kind) {
    case SensitiveKind::kEmail: return "<EMAIL>";
    case SensitiveKind::kPhone: return "<PHONE>";
    case SensitiveKind::kCard: return "<CARD>";
    case SensitiveKind::kIban: return "<IBAN>";
    case SensitiveKind::kSsn: return "<SSN>";
    case SensitiveKind::kIpAddress: return "<IP_ADDRESS>";
    case SensitiveKind::kSecret: return "<SECRET>";
  }
  return "<SECRET>";
}

const std::vector<std::string>& candidate_patterns_utf8() {
  static const std::vector<std::string> patterns = [] {
    std::vector<std::string> out;
    for (const Rule& rule : kRules) {
      // The rules read bytes (Latin-1), where \x80-\xff is any byte of a multi-byte character;
      // read as UTF-8 the same class is any non-ASCII character.
      std::string pattern = rule.pattern;
      for (std::size_t at = pattern.find("\\x80-\\xff"); at != std::string::npos;
           at = pattern.find("\\x80-\\xff", at)) {
        pattern.replace(at, 9, "\\x{80}-\\x{10ffff}");
      }
      out.push_back(std::move(pattern));
    }
    return out;
  }();
  return patterns;
}

std::vector<Finding> find_placeholders(std::string_view text) {
  static constexpr SensitiveKind kKinds[] = {
      SensitiveKind::kEmail, SensitiveKind::kPhone,     SensitiveKind::kCard,  SensitiveKind::kIban,
      SensitiveKind::kSsn,   SensitiveKind::kIpAddress, SensitiveKind::kSecret};
  std::vector<Finding> out;
  for (std::size_t at = text.find('<'); at != std::string_view::npos; at = text.find('<', at + 1)) {
    for (SensitiveKind kind : kKinds) {
      const std::string_view p = placeholder(kind);
      if (text.compare(at, p.size(), p) == 0) {
        out.push_back({kind, at, at + p.size()});
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

struct SensitiveData::Patterns {
  std::vector<std::unique_ptr<RE2>> regexes;  // regexes[i] is kRules[i]
  RE2::Set any{pattern_options(), RE2::UNANCHORED};

  Patterns() {
    for (const Rule& rule : kRules) {
      auto regex = std::make_unique<RE2>(rule.pattern, pattern_options());
      std::string error;
      // The patterns are constants of this file: failing to compile one is a bug, found by the
      // first test that constructs a SensitiveData.
      if (!regex->ok() || any.Add(rule.pattern, &error) < 0)
        throw std::logic_error("sensitive-data pattern does not compile: " +
                               std::string(rule.pattern));
      regexes.push_back(std::move(regex));
    }
    if (!any.Compile()) throw std::logic_error("sensitive-data pattern set does not compile");
  }

  // Fills `hits` with the indexes of the rules that can match somewhere in `text`, in rule order;
  // false when none can. Asking the set first without a result vector lets clean text (the common
  // case) stop at the set's verdict without allocating anything.
  bool candidates(std::string_view text, std::vector<int>& hits) const {
    RE2::Set::ErrorInfo error{};
    bool any_match = any.Match(text, nullptr, &error);
    if (!any_match && error.kind == RE2::Set::kNoError) return false;
    if (any_match) {
      error = RE2::Set::ErrorInfo{};
      any_match = any.Match(text, &hits, &error);
    }
    if (!any_match) {
      // The set's DFA ran out of memory on this text: fall back to trying every rule.
      hits.clear();
      for (size_t i = 0; i < kRules.size(); ++i) hits.push_back(static_cast<int>(i));
    }
    std::sort(hits.begin(), hits.end());
    return !hits.empty();
  }

  SweepResult redact_once(std::string& text) const {
    std::vector<int> rules;
    if (!candidates(text, rules)) return SweepResult{};
    std::string out;
    size_t copied = 0;
    const SweepResult result =
        sweep(regexes, rules, text, [&](SensitiveKind kind, const Span& span) {
          out.append(text, copied, span.begin - copied);
          out += placeholder(kind);
          copied = span.end;
        });
    if (result.accepted > 0) {
      out.append(text, copied, std::string::npos);
      text.swap(out);
    }
    return result;
  }

  std::vector<Finding> find(std::string_view text) const {
    std::vector<Finding> found;
    std::vector<int> rules;
    if (!candidates(text, rules)) return found;
    sweep(regexes, rules, text, [&](SensitiveKind kind, const Span& span) {
      found.push_back(Finding{kind, span.begin, span.end});
    });
    return found;
  }
};

SensitiveData::SensitiveData() : patterns_(std::make_unique<Patterns>()) {}
SensitiveData::~SensitiveData() = default;

int SensitiveData::redact(std::string& text) const {
  // One sweep is normally final: a placeholder counts as a boundary for what follows it, and
  // every numeric rule checks its ends alike. Only when a refused match sat next to a replacement
  // (a PEM block glued to a key, say) does another sweep run, so that redacting the result again
  // changes nothing. Placeholders never match any rule, so such chains are short; the bound only
  // keeps hostile input from buying more than a few scans.
  constexpr int kMaxPasses = 4;
  int total = 0;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    const SweepResult result = patterns_->redact_once(text);
    total += result.accepted;
    if (result.settled) break;
  }
  return total;
}

std::vector<Finding> SensitiveData::find(std::string_view text) const {
  return patterns_->find(text);
}

bool is_card_number_text(std::string_view digits) { return is_card_number(digits); }

}  // namespace aiir::scan
