#pragma once
// A whole emulator without sockets or disk, for the fuzz targets: in-memory SQLite, a manual
// clock at 2026-01-01T00:00:00Z, the built-in default fixtures, fixed seeds, the router and the
// admin API. The "wall" clock (journal times, Date headers) is a second manual clock that
// never moves, so an input's answers do not depend on when it runs. (Request latencies still
// come from the real steady clock: the metrics histogram bucket they pick can vary.) A fuzz target makes a fresh one
// for every input, so an input's outcome never depends on the inputs before it (a crash reproduces from its file alone)
// and memory stays bounded.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "control/admin_api.hpp"
#include "control/fixture_parser.hpp"
#include "server/request_id.hpp"
#include "server/router.hpp"
#include "state/services.hpp"
#include "state/store.hpp"

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

struct World {
    Store store{":memory:"};
    ManualClock clock{from_epoch_ms(kStartMs)};
    ManualClock wall{from_epoch_ms(kStartMs)};
    // Errors only (a failing operation); the fuzzers' output stays readable.
    Logger log{LogFormat::Text, LogLevel::Error, wall};
    FaultInjector faults{kSeed, nullptr};
    RequestJournal journal{64};
    Metrics metrics;
    Services service;
    AdminApi admin;
    Router router;

    explicit World(bool with_default_fixtures = true)
        : service(store, clock, &clock, from_epoch_ms(kStartMs), options(with_default_fixtures)),
          admin(service, AdminOptions{}, Observability{faults, journal, metrics, wall},
                startup_faults(with_default_fixtures)),
          router(service, admin, log, Observability{faults, journal, metrics, wall}) {
        seed_request_ids(kSeed);
        if (auto r = service.control.initialize(); !r) {
            std::fprintf(stderr, "fuzz: initialize failed: %s\n", r.error().message.c_str());
            std::abort();
        }
        if (with_default_fixtures)
            for (auto rule : default_fixtures().faults) faults.add(rule);
    }

    static ServiceOptions options(bool with_default_fixtures) {
        ServiceOptions o;
        o.seed = kSeed;
        o.start_time = from_epoch_ms(kStartMs);
        if (with_default_fixtures) o.startup_fixtures.push_back(default_fixtures().set);
        return o;
    }
    static std::vector<FaultRule> startup_faults(bool with_default_fixtures) {
        return with_default_fixtures ? default_fixtures().faults : std::vector<FaultRule>{};
    }
};

}  // namespace athena::fuzz
