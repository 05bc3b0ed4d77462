#include "contain/decision.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <system_error>

#include "model/incident.h"

namespace aiir::contain {
namespace {

namespace json = boost::json;
using model::Control;
using model::ControlKind;

std::string_view stable_key(const DecideRequest& request) {
  if (!request.user_id.empty()) return request.user_id;
  if (!request.account_id.empty()) return request.account_id;
  return request.trace_id;
}

bool in_force(const Control& control, std::string_view key, core::UnixNanos now) {
  if (!control.active_at(now)) return false;
  if (control.lift_percent <= 0) return true;
  if (control.lift_percent >= 100) return false;
  if (key.empty()) return true;
  return lift_bucket(control.id, key) >= control.lift_percent;
}

std::string format_number(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

// A value as a reason shows it: strings quoted, numbers as written by a person.
std::string show(const json::value& value) {
  if (value.is_string()) return "\"" + std::string(value.as_string()) + "\"";
  if (value.is_int64()) return std::to_string(value.get_int64());
  if (value.is_uint64()) return std::to_string(value.get_uint64());
  if (value.is_double()) return format_number(value.get_double());
  return json::serialize(value);
}

// Numbers, and strings that are wholly a number (models often quote them).
std::optional<double> as_number(const json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return value.get_double();
  if (!value.is_string()) return std::nullopt;
  std::string_view text = value.as_string();
  double out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return out;
}

// Whether a scalar reads as `text`: a string equal to it, or a number or boolean written so.
bool scalar_equals(const json::value& value, std::string_view text) {
  if (value.is_string()) return value.as_string() == text;
  if (value.is_bool()) return text == (value.get_bool() ? "true" : "false");
  if (value.is_int64() || value.is_uint64() || value.is_double()) {
    auto number = as_number(value);
    double expected = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), expected);
    return ec == std::errc() && end == text.data() + text.size() && number == expected;
  }
  return false;
}

const json::value* find_path(const json::object& object, std::string_view path) {
  const json::object* current = &object;
  while (true) {
    auto dot = path.find('.');
    const json::value* v = current->if_contains(path.substr(0, dot));
    if (v == nullptr || dot == std::string_view::npos) return v;
    if (!v->is_object()) return nullptr;
    current = &v->as_object();
    path = path.substr(dot + 1);
  }
}

const json::object& arguments_of(const DecideRequest& request) {
  const auto* v = request.attributes.if_contains("arguments");
  return v != nullptr && v->is_object() ? v->as_object() : request.attributes;
}

bool attribute_equals(const DecideRequest& request, std::string_view key, std::string_view text) {
  if (const auto* v = request.attributes.if_contains(key)) return scalar_equals(*v, text);
  if (key == "user") return request.user_id == text;
  if (key == "account") return request.account_id == text;
  return false;
}

// Pairs with the same key are alternatives; every key must have a matching alternative.
bool matches(const Control& control, const DecideRequest& request) {
  const auto& when = control.when;
  for (std::size_t i = 0; i < when.size(); ++i) {
    bool seen = std::any_of(when.begin(), when.begin() + static_cast<std::ptrdiff_t>(i),
                            [&](const auto& p) { return p.first == when[i].first; });
    if (seen) continue;
    bool any = std::any_of(when.begin() + static_cast<std::ptrdiff_t>(i), when.end(),
                           [&](const auto& p) {
                             return p.first == when[i].first &&
                                    attribute_equals(request, p.first, p.second);
                           });
    if (!any) return false;
  }
  return true;
}

std::string describe(const model::ArgumentLimit& limit) {
  std::string out;
  if (limit.max) out = "at most " + format_number(*limit.max);
  if (!limit.allowed.empty()) {
    out += out.empty() ? "one of [" : " and one of [";
    for (std::size_t i = 0; i < limit.allowed.size(); ++i) {
      out += (i == 0 ? "" : ", ") + limit.allowed[i];
    }
    out += "]";
  }
  return out;
}

// Empty when the call is inside `limit`; otherwise what is wrong, naming argument, value, limit.
std::string violation(const model::ArgumentLimit& limit, const json::object& arguments) {
  std::string name = "argument '" + limit.argument + "'";
  const json::value* value = find_path(arguments, limit.argument);
  if (value == nullptr) return name + " is missing; limit: " + describe(limit);
  if (limit.max) {
    auto number = as_number(*value);
    if (!number) return name + " is " + show(*value) + ", not a number; limit: " + describe(limit);
    if (*number > *limit.max) {
      return name + " is " + show(*value) + ", over the limit of at most " +
             format_number(*limit.max);
    }
  }
  if (!limit.allowed.empty()) {
    bool allowed = std::any_of(limit.allowed.begin(), limit.allowed.end(),
                               [&](const std::string& a) { return scalar_equals(*value, a); });
    if (!allowed) return name + " is " + show(*value) + ", not " + describe(limit);
  }
  return {};
}

// Collects what the applying controls say into the decision.
class Collector {
 public:
  explicit Collector(Decision& decision) : decision_(decision) {}

