#include <boost/json.hpp>

#include <variant>

#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/problem.h"
#include "incident/grouping.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;

std::string_view stateful_name(const detect::Stateful& stateful) {
  static constexpr std::string_view kNames[] = {"none",  "duplicate", "rate",
                                                "ratio", "drift",     "near_miss", "absence"};
  return kNames[stateful.index()];
}

json::object detector_json(const detect::Detector& d,
                           const std::map<std::string, detect::DetectorReport>& reports) {
  json::array workflows;
  for (const auto& w : d.scope.workflows) workflows.emplace_back(w);
  json::array group_by;
  for (const auto& f : d.group_by) group_by.emplace_back(f.name);
  json::object out{
      {"id", d.id},
      {"description", d.description},
      {"category", model::to_string(d.category)},
      {"owasp", d.owasp},
      {"impact", model::to_string(d.impact)},
      {"enabled", d.enabled},
      {"scope_workflows", std::move(workflows)},
      {"group_by", std::move(group_by)},
      {"stateful", stateful_name(d.stateful)},
      {"source", d.source_file + ":" + std::to_string(d.source_line)},
  };
  // How its signals become incidents: the effective values, defaults filled in.
  const incident::GroupingOptions defaults;
  out["incident_classification"] =
      model::to_string(d.classification.value_or(incident::initial_classification(d.category)));
  out["incident_group_window_seconds"] =
      (d.group_window > 0 ? d.group_window : defaults.group_window) / core::kNanosPerSecond;
  out["incident_reopen_cooldown_seconds"] =
      (d.reopen_cooldown > 0 ? d.reopen_cooldown : defaults.reopen_cooldown) /
      core::kNanosPerSecond;
  if (auto it = reports.find(d.id); it != reports.end()) {
    out["evaluations"] = it->second.evaluations;
    out["matches"] = it->second.matches;
    out["signals"] = it->second.signals;
    out["evaluation_seconds"] = it->second.evaluation_seconds;
    out["window_groups"] = it->second.window_groups;
  }
  return out;
}

std::map<std::string, detect::DetectorReport> reports_of(Services& s) {
  return s.detection != nullptr ? s.detection->reports()
                                : std::map<std::string, detect::DetectorReport>{};
}

}  // namespace

Handler list_detectors(Services& s) {
  return sync_handler([&s](Request&) {
    auto config = s.config.get();
    const auto reports = reports_of(s);
    json::array out;
    for (const auto& d : config->detectors) out.push_back(detector_json(d, reports));
    return json_response(200, json::object{{"detectors", std::move(out)}});
  });
}

Handler get_detector(Services& s) {
  return sync_handler([&s](Request& r) {
    auto config = s.config.get();
    const auto* d = config->find_detector(r.param("id"));
    if (d == nullptr) {
      return problem(core::not_found("no detector '" + std::string(r.param("id")) +
                                     "'; GET /v1/detectors lists them"));
    }
    return json_response(200, detector_json(*d, reports_of(s)));
  });
}

Handler start_hunt(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.hunts == nullptr) {
      return problem(core::Error(core::Code::kUnavailable, "retro-hunts are not running"));
    }
    auto config = s.config.get();
    const auto* d = config->find_detector(r.param("id"));
    if (d == nullptr) {
      return problem(core::not_found("no detector '" + std::string(r.param("id")) + "'"));
    }
    auto body = parse_json_object(r);
    if (!body.ok()) return problem(body.error());
    detect::HuntRequest request;
    request.detector = d->id;
    request.requested_by = r.principal.key_id;
    for (const auto& [key, value] : *body) {
      if (key != "from" && key != "to" && key != "workflows") {
        return problem(core::invalid("unknown member '" + std::string(key) +
                                     "'; a hunt takes from, to and workflows"));
      }
    }
    const auto time_member = [&](const char* name, core::UnixNanos fallback)
        -> core::Result<core::UnixNanos> {
      const json::value* v = body->if_contains(name);
      if (v == nullptr) return fallback;
      core::UnixNanos t = 0;
      if (v->is_string() && core::parse_rfc3339(v->get_string(), t)) return t;
      return core::invalid(std::string("'") + name +
                           "' must be an RFC 3339 time such as 2026-11-23T10:00:00Z");
    };
    const core::UnixNanos now = s.clock.now();
    auto from = time_member("from", now - 24 * 3600 * core::kNanosPerSecond);
    if (!from.ok()) return problem(from.error());
    auto to = time_member("to", now + 1);
    if (!to.ok()) return problem(to.error());
    request.from = *from;
    request.to = *to;
    if (const json::value* w = body->if_contains("workflows")) {
      if (!w->is_array()) return problem(core::invalid("'workflows' must be a list of ids"));
      for (const auto& id : w->get_array()) {
        if (!id.is_string()) return problem(core::invalid("'workflows' must be a list of ids"));
        request.workflows.emplace_back(id.get_string());
      }
    }
    auto started = s.hunts->start(std::move(request), *d, config->workflows);
    if (!started.ok()) return problem(started.error());
    Response response = json_response(202, detect::to_json(*started));
    response.headers.emplace_back("Location", "/v1/hunts/" + started->id);
    return response;
  });
}

Handler list_hunts(Services& s) {
  return sync_handler([&s](Request&) {
    json::array out;
    if (s.hunts != nullptr) {
      for (const auto& h : s.hunts->list()) out.push_back(detect::to_json(h));
    }
    return json_response(200, json::object{{"hunts", std::move(out)}});
  });
}

Handler get_hunt(Services& s) {
  return sync_handler([&s](Request& r) {
    auto hunt = s.hunts != nullptr ? s.hunts->get(std::string(r.param("id"))) : std::nullopt;
    if (!hunt) {
      return problem(core::not_found("no hunt '" + std::string(r.param("id")) +
                                     "' (hunts are kept until the server restarts)"));
    }
    return json_response(200, detect::to_json(*hunt));
  });
}

}  // namespace aiir::http::handlers
