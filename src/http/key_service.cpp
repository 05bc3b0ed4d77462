#include "http/key_service.h"

#include <cctype>

#include "core/crypto.h"

namespace aiir::http {
namespace {

constexpr std::string_view kPrefix = "aiir_";
constexpr std::size_t kIdBytes = 6;       // 12 hex characters
constexpr std::size_t kSecretBytes = 32;  // 256 bits of entropy
constexpr std::size_t kIdHexLength = kIdBytes * 2;

const core::Error kUnknownKey{core::Code::kUnauthenticated,
                              "the API key is not valid; create one with `aiir keys create`"};

}  // namespace

KeyService::KeyService(store::Store& store, const core::Clock& clock)
    : store_(store), clock_(clock) {}

core::Status KeyService::load() { return refresh(); }

core::Status KeyService::refresh() {
  auto keys = store_.list_keys();
  if (!keys.ok()) return keys.error();
  std::unordered_map<std::string, model::ApiKey> index;
  for (auto& key : *keys) index.emplace(key.id, std::move(key));
  std::unique_lock lock(mu_);
  by_id_ = std::move(index);
  return {};
}

core::Result<CreatedKey> KeyService::create(model::Role role, const std::string& name,
                                            const std::string& created_by) {
  if (name.empty() || name.size() > 100) {
    return core::invalid("a key needs a name of 1 to 100 characters saying what it is for");
  }
  CreatedKey out;
  out.key.id = core::random_hex(kIdBytes);
  out.secret = std::string(kPrefix) + out.key.id + "_" + core::random_hex(kSecretBytes);
  out.key.name = name;
  out.key.role = role;
  out.key.secret_hash = core::sha256_hex(out.secret);
  out.key.created_at = clock_.now();
  out.key.created_by = created_by;
  AIIR_RETURN_IF_ERROR(store_.insert_key(out.key));
  {
    std::unique_lock lock(mu_);
    by_id_[out.key.id] = out.key;
  }
  return out;
}

core::Status KeyService::revoke(const std::string& id, const std::string& by) {
  AIIR_RETURN_IF_ERROR(store_.revoke_key(id, clock_.now(), by));
  return refresh();
}

core::Result<std::vector<model::ApiKey>> KeyService::list() { return store_.list_keys(); }

core::Result<model::ApiKey> KeyService::authenticate(std::string_view presented) const {
  if (presented.empty()) {
    return core::Error(core::Code::kUnauthenticated,
                       "this route needs an API key: send `Authorization: Bearer <key>`");
  }
  if (presented.size() < kPrefix.size() + kIdHexLength + 1 ||
      presented.substr(0, kPrefix.size()) != kPrefix ||
      presented[kPrefix.size() + kIdHexLength] != '_') {
    return core::Error(core::Code::kUnauthenticated,
                       "the API key is malformed: aiir keys look like aiir_<id>_<secret>");
  }
  std::string id(presented.substr(kPrefix.size(), kIdHexLength));
  std::string hash = core::sha256_hex(presented);
  std::shared_lock lock(mu_);
  auto it = by_id_.find(id);
  // Ids are not secret, so answering sooner for an unknown id leaks nothing.
  if (it == by_id_.end() || !core::constant_time_equal(it->second.secret_hash, hash)) {
    return kUnknownKey;
  }
  if (it->second.revoked_at) {
    return core::Error(core::Code::kUnauthenticated,
                       "the API key '" + id + "' was revoked; ask an admin for a new one");
  }
  return it->second;
}

core::Result<std::optional<CreatedKey>> KeyService::bootstrap_admin() {
  auto count = store_.count_active_keys();
  if (!count.ok()) return count.error();
  if (*count > 0) return std::optional<CreatedKey>();
  auto created = create(model::Role::kAdmin, "bootstrap admin", "bootstrap");
  if (!created.ok()) return created.error();
  return std::optional<CreatedKey>(std::move(*created));
}

std::string_view presented_key(std::string_view authorization, std::string_view x_api_key) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() > kBearer.size()) {
    std::string_view scheme = authorization.substr(0, kBearer.size());
    // The scheme is case-insensitive (RFC 9110).
    bool bearer = true;
    for (std::size_t i = 0; i < kBearer.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(scheme[i])) !=
          std::tolower(static_cast<unsigned char>(kBearer[i]))) {
        bearer = false;
      }
    }
    if (bearer) return authorization.substr(kBearer.size());
  }
  return x_api_key;
}

}  // namespace aiir::http
