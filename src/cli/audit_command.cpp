// `aiir audit verify`: checks the audit log's hash chain offline, on the store file itself, so it
// works while the server is down and does not trust a running server's answer about its own log.
#include <filesystem>
#include <iostream>

#include <boost/json.hpp>

#include "cli/context.h"
#include "config/config.h"
#include "core/clock.h"
#include "incident/audit_verify.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::cli {
namespace {

// Exit statuses: scripts and schedulers act on these (docs/audit.md).
constexpr int kIntact = 0;
constexpr int kBroken = 1;
constexpr int kCannotVerify = 2;  // usage error, unreadable config or store

struct VerifyArgs {
  std::string config_dir = ".";
  std::string store_path;  // wins over the config when set
  std::string head;        // SEQ:HASH recorded from an earlier verification
  bool json = false;
};

// The store file the way `aiir serve --config DIR` finds it, or the one named with --store.
core::Result<std::string> store_file(const VerifyArgs& args) {
  std::string path = args.store_path;
  if (path.empty()) {
    core::Diagnostics diags;
    auto config = config::load_config(args.config_dir, diags);
    if (!config) {
      return core::invalid("the configuration in '" + args.config_dir + "' is invalid:\n" +
                           diags.to_string() + "Run `aiir validate " + args.config_dir +
                           "`, or name the store file with --store.");
    }
    path = config->resolve(config->store.path);
  }
  // Opening would create a missing file, and an empty new log verifies as intact: refuse instead.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return core::not_found("there is no store file at '" + path +
                           "'; name it with --store FILE or --config DIR");
  }
  return path;
}

// 1234567 -> "1,234,567"
std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

boost::json::value problem_json(const incident::AuditProblem& problem) {
  boost::json::object out{{"kind", incident::to_string(problem.kind)},
                          {"seq", problem.seq},
                          {"message", problem.message},
                          {"description", incident::describe(problem)}};
  if (problem.entry) {
    const auto& e = *problem.entry;
    out["entry"] = {{"seq", e.seq},           {"time", core::format_rfc3339(e.time)},
                    {"actor", e.actor},       {"action", e.action},
                    {"subject", e.subject},   {"hash", e.hash}};
  }
  return out;
}

void print(const incident::AuditVerification& v, const VerifyArgs& args, bool json) {
  if (json) {
    boost::json::object out{
        {"intact", !v.problem},
        {"entries_checked", v.entries_checked},
        {"head", {{"seq", v.head.seq}, {"hash", v.head.hash}, {"text", to_string(v.head)}}},
        {"problem", v.problem ? problem_json(*v.problem) : boost::json::value(nullptr)}};
    if (!args.head.empty()) out["expected_head"] = args.head;
    std::cout << boost::json::serialize(out) << "\n";
    return;
  }
  if (!v.problem) {
    std::cout << "audit log intact: " << grouped(v.entries_checked)
              << (v.entries_checked == 1 ? " entry" : " entries") << "; head "
              << to_string(v.head) << "\n";
    if (!args.head.empty()) std::cout << "the recorded head " << args.head << " matches\n";
    return;
  }
  std::cout << "audit log BROKEN at " << incident::describe(*v.problem) << "\n"
            << grouped(v.entries_checked) << " entries before it are intact; the last is "
            << to_string(v.head) << "\n";
}

int verify(const VerifyArgs& args, bool json) {
  incident::AuditVerifyOptions options;
  if (!args.head.empty()) {
    auto head = incident::parse_audit_head(args.head);
    if (!head.ok()) {
      std::cerr << "aiir audit verify: --head: " << head.error().message() << "\n";
      return kCannotVerify;
    }
    options.expected_head = *head;
  }
  auto path = store_file(args);
  if (!path.ok()) {
    std::cerr << "aiir audit verify: " << path.error().message() << "\n";
    return kCannotVerify;
  }
  store::SqliteOptions so;
  so.path = *path;
  auto store = store::open_sqlite_store(so);
  if (!store.ok()) {
    std::cerr << "aiir audit verify: cannot open the store: " << store.error().message() << "\n";
    return kCannotVerify;
  }
  auto verified = incident::verify_audit_log(**store, options);
  if (!verified.ok()) {
    std::cerr << "aiir audit verify: " << verified.error().message() << "\n";
    return kCannotVerify;
  }
  print(*verified, args, json);
  return verified->problem ? kBroken : kIntact;
}

}  // namespace

int verify_audit_file(const std::string& store_path) {
  VerifyArgs args;
  args.store_path = store_path;
  return verify(args, false) == kIntact ? 0 : 1;
}

void add_audit_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<VerifyArgs>();
  auto* audit = app.add_subcommand("audit", "the tamper-evident audit log (docs/audit.md)");
  audit->require_subcommand(1);

  auto* verify_cmd = audit->add_subcommand(
      "verify",
      "recompute the audit log's hash chain on the store file and name the first entry that was "
      "modified, deleted, inserted or reordered. Exit 0 intact, 1 broken, 2 cannot verify");
  auto* config = verify_cmd->add_option("--config", args->config_dir,
                                        "directory with aiir.yaml: its store.path is verified")
                     ->capture_default_str();
  verify_cmd->add_option("--store", args->store_path, "the store file (aiir.db) to verify")
      ->excludes(config);
  verify_cmd->add_option("--head", args->head,
                         "SEQ:HASH printed by an earlier verification: also detects entries "
                         "deleted from the end and a log rewritten up to that entry");
  verify_cmd->add_flag("--json", args->json, "machine-readable JSON output");
  verify_cmd->callback([&ctx, args] {
    ctx.action = [&ctx, args] { return verify(*args, ctx.json || args->json); };
  });
}

}  // namespace aiir::cli
