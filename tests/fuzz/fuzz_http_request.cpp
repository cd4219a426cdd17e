// Fuzz target: raw bytes, as a client would send them on one connection -> the server's HTTP
// parser with its limits -> Router::handle (AWS JSON 1.1 endpoint, admin API, 404s) -> the
// answer serialised as the server writes it. Pipelined requests are answered in order, like
// HttpConnection does; a request that cannot be read gets its 400/413 and ends the input.
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <cstddef>
#include <cstdint>

#include "server/http_message.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_world.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// At most this many requests per input: enough for pipelining and for state to build up.
constexpr int kMaxRequests = 16;

// The connection's socket, in memory: reads give the input, writes are counted.
class MemoryStream {
public:
    MemoryStream(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    template <class Buffers>
    std::size_t read_some(const Buffers& buffers, beast::error_code& ec) {
        ec = {};
        if (pos_ == size_) {
            ec = net::error::eof;
            return 0;
        }
        const std::size_t n = net::buffer_copy(buffers, net::buffer(data_ + pos_, size_ - pos_));
        pos_ += n;
        return n;
    }
    template <class Buffers>
    std::size_t read_some(const Buffers& buffers) {
        beast::error_code ec;
        const std::size_t n = read_some(buffers, ec);
        if (ec) throw beast::system_error(ec);
        return n;
    }
    template <class Buffers>
    std::size_t write_some(const Buffers& buffers, beast::error_code& ec) {
        ec = {};
        const std::size_t n = net::buffer_size(buffers);
        written_ += n;
        return n;
    }
    template <class Buffers>
    std::size_t write_some(const Buffers& buffers) {
        beast::error_code ec;
        return write_some(buffers, ec);
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_{0};
    std::size_t written_{0};
};

void write_answer(MemoryStream& stream, athena::HttpResponse r, unsigned version, bool keep_alive) {
    auto res = athena::to_beast_response(std::move(r), version, keep_alive);
    beast::error_code ec;
    http::write(stream, res, ec);
    if (ec) {
        std::fprintf(stderr, "fuzz: writing an answer failed: %s\n", ec.message().c_str());
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace athena;
    fuzz::World world;
    MemoryStream stream(data, size);
    beast::flat_buffer buffer;
    for (int i = 0; i < kMaxRequests; ++i) {
        RequestParser parser;
        apply_request_limits(parser);
        beast::error_code ec;
        http::read(stream, buffer, parser, ec);
        if (read_ends_connection(ec)) break;
        if (ec) {
            HttpResponse r = read_error_response(ec);
            fuzz::check_answer(r, false);
            write_answer(stream, std::move(r), 11, false);
            break;
        }
        const auto& msg = parser.get();
        const std::size_t journaled = world.journal.query({}, {}, {}).size();
        HttpResponse r = world.router.handle(to_http_request(msg));
        const auto entries = world.journal.query({}, {}, {});
        const bool fault = entries.size() != journaled && !entries.empty() && !entries.back().fault_id.empty();
        if (r.delivery != Delivery::Normal) break;  // reset, close, stall: no answer, the connection ends
        fuzz::check_answer(r, fault);
        const bool keep_alive = msg.keep_alive();
        write_answer(stream, std::move(r), msg.version(), keep_alive);
        if (!keep_alive) break;
    }
    return 0;
}
