// The human review queue (docs/reviews.md): the application submits a held output and long-polls
// for the decision; reviewers list the queue and approve, reject or edit with the evidence beside
// the output. contain::ReviewService owns every rule; these handlers parse and render.
#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "contain/review_evidence.h"
#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/handlers/query.h"
#include "http/problem.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;
using contain::ReviewItem;
using contain::ReviewState;
using model::Role;

// The longest an application may hold a request: under the server's 60 s idle timeout, and the
// minute after which common proxies give up on a silent upstream.
constexpr std::int64_t kMaxWaitSeconds = 60;

Response not_running() {
  return problem(core::Error(core::Code::kUnavailable, "the review queue is not running"));
}

contain::ReviewActor actor_of(const Request& r) {
  return contain::ReviewActor{r.principal.key_id, r.principal.key_name};
}

// Who sees what: the held content is for the people who judge it (and the application that
// wrote it); the evidence read from the trace is for reviewers and responders. Viewers see only
// that something waits.
bool sees_content(Role role) { return role != Role::kViewer; }
bool sees_evidence(Role role) {
  return role == Role::kReviewer || role == Role::kResponder || role == Role::kAdmin;
}

json::object render(Services& s, const ReviewItem& item, Role role) {
  json::object out = contain::to_json(item, s.clock.now(), sees_content(role));
  if (sees_evidence(role)) out["evidence"] = s.reviews->evidence(item);
  return out;
}

core::Result<json::object> object_member(const json::object& body, std::string_view key) {
  const auto* v = body.if_contains(key);
  if (v == nullptr || v->is_null()) return json::object();
  if (!v->is_object()) {
    return core::invalid("'" + std::string(key) + "' must be a JSON object" +
                         (key == "arguments" ? " of the tool call's arguments, e.g. "
                                               "{\"order\": \"A-1\", \"amount\": 40}"
                                             : ", e.g. {\"customer_tier\": \"gold\"}"));
  }
  return v->get_object();
}

// Only the members a route takes: a misspelt "reson" must not be silently dropped.
core::Status only_members(const json::object& body, std::string_view route,
                          const std::vector<std::string_view>& members) {
  for (const auto& [key, value] : body) {
    const std::string_view k(key.data(), key.size());
    if (std::find(members.begin(), members.end(), k) != members.end()) continue;
    std::string known;
    for (auto m : members) known += (known.empty() ? "" : ", ") + std::string(m);
    return core::invalid("unknown member '" + std::string(k) + "'; " + std::string(route) +
                         " takes " + known);
  }
  return {};
}

core::Result<contain::ReviewSubmission> submission(const Request& r) {
  auto body = parse_json_object(r);
  if (!body.ok()) return body.error();
  AIIR_RETURN_IF_ERROR(only_members(*body, "POST /v1/reviews",
                                    {"workflow", "trace_id", "action", "output", "arguments",
                                     "evidence"}));
  contain::ReviewSubmission s;
  for (const auto& [key, field] : {std::pair{"workflow", &s.workflow},
                                   std::pair{"trace_id", &s.trace_id},
                                   std::pair{"action", &s.action},
                                   std::pair{"output", &s.output}}) {
    auto text = optional_string(*body, key);
    if (!text.ok()) return text.error();
    *field = text->value_or("");
  }
  auto arguments = object_member(*body, "arguments");
  if (!arguments.ok()) return arguments.error();
  s.arguments = std::move(*arguments);
  auto evidence = object_member(*body, "evidence");
  if (!evidence.ok()) return evidence.error();
  s.evidence = std::move(*evidence);
  if (auto key = r.header("idempotency-key")) s.idempotency_key = std::string(*key);
  return s;
}

core::Result<std::int64_t> wait_param(const Request& r) {
  auto text = r.query_param("wait");
  if (!text || text->empty()) return std::int64_t{0};
  auto n = whole_number(*text);
  if (!n || *n < 0 || *n > kMaxWaitSeconds) {
    return core::invalid("'wait' must be a whole number of seconds from 0 to " +
                         std::to_string(kMaxWaitSeconds) + " (how long to wait for a decision)");
  }
  return *n;
}

// `state`: one state, several separated by commas, or "all"; pending when absent (the queue).
core::Result<std::vector<ReviewState>> states_param(const Request& r) {
  auto text = r.query_param("state");
  if (!text || text->empty()) return std::vector<ReviewState>{ReviewState::kPending};
  if (*text == "all") return std::vector<ReviewState>{};
  std::vector<ReviewState> states;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view name = rest.substr(0, comma);
    auto state = contain::parse_review_state(name);
    if (!state) {
      return core::invalid("'state' must be pending, approved, rejected, edited, a list of them "
                           "separated by commas, or all; got '" + std::string(name) + "'");
    }
    states.push_back(*state);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return states;
}

}  // namespace

