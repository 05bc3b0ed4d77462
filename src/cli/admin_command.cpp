#include <iostream>

#include <boost/json.hpp>

#include "cli/context.h"
#include "cli/json_util.h"

namespace aiir::cli {
namespace {

int reload(const Context& ctx) {
  auto client = ctx.client();
  auto r = client.post("/v1/admin/reload", "{}");
  if (!r.ok()) return report_failure(r.error());
  if (ctx.json) {
    std::cout << r->body << "\n";
    return r->status == 200 ? 0 : 1;
  }
  auto body = parse_body(r->body).as_object();
  if (r->status == 200) {
    std::cout << "Reloaded: " << field(body, "summary") << "\n";
    return 0;
  }
  if (r->status != 422) return report_failure(*r);
  std::cerr << "Reload refused, the running configuration is kept: " << field(body, "summary")
            << "\n";
  for (const auto& e : body["errors"].as_array()) std::cerr << e.as_string() << "\n";
  return 1;
}

int version(const Context& ctx) {
  auto client = ctx.client();
  auto r = client.get("/v1/version");
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) return report_failure(*r);
  if (ctx.json) {
    std::cout << r->body << "\n";
  } else {
    auto body = parse_body(r->body).as_object();
    std::cout << "server " << field(body, "version") << " (" << field(body, "commit") << ") at "
              << ctx.server << "\n";
  }
  return 0;
}

}  // namespace

void add_admin_commands(CLI::App& app, Context& ctx) {
  auto* reload_cmd = app.add_subcommand("reload", "reload the server's configuration directory");
  reload_cmd->callback([&ctx] { ctx.action = [&ctx] { return reload(ctx); }; });
  auto* version_cmd = app.add_subcommand("server-version", "the server's version");
  version_cmd->callback([&ctx] { ctx.action = [&ctx] { return version(ctx); }; });
}

}  // namespace aiir::cli
