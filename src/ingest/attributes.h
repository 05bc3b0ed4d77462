#pragma once
// Reading a span's OTLP attributes by key while remembering which ones a mapping used, so that
// every attribute no dialect claimed is kept verbatim on the AiSpan (nothing the application sent
// is lost) and nothing is kept twice.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/otlp.h"
#include "model/ai_span.h"

namespace aiir::ingest {

class AttributeView {
 public:
  explicit AttributeView(const Attributes& attributes);

  // The value under `key` (the last one, if an exporter repeated a key), marked as used.
  const AnyValue* find(std::string_view key);
  bool has(std::string_view key) const;
  // True when any key starts with `prefix`.
  bool has_prefix(std::string_view prefix) const;

  // Typed reads; each marks the key used when present. Lenient across representations that
  // instrumentations really send: numbers as strings, integers as doubles, booleans as "true".
  std::optional<std::string> text(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key);
  std::optional<double> number(std::string_view key);
  std::vector<std::string> strings(std::string_view key);  // an array of strings, or one string

  // Every (key suffix after `prefix`, value) whose key starts with `prefix`, in key order, marked
  // used. For the indexed dialects: `gen_ai.prompt.0.role`, `llm.input_messages.1.message.content`.
  std::vector<std::pair<std::string_view, const AnyValue*>> with_prefix(std::string_view prefix);

  // Marks a key used without reading it (known keys that carry nothing aiir needs).
  void ignore(std::string_view key);

  // Attributes no read claimed, as JSON text values, in their original order.
  std::vector<model::Attribute> unclaimed() const;

 private:
  // Indexes into attributes_, sorted by key (stable: the last duplicate wins in find()).
  std::vector<std::size_t> sorted_;
  const Attributes& attributes_;
  std::vector<bool> claimed_;

  std::pair<std::size_t, std::size_t> range(std::string_view prefix) const;
};

}  // namespace aiir::ingest
