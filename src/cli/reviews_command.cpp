// `aiir reviews list|show|approve|reject|edit`: the human review queue from a terminal, a client
// of /v1/reviews. `show` prints the held output with the evidence beside it, as a reviewer needs.
#include <iostream>
#include <memory>
#include <string>

#include <boost/json.hpp>

#include "cli/context.h"
#include "cli/json_util.h"
#include "cli/table.h"
#include "cli/time_args.h"
#include "http/url.h"

namespace aiir::cli {
namespace {

namespace json = boost::json;

struct ReviewArgs {
  std::string id;
  std::string state = "pending";
  std::string workflow;
  int limit = 50;
  std::string cursor;
  std::string reason;
  std::string output;
};

const json::object& object_at(const json::object& o, std::string_view key) {
  static const json::object kEmpty;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->get_object() : kEmpty;
}

const json::array& array_at(const json::object& o, std::string_view key) {
  static const json::array kEmpty;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? v->get_array() : kEmpty;
}

std::string joined(const json::array& values) {
  std::string out;
  for (const auto& v : values) {
    out += (out.empty() ? "" : ", ") +
           (v.is_string() ? std::string(v.get_string()) : json::serialize(v));
  }
  return out.empty() ? "-" : out;
}

std::string text_of(const json::value& v) {
  if (v.is_null()) return "-";
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

// Each line of `text` indented, so that a multi-line output stays readable under its heading.
void indented(const std::string& text, const std::string& pad = "    ") {
  std::cout << pad;
  for (char c : text) {
    std::cout << c;
    if (c == '\n') std::cout << pad;
  }
  std::cout << "\n";
}

// ---- list --------------------------------------------------------------------------------------

int list_reviews(const Context& ctx, const ReviewArgs& args) {
  std::string target = "/v1/reviews?limit=" + std::to_string(args.limit) +
                       "&state=" + http::percent_encode(args.state);
  if (!args.workflow.empty()) target += "&workflow=" + http::percent_encode(args.workflow);
  if (!args.cursor.empty()) target += "&cursor=" + http::percent_encode(args.cursor);
  int status = 0;
  auto body = get_answer(ctx, target, status);
  if (!body) return status;
  const json::array& items = array_at(*body, "reviews");
  if (items.empty()) {
    std::cout << (args.state == "pending" ? "Nothing waits for review." : "No review items match.")
              << "\n";
    return 0;
  }
  Table table({"ID", "STATE", "WORKFLOW", "ACTION", "SUBMITTED", "DUE", "EVIDENCE"});
  for (const auto& value : items) {
    const auto& item = value.as_object();
    std::string due = local_short(field(item, "due_at"));
    if (item.if_contains("escalated") && item.at("escalated").is_bool() &&
        item.at("escalated").get_bool()) {
      due += " ESCALATED";
    } else if (item.if_contains("overdue") && item.at("overdue").is_bool() &&
               item.at("overdue").get_bool()) {
      due += " OVERDUE";
    }
    const json::object& evidence = object_at(item, "evidence");
    std::string summary = "-";
    if (!evidence.empty()) {
      summary = field(evidence, "trace") == "stored"
                    ? field(evidence, "retrieved_documents") + " docs, " +
                          field(evidence, "tool_calls") + " tool calls, prompt " +
                          joined(array_at(evidence, "prompt_versions"))
                    : "trace " + field(evidence, "trace");
    }
    table.add({field(item, "id"), field(item, "state"), field(item, "workflow"),
               field(item, "action"), local_short(field(item, "submitted_at")), due,
               shorten(summary, 60)});
  }
  std::cout << table.render();
  if (field(*body, "next_cursor") != "-") {
    std::cout << "(more: --cursor " << field(*body, "next_cursor") << ")\n";
  }
  return 0;
}

// ---- show --------------------------------------------------------------------------------------

void print_evidence(const json::object& e) {
  std::cout << "\nEvidence from trace " << field(e, "trace_id") << ": ";
  if (field(e, "trace") != "stored") {
    std::cout << field(e, "trace") << "\n";
    indented(field(e, "note"));
    return;
  }
  std::cout << field(e, "spans") << " spans\n";
  const json::object& versions = object_at(e, "versions");
  std::cout << "  Prompt version:  " << joined(array_at(versions, "prompt")) << "\n"
            << "  Model:           " << joined(array_at(e, "models")) << " (version "
            << joined(array_at(versions, "model")) << ")\n"
            << "  Index version:   " << joined(array_at(versions, "index")) << "\n"
            << "  Content policy:  " << joined(array_at(e, "content_policy")) << "\n";
  const json::array& conversation = array_at(e, "conversation");
  if (!conversation.empty()) {
    std::cout << "\n  What the model was given:\n";
    for (const auto& m : conversation) {
      const auto& message = m.as_object();
      std::cout << "  [" << field(message, "role") << "]\n";
      indented(field(message, "content"));
    }
  }
  const json::array& documents = array_at(e, "retrieved_documents");
  std::cout << "\n  Retrieved documents (" << field(e, "retrieved_documents_total") << "):\n";
  if (documents.empty()) std::cout << "    none\n";
  for (const auto& d : documents) {
    const auto& doc = d.as_object();
    std::cout << "  - " << field(doc, "id") << " from " << field(doc, "source");
    if (field(doc, "score") != "-") std::cout << " (score " << field(doc, "score") << ")";
    std::cout << "\n";
    indented(field(doc, "content"));
  }
  const json::array& calls = array_at(e, "tool_calls");
  std::cout << "\n  Tool calls (" << field(e, "tool_calls_total") << "):\n";
  if (calls.empty()) std::cout << "    none\n";
  for (const auto& c : calls) {
    const auto& call = c.as_object();
    std::cout << "  - " << field(call, "tool") << " " << text_of(call.at("arguments")) << "  ["
              << field(call, "status") << "]\n";
    if (field(call, "result") != "-") indented("result: " + field(call, "result"));
  }
  for (const auto& err : array_at(e, "errors")) {
    const auto& error = err.as_object();
    std::cout << "  ! " << field(error, "name") << " failed: " << field(error, "message") << "\n";
  }
  if (field(e, "truncated") == "true") {
    std::cout << "\n  (cut short; the whole trace: aiir traces show " << field(e, "trace_id")
              << ")\n";
  }
}

void print_review(const json::object& item) {
  std::cout << field(item, "id") << "  " << field(item, "state") << "  " << field(item, "workflow")
            << "  " << field(item, "action") << "\n";
  std::cout << "Submitted:  " << field(item, "submitted_at") << " by "
            << field(item, "submitted_by") << "\n"
            << "Due:        " << field(item, "due_at");
  if (field(item, "escalated") == "true") {
    std::cout << "  ESCALATED at " << field(item, "escalated_at");
  } else if (field(item, "overdue") == "true") {
    std::cout << "  OVERDUE";
  }
  std::cout << "\n";
  if (field(item, "incident") != "-") {
    std::cout << "Incident:   " << field(item, "incident") << "\n";
  }
  const json::object& decision = object_at(item, "decision");
  if (!decision.empty()) {
    std::cout << "Decision:   " << field(decision, "verdict") << " by " << field(decision, "by")
              << " at " << field(decision, "at") << "\n";
    if (field(decision, "reason") != "-") {
      std::cout << "Reason:     " << field(decision, "reason") << "\n";
    }
  }
  if (item.contains("output")) {
    std::cout << "\n" << (field(item, "state") == "edited" ? "Output (as edited):" : "Output:")
              << "\n";
    indented(field(item, "output"));
    if (item.contains("submitted_output")) {
      std::cout << "Submitted output:\n";
      indented(field(item, "submitted_output"));
    }
  }
  const json::object& arguments = object_at(item, "arguments");
  if (!arguments.empty()) std::cout << "Arguments:  " << json::serialize(arguments) << "\n";
  const json::object& submitted = object_at(item, "submitted_evidence");
  if (!submitted.empty()) {
    std::cout << "From the application: " << json::serialize(submitted) << "\n";
  }
  const json::object& evidence = object_at(item, "evidence");
  if (!evidence.empty()) print_evidence(evidence);
  if (field(item, "state") == "pending") {
    std::cout << "\nDecide: aiir reviews approve|reject|edit " << field(item, "id")
              << " --reason ...\n";
  }
}

int show_review(const Context& ctx, const ReviewArgs& args) {
  int status = 0;
  auto item = get_answer(ctx, "/v1/reviews/" + http::percent_encode(args.id), status);
  if (!item) return status;
  print_review(*item);
  return 0;
}

// ---- decide ------------------------------------------------------------------------------------

int decide(const Context& ctx, const ReviewArgs& args, const std::string& verb) {
  json::object body;
  if (!args.reason.empty()) body["reason"] = args.reason;
  if (!args.output.empty()) body["output"] = args.output;
  auto client = ctx.client();
  auto r = client.post("/v1/reviews/" + http::percent_encode(args.id) + "/" + verb,
                       json::serialize(body));
  if (!r.ok()) return report_failure(r.error());
  if (r->status != 200) {
    report_failure(*r);
    if (r->status == 401 || r->status == 403) {
      std::cerr << "Decisions need a reviewer key: `aiir keys create --role reviewer --name "
                   "<you>`, passed with --key or AIIR_API_KEY.\n";
    }
    return 1;
  }
  if (print_json(ctx, *r)) return 0;
  json::value answer = parse_body(r->body);
  if (!answer.is_object()) return 0;
  const auto& item = answer.get_object();
  std::cout << field(item, "id") << " " << field(item, "state") << ".";
  if (verb == "reject") {
    std::cout << " Recorded as a near-miss signal: aiir signals list --detector human-review";
  }
  std::cout << "\n";
  return 0;
}

}  // namespace

void add_reviews_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ReviewArgs>();
  auto* reviews = app.add_subcommand("reviews", "the human review queue: held outputs to decide");
  reviews->require_subcommand(1);

