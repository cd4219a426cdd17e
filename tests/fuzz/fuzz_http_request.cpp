// Fuzz target: raw bytes, as a client would send them on one connection, in pieces of varying
// size -> the server's RequestReader with its limits (server/http_codec.hpp, exactly what
// HttpConnection runs) -> Router::handle (AWS JSON 1.1 endpoint, admin API, 404s) -> the answer
// serialised by write_response; each answer is checked against README's statuses for its
// endpoint (fuzz_check.hpp). Pipelined requests are answered in order, like HttpConnection
// does; a request that cannot be read gets its 400/413/431 and ends the input.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/http_codec.hpp"
#include "server/s3_api.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_world.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;

// At most this many requests per input: enough for pipelining and for state to build up.
constexpr int kMaxRequests = 16;
// Requests under this prefix go to the admin API (server/router.cpp), the rest to AWS.
constexpr std::string_view kAdminPrefix = "/_emulator/";

// The answer must be a well-formed response head followed by exactly Content-Length bytes.
void check_wire(const std::string& out, const athena::HttpResponse& r, bool head) {
    const auto end = out.find("\r\n\r\n");
    const std::string cl = "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (out.rfind("HTTP/1.", 0) != 0 || end == std::string::npos || out.find(cl) == std::string::npos ||
        out.size() - end - 4 != (head ? 0 : r.body.size())) {
        std::fprintf(stderr, "fuzz: malformed response on the wire:\n%s\n", out.c_str());
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace athena;
    fuzz::World world;
    const HttpLimits limits;
    RequestReader reader(limits);
    const Clock& wall = world.wall;
    beast::flat_buffer buffer;
    std::size_t pos = 0;
    // The first byte picks how the input is cut into reads (1..256 bytes each): a request that
    // arrives in pieces must parse like one that arrives whole.
    const std::size_t piece = size > 0 ? std::size_t{data[0]} + 1 : 1;
    auto read_more = [&]() -> bool {
        if (pos >= size) return false;
        const std::size_t n = std::min(piece, size - pos);
        net::buffer_copy(buffer.prepare(n), net::buffer(data + pos, n));
        buffer.commit(n);
        pos += n;
        return true;
    };
    for (int i = 0; i < kMaxRequests; ++i) {
        reader.begin();
        RequestReader::Step step;
        for (;;) {
            step = reader.feed(buffer);
            if (step == RequestReader::Step::Continue) {
                reader.resume();
                continue;
            }
            if (step != RequestReader::Step::NeedMore) break;
            if (!read_more()) {
                step = reader.end_of_input(buffer);
                break;
            }
        }
        if (step == RequestReader::Step::NeedMore) break;  // the input ended between requests
        std::string out;
        if (step == RequestReader::Step::Error) {
            HttpResponse r = aws_error_response(reader.error(), "00000000-0000-0000-0000-000000000000");
            fuzz::check_reader_error(r);
            write_response(out, r, 11, false, false, http_date(wall));
            check_wire(out, r, false);
            break;
        }
        const std::size_t journaled = world.journal.query({}, {}, {}).size();
        const HttpRequest& req = reader.request();
        const bool admin = req.target.substr(0, kAdminPrefix.size()) == kAdminPrefix;
        HttpResponse r = world.router.handle(req);
        const auto entries = world.journal.query({}, {}, {});
        const bool fault = entries.size() != journaled && !entries.empty() && !entries.back().fault_id.empty();
        if (r.delivery != Delivery::Normal) break;  // reset, close, stall: no answer, the connection ends
        if (admin)
            fuzz::check_admin_answer(r);
        else if (fault)
            fuzz::check_answer(r, true);
        else if (req.amz_target.empty() && is_s3_request(req))
            fuzz::check_s3_answer(r, reader.head());
        else
            fuzz::check_aws_answer(r);
        const bool keep_alive = reader.keep_alive();
        write_response(out, r, reader.version(), keep_alive, reader.head(), http_date(wall));
        check_wire(out, r, reader.head());
        if (!keep_alive) break;
    }
    return 0;
}
