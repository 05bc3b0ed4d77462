#include "config/config.h"

#include <algorithm>
#include <filesystem>

#include "config/incident_settings.h"
#include "config/playbook_loader.h"
#include "config/workflow_loader.h"
#include "detect/engine.h"
#include "core/yaml_reader.h"
#include "detect/detector_loader.h"
#include "model/role.h"

namespace aiir::config {
namespace {

namespace fs = std::filesystem;
using core::MapReader;

// The configuration format this build reads. A newer file is refused rather than half-understood.
constexpr std::int64_t kConfigVersion = 1;

void read_server(MapReader& root, ServerConfig& s) {
  MapReader r(root.node("server"), root.file(), root.diagnostics(), "server");
  if (auto v = r.string("listen_address")) s.listen_address = *v;
  if (auto v = r.integer("port", 0, 65535)) s.port = static_cast<int>(*v);
  if (auto v = r.string("port_file")) s.port_file = *v;
  if (auto v = r.integer("max_body_bytes", 1024, std::int64_t{1} << 32)) s.max_body_bytes = *v;
  if (auto v = r.integer("header_timeout_seconds", 1, 3600)) {
    s.header_timeout_seconds = static_cast<int>(*v);
  }
  if (auto v = r.integer("read_timeout_seconds", 1, 3600)) {
    s.read_timeout_seconds = static_cast<int>(*v);
  }
  if (auto v = r.integer("idle_timeout_seconds", 1, 86400)) {
    s.idle_timeout_seconds = static_cast<int>(*v);
  }
  if (auto v = r.integer("threads", 0, 256)) s.threads = static_cast<int>(*v);
  r.finish();
}

void read_store(MapReader& root, StoreConfig& s) {
  MapReader r(root.node("store"), root.file(), root.diagnostics(), "store");
  static const std::vector<std::pair<std::string_view, StoreBackend>> backends{
      {"sqlite", StoreBackend::kSqlite}};
  if (auto v = r.choice("backend", backends)) s.backend = *v;
  if (auto v = r.string("path")) s.path = *v;
  r.finish();
}

void read_log(MapReader& root, LogConfig& l) {
  YAML::Node node = root.node("log");
  MapReader r(node, root.file(), root.diagnostics(), "log");
  static const std::vector<std::pair<std::string_view, core::LogFormat>> formats{
      {"text", core::LogFormat::kText}, {"json", core::LogFormat::kJson}};
  if (auto v = r.choice("format", formats)) l.format = *v;
  static const std::vector<std::pair<std::string_view, std::string_view>> levels{
      {"trace", "trace"}, {"debug", "debug"}, {"info", "info"},
      {"warn", "warn"},   {"error", "error"}, {"off", "off"}};
  if (auto v = r.choice("level", levels)) l.level = std::string(*v);
  r.finish();
}

void read_auth(MapReader& root, AuthConfig& a) {
  YAML::Node node = root.node("auth");
  MapReader r(node, root.file(), root.diagnostics(), "auth");
  if (auto v = r.string("admin_key_file")) a.admin_key_file = *v;
  YAML::Node roles_node = r.node("raw_content_roles");
  if (auto roles = r.strings("raw_content_roles")) {
    a.raw_content_roles.clear();
    for (const auto& role : *roles) {
      if (!model::parse_role(role)) {
        std::string allowed;
        for (model::Role known : model::all_roles()) {
          allowed += (allowed.empty() ? "" : ", ") + std::string(model::to_string(known));
        }
        core::report(root.diagnostics(), root.file(), roles_node,
                     "auth.raw_content_roles: unknown role '" + role + "' (roles: " + allowed + ")");
        continue;
      }
      a.raw_content_roles.push_back(role);
    }
  }
  r.finish();
}

void read_decisions(MapReader& root, DecisionConfig& d) {
  MapReader r(root.node("decisions"), root.file(), root.diagnostics(), "decisions");
  using Record = DecisionConfig::Record;
  static const std::vector<std::pair<std::string_view, Record>> modes{
      {"all", Record::kAll}, {"sampled", Record::kSampled}, {"none", Record::kNone}};
  if (auto v = r.choice("record", modes)) d.record = *v;
  if (auto v = r.number("sample_rate", 0.0, 1.0)) d.sample_rate = *v;
  r.finish();
}

// A workflow id aiir.yaml names (reviews.workflows), checked once the workflows are loaded.
struct WorkflowMention {
  std::string id;
  YAML::Node node;  // the key, for its location
  std::string file;
  std::string where;  // "reviews.workflows"
};

void read_reviews(MapReader& root, ReviewConfig& rc, std::vector<WorkflowMention>& mentions) {
  MapReader r(root.node("reviews"), root.file(), root.diagnostics(), "reviews");
  constexpr std::int64_t kMaxSlaMinutes = 7 * 24 * 60;
  if (auto v = r.integer("sla_minutes", 1, kMaxSlaMinutes)) rc.sla_minutes = static_cast<int>(*v);
  if (auto v = r.integer("max_output_bytes", 1024, 16 * 1024 * 1024)) rc.max_output_bytes = *v;
  YAML::Node workflows = r.node("workflows");
  if (workflows.IsDefined() && !workflows.IsNull()) {
    if (!workflows.IsMap()) {
      core::report(root.diagnostics(), root.file(), workflows,
                   "reviews.workflows must map workflow ids to their settings, e.g. "
                   "'support-refunds: {sla_minutes: 10}'");
    } else {
      for (const auto& entry : workflows) {
        if (!entry.first.IsScalar()) continue;
        const std::string id = entry.first.Scalar();
        MapReader w(entry.second, root.file(), root.diagnostics(), "reviews.workflows." + id);
        if (auto v = w.integer("sla_minutes", 1, kMaxSlaMinutes, true)) {
          rc.workflow_sla_minutes[id] = static_cast<int>(*v);
        }
        w.finish();
        mentions.push_back({id, entry.first, root.file(), "reviews.workflows"});
      }
    }
  }
  r.finish();
}

void check_workflow_mentions(const std::vector<WorkflowMention>& mentions, const Config& c,
                             core::Diagnostics& diags) {
  for (const auto& m : mentions) {
    if (c.find_workflow(m.id) != nullptr) continue;
    std::string known;
    for (const auto& w : c.workflows) known += (known.empty() ? "" : ", ") + w.id;
    core::report(diags, m.file, m.node,
                 m.where + ": unknown workflow '" + m.id + "'; the inventory has: " +
                     (known.empty() ? "no workflows (add them under workflows/)" : known));
  }
}

void read_main_file(const std::string& path, Config& c, core::Diagnostics& diags,
                    std::vector<WorkflowMention>& mentions) {
  auto root = core::load_yaml_file(path, diags);
  if (!root) return;
  MapReader r(*root, path, diags, "aiir.yaml");
  if (!r.valid()) return;
  if (auto v = r.integer("version", 1, 1000)) {
    if (*v > kConfigVersion) {
      core::report(diags, path, r.node("version"),
                   "configuration version " + std::to_string(*v) +
                       " is newer than this aiir understands (" + std::to_string(kConfigVersion) +
                       "); upgrade aiir or use a version 1 file");
    }
  }
  read_server(r, c.server);
  read_store(r, c.store);
  read_log(r, c.log);
  read_auth(r, c.auth);
  read_reviews(r, c.reviews, mentions);
  read_decisions(r, c.decisions);
  r.finish();
}

bool is_yaml(const fs::path& p) { return p.extension() == ".yaml" || p.extension() == ".yml"; }

// The YAML files directly in `folder`, sorted by name so that messages and "first defined at"
// do not depend on directory order. None when the folder does not exist.
std::vector<fs::path> yaml_files(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.is_regular_file(ec) && is_yaml(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

const model::Workflow* Config::find_workflow(std::string_view id) const {
  for (const auto& w : workflows) {
    if (w.id == id) return &w;
  }
  return nullptr;
}

const detect::Detector* Config::find_detector(std::string_view id) const {
  for (const auto& d : detectors) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

const model::Workflow* Config::workflow_for_service(std::string_view service_name) const {
  for (const auto& w : workflows) {
    for (const auto& s : w.service_names) {
      if (s == service_name) return &w;
    }
  }
  return nullptr;
}

const incident::EscalationPolicy* Config::find_escalation_policy(std::string_view name) const {
  for (const auto& p : escalation_policies) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string Config::resolve(const std::string& path) const {
  if (path.empty()) return path;
  fs::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (fs::path(directory) / p).lexically_normal().string();
}

std::optional<Config> load_config(const std::string& directory, core::Diagnostics& diags) {
  std::size_t errors_before = diags.size();
  Config c;
  std::error_code ec;
  fs::path dir(directory);
  if (!fs::is_directory(dir, ec)) {
    diags.add(directory, 0, 0,
              "not a configuration directory; expected a folder with aiir.yaml and workflows/");
    return std::nullopt;
  }
  c.directory = fs::absolute(dir, ec).lexically_normal().string();

  fs::path main_file = dir / "aiir.yaml";
  std::vector<WorkflowMention> mentions;
  if (fs::exists(main_file, ec)) read_main_file(main_file.string(), c, diags, mentions);

  for (const auto& file : yaml_files(dir / "workflows")) {
    auto loaded = read_workflow_file(file.string(), diags);
    for (auto& w : loaded) c.workflows.push_back(std::move(w));
  }
  check_workflow_set(c.workflows, diags);
  check_workflow_mentions(mentions, c, diags);

  c.severity_policy = load_severity_policy(directory, diags);
  const std::size_t errors_before_escalation = diags.size();
  if (auto policies = load_escalation_policies(directory, diags)) {
    c.escalation_policies = std::move(*policies);
    // A file with errors defines nothing usable; every reference would only repeat that.
    if (diags.size() == errors_before_escalation) {
      check_escalation_references(c.workflows, c.escalation_policies,
                                  (dir / "escalation.yaml").string(), diags);
    }
  }

  // Playbooks and authority rules refer to workflows, tools and versions: read after them.
  for (const auto& file : yaml_files(dir / "playbooks")) {
    auto loaded = read_playbook_file(file.string(), c.workflows, diags);
    for (auto& p : loaded) c.playbooks.push_back(std::move(p));
  }
  check_playbook_set(c.playbooks, diags);
  if (fs::exists(dir / "authority.yaml", ec)) {
    if (auto rules = read_authority_file((dir / "authority.yaml").string(), c.workflows, diags)) {
      c.authority = std::move(*rules);
    }
  }

  for (const auto& file : yaml_files(dir / "detectors")) {
    auto loaded = detect::read_detector_file(file.string(), diags);
    for (auto& d : loaded) c.detectors.push_back(std::move(d));
  }
  detect::check_detector_set(c.detectors, c.workflows, diags);
  // What loaded must also compile for evaluation (patterns into one scanner set, ...): a file
  // `aiir validate` accepts must never stop `aiir serve` from starting.
  if (diags.empty()) {
    auto compiled = detect::DetectorSet::compile(c.detectors, c.workflows);
    if (compiled.ok()) {
      c.detector_set = std::move(*compiled);
    } else {
      // Only on failure: compile each alone to say which detector (and where) is at fault.
      for (const auto& d : c.detectors) {
        auto alone = detect::DetectorSet::compile({d}, c.workflows);
        if (!alone.ok()) diags.add(d.source_file, d.source_line, 0, alone.error().message());
      }
      if (diags.empty()) diags.add(c.directory, 0, 0, compiled.error().message());
    }
  }

  if (diags.size() != errors_before) return std::nullopt;
  return c;
}

}  // namespace aiir::config
