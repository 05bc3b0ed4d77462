#include "config/workflow_loader.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/yaml_reader.h"

namespace aiir::config {
namespace {

using core::MapReader;
using core::report;

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(id.front())) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) { return lower_or_digit(c) || c == '-'; });
}

std::optional<model::Owner> read_owner(MapReader& parent, const std::string& key) {
  YAML::Node node = parent.node(key, /*required=*/true);
  if (!node.IsDefined()) return std::nullopt;
  MapReader r(node, parent.file(), parent.diagnostics(), key);
  if (!r.valid()) return std::nullopt;
  model::Owner owner;
  auto name = r.string("name", true);
  auto contact = r.string("contact", true);
  r.finish();
  if (!name || !contact) return std::nullopt;
  owner.name = *name;
  owner.contact = *contact;
  return owner;
}

void read_risk(MapReader& parent, model::RiskProfile& risk) {
  YAML::Node node = parent.node("risk", /*required=*/true);
  if (!node.IsDefined()) return;
  MapReader r(node, parent.file(), parent.diagnostics(), "risk");
  if (!r.valid()) return;
  if (auto v = r.choice("customer_exposure", model::CustomerExposure_names(), true)) {
    risk.customer_exposure = *v;
  }
  if (auto v = r.choice("data_sensitivity", model::DataSensitivity_names(), true)) {
    risk.data_sensitivity = *v;
  }
  if (auto v = r.choice("autonomy", model::Autonomy_names(), true)) risk.autonomy = *v;
  if (auto v = r.choice("reversibility", model::Reversibility_names(), true)) {
    risk.reversibility = *v;
  }
  YAML::Node impacts = r.node("business_impact");
  if (impacts.IsDefined()) {
    if (!impacts.IsSequence()) {
      report(r.diagnostics(), r.file(), impacts, "risk.business_impact must be a list");
    } else {
      for (const auto& item : impacts) {
        auto parsed = item.IsScalar() ? model::parse_BusinessImpact(item.Scalar()) : std::nullopt;
        if (!parsed) {
          std::string allowed;
          for (const auto& [name, value] : model::BusinessImpact_names()) {
            allowed += (allowed.empty() ? "" : ", ") + std::string(name);
          }
          report(r.diagnostics(), r.file(), item,
                 "risk.business_impact: unknown impact; use one of " + allowed);
          continue;
        }
        risk.business_impact.push_back(*parsed);
      }
    }
  }
  YAML::Node regulatory = r.node("regulatory");
  if (regulatory.IsDefined()) {
    MapReader reg(regulatory, r.file(), r.diagnostics(), "risk.regulatory");
    if (auto v = reg.boolean("personal_data")) risk.regulatory.personal_data = *v;
    if (auto v = reg.boolean("eu_ai_act_high_risk")) risk.regulatory.eu_ai_act_high_risk = *v;
    if (auto v = reg.string("sector")) risk.regulatory.sector = *v;
    reg.finish();
  }
  r.finish();
}

void read_tools(MapReader& parent, model::Workflow& w) {
  YAML::Node node = parent.node("tools");
  if (!node.IsDefined()) return;
  if (!node.IsSequence()) {
    report(parent.diagnostics(), parent.file(), node, "tools must be a list of tools");
    return;
  }
  std::set<std::string> seen;
  for (const auto& item : node) {
    MapReader r(item, parent.file(), parent.diagnostics(), "tool");
    if (!r.valid()) continue;
    model::Tool tool;
    auto name = r.string("name", true);
    if (auto v = r.choice("side_effect", model::SideEffect_names())) tool.side_effect = *v;
    if (auto v = r.boolean("reversible")) tool.reversible = *v;
    if (auto v = r.string("description")) tool.description = *v;
    r.finish();
    if (!name) continue;
    if (!seen.insert(*name).second) {
      report(parent.diagnostics(), parent.file(), item, "tool '" + *name + "' is listed twice");
      continue;
    }
    tool.name = *name;
    w.tools.push_back(std::move(tool));
  }
}

