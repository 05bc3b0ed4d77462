#include <iostream>
#include <map>

#include <boost/json.hpp>

#include "cli/context.h"
#include "cli/json_util.h"
#include "cli/table.h"
#include "http/url.h"

namespace aiir::cli {
namespace {

namespace json = boost::json;

struct TraceArgs {
  std::string id;
  bool raw = false;
  std::map<std::string, std::string> filters;  // query parameters for /v1/spans
  std::vector<std::string> attributes;         // KEY=VALUE
  int limit = 50;
};

// One line summarizing what a step did, by kind.
std::string step_summary(const json::object& s) {
  std::string kind = field(s, "kind");
  std::string out;
  auto add = [&out](const std::string& text) {
    if (text.empty() || text == "-") return;
    if (!out.empty()) out += "  ";
    out += text;
  };
  if (kind == "llm" || kind == "embedding") {
    add(field(s, "provider") + "/" + field(s, "request_model"));
    if (const auto* u = s.if_contains("usage"); u != nullptr && u->is_object()) {
      add("tokens in " + field(u->as_object(), "input_tokens") + " out " +
          field(u->as_object(), "output_tokens"));
    }
  }
  if (const auto* t = s.if_contains("tool"); t != nullptr && t->is_object()) {
    add("tool " + field(t->as_object(), "name") + "(" +
        shorten(field(t->as_object(), "arguments"), 60) + ")");
  }
  if (const auto* d = s.if_contains("documents"); d != nullptr && d->is_array()) {
    add(std::to_string(d->as_array().size()) + " documents");
  }
  if (const auto* r = s.if_contains("review"); r != nullptr && r->is_object()) {
    add("review " + field(r->as_object(), "decision") + " by " + field(r->as_object(), "reviewer"));
  }
  if (const auto* w = s.if_contains("write"); w != nullptr && w->is_object()) {
    add("write " + field(w->as_object(), "action") + " " + field(w->as_object(), "target") + "/" +
        field(w->as_object(), "record_id"));
  }
  if (field(s, "status") == "error") add("ERROR " + field(s, "status_message"));
  return out;
}

void print_messages(const json::object& s, const char* key, const std::string& indent) {
  const auto* m = s.if_contains(key);
  if (m == nullptr || !m->is_array()) return;
  for (const auto& item : m->as_array()) {
    const auto& o = item.as_object();
    std::string text = o.contains("content") ? shorten(field(o, "content"), 100) : "";
    if (const auto* calls = o.if_contains("tool_calls"); calls && calls->is_array()) {
      for (const auto& call : calls->as_array()) {
        if (!text.empty()) text += "  ";
        text += "-> " + field(call.as_object(), "name") + "(" +
                shorten(field(call.as_object(), "arguments"), 60) + ")";
      }
    }
    std::cout << indent << "  " << field(o, "role") << ": " << text << "\n";
  }
}

void print_tree(const std::vector<const json::object*>& spans, const std::string& parent,
                int depth) {
  for (const auto* s : spans) {
    std::string p = field(*s, "parent_span_id");
    if (p == "-") p = "";
    if (p != parent) continue;
    std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
    std::cout << indent << "- [" << field(*s, "kind") << "] " << field(*s, "name") << "  ("
              << field(*s, "duration_ms") << " ms)  " << step_summary(*s) << "\n";
    print_messages(*s, "input_messages", indent);
    print_messages(*s, "output_messages", indent);
    print_tree(spans, field(*s, "span_id"), depth + 1);
  }
}

}  // namespace

int show_trace(const Context& ctx, const std::string& id, bool raw) {
  auto client = ctx.client();
  auto r = client.get("/v1/traces/" + http::percent_encode(id) + (raw ? "?raw=true" : ""));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) return report_failure(*r);
  if (ctx.json) {
    std::cout << r->body << "\n";
    return 0;
  }
  auto body = parse_body(r->body).as_object();
  std::vector<const json::object*> spans;
  std::map<std::string, bool> ids;
  for (const auto& s : body["spans"].as_array()) {
    spans.push_back(&s.as_object());
    ids[field(s.as_object(), "span_id")] = true;
  }
  const json::object& first = *spans.front();
  std::cout << "Trace " << field(body, "trace_id") << "  workflow " << field(first, "workflow")
            << "  user " << field(first, "user_id") << "  " << spans.size() << " steps\n";
  // Roots: spans whose parent is absent or not stored (a partial trace still renders).
  for (const auto* s : spans) {
    std::string p = field(*s, "parent_span_id");
    if (p != "-" && ids.count(p) == 0) {
      std::cout << "(parent " << p << " not stored)\n";
      print_tree({s}, p, 0);
    }
  }
  print_tree(spans, "", 0);
  if (field(body, "withheld_spans") != "0") {
    std::cout << "\nContent of " << field(body, "withheld_spans")
              << " step(s) withheld: stored raw; use --raw with a role allowed to read it.\n";
  }
  return 0;
}

