// athena-emu: flags, the Emulator (server/emulator.hpp), the HTTP listener and signals.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

#include "control/fixture_parser.hpp"
#include "server/config.hpp"
#include "server/credentials.hpp"
#include "server/emulator.hpp"
#include "server/healthcheck.hpp"
#include "server/http_server.hpp"
#include "server/time_format.hpp"

namespace {

[[noreturn]] void die(const std::string& line) {
    std::fprintf(stderr, "athena-emu: %s\n", line.c_str());
    std::exit(2);
}

void write_ready_file(const std::string& path, unsigned short port) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << "{\"port\":" << port << ",\"pid\":" << ::getpid() << "}\n";
        if (!out) throw std::runtime_error("cannot write the ready file " + tmp);
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw std::runtime_error("cannot move the ready file into place at " + path + ": " + ec.message());
}

std::string fixture_list(const athena::Config& cfg) {
    if (cfg.fixtures.empty()) return "built-in default";
    std::string s;
    for (const auto& f : cfg.fixtures) s += (s.empty() ? "" : ",") + f;
    return s;
}

void log_start(athena::Emulator& emu, const athena::Config& cfg, unsigned short port) {
    using athena::LogField;
    emu.log().log(
        athena::LogLevel::Info, "starting athena-emu",
        {{"version", ATHENA_EMU_VERSION},
         {"host", cfg.host},
         {"port", std::to_string(port), true},
         {"db", cfg.db},
         {"database", emu.new_database() ? "new" : "restored"},
         {"fixtures", fixture_list(cfg)},
         {"clock", cfg.clock == athena::ClockMode::Manual ? "manual" : "system"},
         {"now", athena::format_rfc3339_ms(emu.clock().now())},
         {"seed", std::to_string(emu.seed()), true},
         {"account_id", cfg.account_id},
         {"region", cfg.region},
         {"threads", std::to_string(cfg.threads), true},
         {"journal_size", std::to_string(cfg.journal_size), true},
         {"admin", cfg.admin ? (cfg.admin_token ? "on (token)" : "on") : "off"},
         {"max_connections", std::to_string(cfg.limits.max_connections), true},
         {"max_body_bytes", std::to_string(cfg.limits.max_body_bytes), true},
         {"request_timeout_ms", std::to_string(cfg.limits.request_timeout.count()), true},
         {"auth", cfg.auth == athena::AuthMode::Sigv4 ? "sigv4" : "none"},
         {"credentials", cfg.credentials ? *cfg.credentials + " (" + std::to_string(emu.credential_count()) + " keys)"
                                         : std::string("none")},
         {"max_skew_s", std::to_string(cfg.max_skew_s), true}});
}

// The configuration from flags and ATHENA_EMU_* (exits on --help, --version and bad values).
athena::Config configure(int argc, char** argv) {
    athena::ParsedArgs args;
    try {
        args = athena::parse_config(argc, argv, [](const char* n) { return std::getenv(n); });
    } catch (const athena::ConfigError& e) {
        die(e.what());
    }
    if (args.print_and_exit) {
        std::cout << *args.print_and_exit;
        std::exit(0);
    }
    return args.config;
}

std::unique_ptr<athena::Emulator> build(const athena::Config& cfg) {
    using namespace athena;
    auto fixtures = load_fixture_paths(cfg.fixtures);
    if (!fixtures) die("fixtures: " + fixtures.error().message);
    CredentialStore credentials;
    if (cfg.credentials) {
        auto loaded = load_credentials_file(*cfg.credentials);
        if (!loaded) die("--credentials: " + loaded.error().message);
        credentials = std::move(*loaded);
    }
    try {
        return std::make_unique<Emulator>(cfg, std::move(*fixtures), std::move(credentials));
    } catch (const StartupError& e) {
        die(e.what());
    }
}

// SIGINT/SIGTERM: stop accepting, then stop once the last connection has closed, or after
// 10 s: a client that holds its connection without finishing a request does not keep us up.
void stop_on_signals(boost::asio::signal_set& signals, boost::asio::steady_timer& deadline,
                     std::function<void()>& stop_when_idle, athena::HttpServer& server, boost::asio::io_context& ioc,
                     const athena::Logger& log) {
    signals.async_wait([&](const boost::system::error_code& e, int sig) {
        if (e) return;
        log.log(athena::LogLevel::Info, "shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
        server.shutdown();
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        stop_when_idle = [&, give_up] {
            if (server.connection_count() == 0 || std::chrono::steady_clock::now() >= give_up) {
                ioc.stop();
                return;
            }
            deadline.expires_after(std::chrono::milliseconds(5));
            deadline.async_wait([&](const boost::system::error_code& te) {
                if (!te) stop_when_idle();
            });
        };
        stop_when_idle();
    });
}

}  // namespace

int main(int argc, char** argv) {
    using namespace athena;
    namespace net = boost::asio;

    if (argc > 1 && std::string_view(argv[1]) == "healthcheck") return run_healthcheck(argc, argv);
    const Config cfg = configure(argc, argv);
    boost::system::error_code ec;
    const auto address = net::ip::make_address(cfg.host, ec);
    if (ec) die("--host: invalid value '" + cfg.host + "': an IP address such as 127.0.0.1, ::1 or 0.0.0.0");
    auto emu = build(cfg);

    net::io_context ioc(cfg.threads);
    std::unique_ptr<HttpServer> server;
    try {
        server = std::make_unique<HttpServer>(ioc, net::ip::tcp::endpoint(address, cfg.port), emu->router(), emu->log(),
                                              cfg.threads, cfg.limits, emu->wall());
    } catch (const std::exception& e) {
        die(e.what());
    }
    const unsigned short port = server->port();
    log_start(*emu, cfg, port);
    // Before anyone can know we listen: a SIGTERM right after the ready file must still be a
    // clean shutdown (exit 0), not the default action.
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    server->start();
    emu->log().log(LogLevel::Info, "listening on http://" + (address.is_v6() ? "[" + cfg.host + "]" : cfg.host) + ":" +
                                       std::to_string(port));
    if (cfg.ready_file) {
        try {
            write_ready_file(*cfg.ready_file, port);
        } catch (const std::exception& e) {
            die(e.what());
        }
    }

    net::steady_timer deadline(ioc);
    // Lives as long as main: a check that held itself (a shared_ptr cycle) would leak.
    std::function<void()> stop_when_idle;
    stop_on_signals(signals, deadline, stop_when_idle, *server, ioc, emu->log());

    std::vector<std::thread> pool;
    for (int i = 1; i < cfg.threads; ++i) pool.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    server.reset();
    SystemClock wall;
    const Logger log(cfg.log_format, cfg.log_level, wall);
    emu.reset();  // the store closes before the last line
    log.log(LogLevel::Info, "stopped");
    return 0;
}
