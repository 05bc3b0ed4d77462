// Whether controls have reached the application, measured: the change stream (server-sent events
// of every new controls version), the instances' acknowledgements, the list of instances and
// what they have applied, and drills that time a control's way to every instance.
// docs/control-stream.md describes the protocol.
#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "contain/drill_service.h"
#include "contain/instance_registry.h"
#include "core/prometheus.h"
#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/handlers/query.h"
#include "http/problem.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxInstanceIdBytes = 200;
// How long an EventSource waits before reconnecting after the stream ends (sent once per stream).
constexpr int kRetryMillis = 1000;

Response not_running(std::string_view what) {
  return problem(core::Error(core::Code::kUnavailable, std::string(what) + " is not running"));
}

// "Maya (key-3)": who made a change, as the audit log and the timeline name people.
std::string actor_of(const Request& r) {
  if (r.principal.key_name.empty()) return r.principal.key_id;
  return r.principal.key_name + " (" + r.principal.key_id + ")";
}

// Instance ids name pods, hosts or processes; anything else (spaces, control characters, very
// long strings) is a mistake worth refusing before it is remembered.
core::Status check_instance_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxInstanceIdBytes) {
    return core::invalid("the instance id must be 1.." + std::to_string(kMaxInstanceIdBytes) +
                         " characters (e.g. the pod or host name)");
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '@';
    if (!ok) {
      return core::invalid("the instance id '" + std::string(id) +
                           "' may contain only letters, digits and - _ . : / @");
    }
  }
  return {};
}

// Whether `workflow` is one the stream can serve: in the inventory, or named by a control.
bool known_workflow(Services& s, const std::string& workflow) {
  auto config = s.config.get();
  if (config && config->find_workflow(workflow) != nullptr) return true;
  return s.controls != nullptr && s.controls->snapshot()->find(workflow) != nullptr;
}

// The state one snapshot shows a subscriber to `workflow` ("" = every workflow). Controls in set
// order (then id), so that the same version always reads the same.
json::object controls_data(const contain::ControlSnapshot& snapshot, const std::string& workflow) {
  std::vector<const model::Control*> controls;
  auto collect = [&controls](const contain::WorkflowControls& wc) {
    for (const auto& of_kind : wc.by_kind) {
      for (const auto& c : of_kind) controls.push_back(&c);
    }
  };
  if (workflow.empty()) {
    snapshot.for_each_workflow([&](const std::string&, const contain::WorkflowControls& wc) {
      collect(wc);
    });
  } else if (const auto* wc = snapshot.find(workflow)) {
    collect(*wc);
  }
  std::sort(controls.begin(), controls.end(), [](const model::Control* a, const model::Control* b) {
    return a->set_at != b->set_at ? a->set_at < b->set_at : a->id < b->id;
  });
  json::object data;
  data["version"] = snapshot.version();
  if (!workflow.empty()) data["workflow"] = workflow;
  json::array list;
  for (const auto* c : controls) list.emplace_back(model::to_json(*c));
  data["controls"] = std::move(list);
  return data;
}

// The same as one server-sent event.
std::string controls_event(const contain::ControlSnapshot& snapshot, const std::string& workflow) {
  return "id: " + std::to_string(snapshot.version()) + "\nevent: controls\ndata: " +
         json::serialize(controls_data(snapshot, workflow)) + "\n\n";
}

// Whether the client asked for a stream. A plain GET (curl without the header, a script, a
// health probe) gets the current state once instead of a response that never ends.
bool wants_stream(const Request& r) {
  auto accept = r.header("accept");
  return accept && accept->find("text/event-stream") != std::string_view::npos;
}

// Fans each published snapshot out to the open streams. One per route table, holding the one
// listener it registers on the ControlService: per snapshot, each distinct workflow's event is
// formatted once and the same text queued on every stream of that workflow (queuing never
// blocks; the streams write on their connections' strands). Thread-safe.
class ControlStreamHub {
 public:
  ControlStreamHub(Services& s) : s_(s) {}

  void publish(const std::shared_ptr<const contain::ControlSnapshot>& snapshot) {
    std::unordered_map<std::string, std::string> events;  // workflow → event text
    std::lock_guard lock(mu_);
    for (auto& [id, sub] : subscribers_) {
      // A configuration reload republishes the same version (the controls are the same), and a
      // stream that just opened may have been sent this version already.
      if (sub.last_sent >= snapshot->version()) continue;
      auto it = events.find(sub.workflow);
      if (it == events.end()) {
        it = events.emplace(sub.workflow, controls_event(*snapshot, sub.workflow)).first;
      }
      if (sub.stream->send(it->second)) sent_locked(sub, snapshot->version());
    }
  }

