// The incidents API: incidents with their timelines and signals, response metrics, a long-polled
// feed of every timeline event, and the responder actions. Each action is one call of
// incident::IncidentService, which owns every rule; these handlers only parse and render.
#include <boost/json.hpp>

#include <algorithm>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/handlers/query.h"
#include "http/problem.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;
using model::IncidentState;

// GET /v1/incidents/{id} embeds this many events; the rest are paged with .../timeline.
constexpr int kEmbeddedEvents = 200;
// The longest a watcher may hold a request: under the server's 60 s idle timeout and the
// minute after which common proxies give up on a silent upstream.
constexpr std::int64_t kMaxWaitSeconds = 60;
constexpr core::UnixNanos kDefaultMetricsWindow = 30LL * 24 * 3600 * core::kNanosPerSecond;

template <typename E>
using Names = std::vector<std::pair<std::string_view, E>>;

template <typename E>
std::string names_of(const Names<E>& names) {
  std::string out;
  for (const auto& [name, value] : names) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

template <typename E>
std::optional<E> value_of(const Names<E>& names, std::string_view text) {
  for (const auto& [name, value] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

Response not_running() {
  return problem(core::Error(core::Code::kUnavailable, "incidents are not running"));
}

core::Error no_incident(std::string_view id) {
  return core::not_found("no incident '" + std::string(id) + "'; incident ids look like INC-42");
}

// ---- query parameters --------------------------------------------------------------------------

// An enum-valued filter; nullopt when absent or empty.
template <typename E>
core::Result<std::optional<E>> enum_param(const Request& r, const std::string& name,
                                          const Names<E>& names) {
  auto text = r.query_param(name);
  if (!text || text->empty()) return std::optional<E>();
  if (auto value = value_of(names, *text)) return std::optional<E>(*value);
  return core::invalid("'" + name + "' must be one of " + names_of(names) + "; got '" +
                       std::string(*text) + "'");
}

// `after`: a timeline sequence number, 0 (the beginning) when absent. Given `latest_of`, also
// "latest": the highest sequence number stored now, so that a watcher sees only what happens from
// then on without paging through the past to find the end (the live feed).
core::Result<std::int64_t> after_param(const Request& r, store::Store* latest_of = nullptr) {
  auto text = r.query_param("after");
  if (!text || text->empty()) return std::int64_t{0};
  if (latest_of != nullptr && *text == "latest") return latest_of->last_timeline_seq();
  auto n = whole_number(*text);
  if (!n || *n < 0) {
    return core::invalid(std::string("'after' must be a timeline sequence number (the next_after "
                                     "of a previous answer, or 0 for the beginning") +
                         (latest_of != nullptr ? ", or latest for the current end)" : ")"));
  }
  return *n;
}

core::Result<std::int64_t> wait_param(const Request& r) {
  auto text = r.query_param("wait");
  if (!text || text->empty()) return std::int64_t{0};
  auto n = whole_number(*text);
  if (!n || *n < 0 || *n > kMaxWaitSeconds) {
    return core::invalid("'wait' must be a whole number of seconds from 0 to " +
                         std::to_string(kMaxWaitSeconds));
  }
  return *n;
}

core::Result<store::IncidentQuery> incident_query(const Request& r) {
  store::IncidentQuery q;
  auto state = enum_param(r, "state", model::incident_state_names());
  if (!state.ok()) return state.error();
  q.state = *state;
  auto severity = enum_param(r, "severity", model::severity_names());
  if (!severity.ok()) return severity.error();
  q.severity = *severity;
  auto classification = enum_param(r, "classification", model::classification_names());
  if (!classification.ok()) return classification.error();
  q.classification = *classification;
  q.workflow = std::string(r.query_param("workflow").value_or(""));
  auto since = time_param(r, "since");
  if (!since.ok()) return since.error();
  q.since = *since;
  AIIR_RETURN_IF_ERROR(paging_params(r, q.limit, q.before));
  return q;
}

// The incident the path names.
core::Result<model::Incident> path_incident(Services& s, const Request& r) {
  const std::string_view id = r.param("id");
  auto number = model::parse_incident_id(id);
  if (!number) return no_incident(id);
  auto incident = s.store.get_incident(*number);
  if (!incident.ok()) return incident.error();
  if (!*incident) return no_incident(id);
  return std::move(**incident);
}

// ---- rendering ---------------------------------------------------------------------------------

json::object incident_json(const model::Incident& incident) {
  json::object out = model::to_json(incident);
  out["pages_people"] = model::pages_people(incident.classification);
  return out;
}

json::array events_json(const std::vector<model::TimelineEvent>& events) {
  json::array out;
  for (const auto& event : events) out.push_back(model::to_json(event));
  return out;
}

// `next_after` is what the caller passes as `after` next: it never goes backwards, also when
// nothing new came.
Response timeline_page(const std::vector<model::TimelineEvent>& events, std::int64_t after) {
  const std::int64_t next = events.empty() ? after : events.back().seq;
  return json_response(200, json::object{{"events", events_json(events)}, {"next_after", next}});
}

json::value times_json(const incident::ResponseSummary::Times& times) {
  // Without a single measured incident there is no median: null, not a misleading 0.
  const bool known = times.count > 0;
  return json::object{{"count", times.count},
                      {"p50", known ? json::value(times.p50) : json::value(nullptr)},
                      {"p90", known ? json::value(times.p90) : json::value(nullptr)}};
}

// ---- action bodies -----------------------------------------------------------------------------

// The body of an action: a JSON object with only the members the action takes. An empty body
// is an empty object, so actions that need nothing can be posted without one.
core::Result<json::object> action_body(const Request& r, std::string_view action,
                                       const std::vector<std::string_view>& members) {
  if (r.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  auto body = parse_json_object(r);
  if (!body.ok()) return body.error();
  for (const auto& [key, value] : *body) {
    if (std::find(members.begin(), members.end(), std::string_view(key.data(), key.size())) !=
        members.end()) {
      continue;
    }
    std::string known;
    for (auto m : members) known += (known.empty() ? "" : ", ") + std::string(m);
    return core::invalid("unknown member '" + std::string(key) + "'; " + std::string(action) +
                         " takes " + known);
  }
  return body;
}

template <typename E>
core::Result<E> enum_member(const json::object& body, std::string_view key, const Names<E>& names) {
  const std::string allowed = "one of " + names_of(names);
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return core::invalid("'" + std::string(key) + "' is required: " + allowed);
  }
  if (!value->is_string()) return core::invalid("'" + std::string(key) + "' must be " + allowed);
  if (auto parsed = value_of(names, value->get_string())) return *parsed;
  return core::invalid("'" + std::string(key) + "' must be " + allowed + "; got '" +
                       std::string(value->get_string()) + "'");
}

// A non-empty list of ids, each read by `parse`; `example` is shown when one is not an id.
core::Result<std::vector<std::int64_t>> id_list(
    const json::object& body, std::string_view key, std::string_view example,
    const std::function<std::optional<std::int64_t>(std::string_view)>& parse) {
  const std::string expected =
      "'" + std::string(key) + "' must be a non-empty list of ids such as " + std::string(example);
  const auto* value = body.if_contains(key);
  if (value == nullptr || !value->is_array() || value->get_array().empty()) {
    return core::invalid(expected);
  }
  std::vector<std::int64_t> ids;
  for (const auto& item : value->get_array()) {
    auto id = item.is_string() ? parse(item.get_string()) : std::nullopt;
    if (!id) return core::invalid(expected + "; got " + json::serialize(item));
    ids.push_back(*id);
  }
  return ids;
}

// 12 for "sig-12", as model::Signal::id writes it.
std::optional<std::int64_t> parse_signal_id(std::string_view id) {
  constexpr std::string_view kPrefix = "sig-";
  if (id.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto n = whole_number(id.substr(kPrefix.size()));
  if (!n || *n <= 0) return std::nullopt;
  return n;
}

// ---- actions -----------------------------------------------------------------------------------

using Change = core::Result<store::IncidentChange>;
// Reads the body's members and calls the service; a body error comes back as kInvalidArgument.
using Act = std::function<Change(incident::IncidentService&, std::int64_t number,
                                 const json::object& body, const incident::Actor& actor)>;

// A refused action as 409, naming where the incident may go from here when the refusal was
// about its lifecycle, so that a client can offer those states without knowing the table.
Response refusal(Services& s, std::int64_t number, const core::Error& error, bool lifecycle) {
  Response response = problem(error);
  if (error.code() != core::Code::kFailedPrecondition || !lifecycle) return response;
  auto incident = s.store.get_incident(number);
  if (!incident.ok() || !*incident) return response;
  json::array allowed;
  if ((*incident)->merged_into == 0) {
    for (auto state : model::allowed_transitions((*incident)->state)) {
      allowed.emplace_back(model::to_string(state));
    }
  }
  json::object body = json::parse(response.body).as_object();
  body["state"] = model::to_string((*incident)->state);
  body["allowed_states"] = std::move(allowed);
  if ((*incident)->merged_into != 0) {
    body["merged_into"] = model::incident_id((*incident)->merged_into);
  }
  response.body = json::serialize(body);
  return response;
}

Handler incident_action(Services& s, std::string action, std::vector<std::string_view> members,
                        bool lifecycle, Act act) {
  return sync_handler([&s, action = std::move(action), members = std::move(members), lifecycle,
                       act = std::move(act)](Request& r) {
    if (s.incidents == nullptr) return not_running();
    auto incident = path_incident(s, r);
    if (!incident.ok()) return problem(incident.error());
    auto body = action_body(r, action, members);
    if (!body.ok()) return problem(body.error());
    const incident::Actor actor{r.principal.key_id, r.principal.key_name};
    auto change = act(*s.incidents, incident->number, *body, actor);
    if (!change.ok()) return refusal(s, incident->number, change.error(), lifecycle);
    return json_response(200, json::object{{"incident", incident_json(change->incident)},
                                           {"events", events_json(change->events)}});
  });
}

}  // namespace

// ---- reading -----------------------------------------------------------------------------------

Handler list_incidents(Services& s) {
  return sync_handler([&s](Request& r) {
    auto query = incident_query(r);
    if (!query.ok()) return problem(query.error());
    auto page = s.store.query_incidents(*query);
    if (!page.ok()) return problem(page.error());
    json::array incidents;
    for (const auto& incident : page->incidents) incidents.push_back(incident_json(incident));
    return list_page("incidents", std::move(incidents), page->next_cursor);
  });
}

Handler incident_metrics(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.incidents == nullptr) return not_running();
    auto since = time_param(r, "since");
    if (!since.ok()) return problem(since.error());
    const core::UnixNanos from = since->value_or(s.clock.now() - kDefaultMetricsWindow);
    auto summary = s.incidents->response_summary(from);
    if (!summary.ok()) return problem(summary.error());
    json::array groups;
    for (const auto& g : *summary) {
      groups.push_back(json::object{{"workflow", g.workflow},
                                    {"severity", model::to_string(g.severity)},
                                    {"incidents", g.incidents},
                                    {"open", g.open},
                                    {"time_to_detect_seconds", times_json(g.detect)},
                                    {"time_to_acknowledge_seconds", times_json(g.acknowledge)},
                                    {"time_to_contain_seconds", times_json(g.contain)},
                                    {"time_to_resolve_seconds", times_json(g.resolve)}});
    }
    return json_response(
        200, json::object{{"since", core::format_rfc3339(from)}, {"groups", std::move(groups)}});
  });
}