  void add(const Control& control, Verdict verdict, std::string effect) {
    decision_.verdict = std::max(decision_.verdict, verdict);
    effect += " (control " + control.id;
    if (control.incident != 0) effect += ", " + model::incident_id(control.incident);
    if (!control.set_by.empty()) effect += ", set by " + control.set_by;
    if (!control.reason.empty()) effect += ": " + control.reason;
    effect += ")";
    decision_.reasons.push_back(std::move(effect));
    decision_.controls.push_back(control.id);
  }

 private:
  Decision& decision_;
};

void apply_pause(const Control& control, const Action& action, const WorkflowControls& workflow,
                 Decision& decision, Collector& out) {
  if (action.kind != ActionKind::kOutput) {
    out.add(control, Verdict::kDeny, "workflow paused: every action is denied");
    return;
  }
  using Kind = model::PauseFallback::Kind;
  switch (workflow.fallback.kind) {
    case Kind::kHumanQueue:
      out.add(control, Verdict::kReview, "workflow paused: output goes to the human queue");
      return;
    case Kind::kCannedMessage:
      decision.fallback_message = workflow.fallback.message;
      out.add(control, Verdict::kDegrade,
              "workflow paused: output replaced by the workflow's fallback message");
      return;
    case Kind::kError:
      out.add(control, Verdict::kDeny, "workflow paused: output denied (fallback: error)");
      return;
  }
}

void apply_narrow(const Control& control, std::string_view tool, const DecideRequest& request,
                  Collector& out) {
  const json::object& arguments = arguments_of(request);
  std::string problems;
  for (const auto& limit : control.limits) {
    std::string problem = violation(limit, arguments);
    if (!problem.empty()) problems += (problems.empty() ? "" : "; ") + problem;
  }
  std::string prefix = "tool '" + std::string(tool) + "' narrowed: ";
  if (problems.empty()) {
    out.add(control, Verdict::kAllow, prefix + "call within the limits");
  } else {
    out.add(control, Verdict::kDeny, prefix + problems);
  }
}

void apply_pin(const Control& control, Decision& decision, Collector& out) {
  std::string key = std::string(model::to_string(control.part_kind)) + ":" + control.part_name;
  out.add(control, Verdict::kAllow, "pinned " + key + " to " + control.version);
  // Pins are in set_at order: a later pin of the same part replaces an earlier one.
  for (auto& [part, version] : decision.pinned) {
    if (part == key) {
      version = control.version;
      return;
    }
  }
  decision.pinned.emplace_back(std::move(key), control.version);
}

// Whether `control`, in force, concerns `action`, and if so what it says.
void apply(const Control& control, const Action& action, const DecideRequest& request,
           const WorkflowControls& workflow, Decision& decision, Collector& out) {
  switch (control.kind) {
    case ControlKind::kPause: apply_pause(control, action, workflow, decision, out); return;
    case ControlKind::kForceReview:
      if (action.kind == ActionKind::kOutput && matches(control, request)) {
        out.add(control, Verdict::kReview, "output held for human review");
      }
      return;
    case ControlKind::kDisableTool:
      if (action.kind == ActionKind::kTool && action.name == control.tool) {
        out.add(control, Verdict::kDeny, "tool '" + control.tool + "' disabled");
      }
      return;
    case ControlKind::kNarrowTool:
      if (action.kind == ActionKind::kTool && action.name == control.tool) {
        apply_narrow(control, action.name, request, out);
      }
      return;
    case ControlKind::kPinVersion: apply_pin(control, decision, out); return;
    case ControlKind::kBlockSource:
      if (action.kind == ActionKind::kRetrieve && action.name == control.source) {
        out.add(control, Verdict::kDeny, "retrieval source '" + control.source + "' blocked");
      }
      return;
    case ControlKind::kStopWrites:
      if (action.kind == ActionKind::kWrite &&
          (control.target.empty() || action.name == control.target)) {
        std::string what = control.target.empty() ? std::string("all writes")
                                                  : "writes to '" + control.target + "'";
        out.add(control, Verdict::kDegrade,
                what + " stopped: do not write; record it as would-have-written");
      }
      return;
    case ControlKind::kDrill: return;  // a rehearsal: it only has to arrive
  }
}

// The kinds that can concern each action; pause and pin concern all of them.
bool concerns(ControlKind kind, ActionKind action) {
  switch (kind) {
    case ControlKind::kPause:
    case ControlKind::kPinVersion: return true;
    case ControlKind::kForceReview: return action == ActionKind::kOutput;
    case ControlKind::kDisableTool:
    case ControlKind::kNarrowTool: return action == ActionKind::kTool;
    case ControlKind::kBlockSource: return action == ActionKind::kRetrieve;
    case ControlKind::kStopWrites: return action == ActionKind::kWrite;
    case ControlKind::kDrill: return false;
  }
  return false;
}

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAllow: return "allow";
    case Verdict::kDegrade: return "degrade";
    case Verdict::kReview: return "review";
    case Verdict::kDeny: return "deny";
  }
  return "unknown";
}

