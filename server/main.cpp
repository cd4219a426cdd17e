// athena-emu: wires the configuration, the store, the domain service and the HTTP server.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <functional>
#include <random>
#include <thread>

#include "server/admin_api.hpp"
#include "server/config.hpp"
#include "server/credentials.hpp"
#include "server/fixture_parser.hpp"
#include "server/healthcheck.hpp"
#include "server/http_server.hpp"
#include "server/request_id.hpp"
#include "server/router.hpp"
#include "server/sigv4.hpp"
#include "server/time_format.hpp"
#include "state/service.hpp"
#include "state/store.hpp"

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

}  // namespace

int main(int argc, char** argv) {
    using namespace athena;
    namespace net = boost::asio;

    if (argc > 1 && std::string_view(argv[1]) == "healthcheck") return run_healthcheck(argc, argv);

    ParsedArgs args;
    try {
        args = parse_config(argc, argv, [](const char* n) { return std::getenv(n); });
    } catch (const ConfigError& e) {
        die(e.what());
    }
    if (args.print_and_exit) {
        std::cout << *args.print_and_exit;
        return 0;
    }
    const Config& cfg = args.config;

    boost::system::error_code ec;
    const auto address = net::ip::make_address(cfg.host, ec);
    if (ec) die("--host: invalid value '" + cfg.host + "': an IP address such as 127.0.0.1, ::1 or 0.0.0.0");

    auto fixtures = load_fixture_paths(cfg.fixtures);
    if (!fixtures) die("fixtures: " + fixtures.error().message);

    CredentialStore credentials;
    if (cfg.credentials) {
        auto loaded = load_credentials_file(*cfg.credentials);
        if (!loaded) die("--credentials: " + loaded.error().message);
        credentials = std::move(*loaded);
    }

    SystemClock wall;
    const Instant real_now = wall.now();
    std::unique_ptr<ManualClock> manual;
    if (cfg.clock == ClockMode::Manual) manual = std::make_unique<ManualClock>(cfg.start_time.value_or(real_now));
    Clock& clock = manual ? static_cast<Clock&>(*manual) : static_cast<Clock&>(wall);

    std::unique_ptr<Store> store;
    try {
        store = std::make_unique<Store>(cfg.db);
    } catch (const SqliteError& e) {
        die(std::string("--db: ") + e.what());
    }

    std::uint64_t seed = cfg.seed.value_or(0);
    if (!cfg.seed) {
        std::random_device rd;
        seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    }
    seed_request_ids(seed);

    ServiceOptions sopts;
    sopts.default_tenant = Tenant{cfg.account_id, cfg.region};
    sopts.start_time = cfg.start_time;
    std::vector<FaultRule> startup_faults;
    for (auto& doc : *fixtures) {
        sopts.startup_fixtures.push_back(std::move(doc.set));
        for (auto& rule : doc.faults) startup_faults.push_back(std::move(rule));
    }
    sopts.seed = seed;
    const bool new_database = store->is_new();
    Service service(*store, clock, manual.get(), real_now, std::move(sopts));
    if (auto r = service.initialize(); !r) die("fixtures: " + r.error().message);

    // Fault rules live in the store too, so a database file keeps them across restarts.
    FaultInjector faults(seed, [&store](const std::string& rules) {
        store->write([&](Store::Tx& tx) { tx.set_blob("fault_rules", rules); });
    });
    if (new_database) {
        for (auto rule : startup_faults)
            if (auto e = faults.add(rule)) die("fixtures: faults: " + *e);
    } else if (auto saved = store->blob("fault_rules")) {
        faults.load_json(*saved);
    }
    RequestJournal journal(cfg.journal_size);
    Metrics metrics;
    Observability obs{faults, journal, metrics, wall};

    Logger log(cfg.log_format, cfg.log_level, wall);
    AdminApi admin(service, AdminOptions{cfg.admin, cfg.admin_token}, obs, startup_faults);
    std::unique_ptr<Sigv4Verifier> sigv4;
    if (cfg.auth == AuthMode::Sigv4)
        sigv4 = std::make_unique<Sigv4Verifier>(credentials, Sigv4Options{"athena", std::chrono::seconds(cfg.max_skew_s)});
    Router router(service, admin, log, obs, RouterAuth{sigv4.get(), cfg.credentials ? &credentials : nullptr});
    router.set_max_json_depth(cfg.max_json_depth);

    net::io_context ioc(cfg.threads);
    std::unique_ptr<HttpServer> server;
    try {
        server = std::make_unique<HttpServer>(ioc, net::ip::tcp::endpoint(address, cfg.port), router, log, cfg.threads, cfg.limits, wall);
    } catch (const std::exception& e) {
        die(e.what());
    }
    const unsigned short port = server->port();
    const std::string url = "http://" + (address.is_v6() ? "[" + cfg.host + "]" : cfg.host) + ":" + std::to_string(port);

    log.log(LogLevel::Info, "starting athena-emu",
            {{"version", ATHENA_EMU_VERSION},
             {"host", cfg.host},
             {"port", std::to_string(port), true},
             {"db", cfg.db},
             {"database", new_database ? "new" : "restored"},
             {"fixtures", cfg.fixtures.empty() ? "built-in default" : [&] {
                  std::string s;
                  for (const auto& f : cfg.fixtures) s += (s.empty() ? "" : ",") + f;
                  return s;
              }()},
             {"clock", cfg.clock == ClockMode::Manual ? "manual" : "system"},
             {"now", format_rfc3339_ms(clock.now())},
             {"seed", std::to_string(seed), true},
             {"account_id", cfg.account_id},
             {"region", cfg.region},
             {"threads", std::to_string(cfg.threads), true},
             {"journal_size", std::to_string(cfg.journal_size), true},
             {"admin", cfg.admin ? (cfg.admin_token ? "on (token)" : "on") : "off"},
             {"max_connections", std::to_string(cfg.limits.max_connections), true},
             {"max_body_bytes", std::to_string(cfg.limits.max_body_bytes), true},
             {"request_timeout_ms", std::to_string(cfg.limits.request_timeout.count()), true},
             {"auth", cfg.auth == AuthMode::Sigv4 ? "sigv4" : "none"},
             {"credentials", cfg.credentials ? *cfg.credentials + " (" + std::to_string(credentials.size()) + " keys)"
                                             : std::string("none")},
             {"max_skew_s", std::to_string(cfg.max_skew_s), true}});

    // Before anyone can know we listen: a SIGTERM right after the ready file must still be a
    // clean shutdown (exit 0), not the default action.
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    server->start();
    log.log(LogLevel::Info, "listening on " + url);
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
    signals.async_wait([&](const boost::system::error_code& e, int sig) {
        if (e) return;
        log.log(LogLevel::Info, "shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
        server->shutdown();
        // Stop once the last connection has closed, or after 10 s: a client that holds its
        // connection without finishing a request does not keep us up.
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        stop_when_idle = [&, give_up] {
            if (server->connection_count() == 0 || std::chrono::steady_clock::now() >= give_up) {
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

    std::vector<std::thread> pool;
    for (int i = 1; i < cfg.threads; ++i) pool.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    server.reset();
    store.reset();
    log.log(LogLevel::Info, "stopped");
    return 0;
}