  // Registers the stream and sends it the current state unless the client has it already
  // (Last-Event-ID equal to the current version).
  void subscribe(std::shared_ptr<EventStream> stream, std::string workflow, std::string instance,
                 std::optional<std::int64_t> last_event_id) {
    if (s_.instances != nullptr && !instance.empty()) s_.instances->connected(instance, workflow);
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mu_);
      id = next_id_++;
      Subscriber& sub = subscribers_[id];
      sub.stream = stream;
      sub.workflow = std::move(workflow);
      sub.instance = std::move(instance);
      // Read under mu_: a snapshot published meanwhile waits for the lock, then sees last_sent.
      auto current = s_.controls->snapshot();
      std::string first = "retry: " + std::to_string(kRetryMillis) + "\n\n";
      if (last_event_id != current->version()) first += controls_event(*current, sub.workflow);
      if (stream->send(std::move(first))) sent_locked(sub, current->version());
    }
    // Outside mu_: runs at once when the stream closed already.
    stream->on_close([weak = weak_self_, id] {
      if (auto hub = weak.lock()) hub->remove(id);
    });
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return subscribers_.size();
  }

  std::weak_ptr<ControlStreamHub> weak_self_;

 private:
  struct Subscriber {
    std::shared_ptr<EventStream> stream;
    std::string workflow;
    std::string instance;
    std::int64_t last_sent = -1;
  };

  void sent_locked(Subscriber& sub, std::int64_t version) {
    sub.last_sent = version;
    if (s_.instances != nullptr && !sub.instance.empty()) {
      s_.instances->delivered(sub.instance, version);
    }
  }

  void remove(std::uint64_t id) {
    std::string instance, workflow;
    {
      std::lock_guard lock(mu_);
      auto it = subscribers_.find(id);
      if (it == subscribers_.end()) return;
      instance = std::move(it->second.instance);
      workflow = std::move(it->second.workflow);
      subscribers_.erase(it);
    }
    if (s_.instances != nullptr && !instance.empty()) {
      s_.instances->disconnected(instance, workflow);
    }
  }

  Services& s_;
  mutable std::mutex mu_;
  std::uint64_t next_id_ = 1;                                // GUARDED_BY(mu_)
  std::unordered_map<std::uint64_t, Subscriber> subscribers_;  // GUARDED_BY(mu_)
};

std::string time_or_null(core::UnixNanos t) { return t == 0 ? "" : core::format_rfc3339(t); }

json::object instance_json(const contain::InstanceState& state) {
  json::object o;
  o["instance"] = state.instance;
  json::array workflows;
  for (const auto& w : state.workflows) workflows.emplace_back(w);
  o["workflows"] = std::move(workflows);
  o["connected"] = state.connections > 0;
  o["connections"] = state.connections;
  o["live"] = state.live;
  o["applied_version"] = state.applied_version;
  if (state.applied_at != 0) o["applied_at"] = core::format_rfc3339(state.applied_at);
  o["delivered_version"] = state.delivered_version;
  o["first_seen"] = time_or_null(state.first_seen);
  o["last_seen"] = time_or_null(state.last_seen);
  return o;
}

}  // namespace

Handler controls_stream(Services& s) {
  std::shared_ptr<ControlStreamHub> hub;
  if (s.controls != nullptr) {
    hub = std::make_shared<ControlStreamHub>(s);
    hub->weak_self_ = hub;
    // The service keeps its listeners for its whole life; the hub may go first (a route table
    // rebuilt in tests), so the listener holds it weakly.
    s.controls->add_listener([weak = std::weak_ptr<ControlStreamHub>(hub)](
                                 const std::shared_ptr<const contain::ControlSnapshot>& next) {
      if (auto h = weak.lock()) h->publish(next);
    });
    contain::InstanceRegistry* instances = s.instances;
    s.metrics.add_collector([weak = std::weak_ptr<ControlStreamHub>(hub), instances](
                                std::string& out) {
      auto h = weak.lock();
      if (!h) return;
      core::append_metric(out, "aiir_controls_stream_subscribers", "gauge",
                          "Open change streams (GET /v1/controls/stream).",
                          static_cast<std::int64_t>(h->size()));
      if (instances == nullptr) return;
      core::append_metric(out, "aiir_controls_instances", "gauge",
                          "Application instances remembered.",
                          static_cast<std::int64_t>(instances->size()));
      core::append_metric(out, "aiir_controls_instance_reports_dropped_total", "counter",
                          "Reports from new instances dropped because the instance cap was "
                          "reached.",
                          static_cast<std::int64_t>(instances->dropped()));
    });
  }
  return [&s, hub](Request& r, Reply reply) {
    if (!hub) return reply(not_running("containment"));
    std::string workflow(r.query_param("workflow").value_or(""));
    if (!workflow.empty() && !known_workflow(s, workflow)) {
      return reply(problem(core::not_found("no workflow '" + workflow +
                                           "' in the inventory; see GET /v1/workflows")));
    }
    std::string instance(r.query_param("instance").value_or(""));
    if (!instance.empty()) {
      if (auto ok = check_instance_id(instance); !ok.ok()) return reply(problem(ok.error()));
    }
    if (!wants_stream(r)) {
      return reply(json_response(200, controls_data(*s.controls->snapshot(), workflow)));
    }
    std::optional<std::int64_t> last_event_id;
    if (auto header = r.header("last-event-id"); header && !header->empty()) {
      last_event_id = whole_number(*header);  // not ours (unparsable): send the state
    }
    reply(Response::event_stream([hub, workflow = std::move(workflow),
                                  instance = std::move(instance),
                                  last_event_id](std::shared_ptr<EventStream> stream) mutable {
      hub->subscribe(std::move(stream), std::move(workflow), std::move(instance), last_event_id);
    }));
  };
}

