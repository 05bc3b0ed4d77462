#pragma once
// Result<T>: the value of an operation that can fail in an expected way.
//
// Hot and expected paths (ingest, detect, decide, config loading, store access) return Result
// instead of throwing. The closed set of codes maps to HTTP statuses in one table (http/problem.cpp)
// and to exit statuses in the CLI; the message is written for a person and says what to do.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aiir::core {

enum class Code {
  kOk,
  kInvalidArgument,     // the caller sent something malformed; fix the input
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // a thing with that identity exists already
  kUnauthenticated,     // no credentials, or credentials that match nothing
  kPermissionDenied,    // credentials valid, role not allowed
  kFailedPrecondition,  // the system is not in a state that allows this (e.g. invalid transition)
  kPayloadTooLarge,     // over a configured size limit
  kUnsupportedMediaType,
  kResourceExhausted,   // a bounded queue is full; retry later
  kUnavailable,         // temporarily unable (shutting down, store busy); retry later
  kInternal,            // a bug or an environment failure; the message says which
};

std::string_view code_name(Code code);

class Error {
 public:
  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {
    assert(code != Code::kOk);
  }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Code code_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Status is Result<void>: success carries nothing and costs nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_{Code::kInternal, ""};
  bool ok_ = true;
};

inline Error invalid(std::string message) { return {Code::kInvalidArgument, std::move(message)}; }
inline Error not_found(std::string message) { return {Code::kNotFound, std::move(message)}; }
inline Error internal(std::string message) { return {Code::kInternal, std::move(message)}; }
// The state does not allow it (the API's 409): say what state it is in and what is allowed.
inline Error failed_precondition(std::string message) {
  return {Code::kFailedPrecondition, std::move(message)};
}

}  // namespace aiir::core

// Propagates an error from an expression returning Status or Result<T>.
#define AIIR_RETURN_IF_ERROR(expr)                     \
  do {                                                 \
    auto aiir_status_ = (expr);                        \
    if (!aiir_status_.ok()) return aiir_status_.error(); \
  } while (false)
