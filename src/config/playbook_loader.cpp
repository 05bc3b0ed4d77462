#include "config/playbook_loader.h"

#include <algorithm>
#include <limits>
#include <map>

#include "core/yaml_reader.h"
#include "detect/detector_loader.h"

namespace aiir::config {
namespace {

using contain::Authorized;
using contain::Playbook;
using contain::PlaybookAction;
using core::join_names;
using core::line_of;
using core::MapReader;
using core::names_of;

constexpr std::string_view kWhoForms =
    "an incident role (incident_lead, business_owner, engineering, security, legal, compliance, "
    "communications), key:<API key name> or role:<API role>";

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(id.front())) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) { return lower_or_digit(c) || c == '-'; });
}

// "unknown X 'y'; did you mean 'z'?" or "unknown X 'y' (allowed: ...)".
std::string unknown(const std::string& what, const std::string& value,
                    const std::vector<std::string>& allowed) {
  std::string message = "unknown " + what + " '" + value + "'";
  std::string guess = core::closest_match(value, allowed);
  if (!guess.empty()) return message + "; did you mean '" + guess + "'?";
  return message + " (allowed: " + (allowed.empty() ? "none" : join_names(allowed)) + ")";
}

// Where errors go and what references are checked against.
struct Ctx {
  const std::string& file;
  core::Diagnostics& diags;
  const std::vector<model::Workflow>& workflows;

  void error(const YAML::Node& node, std::string message) {
    core::report(diags, file, node, std::move(message));
  }
  const model::Workflow* workflow(const std::string& id) const {
    for (const auto& w : workflows) {
      if (w.id == id) return &w;
    }
    return nullptr;
  }
};

// The items of a list under `key` (a single scalar counts as a one-item list); none when absent.
std::vector<YAML::Node> list_items(Ctx& ctx, MapReader& r, const std::string& key,
                                   const std::string& what) {
  YAML::Node node = r.node(key);
  std::vector<YAML::Node> items;
  if (!node.IsDefined() || node.IsNull()) return items;
  if (node.IsScalar()) return {node};
  if (!node.IsSequence()) {
    ctx.error(node, what + "." + key + " must be a list");
    return items;
  }
  for (const auto& item : node) items.push_back(item);
  return items;
}

std::optional<std::string> scalar(Ctx& ctx, const YAML::Node& item, const std::string& what) {
  if (item.IsScalar() && !item.Scalar().empty()) return item.Scalar();
  ctx.error(item, what + " must be a non-empty text");
  return std::nullopt;
}

template <typename E>
std::vector<E> enum_list(Ctx& ctx, MapReader& r, const std::string& key, const std::string& what,
                         const std::vector<std::pair<std::string_view, E>>& options,
                         const std::string& singular) {
  std::vector<E> out;
  for (const auto& item : list_items(ctx, r, key, what)) {
    auto text = scalar(ctx, item, what + "." + key + " entry");
    if (!text) continue;
    auto it = std::find_if(options.begin(), options.end(),
                           [&](const auto& o) { return o.first == *text; });
    if (it == options.end()) {
      ctx.error(item, what + "." + key + ": " + unknown(singular, *text, names_of(options)));
      continue;
    }
    if (std::find(out.begin(), out.end(), it->second) == out.end()) out.push_back(it->second);
  }
  return out;
}

