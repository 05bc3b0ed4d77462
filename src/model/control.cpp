#include "model/control.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/incident.h"
#include "model/json_fields.h"

namespace aiir::model {
namespace {

namespace json = boost::json;
using namespace json_fields;

core::Error control_error(const Control& control, std::string message) {
  std::string who = control.id.empty() ? "control" : "control '" + control.id + "'";
  return core::invalid(who + ": " + message);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string declared_options(const Workflow& workflow) {
  std::vector<std::string> names;
  for (auto option : workflow.containment) names.emplace_back(to_string(option));
  return names.empty() ? "none" : join(names);
}

std::string declared_tools(const Workflow& workflow) {
  std::vector<std::string> names;
  for (const auto& tool : workflow.tools) names.push_back(tool.name);
  return names.empty() ? "none" : join(names);
}

core::Status validate_limits(const Control& control) {
  if (control.limits.empty()) {
    return control_error(control, "narrow_tool needs at least one argument limit (max or allowed)");
  }
  for (const auto& limit : control.limits) {
    if (limit.argument.empty()) return control_error(control, "a limit does not name its argument");
    if (!limit.max && limit.allowed.empty()) {
      return control_error(control, "the limit on argument '" + limit.argument +
                                        "' sets neither max nor allowed values");
    }
    if (limit.max && !std::isfinite(*limit.max)) {
      return control_error(control, "the limit on argument '" + limit.argument +
                                        "' has a max that is not a finite number");
    }
  }
  return core::Status::Ok();
}

core::Status validate_pin(const Control& control, const Workflow& workflow) {
  std::string part = std::string(to_string(control.part_kind)) + " '" + control.part_name + "'";
  if (control.part_name.empty() || control.version.empty()) {
    return control_error(control, "pin_version needs part_name and version");
  }
  for (const auto& p : workflow.versioned_parts) {
    if (p.kind != control.part_kind || p.name != control.part_name) continue;
    if (control.version == p.current) return core::Status::Ok();
    for (const auto& v : p.versions) {
      if (v == control.version) return core::Status::Ok();
    }
    std::vector<std::string> known = p.versions;
    if (known.empty()) known.push_back(p.current);
    return control_error(control, "version '" + control.version + "' of " + part +
                                      " is not one workflow '" + workflow.id +
                                      "' knows (known: " + join(known) + ")");
  }
  return control_error(control,
                       "workflow '" + workflow.id + "' has no versioned part " + part);
}

core::Status validate_kind(const Control& control, const Workflow& workflow) {
  switch (control.kind) {
    case ControlKind::kPause:
    case ControlKind::kDrill:
    case ControlKind::kStopWrites: return core::Status::Ok();  // empty target = every target
    case ControlKind::kForceReview:
      for (const auto& [attribute, value] : control.when) {
        if (attribute.empty()) return control_error(control, "a when condition names no attribute");
      }
      return core::Status::Ok();
    case ControlKind::kDisableTool:
    case ControlKind::kNarrowTool:
      if (control.tool.empty()) {
        return control_error(control, std::string(to_string(control.kind)) + " needs a tool");
      }
      if (workflow.find_tool(control.tool) == nullptr) {
        return control_error(control, "workflow '" + workflow.id + "' declares no tool '" +
                                          control.tool + "' (declared: " +
                                          declared_tools(workflow) + ")");
      }
      return control.kind == ControlKind::kNarrowTool ? validate_limits(control)
                                                      : core::Status::Ok();
    case ControlKind::kPinVersion: return validate_pin(control, workflow);
    case ControlKind::kBlockSource:
      if (control.source.empty()) return control_error(control, "block_source needs a source");
      return core::Status::Ok();
  }
  return core::Status::Ok();
}

core::Result<std::vector<ArgumentLimit>> limits_from_json(const json::value& v) {
  if (!v.is_array()) return core::invalid("limits must be a list of {argument, max, allowed}");
  std::vector<ArgumentLimit> limits;
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) return core::invalid("each limit must be an object");
    const auto& o = item.as_object();
    ArgumentLimit limit;
    limit.argument = get_string(o, "argument");
    if (const auto* max = o.if_contains("max")) {
      if (!max->is_number()) {
        return core::invalid("limit on '" + limit.argument + "': max must be a number");
      }
      limit.max = max->to_number<double>();
    }
    if (const auto* allowed = o.if_contains("allowed")) {
      if (!allowed->is_array()) {
        return core::invalid("limit on '" + limit.argument + "': allowed must be a list");
      }
      for (const auto& a : allowed->as_array()) {
        if (!a.is_string()) {
          return core::invalid("limit on '" + limit.argument + "': allowed values are strings");
        }
        limit.allowed.emplace_back(a.as_string());
      }
    }
    limits.push_back(std::move(limit));
  }
  return limits;
}

core::Result<std::vector<std::pair<std::string, std::string>>> when_from_json(
    const json::value& v) {
  if (!v.is_object()) return core::invalid("when must be an object from attribute to values");
  std::vector<std::pair<std::string, std::string>> when;
  for (const auto& [key, value] : v.as_object()) {
    if (value.is_string()) {
      when.emplace_back(std::string(key), std::string(value.as_string()));
      continue;
    }
    if (!value.is_array()) {
      return core::invalid("when." + std::string(key) + " must be a string or a list of strings");
    }
    for (const auto& item : value.as_array()) {
      if (!item.is_string()) {
        return core::invalid("when." + std::string(key) + " must list strings");
      }
      when.emplace_back(std::string(key), std::string(item.as_string()));
    }
  }
  return when;
}

}  // namespace

