#include "core/result.h"

namespace aiir::core {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kFailedPrecondition: return "failed_precondition";
    case Code::kPayloadTooLarge: return "payload_too_large";
    case Code::kUnsupportedMediaType: return "unsupported_media_type";
    case Code::kResourceExhausted: return "resource_exhausted";
    case Code::kUnavailable: return "unavailable";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace aiir::core
