// state_bench: the domain's operations without HTTP, for repeatable before/after figures
// (wall time here, instruction counts under callgrind). Not a test; see bench/README.md.
//
//   state_bench [--db PATH] [--fixture FILE] [--op NAME] [--n N] [--sessions K]
//
// Loads FILE (parse, then apply: timed apart), then runs --op N times:
//   none      nothing (the setup's cost, to subtract under callgrind)
//   status    GetSessionStatus on fixture session s-<random of K>
//   start     StartSession on workgroup `bench`
//   calc      StartCalculationExecution on fixture session s-<i>, each once (needs N <= K)
//   terminate TerminateSession of a session started before the timed part
//   list      ListSessions of `bench`, MaxResults 10
//   mixed     the mix of bench/mixed.lua: 70 status, 8 start, 7 list, 7 terminate, 8 calc
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "control/fixture_parser.hpp"
#include "server/emulator.hpp"

using namespace athena;
using Steady = std::chrono::steady_clock;

namespace {

double ms_since(Steady::time_point t0) { return std::chrono::duration<double, std::milli>(Steady::now() - t0).count(); }

std::string fixture_id(std::size_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "s-%06zu", i);
    return buf;
}

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "state_bench: %s\n", msg.c_str());
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    std::string db = ":memory:", fixture, op = "none";
    std::size_t n = 10000, k = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) die(a + " needs a value");
            return argv[++i];
        };
        if (a == "--db")
            db = val();
        else if (a == "--fixture")
            fixture = val();
        else if (a == "--op")
            op = val();
        else if (a == "--n")
            n = std::stoul(val());
        else if (a == "--sessions")
            k = std::stoul(val());
        else
            die("unknown argument " + a + " (see the comment at the top of bench/state_bench.cpp)");
    }

    auto t0 = Steady::now();
    std::vector<FixtureDocument> docs;
    if (!fixture.empty()) {
        auto loaded = load_fixture_paths({fixture});
        if (!loaded) die(loaded.error().message);
        docs = std::move(*loaded);
        if (k == 0)
            for (const auto& d : docs) k += d.set.sessions.size();
    }
    const double parse_ms = ms_since(t0);

    // the server's composition root, without the socket (seed 0: the same ids every run)
    Config cfg;
    cfg.db = db;
    cfg.seed = 0;
    cfg.log_level = LogLevel::Error;
    t0 = Steady::now();
    std::unique_ptr<Emulator> emu;
    try {
        emu = std::make_unique<Emulator>(cfg, std::move(docs));
    } catch (const StartupError& e) {
        die(e.what());
    }
    Services& service = emu->service();
    const double apply_ms = ms_since(t0);

    const Tenant t = service.default_tenant();
    std::mt19937_64 rng(7);
    std::vector<std::string> started;
    auto start_one = [&] {
        StartSessionInput in;
        in.workgroup = "bench";
        in.engine_configuration = R"({"MaxConcurrentDpus":20})";
        auto r = service.sessions.start_session(t, in);
        if (!r) die("StartSession: " + r.error().message);
        started.push_back(r->session_id);
    };
    if (op == "terminate")
        for (std::size_t i = 0; i < n; ++i) start_one();

    std::size_t calc_next = 1;
    auto calc_one = [&] {
        if (calc_next > k) die("calc: more calculations than fixture sessions (--n <= --sessions)");
        StartCalculationInput in;
        in.session_id = fixture_id(calc_next++);
        in.code = "print(1)";
        auto r = service.calculations.start_calculation(t, in);
        if (!r) die("StartCalculationExecution: " + r.error().message);
    };
    std::size_t term_next = 0;
    auto terminate_one = [&] {
        if (term_next >= started.size()) return start_one();
        auto r = service.sessions.terminate_session(t, started[term_next++]);
        if (!r) die("TerminateSession: " + r.error().message);
    };
    auto status_one = [&] {
        auto r = service.sessions.get_session_status(t, fixture_id(1 + rng() % k));
        if (!r) die("GetSessionStatus: " + r.error().message);
    };
    auto list_one = [&] {
        auto r = service.sessions.list_sessions(t, "bench", std::nullopt, 10, std::nullopt);
        if (!r) die("ListSessions: " + r.error().message);
    };

    t0 = Steady::now();
    for (std::size_t i = 0; i < n; ++i) {
        if (op == "none") break;
        if (op == "status")
            status_one();
        else if (op == "start")
            start_one();
        else if (op == "calc")
            calc_one();
        else if (op == "terminate")
            terminate_one();
        else if (op == "list")
            list_one();
        else if (op == "mixed") {
            const auto r = rng() % 100;
            if (r < 70)
                status_one();
            else if (r < 78)
                start_one();
            else if (r < 85)
                list_one();
            else if (r < 92)
                terminate_one();
            else
                calc_one();
        } else
            die("unknown --op " + op);
    }
    const double run_ms = ms_since(t0);
    std::printf("parse_ms\t%.1f\napply_ms\t%.1f\nop\t%s\nn\t%zu\nrun_ms\t%.1f\nus_per_op\t%.2f\n", parse_ms, apply_ms,
                op.c_str(), n, run_ms, op == "none" || n == 0 ? 0.0 : run_ms * 1000.0 / static_cast<double>(n));
    return 0;
}