Handler get_incident(Services& s) {
  return sync_handler([&s](Request& r) {
    auto incident = path_incident(s, r);
    if (!incident.ok()) return problem(incident.error());
    // One more than embedded tells whether there are more, without counting them all.
    auto events = s.store.incident_timeline(incident->number, 0, kEmbeddedEvents + 1);
    if (!events.ok()) return problem(events.error());
    json::object out = incident_json(*incident);
    if (events->size() > static_cast<std::size_t>(kEmbeddedEvents)) {
      events->resize(kEmbeddedEvents);
      out["timeline_truncated"] = true;
    }
    out["timeline"] = events_json(*events);
    return json_response(200, out);
  });
}

Handler incident_timeline(Services& s) {
  return sync_handler([&s](Request& r) {
    auto incident = path_incident(s, r);
    if (!incident.ok()) return problem(incident.error());
    auto after = after_param(r);
    if (!after.ok()) return problem(after.error());
    auto limit = limit_param(r);
    if (!limit.ok()) return problem(limit.error());
    auto events = s.store.incident_timeline(incident->number, *after, *limit);
    if (!events.ok()) return problem(events.error());
    return timeline_page(*events, *after);
  });
}

Handler incident_signals(Services& s) {
  return sync_handler([&s](Request& r) {
    auto incident = path_incident(s, r);
    if (!incident.ok()) return problem(incident.error());
    store::SignalQuery q;
    q.incidents = {incident->number};
    q.include_hunts = true;  // a hunt finding split or merged into an incident belongs to it too
    if (auto paging = paging_params(r, q.limit, q.before); !paging.ok()) {
      return problem(paging.error());
    }
    auto page = s.store.query_signals(q);
    if (!page.ok()) return problem(page.error());
    json::array signals;
    for (const auto& signal : page->signals) signals.push_back(model::to_json(signal));
    return list_page("signals", std::move(signals), page->next_cursor);
  });
}