const std::vector<std::pair<std::string_view, ControlKind>>& control_kind_names() {
  static const std::vector<std::pair<std::string_view, ControlKind>> names{
      {"pause", ControlKind::kPause},
      {"force_review", ControlKind::kForceReview},
      {"disable_tool", ControlKind::kDisableTool},
      {"narrow_tool", ControlKind::kNarrowTool},
      {"pin_version", ControlKind::kPinVersion},
      {"block_source", ControlKind::kBlockSource},
      {"stop_writes", ControlKind::kStopWrites},
      {"drill", ControlKind::kDrill},
  };
  return names;
}

std::string_view to_string(ControlKind kind) {
  for (const auto& [name, v] : control_kind_names()) {
    if (v == kind) return name;
  }
  return "unknown";
}

std::optional<ControlKind> parse_control_kind(std::string_view text) {
  for (const auto& [name, v] : control_kind_names()) {
    if (name == text) return v;
  }
  return std::nullopt;
}

std::optional<ContainmentOption> containment_option(ControlKind kind) {
  switch (kind) {
    case ControlKind::kPause: return ContainmentOption::kPause;
    case ControlKind::kForceReview: return ContainmentOption::kForceReview;
    case ControlKind::kDisableTool: return ContainmentOption::kDisableTool;
    case ControlKind::kNarrowTool: return ContainmentOption::kNarrowTool;
    case ControlKind::kPinVersion: return ContainmentOption::kPinVersion;
    case ControlKind::kBlockSource: return ContainmentOption::kBlockSource;
    case ControlKind::kStopWrites: return ContainmentOption::kStopWrites;
    case ControlKind::kDrill: return std::nullopt;
  }
  return std::nullopt;
}

json::object to_json(const Control& control) {
  json::object o;
  put(o, "id", control.id);
  put(o, "workflow", control.workflow);
  o["kind"] = to_string(control.kind);
  switch (control.kind) {
    case ControlKind::kDisableTool: put(o, "tool", control.tool); break;
    case ControlKind::kNarrowTool: {
      put(o, "tool", control.tool);
      json::array limits;
      for (const auto& limit : control.limits) {
        json::object l;
        l["argument"] = limit.argument;
        if (limit.max) l["max"] = *limit.max;
        if (!limit.allowed.empty()) {
          json::array allowed;
          for (const auto& a : limit.allowed) allowed.emplace_back(a);
          l["allowed"] = std::move(allowed);
        }
        limits.emplace_back(std::move(l));
      }
      o["limits"] = std::move(limits);
      break;
    }
    case ControlKind::kPinVersion:
      o["part_kind"] = to_string(control.part_kind);
      put(o, "part_name", control.part_name);
      put(o, "version", control.version);
      break;
    case ControlKind::kBlockSource: put(o, "source", control.source); break;
    case ControlKind::kStopWrites: put(o, "target", control.target); break;
    case ControlKind::kForceReview:
      if (!control.when.empty()) {
        json::object when;
        for (const auto& [attribute, value] : control.when) {
          json::value& values = when[attribute];
          if (!values.is_array()) values.emplace_array();
          values.as_array().emplace_back(value);
        }
        o["when"] = std::move(when);
      }
      break;
    case ControlKind::kPause:
    case ControlKind::kDrill: break;
  }
  put(o, "reason", control.reason);
  put(o, "set_by", control.set_by);
  put_time(o, "set_at", control.set_at);
  if (control.incident != 0) o["incident"] = incident_id(control.incident);
  put_time(o, "expires_at", control.expires_at);
  o["lift_percent"] = control.lift_percent;
  put_time(o, "lifted_at", control.lifted_at);
  if (control.controls_version != 0) o["controls_version"] = control.controls_version;
  return o;
}

