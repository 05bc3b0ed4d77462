#pragma once
// API keys: creation (random, shown once), hashing, revocation and authentication.
//
// Keys look like `aiir_<id>_<secret>`: the 12-hex-character id finds the row, the SHA-256 of the
// whole key proves possession. Only the hash is stored. Authentication reads an in-memory index
// refreshed on every change through this service, so no request touches the store to
// authenticate. Thread-safe.

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/api_key.h"
#include "store/store.h"

namespace aiir::http {

struct CreatedKey {
  model::ApiKey key;
  std::string secret;  // the whole key; shown once and never again
};

class KeyService {
 public:
  KeyService(store::Store& store, const core::Clock& clock);

  // Loads the index from the store. Call once at start.
  core::Status load();

  core::Result<CreatedKey> create(model::Role role, const std::string& name,
                                  const std::string& created_by);
  // `by`: the key id of whoever revokes it, for the audit log.
  core::Status revoke(const std::string& id, const std::string& by);
  core::Result<std::vector<model::ApiKey>> list();

  // kUnauthenticated with a message saying what was wrong (missing, malformed, unknown, revoked).
  core::Result<model::ApiKey> authenticate(std::string_view presented) const;

  // Creates the first admin key when the store holds no active key; returns it, or nullopt when
  // keys exist already.
  core::Result<std::optional<CreatedKey>> bootstrap_admin();

 private:
  core::Status refresh();

  store::Store& store_;
  const core::Clock& clock_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, model::ApiKey> by_id_;  // GUARDED_BY(mu_)
};

// Extracts the key from `Authorization: Bearer <key>` or `X-API-Key: <key>`; "" when neither.
std::string_view presented_key(std::string_view authorization, std::string_view x_api_key);

}  // namespace aiir::http