Handler timeline_feed(Services& s) {
  return [&s](Request& r, Reply reply) {
    auto after = after_param(r, &s.store);
    if (!after.ok()) return reply(problem(after.error()));
    auto limit = limit_param(r);
    if (!limit.ok()) return reply(problem(limit.error()));
    auto wait = wait_param(r);
    if (!wait.ok()) return reply(problem(wait.error()));
    auto events = s.store.incident_timeline(0, *after, *limit);
    if (!events.ok()) return reply(problem(events.error()));
    if (!events->empty() || *wait == 0) return reply(timeline_page(*events, *after));
    if (s.incidents == nullptr) return reply(not_running());
    // The service calls back when an event after `after` exists or at the deadline, on its own
    // thread or this one; either way the store has the answer by then. Reply may be called from
    // any thread.
    const core::UnixNanos deadline = s.clock.now() + *wait * core::kNanosPerSecond;
    s.incidents->when_events_after(
        *after, deadline, [&s, after = *after, limit = *limit, reply = std::move(reply)] {
          auto events = s.store.incident_timeline(0, after, limit);
          reply(events.ok() ? timeline_page(*events, after) : problem(events.error()));
        });
  };
}

// ---- acting ------------------------------------------------------------------------------------

namespace {

// The route's verb, for messages.
std::string_view verb(IncidentState to) {
  switch (to) {
    case IncidentState::kOpen: return "reopen";
    case IncidentState::kAcknowledged: return "acknowledge";
    case IncidentState::kContained: return "contain";
    case IncidentState::kResolved: return "resolve";
    case IncidentState::kClosed: return "close";
  }
  return "transition";
}

}  // namespace