std::vector<std::string> workflow_list(Ctx& ctx, MapReader& r, const std::string& key,
                                       const std::string& what) {
  std::vector<std::string> ids;
  std::vector<std::string> known;
  for (const auto& w : ctx.workflows) known.push_back(w.id);
  for (const auto& item : list_items(ctx, r, key, what)) {
    auto id = scalar(ctx, item, what + "." + key + " entry");
    if (!id) continue;
    if (ctx.workflow(*id) == nullptr) {
      ctx.error(item, what + "." + key + ": " + unknown("workflow", *id, known));
      continue;
    }
    if (std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
  }
  return ids;
}

std::vector<int> tier_list(Ctx& ctx, MapReader& r, const std::string& key,
                           const std::string& what) {
  std::vector<int> tiers;
  for (const auto& item : list_items(ctx, r, key, what)) {
    const std::string text = item.IsScalar() ? item.Scalar() : "";
    if (text.size() != 1 || text[0] < '1' || text[0] > '4') {
      ctx.error(item, what + "." + key + ": a risk tier is a number from 1 to 4");
      continue;
    }
    const int tier = text[0] - '0';
    if (std::find(tiers.begin(), tiers.end(), tier) == tiers.end()) tiers.push_back(tier);
  }
  return tiers;
}

std::vector<Authorized> who_list(Ctx& ctx, MapReader& r, const std::string& key,
                                 const std::string& what) {
  std::vector<Authorized> who;
  YAML::Node node = r.node(key);
  if (!node.IsDefined() || node.IsNull() || (node.IsSequence() && node.size() == 0)) {
    ctx.error(node.IsDefined() ? node : r.self(),
              what + " needs " + key + ": at least one of " + std::string(kWhoForms));
    return who;
  }
  std::vector<std::string> forms = names_of(model::incident_role_names());
  for (model::Role role : model::all_roles()) forms.push_back("role:" + std::string(to_string(role)));
  for (const auto& item : list_items(ctx, r, key, what)) {
    auto text = scalar(ctx, item, what + "." + key + " entry");
    if (!text) continue;
    auto parsed = contain::parse_authorized(*text);
    if (!parsed) {
      std::string message = what + "." + key + ": '" + *text + "' is not " + std::string(kWhoForms);
      std::string guess = core::closest_match(*text, forms);
      if (!guess.empty()) message += "; did you mean '" + guess + "'?";
      ctx.error(item, std::move(message));
      continue;
    }
    if (std::find(who.begin(), who.end(), *parsed) == who.end()) who.push_back(*parsed);
  }
  return who;
}

// limits: [{argument: amount, max: 50}, {argument: segment, allowed: [retail]}]
void read_limits(Ctx& ctx, MapReader& r, model::Control& control, const std::string& what) {
  for (const auto& item : list_items(ctx, r, "limits", what)) {
    MapReader l(item, ctx.file, ctx.diags, what + " limit");
    if (!l.valid()) continue;
    model::ArgumentLimit limit;
    if (auto v = l.string("argument", true)) limit.argument = *v;
    limit.max = l.number("max", -std::numeric_limits<double>::max(),
                         std::numeric_limits<double>::max());
    if (auto v = l.strings("allowed")) limit.allowed = *v;
    l.finish();
    if (!limit.max && limit.allowed.empty() && !limit.argument.empty()) {
      ctx.error(item, what + ": the limit on '" + limit.argument + "' needs max or allowed");
    }
    control.limits.push_back(std::move(limit));
  }
}

// when: {account_segment: [enterprise, public_sector], channel: chat}
void read_when(Ctx& ctx, MapReader& r, model::Control& control, const std::string& what) {
  YAML::Node node = r.node("when");
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    ctx.error(node, what + ".when must map attributes to a value or a list of values");
    return;
  }
  for (const auto& entry : node) {
    const std::string attribute = entry.first.Scalar();
    const YAML::Node& values = entry.second;
    if (values.IsScalar()) {
      control.when.emplace_back(attribute, values.Scalar());
      continue;
    }
    if (!values.IsSequence()) {
      ctx.error(values, what + ".when." + attribute + " must be a value or a list of values");
      continue;
    }
    for (const auto& v : values) {
      if (!v.IsScalar()) {
        ctx.error(v, what + ".when." + attribute + " must list plain values");
        continue;
      }
      control.when.emplace_back(attribute, v.Scalar());
    }
  }
}

