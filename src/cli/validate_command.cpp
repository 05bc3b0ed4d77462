#include <iostream>

#include <boost/json.hpp>

#include "cli/context.h"
#include "config/config.h"

namespace aiir::cli {
namespace {

int validate(const std::string& dir, bool json) {
  core::Diagnostics diags;
  auto config = config::load_config(dir, diags);
  if (json) {
    boost::json::array errors;
    for (const auto& d : diags.items()) {
      errors.push_back({{"file", d.file}, {"line", d.line}, {"column", d.column},
                        {"message", d.message}});
    }
    boost::json::object out{{"valid", diags.empty()}, {"errors", std::move(errors)}};
    if (config) {
      out["workflows"] = config->workflows.size();
      out["detectors"] = config->detectors.size();
      out["playbooks"] = config->playbooks.size();
      out["authority_rules"] = config->authority.rules.size();
    }
    std::cout << boost::json::serialize(out) << "\n";
    return diags.empty() ? 0 : 1;
  }
  if (!diags.empty()) {
    std::cerr << diags.to_string();
    std::cerr << diags.size() << " error(s) in " << dir << "\n";
    return 1;
  }
  std::cout << dir << ": configuration is valid (" << config->workflows.size() << " workflows, "
            << config->detectors.size() << " detectors, " << config->playbooks.size()
            << " playbooks, " << config->authority.rules.size() << " authority rules)\n";
  return 0;
}

}  // namespace

void add_validate_command(CLI::App& app, Context& ctx) {
  auto dir = std::make_shared<std::string>(".");
  auto* cmd = app.add_subcommand(
      "validate", "check a config directory; prints every error as file:line:column: message");
  cmd->add_option("dir", *dir, "directory with aiir.yaml and workflows/")->capture_default_str();
  cmd->callback([&ctx, dir] { ctx.action = [&ctx, dir] { return validate(*dir, ctx.json); }; });
}

}  // namespace aiir::cli