Handler transition_incident(Services& s, IncidentState to) {
  return incident_action(
      s, std::string(verb(to)), {"reason"}, true,
      [to](incident::IncidentService& service, std::int64_t number, const json::object& body,
           const incident::Actor& actor) -> Change {
        auto reason = optional_string(body, "reason");
        if (!reason.ok()) return reason.error();
        return service.transition(number, to, actor, reason->value_or(""));
      });
}

Handler set_incident_severity(Services& s) {
  return incident_action(
      s, "severity", {"severity", "reason"}, false,
      [](incident::IncidentService& service, std::int64_t number, const json::object& body,
         const incident::Actor& actor) -> Change {
        auto severity = enum_member(body, "severity", model::severity_names());
        if (!severity.ok()) return severity.error();
        auto reason = required_text(body, "reason", "say why the severity changes");
        if (!reason.ok()) return reason.error();
        return service.set_severity(number, *severity, actor, *reason);
      });
}

Handler classify_incident(Services& s) {
  return incident_action(
      s, "classification", {"classification", "reason"}, false,
      [](incident::IncidentService& service, std::int64_t number, const json::object& body,
         const incident::Actor& actor) -> Change {
        auto classification = enum_member(body, "classification", model::classification_names());
        if (!classification.ok()) return classification.error();
        auto reason = required_text(body, "reason", "say why the classification changes");
        if (!reason.ok()) return reason.error();
        return service.classify(number, *classification, actor, *reason);
      });
}

