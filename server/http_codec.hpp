#pragma once
// The socket-free half of a connection: bytes in → one request at a time under the server's
// limits; an answer → the bytes of the response. HttpConnection and the HTTP fuzz target
// (tests/fuzz/) share it, so what is fuzzed is what serves.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "server/aws_error.hpp"
#include "server/http_limits.hpp"
#include "server/http_types.hpp"
#include "state/clock.hpp"

namespace athena {

class RequestReader {
public:
    enum class Step {
        NeedMore,  // every byte given is consumed; more are needed
        Continue,  // the header asks `Expect: 100-continue`: answer 100, then resume() and feed again
        Request,   // a whole request: request() and friends are valid until the next begin()
        Error,     // error() is the answer; the connection closes after it
    };

    explicit RequestReader(const HttpLimits& limits) : limits_(limits) {}

    // Starts the next message.
    void begin();
    // Parses from `buffer`, consuming what it uses (pipelined bytes after a request stay).
    Step feed(boost::beast::flat_buffer& buffer);
    void resume();
    // The client half-closed: Error when part of a request had come, NeedMore when nothing had.
    Step end_of_input(const boost::beast::flat_buffer& buffer);

    bool started(const boost::beast::flat_buffer& buffer) const {
        return buffer.size() > 0 || (parser_ && parser_->got_some());
    }

    // The router's view of the request; its string_views point into the parsed message.
    HttpRequest request() const;
    bool keep_alive() const { return parser_->get().keep_alive(); }
    unsigned version() const { return parser_->get().version(); }
    bool head() const { return parser_->get().method() == boost::beast::http::verb::head; }
    const AwsError& error() const { return *error_; }

private:
    Step fail(boost::beast::error_code ec);
    Step fail(AwsError e);
    Step check_header();

    const HttpLimits& limits_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::optional<AwsError> error_;
    std::size_t header_bytes_{0};
    BodyLimit body_limit_{0, {}};  // the route's (Router::body_limit), once the target is known
    bool header_checked_{false};
};

// Appends the whole response to `out`: status line, Content-Type, the response's headers,
// Content-Length, Date, Connection (close; keep-alive for HTTP/1.0), then the body (none for HEAD).
void write_response(std::string& out, const HttpResponse& r, unsigned version, bool keep_alive, bool head,
                    std::string_view date);

// RFC 9110 IMF-fixdate of `wall`'s time ("Wed, 25 Nov 2026 17:30:00 GMT"), formatted once a
// second per thread; valid until the thread's next call.
std::string_view http_date(const Clock& wall);

}  // namespace athena