Handler submit_review(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.reviews == nullptr) return not_running();
    auto parsed = submission(r);
    if (!parsed.ok()) return problem(parsed.error());
    auto submitted = s.reviews->submit(std::move(*parsed), actor_of(r));
    if (!submitted.ok()) return problem(submitted.error());
    const ReviewItem& item = submitted->item;
    json::object out = contain::to_json(item, s.clock.now(), false);
    const std::string location = "/v1/reviews/" + item.id;
    out["poll"] = location + "?wait=" + std::to_string(kMaxWaitSeconds / 2);
    Response response = json_response(submitted->created ? 201 : 200, out);
    response.headers.emplace_back("Location", location);
    if (!submitted->created) response.headers.emplace_back("Idempotent-Replayed", "true");
    return response;
  });
}

Handler list_reviews(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.reviews == nullptr) return not_running();
    contain::ReviewListQuery q;
    auto states = states_param(r);
    if (!states.ok()) return problem(states.error());
    q.states = std::move(*states);
    q.workflow = std::string(r.query_param("workflow").value_or(""));
    if (auto paging = paging_params(r, q.limit, q.before); !paging.ok()) {
      return problem(paging.error());
    }
    auto list = s.reviews->list(q);
    if (!list.ok()) return problem(list.error());
    const Role role = r.principal.role;
    const core::UnixNanos now = s.clock.now();
    json::array items;
    for (const auto& item : list->items) {
      json::object o = contain::to_json(item, now, false);
      // The counts behind each item, so that a reviewer sees at a glance which come with
      // evidence; the content itself is on GET /v1/reviews/{id}.
      if (sees_evidence(role)) {
        o["evidence"] = contain::evidence_summary(s.reviews->evidence(item));
      }
      items.push_back(std::move(o));
    }
    return list_page("reviews", std::move(items), list->next_cursor);
  });
}

Handler get_review(Services& s) {
  return [&s](Request& r, Reply reply) {
    if (s.reviews == nullptr) return reply(not_running());
    const std::string id(r.param("id"));
    auto wait = wait_param(r);
    if (!wait.ok()) return reply(problem(wait.error()));
    auto item = s.reviews->get(id);
    if (!item.ok()) return reply(problem(item.error()));
    const Role role = r.principal.role;
    if (item->decided() || *wait == 0) return reply(json_response(200, render(s, *item, role)));
    // The service calls back when the item is decided or at the deadline, on a decider's thread,
    // the timer's or this one; the I/O thread is not held meanwhile.
    const core::UnixNanos deadline = s.clock.now() + *wait * core::kNanosPerSecond;
    s.reviews->when_decided(id, deadline, [&s, id, role, reply = std::move(reply)] {
      auto now = s.reviews->get(id);
      reply(now.ok() ? json_response(200, render(s, *now, role)) : problem(now.error()));
    });
  };
}

Handler decide_review(Services& s, contain::ReviewVerdict verdict) {
  return sync_handler([&s, verdict](Request& r) {
    if (s.reviews == nullptr) return not_running();
    json::object body;
    if (r.body.find_first_not_of(" \t\r\n") != std::string::npos) {
      auto parsed = parse_json_object(r);
      if (!parsed.ok()) return problem(parsed.error());
      body = std::move(*parsed);
    }
    const std::string route = "POST /v1/reviews/{id}/" + std::string(contain::to_string(verdict));
    const auto members = verdict == contain::ReviewVerdict::kEdit
                             ? std::vector<std::string_view>{"reason", "output"}
                             : std::vector<std::string_view>{"reason"};
    if (auto only = only_members(body, route, members); !only.ok()) return problem(only.error());
    auto reason = optional_string(body, "reason");
    if (!reason.ok()) return problem(reason.error());
    auto output = optional_string(body, "output");
    if (!output.ok()) return problem(output.error());
    auto decided = s.reviews->decide(std::string(r.param("id")), verdict, reason->value_or(""),
                                     output->value_or(""), actor_of(r));
    if (!decided.ok()) return problem(decided.error());
    return json_response(200, render(s, *decided, r.principal.role));
  });
}

}  // namespace aiir::http::handlers