Handler assign_incident_role(Services& s) {
  return incident_action(
      s, "assign", {"role", "who", "reason"}, false,
      [](incident::IncidentService& service, std::int64_t number, const json::object& body,
         const incident::Actor& actor) -> Change {
        auto role = enum_member(body, "role", model::incident_role_names());
        if (!role.ok()) return role.error();
        auto who = required_text(body, "who",
                                 "the person taking the role, e.g. \"Dana <dana@example.com>\"");
        if (!who.ok()) return who.error();
        auto reason = optional_string(body, "reason");
        if (!reason.ok()) return reason.error();
        return service.assign(number, *role, *who, actor, reason->value_or(""));
      });
}

Handler add_incident_note(Services& s) {
  return incident_action(
      s, "notes", {"text"}, false,
      [](incident::IncidentService& service, std::int64_t number, const json::object& body,
         const incident::Actor& actor) -> Change {
        auto text = required_text(body, "text", "the note, as a string");
        if (!text.ok()) return text.error();
        return service.add_note(number, *text, actor);
      });
}

Handler merge_incidents(Services& s) {
  return incident_action(
      s, "merge", {"incidents", "reason"}, false,
      [](incident::IncidentService& service, std::int64_t number, const json::object& body,
         const incident::Actor& actor) -> Change {
        auto sources = id_list(body, "incidents", "[\"INC-3\"]",
                               [](std::string_view id) { return model::parse_incident_id(id); });
        if (!sources.ok()) return sources.error();
        auto reason = optional_string(body, "reason");
        if (!reason.ok()) return reason.error();
        return service.merge(number, *sources, actor, reason->value_or(""));
      });
}

Handler split_incident(Services& s) {
  return incident_action(
      s, "split", {"signals", "incident", "title", "reason"}, false,
      [](incident::IncidentService& service, std::int64_t number, const json::object& body,
         const incident::Actor& actor) -> Change {
        const bool by_signals = body.contains("signals");
        if (by_signals == body.contains("incident")) {
          return core::invalid(
              "give either 'signals' (a list of signal ids such as [\"sig-12\"]) to move into a "
              "new incident, or 'incident' (the id of an incident merged into this one, such as "
              "\"INC-3\") to take out again");
        }
        incident::SplitRequest request;
        if (by_signals) {
          auto signals = id_list(body, "signals", "[\"sig-12\"]", parse_signal_id);
          if (!signals.ok()) return signals.error();
          request.signals = std::move(*signals);
        } else {
          auto merged = optional_string(body, "incident");
          if (!merged.ok()) return merged.error();
          auto id = *merged ? model::parse_incident_id(**merged) : std::nullopt;
          if (!id) return core::invalid("'incident' must be an incident id such as \"INC-3\"");
          request.merged = *id;
        }
        auto title = optional_string(body, "title");
        if (!title.ok()) return title.error();
        request.title = title->value_or("");
        auto reason = optional_string(body, "reason");
        if (!reason.ok()) return reason.error();
        return service.split(number, request, actor, reason->value_or(""));
      });
}

}  // namespace aiir::http::handlers
