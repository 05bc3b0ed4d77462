#include <boost/json.hpp>

#include "core/clock.h"
#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/problem.h"

namespace aiir::http::handlers {
namespace {

boost::json::object key_json(const model::ApiKey& key) {
  boost::json::object out{{"id", key.id},
                          {"name", key.name},
                          {"role", model::to_string(key.role)},
                          {"created_at", core::format_rfc3339(key.created_at)},
                          {"created_by", key.created_by}};
  out["revoked_at"] = key.revoked_at ? boost::json::value(core::format_rfc3339(*key.revoked_at))
                                     : boost::json::value(nullptr);
  return out;
}

std::string role_names() {
  std::string out;
  for (auto role : model::all_roles()) {
    if (!out.empty()) out += ", ";
    out += model::to_string(role);
  }
  return out;
}

}  // namespace

Handler list_keys(Services& s) {
  return sync_handler([&s](Request&) {
    auto keys = s.keys.list();
    if (!keys.ok()) return problem(keys.error());
    boost::json::array items;
    for (const auto& key : *keys) items.push_back(key_json(key));
    return json_response(200, boost::json::object{{"keys", std::move(items)}});
  });
}

Handler create_key(Services& s) {
  return sync_handler([&s](Request& r) {
    auto body = parse_json_object(r);
    if (!body.ok()) return problem(body.error());
    auto role_text = optional_string(*body, "role");
    auto name = optional_string(*body, "name");
    if (!role_text.ok()) return problem(role_text.error());
    if (!name.ok()) return problem(name.error());
    if (!*role_text) return problem(400, "", "'role' is required; one of: " + role_names());
    auto role = model::parse_role(**role_text);
    if (!role) {
      return problem(400, "", "'" + **role_text + "' is not a role; use one of: " + role_names());
    }
    if (!*name) return problem(400, "", "'name' is required: say what the key is for");
    auto created = s.keys.create(*role, **name, r.principal.key_id);
    if (!created.ok()) return problem(created.error());
    auto out = key_json(created->key);
    out["secret"] = created->secret;
    Response response = json_response(201, out);
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  });
}

Handler revoke_key(Services& s) {
  return sync_handler([&s](Request& r) {
    std::string id(r.param("id"));
    if (id == r.principal.key_id) {
      return problem(409, "", "a key cannot revoke itself; use another admin key");
    }
    auto revoked = s.keys.revoke(id, r.principal.key_id);
    if (!revoked.ok()) return problem(revoked.error());
    return Response{204, "application/json", "", {}, false};
  });
}

}  // namespace aiir::http::handlers
