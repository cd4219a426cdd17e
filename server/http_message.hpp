#pragma once
// Beast messages <-> the router's HttpRequest/HttpResponse, and the server's read limits: the
// part of a connection that needs no socket, shared by HttpConnection and the HTTP fuzz target.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>

#include "server/aws_error.hpp"
#include "server/http_types.hpp"

namespace athena {

inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Sets the server's limits (1 MiB body) on a fresh parser for one request.
void apply_request_limits(RequestParser& parser);

// The router's view of a parsed request; its string_views point into `msg`.
HttpRequest to_http_request(const BeastRequest& msg);

// True when a read ended the connection without a request to answer (the client closed it,
// went silent, or the server is stopping): the connection closes without an answer.
bool read_ends_connection(const boost::beast::error_code& ec);

// The answer to a request that could not be read (a parse error other than end of stream):
// 413 for an oversized body, else 400. The connection closes after it.
HttpResponse read_error_response(const boost::beast::error_code& ec);

// The Beast message that carries `r` (its status, headers and body, Content-Length set).
BeastResponse to_beast_response(HttpResponse r, unsigned version, bool keep_alive);

}  // namespace athena
