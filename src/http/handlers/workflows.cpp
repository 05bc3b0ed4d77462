#include <boost/json.hpp>

#include "http/handlers/handlers.h"
#include "http/handlers/json_body.h"
#include "http/problem.h"
#include "model/risk_tier.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;

json::object owner_json(const model::Owner& owner) {
  return {{"name", owner.name}, {"contact", owner.contact}};
}

template <typename T>
json::array names(const std::vector<T>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(model::to_string(v));
  return out;
}

json::array strings(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

json::object risk_json(const model::Workflow& w) {
  const auto& r = w.risk;
  return {{"customer_exposure", model::to_string(r.customer_exposure)},
          {"data_sensitivity", model::to_string(r.data_sensitivity)},
          {"autonomy", model::to_string(r.autonomy)},
          {"reversibility", model::to_string(r.reversibility)},
          {"business_impact", names(r.business_impact)},
          {"regulatory",
           {{"personal_data", r.regulatory.personal_data},
            {"eu_ai_act_high_risk", r.regulatory.eu_ai_act_high_risk},
            {"sector", r.regulatory.sector}}}};
}

json::object tier_json(const model::RiskTier& tier) {
  return {{"tier", tier.tier},
          {"reasons", strings(tier.reasons)},
          {"required_capabilities", strings(tier.required_capabilities)}};
}

std::string_view fallback_name(model::PauseFallback::Kind kind) {
  switch (kind) {
    case model::PauseFallback::Kind::kCannedMessage: return "canned_message";
    case model::PauseFallback::Kind::kHumanQueue: return "human_queue";
    case model::PauseFallback::Kind::kError: return "error";
  }
  return "error";
}

json::object summary_json(const model::Workflow& w, const model::RiskTier& tier) {
  return {{"id", w.id},
          {"name", w.name},
          {"business_owner", owner_json(w.business_owner)},
          {"technical_owner", owner_json(w.technical_owner)},
          {"risk_tier", tier.tier},
          {"customer_exposure", model::to_string(w.risk.customer_exposure)},
          {"data_sensitivity", model::to_string(w.risk.data_sensitivity)},
          {"autonomy", model::to_string(w.risk.autonomy)},
          {"registered", true}};
}

json::object detail_json(const model::Workflow& w) {
  model::RiskTier tier = model::derive_risk_tier(w);
  json::object out = summary_json(w, tier);
  out["description"] = w.description;
  out["escalation_policy"] = w.escalation_policy;
  out["service_names"] = strings(w.service_names);
  out["risk"] = risk_json(w);
  out["risk_tier"] = tier_json(tier);
  json::array tools;
  for (const auto& t : w.tools) {
    tools.push_back({{"name", t.name},
                     {"side_effect", model::to_string(t.side_effect)},
                     {"reversible", t.reversible},
                     {"description", t.description}});
  }
  out["tools"] = std::move(tools);
  json::array parts;
  for (const auto& p : w.versioned_parts) {
    parts.push_back({{"kind", model::to_string(p.kind)},
                     {"name", p.name},
                     {"current", p.current},
                     {"versions", strings(p.versions)}});
  }
  out["versioned_parts"] = std::move(parts);
  out["containment"] = names(w.containment);
  out["pause_fallback"] = {{"kind", fallback_name(w.pause_fallback.kind)},
                           {"message", w.pause_fallback.message}};
  out["content_policy"] = model::to_string(w.content_policy);
  out["retention_days"] = w.retention_days;
  out["source"] = w.source_file + ":" + std::to_string(w.source_line);
  return out;
}

}  // namespace

Handler list_workflows(Services& s) {
  return sync_handler([&s](Request&) {
    auto config = s.config.get();
    auto counts = s.store.span_counts_by_workflow();
    if (!counts.ok()) return problem(counts.error());
    json::array items;
    for (const auto& w : config->workflows) {
      json::object item = summary_json(w, model::derive_risk_tier(w));
      item["spans"] = 0;
      for (const auto& [name, count] : *counts) {
        if (name == w.id) item["spans"] = count;
      }
      items.push_back(std::move(item));
    }
    // Workflows seen in traces but missing from the inventory: nobody owns them yet.
    json::array unregistered;
    for (const auto& [name, count] : *counts) {
      if (config->find_workflow(name) != nullptr) continue;
      unregistered.push_back({{"id", name.empty() ? "(none)" : name},
                              {"registered", false},
                              {"spans", count}});
    }
    return json_response(200, json::object{{"workflows", std::move(items)},
                                           {"unregistered", std::move(unregistered)}});
  });
}

Handler get_workflow(Services& s) {
  return sync_handler([&s](Request& r) {
    auto config = s.config.get();
    const model::Workflow* w = config->find_workflow(r.param("id"));
    if (w == nullptr) {
      return problem(404, "Not Found",
                     "no workflow '" + std::string(r.param("id")) +
                         "' in the inventory; `aiir workflows list` shows the registered ones");
    }
    return json_response(200, detail_json(*w));
  });
}

}  // namespace aiir::http::handlers