core::Result<Control> control_from_json(const json::object& o) {
  Control control;
  std::string kind = get_string(o, "kind");
  auto parsed = parse_control_kind(kind);
  if (!parsed) {
    std::vector<std::string> names;
    for (const auto& [name, v] : control_kind_names()) names.emplace_back(name);
    return core::invalid((kind.empty() ? std::string("missing kind")
                                       : "unknown kind '" + kind + "'") +
                         " (allowed: " + join(names) + ")");
  }
  control.kind = *parsed;
  control.id = get_string(o, "id");
  control.workflow = get_string(o, "workflow");
  control.tool = get_string(o, "tool");
  control.source = get_string(o, "source");
  control.target = get_string(o, "target");
  control.part_kind =
      parse_VersionedPartKind(get_string(o, "part_kind")).value_or(VersionedPartKind::kPrompt);
  control.part_name = get_string(o, "part_name");
  control.version = get_string(o, "version");
  if (const auto* v = o.if_contains("limits")) {
    auto limits = limits_from_json(*v);
    if (!limits) return limits.error();
    control.limits = std::move(*limits);
  }
  if (const auto* v = o.if_contains("when")) {
    auto when = when_from_json(*v);
    if (!when) return when.error();
    control.when = std::move(*when);
  }
  control.reason = get_string(o, "reason");
  control.set_by = get_string(o, "set_by");
  control.set_at = get_time(o, "set_at");
  if (const auto* v = o.if_contains("incident")) {
    if (v->is_string()) {
      control.incident = parse_incident_id(v->as_string()).value_or(0);
    } else {
      control.incident = std::max<std::int64_t>(get_int(o, "incident"), 0);
    }
  }
  control.expires_at = get_time(o, "expires_at");
  // Out-of-range values are kept as read so that validate() can say what is wrong with them.
  control.lift_percent = static_cast<int>(std::clamp<std::int64_t>(
      get_int(o, "lift_percent"), std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
  control.lifted_at = get_time(o, "lifted_at");
  control.controls_version = get_int(o, "controls_version");
  return control;
}

core::Status validate(const Control& control, const Workflow* workflow) {
  if (control.id.empty()) return control_error(control, "needs an id");
  if (control.workflow.empty()) return control_error(control, "names no workflow");
  if (workflow == nullptr) {
    return core::not_found("control '" + control.id + "': workflow '" + control.workflow +
                           "' is not in the inventory");
  }
  if (control.workflow != workflow->id) {
    return control_error(control, "is for workflow '" + control.workflow +
                                      "', checked against '" + workflow->id + "'");
  }
  if (control.reason.empty()) return control_error(control, "needs a reason: say why it is set");
  if (control.set_by.empty()) return control_error(control, "needs set_by: who set it");
  auto option = containment_option(control.kind);
  if (option && !workflow->supports(*option)) {
    return control_error(control, "workflow '" + workflow->id + "' does not declare containment '" +
                                      std::string(to_string(control.kind)) +
                                      "' (declared: " + declared_options(*workflow) + ")");
  }
  if (control.lift_percent < 0 || control.lift_percent > 100) {
    return control_error(control, "lift_percent is " + std::to_string(control.lift_percent) +
                                      "; it must be within 0..100");
  }
  if (control.expires_at != 0 && control.expires_at <= control.set_at) {
    return control_error(control, "expires_at must be after set_at");
  }
  return validate_kind(control, *workflow);
}

}  // namespace aiir::model
