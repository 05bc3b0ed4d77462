#pragma once
// Base64 (RFC 4648): OTLP/JSON carries bytes values in it, and aiir shows bytes attributes in it.

#include <optional>
#include <string>
#include <string_view>

namespace aiir::core {

// Standard alphabet, with padding.
std::string base64_encode(std::string_view bytes);

// Standard or URL-safe alphabet, padding optional (what proto3 JSON parsers accept);
// nullopt on any other character or an impossible length.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace aiir::core
