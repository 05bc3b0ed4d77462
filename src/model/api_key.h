#pragma once
// An API key as stored: never the secret itself, only its SHA-256.
//
// The secret handed to the user is "aiir_" + id + "_" + 32 random bytes in hex. The id part lets
// the server find the row without scanning; the hash proves possession.

#include <optional>
#include <string>

#include "core/clock.h"
#include "model/role.h"

namespace aiir::model {

struct ApiKey {
  std::string id;           // 12 hex characters, public, shown in listings
  std::string name;         // what the key is for ("otel-collector-prod")
  Role role = Role::kViewer;
  std::string secret_hash;  // hex SHA-256 of the whole secret
  core::UnixNanos created_at = 0;
  std::string created_by;   // key id of the creator, or "bootstrap"
  std::optional<core::UnixNanos> revoked_at;
  std::optional<core::UnixNanos> last_used_at;
};

}  // namespace aiir::model