// Whether `action` can be set on each workflow the playbook names, as model::validate would
// judge the control it makes: a mistake found here is one less failed action on incident day.
void check_action(Ctx& ctx, const YAML::Node& node, const PlaybookAction& action,
                  const std::vector<std::string>& workflows, const std::string& what) {
  for (const auto& id : workflows) {
    const model::Workflow* w = ctx.workflow(id);
    if (w == nullptr) continue;
    model::Control control = action.control;
    control.id = "-";
    control.workflow = id;
    control.reason = "check";
    control.set_by = "check";
    if (action.previous_version) {
      control.version.clear();
      for (const auto& part : w->versioned_parts) {
        if (part.kind != control.part_kind || part.name != control.part_name) continue;
        control.version = part.current;
        auto current = std::find(part.versions.begin(), part.versions.end(), part.current);
        if (current == part.versions.begin()) {
          ctx.error(node, what + ": version: previous, but " +
                              std::string(model::to_string(part.kind)) + " '" + part.name +
                              "' of workflow '" + id + "' lists no version before " +
                              part.current + "; add the older versions to its versions list");
        }
      }
      if (control.version.empty()) control.version = "previous";
    }
    auto valid = model::validate(control, w);
    if (valid.ok()) continue;
    std::string message = valid.error().message();
    constexpr std::string_view kPrefix = "control '-': ";
    if (message.rfind(kPrefix, 0) == 0) message.erase(0, kPrefix.size());
    ctx.error(node, what + ": " + message);
  }
}

std::optional<PlaybookAction> read_action(Ctx& ctx, const YAML::Node& node, bool approval,
                                          const std::vector<std::string>& workflows,
                                          const std::string& what) {
  const std::size_t errors_before = ctx.diags.size();
  MapReader r(node, ctx.file, ctx.diags, what);
  if (!r.valid()) return std::nullopt;
  PlaybookAction action;
  action.source_line = line_of(node);
  model::Control& control = action.control;
  if (auto kind = r.string("kind", true)) {
    auto parsed = model::parse_control_kind(*kind);
    if (!parsed || *parsed == model::ControlKind::kDrill) {
      std::vector<std::string> kinds;
      for (const auto& [name, k] : model::control_kind_names()) {
        if (k != model::ControlKind::kDrill) kinds.emplace_back(name);
      }
      ctx.error(r.node("kind"), what + ": " + unknown("control kind", *kind, kinds));
    } else {
      control.kind = *parsed;
    }
  }
  if (auto v = r.string("tool")) control.tool = *v;
  if (auto v = r.string("source")) control.source = *v;
  if (auto v = r.string("target")) control.target = *v;
  if (auto v = r.choice("part_kind", model::VersionedPartKind_names())) control.part_kind = *v;
  if (auto v = r.string("part_name")) control.part_name = *v;
  if (auto v = r.string("version")) {
    action.previous_version = *v == "previous";
    if (!action.previous_version) control.version = *v;
  }
  read_limits(ctx, r, control, what);
  read_when(ctx, r, control, what);
  if (auto v = r.string("expires_after")) {
    if (auto d = detect::parse_duration(*v)) {
      action.expires_after = *d;
    } else {
      ctx.error(r.node("expires_after"),
                what + ".expires_after '" + *v +
                    "': write a whole number and a unit: 30m, 2h or 7d (at most 366d)");
    }
  }
  if (auto v = r.string("reason")) action.reason = *v;
  if (approval) action.approvers = who_list(ctx, r, "approvers", what);
  r.finish();
  if (ctx.diags.size() != errors_before) return std::nullopt;
  check_action(ctx, node, action, workflows, what);
  if (ctx.diags.size() != errors_before) return std::nullopt;
  return action;
}

void read_match(Ctx& ctx, MapReader& parent, Playbook& p, const std::string& what) {
  YAML::Node node = parent.node("match", /*required=*/true);
  if (!node.IsDefined()) return;
  const std::string w = what + ".match";
  MapReader r(node, ctx.file, ctx.diags, w);
  if (!r.valid()) return;
  contain::PlaybookMatch& m = p.match;
  m.workflows = workflow_list(ctx, r, "workflows", w);
  m.risk_tiers = tier_list(ctx, r, "risk_tiers", w);
  m.customer_exposure =
      enum_list(ctx, r, "customer_exposure", w, model::CustomerExposure_names(), "exposure");
  m.data_sensitivity =
      enum_list(ctx, r, "data_sensitivity", w, model::DataSensitivity_names(), "sensitivity");
  m.categories = enum_list(ctx, r, "categories", w, model::category_names(), "category");
  m.classifications =
      enum_list(ctx, r, "classifications", w, model::classification_names(), "classification");
  if (auto v = r.string("min_severity")) {
    m.min_severity = model::parse_severity(*v);
    if (!m.min_severity) {
      ctx.error(r.node("min_severity"),
                w + ".min_severity: " + unknown("severity", *v, names_of(model::severity_names())));
    }
  }
  r.finish();
}