void read_versioned_parts(MapReader& parent, model::Workflow& w) {
  YAML::Node node = parent.node("versioned_parts");
  if (!node.IsDefined()) return;
  if (!node.IsSequence()) {
    report(parent.diagnostics(), parent.file(), node, "versioned_parts must be a list");
    return;
  }
  for (const auto& item : node) {
    MapReader r(item, parent.file(), parent.diagnostics(), "versioned part");
    if (!r.valid()) continue;
    model::VersionedPart part;
    auto kind = r.choice("kind", model::VersionedPartKind_names(), true);
    auto name = r.string("name", true);
    auto current = r.string("current", true);
    auto versions = r.strings("versions");
    r.finish();
    if (!kind || !name || !current) continue;
    part.kind = *kind;
    part.name = *name;
    part.current = *current;
    if (versions) part.versions = *versions;
    if (part.versions.empty()) {
      part.versions.push_back(part.current);
    } else if (std::find(part.versions.begin(), part.versions.end(), part.current) ==
               part.versions.end()) {
      report(parent.diagnostics(), parent.file(), item,
             "versioned part '" + part.name + "': current version '" + part.current +
                 "' is not in its versions list; add it there");
      continue;
    }
    w.versioned_parts.push_back(std::move(part));
  }
}

void read_containment(MapReader& parent, model::Workflow& w) {
  YAML::Node node = parent.node("containment");
  if (!node.IsDefined()) return;
  if (!node.IsSequence()) {
    report(parent.diagnostics(), parent.file(), node,
           "containment must be a list of options such as [pause, force_review]");
    return;
  }
  for (const auto& item : node) {
    auto option = item.IsScalar() ? model::parse_ContainmentOption(item.Scalar()) : std::nullopt;
    if (!option) {
      std::vector<std::string> names;
      std::string allowed;
      for (const auto& [name, value] : model::ContainmentOption_names()) {
        names.emplace_back(name);
        allowed += (allowed.empty() ? "" : ", ") + std::string(name);
      }
      std::string message = "containment: unknown option";
      if (item.IsScalar()) {
        message += " '" + item.Scalar() + "'";
        std::string guess = core::closest_match(item.Scalar(), names);
        if (!guess.empty()) message += "; did you mean '" + guess + "'?";
      }
      report(parent.diagnostics(), parent.file(), item, message + " (allowed: " + allowed + ")");
      continue;
    }
    if (!w.supports(*option)) w.containment.push_back(*option);
  }
}

void read_pause_fallback(MapReader& parent, model::Workflow& w) {
  YAML::Node node = parent.node("pause_fallback");
  if (!node.IsDefined()) return;
  MapReader r(node, parent.file(), parent.diagnostics(), "pause_fallback");
  if (!r.valid()) return;
  using Kind = model::PauseFallback::Kind;
  static const std::vector<std::pair<std::string_view, Kind>> kinds{
      {"canned_message", Kind::kCannedMessage}, {"human_queue", Kind::kHumanQueue},
      {"error", Kind::kError}};
  if (auto v = r.choice("kind", kinds, true)) w.pause_fallback.kind = *v;
  if (auto v = r.string("message")) w.pause_fallback.message = *v;
  r.finish();
  if (w.pause_fallback.kind == Kind::kCannedMessage && w.pause_fallback.message.empty()) {
    report(parent.diagnostics(), parent.file(), node,
           "pause_fallback: kind canned_message needs a message users see while paused");
  }
}

// What ingest keeps of AI content when the file does not say: raw only for public data.
model::ContentPolicy default_content_policy(model::DataSensitivity sensitivity) {
  return sensitivity == model::DataSensitivity::kPublic ? model::ContentPolicy::kRaw
                                                        : model::ContentPolicy::kRedact;
}

// Checks within one workflow that need several fields at once.
void check_workflow(const model::Workflow& w, const YAML::Node& node, const std::string& file,
                    core::Diagnostics& diags) {
  const model::Tool* acting = nullptr;
  for (const auto& tool : w.tools) {
    if (tool.side_effect != model::SideEffect::kRead) {
      acting = &tool;
      break;
    }
  }
  if (acting && !w.supports(model::ContainmentOption::kPause) &&
      !w.supports(model::ContainmentOption::kDisableTool)) {
    report(diags, file, node,
           "workflow '" + w.id + "': tool '" + acting->name + "' has side effects (" +
               std::string(model::to_string(acting->side_effect)) +
               ") but containment has neither 'pause' nor 'disable_tool'; declare how it can be "
               "stopped");
  }
  if (w.content_policy == model::ContentPolicy::kRaw &&
      (w.risk.data_sensitivity == model::DataSensitivity::kPersonal ||
       w.risk.data_sensitivity == model::DataSensitivity::kRegulated)) {
    report(diags, file, node,
           "workflow '" + w.id + "': content_policy raw stores " +
               std::string(model::to_string(w.risk.data_sensitivity)) +
               " data unredacted; use redact or hash_only");
  }
}

}  // namespace

