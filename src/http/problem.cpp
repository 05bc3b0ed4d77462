#include "http/problem.h"

#include <boost/json.hpp>

namespace aiir::http {

int status_for(core::Code code) {
  switch (code) {
    case core::Code::kOk: return 200;
    case core::Code::kInvalidArgument: return 400;
    case core::Code::kUnauthenticated: return 401;
    case core::Code::kPermissionDenied: return 403;
    case core::Code::kNotFound: return 404;
    case core::Code::kAlreadyExists: return 409;
    case core::Code::kFailedPrecondition: return 409;
    case core::Code::kPayloadTooLarge: return 413;
    case core::Code::kUnsupportedMediaType: return 415;
    case core::Code::kResourceExhausted: return 429;
    case core::Code::kUnavailable: return 503;
    case core::Code::kInternal: return 500;
  }
  return 500;
}

namespace {

std::string_view title_for(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

}  // namespace

Response problem(int status, std::string_view title, std::string_view detail) {
  boost::json::object body;
  body["type"] = "about:blank";
  body["title"] = title.empty() ? title_for(status) : title;
  body["status"] = status;
  body["detail"] = detail;
  return Response{status, "application/problem+json", boost::json::serialize(body), {}, false};
}

Response problem(const core::Error& error) {
  int status = status_for(error.code());
  Response r = problem(status, title_for(status), error.message());
  if (status == 429 || status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace aiir::http
