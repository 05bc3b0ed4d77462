#include "config/config.h"

#include <algorithm>
#include <filesystem>

#include "config/incident_settings.h"
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

void read_main_file(const std::string& path, Config& c, core::Diagnostics& diags) {
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
  if (fs::exists(main_file, ec)) read_main_file(main_file.string(), c, diags);

  for (const auto& file : yaml_files(dir / "workflows")) {
    auto loaded = read_workflow_file(file.string(), diags);
    for (auto& w : loaded) c.workflows.push_back(std::move(w));
  }
  check_workflow_set(c.workflows, diags);

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