std::vector<PlaybookAction> read_actions(Ctx& ctx, MapReader& r, const std::string& key,
                                         bool approval, const Playbook& p,
                                         const std::string& what) {
  std::vector<PlaybookAction> actions;
  YAML::Node node = r.node(key);
  if (!node.IsDefined() || node.IsNull()) return actions;
  if (!node.IsSequence()) {
    ctx.error(node, what + "." + key + " must be a list of actions such as {kind: pause}");
    return actions;
  }
  int index = 0;
  for (const auto& item : node) {
    ++index;
    const std::string item_what = what + "." + key + "[" + std::to_string(index) + "]";
    if (auto a = read_action(ctx, item, approval, p.match.workflows, item_what)) {
      actions.push_back(std::move(*a));
    }
  }
  return actions;
}

// checklists: {incident_lead: [task, ...], legal: [...]}
void read_checklists(Ctx& ctx, MapReader& parent, Playbook& p, const std::string& what) {
  YAML::Node node = parent.node("checklists");
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string w = what + ".checklists";
  MapReader r(node, ctx.file, ctx.diags, w);
  if (!r.valid()) return;
  for (const auto& [name, role] : model::incident_role_names()) {
    const std::string key(name);
    if (auto tasks = r.strings(key)) {
      if (tasks->empty()) continue;
      p.checklists.push_back({role, *tasks});
    }
  }
  r.finish();
}

std::optional<Playbook> read_playbook(Ctx& ctx, const YAML::Node& node) {
  const std::size_t errors_before = ctx.diags.size();
  MapReader r(node, ctx.file, ctx.diags, "playbook");
  if (!r.valid()) return std::nullopt;
  Playbook p;
  p.source_file = ctx.file;
  p.source_line = line_of(node);
  if (auto id = r.string("id", true)) {
    if (!valid_id(*id)) {
      ctx.error(r.node("id"), "playbook id '" + *id +
                                  "' must be lowercase letters, digits and '-', starting with a "
                                  "letter or digit (at most 64 characters)");
    }
    p.id = *id;
  }
  const std::string what = "playbook '" + p.id + "'";
  if (auto v = r.string("title")) p.title = *v;
  if (auto v = r.string("description")) p.description = *v;
  read_match(ctx, r, p, what);
  if (auto v = r.string("classification")) {
    p.classification = model::parse_classification(*v);
    if (!p.classification) {
      ctx.error(r.node("classification"),
                what + ".classification: " +
                    unknown("classification", *v, names_of(model::classification_names())));
    }
  }
  p.automatic = read_actions(ctx, r, "automatic", false, p, what);
  p.approval = read_actions(ctx, r, "approval", true, p, what);
  read_checklists(ctx, r, p, what);
  r.finish();
  if (ctx.diags.size() != errors_before) return std::nullopt;
  if (p.automatic.empty() && p.approval.empty() && p.checklists.empty() && !p.classification) {
    ctx.error(node, what + " does nothing: give automatic or approval actions, checklists or a "
                           "classification");
    return std::nullopt;
  }
  return p;
}

std::optional<contain::AuthorityRule> read_rule(Ctx& ctx, const YAML::Node& node, int index) {
  const std::size_t errors_before = ctx.diags.size();
  const std::string what = "authority rule " + std::to_string(index);
  MapReader r(node, ctx.file, ctx.diags, what);
  if (!r.valid()) return std::nullopt;
  contain::AuthorityRule rule;
  rule.source_file = ctx.file;
  rule.source_line = line_of(node);
  const auto actions = list_items(ctx, r, "actions", what);
  if (actions.empty()) ctx.error(node, what + " needs actions: the actions it covers");
  for (const auto& item : actions) {
    auto text = scalar(ctx, item, what + ".actions entry");
    if (!text) continue;
    if (!contain::valid_action(*text)) {
      ctx.error(item, what + ".actions: " + unknown("action", *text, contain::action_names()));
      continue;
    }
    rule.actions.push_back(*text);
  }
  rule.workflows = workflow_list(ctx, r, "workflows", what);
  rule.risk_tiers = tier_list(ctx, r, "risk_tiers", what);
  rule.who = who_list(ctx, r, "who", what);
  r.finish();
  if (ctx.diags.size() != errors_before) return std::nullopt;
  return rule;
}

}  // namespace

