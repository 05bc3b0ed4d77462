#pragma once
// Hashing and randomness, backed by OpenSSL 3. Only this file's .cpp includes OpenSSL headers.

#include <cstdint>
#include <string>
#include <string_view>

namespace aiir::core {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

// `bytes` bytes from the operating system's CSPRNG, hex-encoded. Aborts if the CSPRNG fails,
// because continuing would hand out guessable keys.
std::string random_hex(std::size_t bytes);

std::string hex_encode(std::string_view bytes);

// Compares two strings in time independent of where they first differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace aiir::core
