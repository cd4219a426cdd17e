#include "server/http_message.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "server/request_id.hpp"

namespace athena {

namespace http = boost::beast::http;

namespace {

template <class Name>
std::string_view header(const BeastRequest& msg, Name name) {
    auto it = msg.find(name);
    return it == msg.end() ? std::string_view{} : std::string_view(it->value());
}

}  // namespace

void apply_request_limits(RequestParser& parser) { parser.body_limit(kMaxBodyBytes); }

HttpRequest to_http_request(const BeastRequest& msg) {
    HttpRequest req;
    req.method = msg.method_string();
    req.target = msg.target();
    req.amz_target = header(msg, "X-Amz-Target");
    req.authorization = header(msg, http::field::authorization);
    req.body = msg.body();
    return req;
}

bool read_ends_connection(const boost::beast::error_code& ec) {
    namespace net = boost::asio;
    return ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == boost::beast::error::timeout ||
           ec == net::error::connection_reset || ec == net::error::bad_descriptor || ec == net::error::eof;
}

HttpResponse read_error_response(const boost::beast::error_code& ec) {
    HttpResponse r;
    if (ec == http::error::body_limit) {
        r = aws_error_response(AwsError{413, "RequestEntityTooLargeException",
                                        "Request body exceeds the limit of 1048576 bytes", {}, {}},
                               new_request_id());
        r.status = 413;
    } else {
        r = aws_error_response(AwsError::serialization("Malformed HTTP request: " + ec.message()), new_request_id());
        r.status = 400;
    }
    return r;
}

BeastResponse to_beast_response(HttpResponse r, unsigned version, bool keep_alive) {
    BeastResponse res;
    res.version(version);
    res.result(r.status);
    res.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.body() = std::move(r.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

}  // namespace athena