std::optional<model::Workflow> read_workflow(const YAML::Node& node, const std::string& file,
                                             core::Diagnostics& diags) {
  std::size_t errors_before = diags.size();
  MapReader r(node, file, diags, "workflow");
  if (!r.valid()) return std::nullopt;
  model::Workflow w;
  w.source_file = file;
  w.source_line = node.Mark().is_null() ? 0 : node.Mark().line + 1;

  if (auto id = r.string("id", true)) {
    if (!valid_id(*id)) {
      report(diags, file, r.node("id"),
             "workflow id '" + *id +
                 "' must be lowercase letters, digits and '-', starting with a letter or digit "
                 "(at most 64 characters)");
    }
    w.id = *id;
  }
  if (auto v = r.string("name", true)) w.name = *v;
  if (auto v = r.string("description")) w.description = *v;
  if (auto v = read_owner(r, "business_owner")) w.business_owner = *v;
  if (auto v = read_owner(r, "technical_owner")) w.technical_owner = *v;
  if (auto v = r.string("escalation_policy")) {
    w.escalation_policy = *v;
    // Kept so that a reference to an undefined policy (checked once escalation.yaml is read) is
    // reported where it was written, not at the top of the workflow.
    const YAML::Node& map = node;
    const auto mark = map["escalation_policy"].Mark();
    w.escalation_policy_line = mark.is_null() ? w.source_line : mark.line + 1;
  }
  if (auto v = r.strings("service_names")) w.service_names = *v;
  read_risk(r, w.risk);
  read_tools(r, w);
  read_versioned_parts(r, w);
  read_containment(r, w);
  read_pause_fallback(r, w);
  w.content_policy = default_content_policy(w.risk.data_sensitivity);
  if (auto v = r.choice("content_policy", model::ContentPolicy_names())) w.content_policy = *v;
  if (auto v = r.integer("retention_days", 1, 3650)) w.retention_days = static_cast<int>(*v);
  r.finish();

  if (diags.size() != errors_before) return std::nullopt;
  check_workflow(w, node, file, diags);
  if (diags.size() != errors_before) return std::nullopt;
  return w;
}

std::vector<model::Workflow> read_workflow_file(const std::string& path, core::Diagnostics& diags) {
  std::vector<model::Workflow> out;
  auto root = core::load_yaml_file(path, diags);
  if (!root) return out;
  if (root->IsNull()) return out;  // an empty file defines nothing
  if (root->IsMap() && (*root)["workflows"].IsDefined()) {
    MapReader file_reader(*root, path, diags, "workflows file");
    YAML::Node list = file_reader.node("workflows");
    file_reader.finish();
    if (!list.IsSequence()) {
      report(diags, path, list, "workflows must be a list of workflow mappings");
      return out;
    }
    for (const auto& item : list) {
      if (auto w = read_workflow(item, path, diags)) out.push_back(std::move(*w));
    }
    return out;
  }
  if (auto w = read_workflow(*root, path, diags)) out.push_back(std::move(*w));
  return out;
}

void check_workflow_set(std::vector<model::Workflow>& workflows, core::Diagnostics& diags) {
  std::map<std::string, const model::Workflow*> by_id;
  std::map<std::string, const model::Workflow*> by_service;
  auto where = [](const model::Workflow& w) {
    return w.source_file + ":" + std::to_string(w.source_line);
  };
  for (const auto& w : workflows) {
    auto [it, inserted] = by_id.emplace(w.id, &w);
    if (!inserted) {
      diags.add(w.source_file, w.source_line, 1,
                "duplicate workflow id '" + w.id + "' (first defined at " + where(*it->second) +
                    "); ids must be unique");
    }
    for (const auto& service : w.service_names) {
      auto [sit, sinserted] = by_service.emplace(service, &w);
      if (!sinserted && sit->second->id != w.id) {
        diags.add(w.source_file, w.source_line, 1,
                  "service name '" + service + "' is already claimed by workflow '" +
                      sit->second->id + "' (" + where(*sit->second) +
                      "); spans could not be attributed");
      }
    }
  }
  std::stable_sort(workflows.begin(), workflows.end(),
                   [](const auto& a, const auto& b) { return a.id < b.id; });
}

}  // namespace aiir::config
