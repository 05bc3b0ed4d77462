#pragma once
// gzip (RFC 1952) decompression with a hard limit on the output, so a small hostile body cannot
// expand into gigabytes (a "zip bomb").

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace aiir::core {

// kPayloadTooLarge when the output would exceed `max_output` bytes; kInvalidArgument when the
// input is not valid gzip.
Result<std::string> gunzip(std::string_view compressed, std::size_t max_output);

// gzip-compresses `data` (used by tests and the CLI's exporter).
std::string gzip(std::string_view data);

}  // namespace aiir::core
