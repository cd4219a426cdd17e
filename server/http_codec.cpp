#include "server/http_codec.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <limits>

#include "server/router.hpp"

namespace athena {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

template <class Msg, class Name>
std::string_view header(const Msg& msg, Name name) {
    auto it = msg.find(name);
    return it == msg.end() ? std::string_view{} : std::string_view(it->value());
}

void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
}

std::string_view reason_phrase(unsigned status) {
    auto r = http::obsolete_reason(http::int_to_status(status));
    return r.empty() || r == "<unknown-status>" ? std::string_view("Unknown") : std::string_view(r);
}

}  // namespace

void RequestReader::begin() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits_.max_header_bytes, UINT32_MAX)));
    // The route's own limit is set once the target is known (check_header).
    parser_->body_limit(std::max(limits_.max_body_bytes, limits_.max_admin_body_bytes));
    parser_->eager(false);
    error_.reset();
    header_bytes_ = 0;
    header_checked_ = false;
}

RequestReader::Step RequestReader::feed(beast::flat_buffer& buffer) {
    while (buffer.size() > 0) {
        beast::error_code ec;
        const bool in_header = !parser_->is_header_done();
        const std::size_t n = parser_->put(buffer.data(), ec);
        buffer.consume(n);
        // Beast's header_limit bounds the bytes one put() examines; a header fed in pieces is
        // bounded here, in total.
        if (in_header && (header_bytes_ += n) > limits_.max_header_bytes) ec = http::error::header_limit;
        if (ec == http::error::need_more) break;
        if (ec) return fail(ec);
        if (parser_->is_header_done() && !header_checked_) {
            header_checked_ = true;
            if (auto step = check_header(); step != Step::NeedMore) return step;
            parser_->eager(true);
        }
        if (parser_->is_done()) return Step::Request;
        if (n == 0) break;
    }
    return Step::NeedMore;
}

void RequestReader::resume() { parser_->eager(true); }

RequestReader::Step RequestReader::end_of_input(const beast::flat_buffer& buffer) {
    if (!started(buffer)) return Step::NeedMore;
    return fail(http::error::partial_message);
}

// The header is in: apply the route's body limit, refuse what cannot be read.
RequestReader::Step RequestReader::check_header() {
    const auto& msg = parser_->get();
    body_limit_ = Router::body_limit(msg.target(), limits_);
    if (auto len = parser_->content_length(); len && *len > body_limit_.bytes) return fail(http::error::body_limit);
    // RFC 9112 §6.3: a request whose last transfer coding is not chunked has no knowable length.
    if (auto te = msg.find(http::field::transfer_encoding); te != msg.end() && !parser_->chunked())
        return fail(AwsError::serialization("Transfer-Encoding '" + std::string(te->value()) +
                                            "' is not supported: send the body with Content-Length or chunked"));
    parser_->body_limit(body_limit_.bytes);
    auto expect = msg.find(http::field::expect);
    if (expect != msg.end() && beast::iequals(expect->value(), "100-continue") && msg.version() >= 11 &&
        !parser_->is_done())
        return Step::Continue;
    return Step::NeedMore;
}

RequestReader::Step RequestReader::fail(beast::error_code ec) {
    if (ec == http::error::body_limit) {
        // Content-Length above every limit fails inside the header's parse: route it here.
        if (!header_checked_) body_limit_ = Router::body_limit(parser_->get().target(), limits_);
        return fail(AwsError::body_too_large(body_limit_.bytes, body_limit_.flag));
    }
    if (ec == http::error::header_limit) return fail(AwsError::headers_too_large(limits_.max_header_bytes));
    return fail(AwsError::serialization("Malformed HTTP request: " + ec.message()));
}

RequestReader::Step RequestReader::fail(AwsError e) {
    error_ = std::move(e);
    return Step::Error;
}

HttpRequest RequestReader::request() const {
    const auto& msg = parser_->get();
    HttpRequest req;
    req.method = msg.method_string();
    req.target = msg.target();
    req.amz_target = header(msg, "X-Amz-Target");
    req.authorization = header(msg, http::field::authorization);
    req.body = msg.body();
    req.headers = HeaderLookup(msg);
    return req;
}

void write_response(std::string& out, const HttpResponse& r, unsigned version, bool keep_alive, bool head,
                    std::string_view date) {
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    append_number(out, r.status);
    out += ' ';
    out += reason_phrase(r.status);
    out += "\r\nContent-Type: ";
    out += r.content_type;
    for (const auto& [k, v] : r.headers) {
        out += "\r\n";
        out += k;
        out += ": ";
        out += v;
    }
    out += "\r\nContent-Length: ";
    append_number(out, r.body.size());
    out += "\r\nDate: ";
    out += date;
    if (!keep_alive)
        out += "\r\nConnection: close";
    else if (version == 10)
        out += "\r\nConnection: keep-alive";
    out += "\r\n\r\n";
    if (!head) out += r.body;
}

std::string_view http_date(const Clock& wall) {
    // Names spelled out: strftime's %a/%b follow the locale.
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    thread_local std::int64_t cached_s = std::numeric_limits<std::int64_t>::min();
    thread_local std::array<char, 32> buf{};
    thread_local std::size_t len = 0;
    const std::int64_t ms = to_epoch_ms(wall.now());
    const std::int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    if (s != cached_s) {
        const std::time_t t = static_cast<std::time_t>(s);
        std::tm tm{};
        gmtime_r(&t, &tm);
        const int n =
            std::snprintf(buf.data(), buf.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                          kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        len = n > 0 ? static_cast<std::size_t>(n) : 0;
        cached_s = s;
    }
    return {buf.data(), len};
}

}  // namespace athena
