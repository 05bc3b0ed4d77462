// The OpenFeature Remote Evaluation Protocol (OFREP 0.3: github.com/open-feature/protocol,
// service/openapi.yaml): any OpenFeature SDK with an OFREP provider reads aiir's controls as
// flags (contain/flags.h; docs/ofrep.md). Answered from the controls snapshot and the running
// configuration, never the store, because applications may ask before every action.
//
// Errors use OFREP's bodies, not problem+json, because providers parse them: a flag's failure is
// {"key", "errorCode", "errorDetails"} with 400 or 404, a bulk failure {"errorCode",
// "errorDetails"} with 400. Authentication and roles are checked by the router before these run
// (401/403, which providers report as such).
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "contain/flags.h"
#include "core/crypto.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace aiir::http::handlers {
namespace {

namespace json = boost::json;

constexpr std::string_view kBodyForm =
    R"(send {"context": {"targetingKey": "<user or request id>", ...attributes}})";

struct ContextError {
  std::string_view code;  // PARSE_ERROR or INVALID_CONTEXT
  std::string details;
};

// Reads {"context": {...}} into `out`. An empty body or a missing context is an empty context:
// flags answer without one (strictly, for staged lifts), so refusing would only make the
// application fall back to its code defaults.
std::optional<ContextError> read_context(const Request& request, contain::FlagContext& out) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  if (ec) {
    return ContextError{"PARSE_ERROR", "the body is not JSON (" + ec.message() + "); " +
                                           std::string(kBodyForm)};
  }
  if (!body.is_object()) {
    return ContextError{"PARSE_ERROR", "the body must be a JSON object; " + std::string(kBodyForm)};
  }
  json::value* context = body.as_object().if_contains("context");
  if (context == nullptr || context->is_null()) return std::nullopt;
  if (!context->is_object()) {
    return ContextError{"INVALID_CONTEXT",
                        "\"context\" must be an object; " + std::string(kBodyForm)};
  }
  if (const json::value* key = context->as_object().if_contains("targetingKey")) {
    if (!key->is_string()) {
      return ContextError{"INVALID_CONTEXT", "\"targetingKey\" must be a string; " +
                                                 std::string(kBodyForm)};
    }
    out.targeting_key = std::string(key->as_string());
  }
  out.attributes = std::move(context->as_object());
  return std::nullopt;
}

Response ofrep_json(int status, const json::object& body) {
  return Response::json(status, json::serialize(body));
}

Response flag_error(int status, std::string_view key, std::string_view code,
                    std::string_view details) {
  return ofrep_json(status, {{"key", key}, {"errorCode", code}, {"errorDetails", details}});
}

Response unavailable() {
  return problem(503, "Service Unavailable",
                 "containment is not running on this server, so no flags can be evaluated; "
                 "check the server's start-up log");
}

// If-None-Match: "*" or a list of entity tags. Weak comparison (RFC 9110 13.1.2): a "W/" prefix
// is ignored. Our tags are hex digits, so no tag contains a comma.
bool none_match_hits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    auto first = item.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
    if (item == "*") return true;
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
  }
  return false;
}

}  // namespace

Handler ofrep_evaluate_flag(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.controls == nullptr) return unavailable();
    std::string_view key = r.param("key");
    contain::FlagContext context;
    if (auto error = read_context(r, context)) {
      return flag_error(400, key, error->code, error->details);
    }
    auto snapshot = s.controls->snapshot();
    auto config = s.config.get();
    auto evaluated = contain::evaluate_flag(*snapshot, config->workflows, key, context,
                                            s.clock.now());
    if (!evaluated) {
      if (evaluated.error().code() == core::Code::kNotFound) {
        return flag_error(404, key, "FLAG_NOT_FOUND", evaluated.error().message());
      }
      return flag_error(500, key, "GENERAL", evaluated.error().message());
    }
    return ofrep_json(200, contain::to_json(*evaluated));
  });
}

Handler ofrep_evaluate_flags(Services& s) {
  return sync_handler([&s](Request& r) {
    if (s.controls == nullptr) return unavailable();
    contain::FlagContext context;
    if (auto error = read_context(r, context)) {
      return ofrep_json(400, {{"errorCode", error->code}, {"errorDetails", error->details}});
    }
    // An application that serves one workflow can ask for its flags only.
    std::string only_workflow;
    if (const json::value* workflow = context.attributes.if_contains("workflow")) {
      if (!workflow->is_string()) {
        return ofrep_json(400, {{"errorCode", "INVALID_CONTEXT"},
                                {"errorDetails", "\"workflow\" in the context must be a string: "
                                                 "the id of the workflow whose flags you want"}});
      }
      only_workflow = std::string(workflow->as_string());
    }
    auto snapshot = s.controls->snapshot();
    auto config = s.config.get();
    auto evaluated = contain::evaluate_all_flags(*snapshot, config->workflows, context,
                                                 s.clock.now(), only_workflow);
    if (!evaluated) {
      if (evaluated.error().code() == core::Code::kNotFound) {
        return ofrep_json(400, {{"errorCode", "INVALID_CONTEXT"},
                                {"errorDetails", evaluated.error().message()}});
      }
      return ofrep_json(500, {{"errorDetails", evaluated.error().message()}});
    }
    json::array flags;
    flags.reserve(evaluated->size());
    for (const auto& flag : *evaluated) flags.emplace_back(contain::to_json(flag));
    json::object body{{"flags", std::move(flags)},
                      {"metadata", {{"controls_version", snapshot->version()}}}};
    Response response = Response::json(200, json::serialize(body));
    // A strong tag of exactly these bytes: any change in any flag, its reason or metadata (the
    // controls version among them) or the inventory's answer changes it.
    std::string etag = "\"" + core::sha256_hex(response.body).substr(0, 32) + "\"";
    if (auto if_none_match = r.header("if-none-match");
        if_none_match && none_match_hits(*if_none_match, etag)) {
      response.status = 304;
      response.body.clear();
    }
    response.headers.emplace_back("ETag", std::move(etag));
    return response;
  });
}

}  // namespace aiir::http::handlers
