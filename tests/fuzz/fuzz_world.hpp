#pragma once
// A whole emulator without sockets or disk, for the fuzz targets: in-memory SQLite, a manual
// clock at 2026-01-01T00:00:00Z, the built-in default fixtures, fixed seeds, the router and the
// admin API. The "wall" clock (journal times, Date headers) is a second manual clock that
// never moves, and so does the stopwatch that times requests (latency 0, the same metrics
// bucket every run): an input's answers and the path it takes do not depend on when or how fast
// it runs, so a fixed-seed run is the same run every time. A fuzz target makes a fresh one
// for every input, so an input's outcome never depends on the inputs before it (a crash reproduces from its file alone)
// and memory stays bounded.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "control/fixture_parser.hpp"
#include "server/emulator.hpp"

namespace athena::fuzz {

inline constexpr std::int64_t kStartMs = 1767225600000;  // 2026-01-01T00:00:00Z
inline constexpr std::uint64_t kSeed = 1;

// The built-in default fixture document, parsed once.
inline const FixtureDocument& default_fixtures() {
    static const FixtureDocument doc = [] {
        auto d = parse_fixture_document(embedded_default_fixture(), "built-in default");
        if (!d) {
            std::fprintf(stderr, "fuzz: the built-in fixtures do not parse: %s\n", d.error().message.c_str());
            std::abort();
        }
        return *d;
    }();
    return doc;
}

// The server's composition root (server/emulator.hpp) with the fixed clocks and seeds above.
struct World {
    ManualClock wall{from_epoch_ms(kStartMs)};
    Emulator emu;
    Services& service;
    RequestJournal& journal;
    Router& router;

    explicit World(bool with_default_fixtures = true)
        : emu(config(), fixtures(with_default_fixtures), {}, &wall, &still),
          service(emu.service()),
          journal(emu.journal()),
          router(emu.router()) {}

    static std::chrono::steady_clock::time_point still() { return {}; }
    static Config config() {
        Config c;
        c.clock = ClockMode::Manual;
        c.start_time = from_epoch_ms(kStartMs);
        c.seed = kSeed;
        c.journal_size = 64;
        c.log_level = LogLevel::Error;  // errors only (a failing operation): the output stays readable
        return c;
    }
    static std::vector<FixtureDocument> fixtures(bool with_default_fixtures) {
        if (!with_default_fixtures) return {};
        return {default_fixtures()};
    }
};

}  // namespace athena::fuzz
