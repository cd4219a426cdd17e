#include "server/healthcheck.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace athena {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

int run_healthcheck(int argc, const char* const* argv) {
    // Same settings as the server: --host/--port, else ATHENA_EMU_HOST/ATHENA_EMU_PORT.
    std::string host = std::getenv("ATHENA_EMU_HOST") ? std::getenv("ATHENA_EMU_HOST") : "127.0.0.1";
    std::string port = std::getenv("ATHENA_EMU_PORT") ? std::getenv("ATHENA_EMU_PORT") : "4599";
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--host")
            host = argv[i + 1];
        else if (flag == "--port")
            port = argv[i + 1];
        else {
            std::fprintf(stderr, "athena-emu healthcheck: unknown option '%s' (use --host H --port P)\n", argv[i]);
            return 2;
        }
    }
    if (host == "0.0.0.0") host = "127.0.0.1";
    if (host == "::") host = "::1";
    try {
        net::io_context ioc;
        net::ip::tcp::resolver resolver(ioc);
        beast::tcp_stream stream(ioc);
        stream.expires_after(std::chrono::seconds(3));
        stream.connect(resolver.resolve(host, port));
        http::request<http::empty_body> req{http::verb::get, "/_emulator/health", 11};
        req.set(http::field::host, host);
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        if (res.result() == http::status::ok && res.body().find("\"status\":\"ok\"") != std::string::npos) {
            std::printf("%s\n", res.body().c_str());
            return 0;
        }
        std::fprintf(stderr, "athena-emu healthcheck: %s:%s answered %u: %s\n", host.c_str(), port.c_str(),
                     res.result_int(), res.body().c_str());
    } catch (const boost::system::system_error& e) {
        std::fprintf(stderr, "athena-emu healthcheck: no answer from %s:%s: %s\n", host.c_str(), port.c_str(),
                     e.code().message().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "athena-emu healthcheck: no answer from %s:%s: %s\n", host.c_str(), port.c_str(),
                     e.what());
    }
    return 1;
}

}  // namespace athena
