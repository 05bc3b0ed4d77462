#include "ingest/attributes.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace aiir::ingest {

AttributeView::AttributeView(const Attributes& attributes)
    : attributes_(attributes), claimed_(attributes.size(), false) {
  sorted_.resize(attributes.size());
  for (std::size_t i = 0; i < attributes.size(); ++i) sorted_[i] = i;
  std::stable_sort(sorted_.begin(), sorted_.end(), [&](std::size_t a, std::size_t b) {
    return attributes_[a].key < attributes_[b].key;
  });
}

std::pair<std::size_t, std::size_t> AttributeView::range(std::string_view prefix) const {
  auto key_of = [&](std::size_t i) -> std::string_view { return attributes_[i].key; };
  auto lo = std::lower_bound(sorted_.begin(), sorted_.end(), prefix,
                             [&](std::size_t i, std::string_view p) { return key_of(i) < p; });
  auto hi = lo;
  while (hi != sorted_.end() && key_of(*hi).substr(0, prefix.size()) == prefix) ++hi;
  return {static_cast<std::size_t>(lo - sorted_.begin()),
          static_cast<std::size_t>(hi - sorted_.begin())};
}

const AnyValue* AttributeView::find(std::string_view key) {
  auto [lo, hi] = range(key);
  const AnyValue* found = nullptr;
  for (std::size_t i = lo; i < hi; ++i) {
    std::size_t index = sorted_[i];
    if (attributes_[index].key.size() != key.size()) continue;
    claimed_[index] = true;
    found = &attributes_[index].value;  // the last duplicate wins
  }
  return found;
}

bool AttributeView::has(std::string_view key) const {
  auto [lo, hi] = range(key);
  for (std::size_t i = lo; i < hi; ++i) {
    if (attributes_[sorted_[i]].key.size() == key.size()) return true;
  }
  return false;
}

bool AttributeView::has_prefix(std::string_view prefix) const {
  auto [lo, hi] = range(prefix);
  return lo != hi;
}

std::optional<std::string> AttributeView::text(std::string_view key) {
  const AnyValue* v = find(key);
  if (v == nullptr || v->type == AnyValue::Type::kEmpty) return std::nullopt;
  return to_text(*v);
}

namespace {

std::optional<double> parse_double(const std::string& s) {
  double out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::int64_t> AttributeView::integer(std::string_view key) {
  const AnyValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  switch (v->type) {
    case AnyValue::Type::kInt: return v->int_value;
    case AnyValue::Type::kDouble:
      if (std::isfinite(v->double_value) && std::abs(v->double_value) < 9.0e18) {
        return static_cast<std::int64_t>(v->double_value);
      }
      return std::nullopt;
    case AnyValue::Type::kString: {
      std::int64_t out = 0;
      const auto& s = v->string_value;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec == std::errc() && end == s.data() + s.size()) return out;
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

std::optional<double> AttributeView::number(std::string_view key) {
  const AnyValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  switch (v->type) {
    case AnyValue::Type::kInt: return static_cast<double>(v->int_value);
    case AnyValue::Type::kDouble: return v->double_value;
    case AnyValue::Type::kString: return parse_double(v->string_value);
    default: return std::nullopt;
  }
}

std::vector<std::string> AttributeView::strings(std::string_view key) {
  const AnyValue* v = find(key);
  std::vector<std::string> out;
  if (v == nullptr) return out;
  if (v->type == AnyValue::Type::kArray) {
    for (const auto& item : v->array_value) out.push_back(to_text(item));
  } else if (v->type != AnyValue::Type::kEmpty) {
    out.push_back(to_text(*v));
  }
  return out;
}

std::vector<std::pair<std::string_view, const AnyValue*>> AttributeView::with_prefix(
    std::string_view prefix) {
  std::vector<std::pair<std::string_view, const AnyValue*>> out;
  auto [lo, hi] = range(prefix);
  for (std::size_t i = lo; i < hi; ++i) {
    std::size_t index = sorted_[i];
    claimed_[index] = true;
    out.emplace_back(std::string_view(attributes_[index].key).substr(prefix.size()),
                     &attributes_[index].value);
  }
  return out;
}

void AttributeView::ignore(std::string_view key) { (void)find(key); }

std::vector<model::Attribute> AttributeView::unclaimed() const {
  std::vector<model::Attribute> out;
  for (std::size_t i = 0; i < attributes_.size(); ++i) {
    if (!claimed_[i]) out.push_back({attributes_[i].key, to_json_text(attributes_[i].value)});
  }
  return out;
}

}  // namespace aiir::ingest