Handler controls_applied(Services& s) {
  return [&s](Request& r, Reply reply) {
    if (s.instances == nullptr || s.controls == nullptr) {
      return reply(not_running("containment"));
    }
    auto body = parse_json_object(r);
    if (!body.ok()) return reply(problem(body.error()));
    auto instance = required_text(*body, "instance", "name the application instance (pod or host)");
    if (!instance.ok()) return reply(problem(instance.error()));
    if (auto ok = check_instance_id(*instance); !ok.ok()) return reply(problem(ok.error()));
    const json::value* version = body->if_contains("version");
    if (version == nullptr || !version->is_int64() || version->as_int64() < 0) {
      return reply(problem(core::invalid(
          "'version' is required: the controls version the instance has applied (the id of the "
          "last stream event, or controls_version of a decision), a whole number >= 0")));
    }
    const std::int64_t current = s.controls->snapshot()->version();
    if (version->as_int64() > current) {
      return reply(problem(core::invalid(
          "version " + std::to_string(version->as_int64()) + " is ahead of the current controls "
          "version " + std::to_string(current) + "; report a version this server published")));
    }
    std::vector<std::string> workflows;
    if (const json::value* list = body->if_contains("workflows")) {
      if (!list->is_array()) {
        return reply(problem(core::invalid("'workflows' must be a list of workflow ids")));
      }
      for (const auto& w : list->as_array()) {
        if (!w.is_string() || w.as_string().empty()) {
          return reply(problem(core::invalid("'workflows' must list workflow ids (strings)")));
        }
        workflows.emplace_back(w.as_string());
      }
    }
    if (workflows.empty()) {
      s.instances->applied(*instance, version->as_int64());
    } else {
      for (const auto& w : workflows) s.instances->applied(*instance, version->as_int64(), w);
    }
    reply(Response{204, "application/json", "", {}, false});
  };
}

Handler controls_instances(Services& s) {
  return [&s](Request& r, Reply reply) {
    if (s.instances == nullptr || s.controls == nullptr) {
      return reply(not_running("containment"));
    }
    std::string workflow(r.query_param("workflow").value_or(""));
    json::array items;
    for (const auto& state : s.instances->list()) {
      if (!workflow.empty() && !state.workflows.empty() &&
          std::find(state.workflows.begin(), state.workflows.end(), workflow) ==
              state.workflows.end()) {
        continue;
      }
      items.emplace_back(instance_json(state));
    }
    json::object out;
    out["controls_version"] = s.controls->snapshot()->version();
    out["instances"] = std::move(items);
    reply(json_response(200, out));
  };
}

Handler start_drill(Services& s) {
  return [&s](Request& r, Reply reply) {
    if (s.drills == nullptr) return reply(not_running("the drill service"));
    auto body = parse_json_object(r);
    if (!body.ok()) return reply(problem(body.error()));
    auto workflow = required_text(*body, "workflow", "name the workflow to drill");
    if (!workflow.ok()) return reply(problem(workflow.error()));
    std::int64_t timeout = 30;
    if (const json::value* t = body->if_contains("timeout_seconds")) {
      if (!t->is_int64()) {
        return reply(problem(core::invalid("'timeout_seconds' must be a whole number of seconds")));
      }
      timeout = t->as_int64();
    }
    contain::DrillRequest request{*workflow, std::chrono::seconds(timeout), actor_of(r)};
    // The drill waits on the service's thread; the answer goes out when it finishes.
    auto begun = s.drills->begin(request, [reply](core::Result<store::Record> result) {
      if (!result.ok()) return reply(problem(result.error()));
      reply(json_response(200, contain::drill_to_json(*result)));
    });
    if (!begun.ok()) reply(problem(begun.error()));
  };
}

Handler list_drills(Services& s) {
  return sync_handler([&s](Request& r) -> Response {
    store::RecordQuery query;
    query.kind = contain::kDrillRecordKind;
    query.workflow = std::string(r.query_param("workflow").value_or(""));
    if (auto paging = paging_params(r, query.limit, query.before); !paging.ok()) {
      return problem(paging.error());
    }
    auto page = s.store.query_records(query);
    if (!page.ok()) return problem(page.error());
    json::array items;
    for (const auto& record : page->records) items.emplace_back(contain::drill_to_json(record));
    return list_page("drills", std::move(items), page->next_cursor);
  });
}

Handler get_drill(Services& s) {
  return sync_handler([&s](Request& r) -> Response {
    std::string id(r.param("id"));
    auto record = s.store.get_record(contain::kDrillRecordKind, id);
    if (!record.ok()) return problem(record.error());
    if (!*record) {
      return problem(core::not_found("no drill has id '" + id + "'; see GET /v1/drills"));
    }
    return json_response(200, contain::drill_to_json(**record));
  });
}

}  // namespace aiir::http::handlers
