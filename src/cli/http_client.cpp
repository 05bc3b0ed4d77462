#include "cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <cctype>

namespace aiir::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct HttpClient::Conn {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool open = false;
};

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return "";
}

HttpClient::HttpClient(std::string base_url, std::string api_key)
    : base_url_(std::move(base_url)), api_key_(std::move(api_key)), conn_(std::make_unique<Conn>()) {
  std::string rest = base_url_;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    host_ = rest;
    port_ = "80";
  } else {
    host_ = rest.substr(0, colon);
    port_ = rest.substr(colon + 1);
  }
}

HttpClient::~HttpClient() = default;

core::Result<ClientResponse> HttpClient::request(
    const std::string& method, const std::string& target, const std::string& body,
    const std::string& content_type,
    const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, host_ + ":" + port_);
  req.set(bhttp::field::user_agent, "aiir-cli");
  if (!api_key_.empty()) req.set(bhttp::field::authorization, "Bearer " + api_key_);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.set(bhttp::field::content_type, content_type);
    req.body() = body;
  }
  for (const auto& [name, value] : extra_headers) req.set(name, value);
  req.keep_alive(true);
  req.prepare_payload();

  // One retry on a fresh connection: the server may have closed an idle keep-alive connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!conn_->open) {
      asio::ip::tcp::resolver resolver(conn_->ioc);
      auto endpoints = resolver.resolve(host_, port_, ec);
      if (!ec) conn_->stream.connect(endpoints, ec);
      if (ec) {
        return core::Error(core::Code::kUnavailable,
                           "cannot reach the aiir server at " + base_url_ + ": " + ec.message() +
                               " (is `aiir serve` running? set --server or AIIR_SERVER)");
      }
      conn_->open = true;
      conn_->buffer.clear();
    }
    bhttp::write(conn_->stream, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1024ull * 1024 * 1024);
    if (!ec) bhttp::read(conn_->stream, conn_->buffer, parser, ec);
    if (ec) {
      beast::error_code ignored;
      conn_->stream.socket().close(ignored);
      conn_->open = false;
      if (attempt == 0) continue;
      return core::Error(core::Code::kUnavailable,
                         "the aiir server at " + base_url_ + " closed the connection: " +
                             ec.message());
    }
    auto& res = parser.get();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[bhttp::field::content_type]);
    out.body = std::move(res.body());
    for (const auto& field : res) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (!res.keep_alive()) {
      beast::error_code ignored;
      conn_->stream.socket().close(ignored);
      conn_->open = false;
    }
    return out;
  }
  return core::Error(core::Code::kUnavailable, "cannot reach the aiir server at " + base_url_);
}

std::string problem_detail(const ClientResponse& response) {
  boost::system::error_code ec;
  auto value = boost::json::parse(response.body, ec);
  if (!ec && value.is_object()) {
    if (const auto* detail = value.as_object().if_contains("detail");
        detail != nullptr && detail->is_string()) {
      return std::string(detail->as_string());
    }
  }
  return response.body;
}

}  // namespace aiir::cli