namespace {

int show_trace_command(const Context& ctx, const TraceArgs& args) {
  return show_trace(ctx, args.id, args.raw);
}

int search_spans(const Context& ctx, const TraceArgs& args) {
  std::string target = "/v1/spans?limit=" + std::to_string(args.limit);
  for (const auto& [key, value] : args.filters) {
    if (!value.empty()) target += "&" + key + "=" + http::percent_encode(value);
  }
  for (const auto& a : args.attributes) {
    auto eq = a.find('=');
    if (eq == std::string::npos) {
      std::cerr << "aiir: --attr takes KEY=VALUE, got '" << a << "'\n";
      return 2;
    }
    target += "&attr." + http::percent_encode(a.substr(0, eq)) + "=" +
              http::percent_encode(a.substr(eq + 1));
  }
  auto client = ctx.client();
  auto r = client.get(target);
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) return report_failure(*r);
  if (ctx.json) {
    std::cout << r->body << "\n";
    return 0;
  }
  auto body = parse_body(r->body).as_object();
  Table table({"START", "WORKFLOW", "KIND", "NAME", "TRACE", "USER", "SUMMARY"});
  for (const auto& item : body["spans"].as_array()) {
    const auto& s = item.as_object();
    table.add({field(s, "start_time"), field(s, "workflow"), field(s, "kind"),
               shorten(field(s, "name"), 30), field(s, "trace_id"), field(s, "user_id"),
               shorten(step_summary(s), 60)});
  }
  std::cout << table.render();
  if (field(body, "next_cursor") != "-") {
    std::cout << "(more: --cursor " << field(body, "next_cursor") << ")\n";
  }
  return 0;
}

}  // namespace

void add_traces_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<TraceArgs>();
  auto* traces = app.add_subcommand("traces", "reconstruct what an AI workflow did");
  traces->require_subcommand(1);
  auto* show = traces->add_subcommand("show", "a trace as a tree of steps");
  show->add_option("id", args->id, "trace id (32 hex characters)")->required();
  show->add_flag("--raw", args->raw, "show raw content (audited; legal/admin by default)");
  show->callback([&ctx, args] { ctx.action = [&ctx, args] { return show_trace_command(ctx, *args); }; });

  auto* search = traces->add_subcommand("search", "find spans");
  for (const char* name : {"workflow", "kind", "user", "account", "record", "session",
                           "prompt_version", "model_version", "index_version", "tool", "from",
                           "to", "trace_id", "cursor"}) {
    std::string flag = std::string("--") + name;
    for (char& c : flag) {
      if (c == '_') c = '-';
    }
    search->add_option(flag, args->filters[name], std::string("filter by ") + name);
  }
  search->add_option("--attr", args->attributes, "attribute equality KEY=VALUE (repeatable)");
  search->add_option("--limit", args->limit, "spans per page (1-1000)")->capture_default_str();
  search->add_flag("--raw", args->raw, "show raw content (audited)");
  search->callback([&ctx, args] {
    if (args->raw) args->filters["raw"] = "true";
    ctx.action = [&ctx, args] { return search_spans(ctx, *args); };
  });
}

}  // namespace aiir::cli