namespace {

std::vector<Playbook> read_playbooks(const std::optional<YAML::Node>& root,
                                     const std::string& file,
                                     const std::vector<model::Workflow>& workflows,
                                     core::Diagnostics& diags) {
  std::vector<Playbook> out;
  if (!root || root->IsNull()) return out;  // an empty file defines nothing
  Ctx ctx{file, diags, workflows};
  if (root->IsMap() && (*root)["playbooks"].IsDefined()) {
    MapReader file_reader(*root, file, diags, "playbooks file");
    YAML::Node list = file_reader.node("playbooks");
    file_reader.finish();
    if (!list.IsSequence()) {
      ctx.error(list, "playbooks must be a list of playbook mappings");
      return out;
    }
    for (const auto& item : list) {
      if (auto p = read_playbook(ctx, item)) out.push_back(std::move(*p));
    }
    return out;
  }
  if (auto p = read_playbook(ctx, *root)) out.push_back(std::move(*p));
  return out;
}

std::optional<contain::AuthorityRules> read_authority(const std::optional<YAML::Node>& root,
                                                      const std::string& file,
                                                      const std::vector<model::Workflow>& workflows,
                                                      core::Diagnostics& diags) {
  const std::size_t errors_before = diags.size();
  if (!root) return std::nullopt;
  contain::AuthorityRules rules;
  if (root->IsNull()) return rules;
  Ctx ctx{file, diags, workflows};
  MapReader r(*root, file, diags, "authority file");
  if (!r.valid()) return std::nullopt;
  YAML::Node list = r.node("authority", /*required=*/true);
  r.finish();
  if (list.IsDefined() && !list.IsNull()) {
    if (!list.IsSequence()) {
      ctx.error(list, "authority must be a list of rules {actions, workflows, who}");
    } else {
      int index = 0;
      for (const auto& item : list) {
        if (auto rule = read_rule(ctx, item, ++index)) rules.rules.push_back(std::move(*rule));
      }
    }
  }
  if (diags.size() != errors_before) return std::nullopt;
  return rules;
}

}  // namespace

std::vector<Playbook> read_playbooks_text(const std::string& text, const std::string& file,
                                          const std::vector<model::Workflow>& workflows,
                                          core::Diagnostics& diags) {
  return read_playbooks(core::load_yaml_text(text, file, diags), file, workflows, diags);
}

std::vector<Playbook> read_playbook_file(const std::string& path,
                                         const std::vector<model::Workflow>& workflows,
                                         core::Diagnostics& diags) {
  return read_playbooks(core::load_yaml_file(path, diags), path, workflows, diags);
}

void check_playbook_set(std::vector<Playbook>& playbooks, core::Diagnostics& diags) {
  std::map<std::string, const Playbook*> by_id;
  for (const auto& p : playbooks) {
    auto [it, inserted] = by_id.emplace(p.id, &p);
    if (!inserted) {
      diags.add(p.source_file, p.source_line, 1,
                "duplicate playbook id '" + p.id + "' (first defined at " +
                    it->second->source_file + ":" + std::to_string(it->second->source_line) +
                    "); ids must be unique");
    }
  }
  std::stable_sort(playbooks.begin(), playbooks.end(),
                   [](const auto& a, const auto& b) { return a.id < b.id; });
}

std::optional<contain::AuthorityRules> read_authority_text(
    const std::string& text, const std::string& file,
    const std::vector<model::Workflow>& workflows, core::Diagnostics& diags) {
  return read_authority(core::load_yaml_text(text, file, diags), file, workflows, diags);
}

std::optional<contain::AuthorityRules> read_authority_file(
    const std::string& path, const std::vector<model::Workflow>& workflows,
    core::Diagnostics& diags) {
  return read_authority(core::load_yaml_file(path, diags), path, workflows, diags);
}

}  // namespace aiir::config