int lift_bucket(std::string_view control_id, std::string_view key) {
  // FNV-1a over "<id>\xff<key>", then the splitmix64 finaliser so that the low digits that
  // % 100 reads are well mixed. Stable across runs and platforms, unlike std::hash.
  std::uint64_t h = 14695981039346656037ULL;
  auto feed = [&h](std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  feed(control_id);
  feed("\xff");
  feed(key);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return static_cast<int>(h % 100);
}

core::Result<Decision> decide(const ControlSnapshot& snapshot, const DecideRequest& request,
                              core::UnixNanos now) {
  auto action = parse_action(request.action);
  if (!action) return action.error();
  Decision decision;
  decision.controls_version = snapshot.version();
  const WorkflowControls* workflow = snapshot.find(request.workflow);
  if (workflow == nullptr) {
    decision.reasons.push_back("no controls apply: workflow '" + request.workflow +
                               "' is not known to aiir");
    return decision;
  }
  Collector out(decision);
  std::string_view key = stable_key(request);
  for (const auto& [name, kind] : model::control_kind_names()) {
    if (!concerns(kind, action->kind)) continue;
    for (const auto& control : workflow->of(kind)) {
      if (in_force(control, key, now)) apply(control, *action, request, *workflow, decision, out);
    }
  }
  return decision;
}

json::object to_json(const Decision& decision) {
  json::object o;
  o["decision"] = to_string(decision.verdict);
  json::array reasons;
  for (const auto& reason : decision.reasons) reasons.emplace_back(reason);
  o["reasons"] = std::move(reasons);
  json::array controls;
  for (const auto& id : decision.controls) controls.emplace_back(id);
  o["controls"] = std::move(controls);
  json::object pinned;
  for (const auto& [part, version] : decision.pinned) pinned[part] = version;
  o["pinned"] = std::move(pinned);
  if (!decision.fallback_message.empty()) o["fallback_message"] = decision.fallback_message;
  o["controls_version"] = decision.controls_version;
  return o;
}

bool control_in_force(const Control& control, std::string_view key, core::UnixNanos now) {
  return in_force(control, key, now);
}

}  // namespace aiir::contain
