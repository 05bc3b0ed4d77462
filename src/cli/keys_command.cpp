#include <iostream>

#include <boost/json.hpp>

#include "cli/context.h"
#include "cli/json_util.h"
#include "cli/table.h"
#include "http/url.h"

namespace aiir::cli {
namespace {

struct KeyArgs {
  std::string role;
  std::string name;
  std::string id;
};

int create_key(const Context& ctx, const KeyArgs& args) {
  auto client = ctx.client();
  boost::json::object body{{"role", args.role}, {"name", args.name}};
  auto r = client.post("/v1/keys", boost::json::serialize(body));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 201) return report_failure(*r);
  if (ctx.json) {
    std::cout << r->body << "\n";
    return 0;
  }
  auto key = parse_body(r->body).as_object();
  std::cout << "Created " << field(key, "role") << " key " << field(key, "id") << " ("
            << field(key, "name") << ").\n"
            << "Secret (shown once, store it now):\n"
            << field(key, "secret") << "\n";
  return 0;
}

int list_keys(const Context& ctx) {
  auto client = ctx.client();
  auto r = client.get("/v1/keys");
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) return report_failure(*r);
  if (ctx.json) {
    std::cout << r->body << "\n";
    return 0;
  }
  Table table({"ID", "ROLE", "NAME", "CREATED", "REVOKED"});
  auto body = parse_body(r->body);
  for (const auto& item : body.as_object()["keys"].as_array()) {
    const auto& k = item.as_object();
    table.add({field(k, "id"), field(k, "role"), field(k, "name"), field(k, "created_at"),
               field(k, "revoked_at")});
  }
  std::cout << table.render();
  return 0;
}

int revoke_key(const Context& ctx, const KeyArgs& args) {
  auto client = ctx.client();
  auto r = client.request("DELETE", "/v1/keys/" + http::percent_encode(args.id));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 204) return report_failure(*r);
  if (!ctx.json) std::cout << "Revoked key " << args.id << ".\n";
  return 0;
}

}  // namespace

void add_keys_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<KeyArgs>();
  auto* keys = app.add_subcommand("keys", "manage API keys (admin)");
  keys->require_subcommand(1);

  auto* create = keys->add_subcommand("create", "create a key; its secret is printed once");
  create->add_option("--role", args->role,
                     "admin | responder | reviewer | legal | viewer | ingest | app")
      ->required();
  create->add_option("--name", args->name, "what the key is for")->required();
  create->callback([&ctx, args] { ctx.action = [&ctx, args] { return create_key(ctx, *args); }; });

  auto* list = keys->add_subcommand("list", "list keys (never their secrets)");
  list->callback([&ctx] { ctx.action = [&ctx] { return list_keys(ctx); }; });

  auto* revoke = keys->add_subcommand("revoke", "revoke a key by id");
  revoke->add_option("id", args->id, "key id (from `aiir keys list`)")->required();
  revoke->callback([&ctx, args] { ctx.action = [&ctx, args] { return revoke_key(ctx, *args); }; });
}

}  // namespace aiir::cli
