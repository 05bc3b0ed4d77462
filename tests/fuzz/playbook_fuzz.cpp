// Hostile bytes as a playbooks file and as authority.yaml, through read_playbooks_text and
// read_authority_text against a fixed inventory, then through matching, make_control and the
// authority check. Nothing may crash or throw. The readers keep their contract: every diagnostic
// names the file and a line of it (line 0 only for a document with nothing in it); the authority
// reader returns rules and no diagnostic, or nullopt and at least one. What they accept is what
// incident day relies on: well-formed unique-per-file ids, every approval naming approvers,
// every action settable on each workflow its playbook names, every rule naming actions and who.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "config/playbook_loader.h"
#include "contain/authority.h"
#include "contain/playbook.h"
#include "core/diagnostics.h"
#include "core/yaml_reader.h"

namespace {

using namespace aiir;

constexpr std::size_t kMaxInputBytes = 64 * 1024;
constexpr char kFile[] = "playbooks/fuzz.yaml";
constexpr core::UnixNanos kNow = 1'790'000'000LL * core::kNanosPerSecond;

[[noreturn]] void fail(const char* what, const std::string& input, const std::string& detail) {
  std::fprintf(stderr, "%s\n%s\ninput: [%.*s]\n", what, detail.c_str(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

const std::vector<model::Workflow>& inventory() {
  static const std::vector<model::Workflow> workflows = [] {
    model::Workflow w;
    w.id = "support-refunds";
    w.business_owner = {"Dana", "dana@example.com"};
    w.tools = {{"issue_refund", model::SideEffect::kPayment, false, ""}};
    w.versioned_parts = {
        {model::VersionedPartKind::kPrompt, "refund-policy", "v7", {"v6", "v7"}}};
    w.containment = {model::ContainmentOption::kPause, model::ContainmentOption::kDisableTool,
                     model::ContainmentOption::kNarrowTool, model::ContainmentOption::kPinVersion,
                     model::ContainmentOption::kForceReview};
    model::Workflow drafts;
    drafts.id = "internal-drafts";
    return std::vector<model::Workflow>{w, drafts};
  }();
  return workflows;
}

void check_diagnostics(const core::Diagnostics& diags, const std::string& input,
                       const std::string& file) {
  const int lines = 1 + static_cast<int>(std::count(input.begin(), input.end(), '\n'));
  for (const core::Diagnostic& d : diags.items()) {
    if (d.file != file) fail("diagnostic names another file", input, d.to_string());
    if (d.message.empty()) fail("diagnostic without a message", input, d.to_string());
    if (d.line == 0 && d.column == 0) {
      core::Diagnostics ignored;
      auto root = core::load_yaml_text(input, file, ignored);
      if (root && root->IsNull()) continue;
      // A required key missing from an empty mapping has no line of its own either.
      if (root && root->Mark().is_null()) continue;
    }
    if (d.line < 0 || d.line > lines) fail("diagnostic outside the file", input, d.to_string());
    if (d.column < 0) fail("diagnostic with a negative column", input, d.to_string());
  }
}

bool valid_id(const std::string& id) {
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (id.empty() || id.size() > 64 || !lower_or_digit(id.front())) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) { return lower_or_digit(c) || c == '-'; });
}

const model::Workflow* find(const std::string& id) {
  for (const auto& w : inventory()) {
    if (w.id == id) return &w;
  }
  return nullptr;
}

void check_playbook(const contain::Playbook& p, const std::string& input) {
  if (!valid_id(p.id)) fail("a playbook with a malformed id", input, p.id);
  if (p.source_file != kFile) fail("source_file is not the file", input, p.source_file);
  for (const auto& a : p.approval) {
    if (a.approvers.empty()) fail("an approval without approvers", input, p.id);
  }
  model::Incident incident;
  incident.number = 3;
  incident.workflow = "support-refunds";
  incident.severity = model::Severity::kCritical;
  incident.roles = {{model::IncidentRole::kBusinessOwner, "Dana <dana@example.com>"}};
  for (const auto& w : inventory()) {
    (void)contain::matches(p, incident, &w);
  }
  (void)contain::matches(p, incident, nullptr);
  (void)contain::to_json(p);
  for (const auto* actions : {&p.automatic, &p.approval}) {
    for (const auto& action : *actions) {
      for (const auto& id : p.match.workflows) {
        const model::Workflow* w = find(id);
        if (w == nullptr) fail("a playbook names a workflow the inventory lacks", input, id);
        auto control = contain::make_control(action, p, incident, *w, kNow);
        if (!control.ok()) fail("an accepted action makes no control", input,
                                control.error().message());
        control->id = "ctl-1";
        control->set_by = "fuzz";
        control->set_at = kNow;
        if (auto valid = model::validate(*control, w); !valid.ok()) {
          fail("an accepted action makes a control validate refuses", input,
               valid.error().message());
        }
      }
      const contain::Actor actor{"key-1", "dana", model::Role::kResponder};
      (void)contain::check_authorized(action.approvers, actor, "fuzzing", &incident);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);

  core::Diagnostics diags;
  auto playbooks = config::read_playbooks_text(input, kFile, inventory(), diags);
  check_diagnostics(diags, input, kFile);
  for (const auto& p : playbooks) check_playbook(p, input);
  config::check_playbook_set(playbooks, diags);

  core::Diagnostics authority_diags;
  auto rules = config::read_authority_text(input, "authority.yaml", inventory(), authority_diags);
  if (rules.has_value() != authority_diags.empty()) {
    fail(rules ? "rules came back with diagnostics" : "nullopt without a diagnostic", input,
         authority_diags.to_string());
  }
  check_diagnostics(authority_diags, input, "authority.yaml");
  if (!rules) return 0;
  model::Incident incident;
  incident.roles = {{model::IncidentRole::kIncidentLead, "maria"}};
  const contain::Actor actor{"key-2", "maria", model::Role::kResponder};
  for (const auto& rule : rules->rules) {
    if (rule.actions.empty() || rule.who.empty()) fail("a rule without actions or who", input, "");
    for (const auto& action : rule.actions) {
      if (!contain::valid_action(action)) fail("a rule with an unknown action", input, action);
      for (const auto& w : inventory()) {
        auto s = contain::may_take(*rules, actor, action, w, &incident);
        if (!s.ok() && s.error().code() != core::Code::kPermissionDenied) {
          fail("may_take refused with something other than permission denied", input,
               s.error().message());
        }
      }
    }
  }
  return 0;
}
