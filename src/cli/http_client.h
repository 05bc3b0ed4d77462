#pragma once
// A small blocking HTTP/1.1 client for the CLI, the demo and the tests. Keeps one connection
// alive across requests. Not thread-safe: one client per thread.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace aiir::cli {

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(std::string_view name) const;  // case-insensitive; "" when absent
};

class HttpClient {
 public:
  // `base_url` is "http://host:port"; `api_key` may be empty.
  HttpClient(std::string base_url, std::string api_key);
  ~HttpClient();

  // kUnavailable when the server cannot be reached (the message names the URL).
  core::Result<ClientResponse> request(
      const std::string& method, const std::string& target, const std::string& body = "",
      const std::string& content_type = "application/json",
      const std::vector<std::pair<std::string, std::string>>& extra_headers = {});

  core::Result<ClientResponse> get(const std::string& target) { return request("GET", target); }
  core::Result<ClientResponse> post(const std::string& target, const std::string& body) {
    return request("POST", target, body);
  }

  const std::string& base_url() const { return base_url_; }
  void set_api_key(std::string key) { api_key_ = std::move(key); }

 private:
  struct Conn;
  std::string base_url_;
  std::string host_;
  std::string port_;
  std::string api_key_;
  std::unique_ptr<Conn> conn_;
};

// The "detail" of a problem+json body, or the body itself.
std::string problem_detail(const ClientResponse& response);

}  // namespace aiir::cli