  auto* list = reviews->add_subcommand("list", "items waiting for review, overdue first");
  list->add_option("--state", args->state,
                   "pending, approved, rejected, edited, a comma-separated list, or all")
      ->capture_default_str();
  list->add_option("--workflow", args->workflow, "one workflow's items");
  list->add_option("--limit", args->limit, "items per page (1-1000)")->capture_default_str();
  list->add_option("--cursor", args->cursor, "the next page, as printed under the table");
  list->callback([&ctx, args] { ctx.action = [&ctx, args] { return list_reviews(ctx, *args); }; });

  auto* show = reviews->add_subcommand("show", "one item: the output with its evidence");
  show->add_option("id", args->id, "review id (rev-...)")->required();
  show->callback([&ctx, args] { ctx.action = [&ctx, args] { return show_review(ctx, *args); }; });

  auto* approve = reviews->add_subcommand("approve", "let the application send the output");
  approve->add_option("id", args->id, "review id (rev-...)")->required();
  approve->add_option("--reason", args->reason, "why (optional)");
  approve->callback(
      [&ctx, args] { ctx.action = [&ctx, args] { return decide(ctx, *args, "approve"); }; });

  auto* reject = reviews->add_subcommand(
      "reject", "stop the output (recorded as a near-miss signal)");
  reject->add_option("id", args->id, "review id (rev-...)")->required();
  reject->add_option("--reason", args->reason, "what is wrong with it")->required();
  reject->callback(
      [&ctx, args] { ctx.action = [&ctx, args] { return decide(ctx, *args, "reject"); }; });

  auto* edit = reviews->add_subcommand("edit", "send a corrected text instead");
  edit->add_option("id", args->id, "review id (rev-...)")->required();
  edit->add_option("--output", args->output, "the text the application should send")->required();
  edit->add_option("--reason", args->reason, "what was wrong with the original")->required();
  edit->callback(
      [&ctx, args] { ctx.action = [&ctx, args] { return decide(ctx, *args, "edit"); }; });
}

}  // namespace aiir::cli
