#pragma once
// The composition root: one Emulator builds, from a Config, everything but the socket:
// clocks -> store -> domain service -> fault rules, journal, metrics -> admin API -> router.
// main.cpp adds flags, the HTTP listener and signals.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "control/admin_api.hpp"
#include "control/fixture_parser.hpp"
#include "server/config.hpp"
#include "server/credentials.hpp"
#include "server/logger.hpp"
#include "server/router.hpp"
#include "server/sigv4.hpp"
#include "state/services.hpp"
#include "state/store.hpp"

namespace athena {

// A configuration that cannot start: one line naming the flag or file and the problem.
struct StartupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Emulator {
public:
    // Opens the store (--db), applies `fixtures` to a new database (or restores a saved one's
    // clock and fault rules), and wires the rest. `credentials` serves --credentials and
    // --auth sigv4. `wall` is the real time (logs, journal, Date headers, the manual clock's
    // default start); null: the system clock (the unit tests and fuzzers pass a fixed one).
    // `steady` measures latencies and uptime; null: std::chrono::steady_clock (the fuzzers pass
    // one that never moves). Throws StartupError.
    Emulator(const Config& cfg, std::vector<FixtureDocument> fixtures, CredentialStore credentials = {},
             Clock* wall = nullptr, Stopwatch steady = nullptr);
    Emulator(const Emulator&) = delete;
    Emulator& operator=(const Emulator&) = delete;

    Router& router() { return *router_; }
    Services& service() { return *service_; }
    Store& store() { return *store_; }
    const Logger& log() const { return log_; }
    const Clock& clock() const { return manual_ ? static_cast<const Clock&>(*manual_) : wall_; }
    const Clock& wall() const { return wall_; }
    FaultInjector& faults() { return *faults_; }
    RequestJournal& journal() { return journal_; }
    Metrics& metrics() { return metrics_; }
    std::uint64_t seed() const { return seed_; }
    bool new_database() const { return new_database_; }
    std::size_t credential_count() const { return credentials_.size(); }

private:
    void restore_or_add_faults(const std::vector<FaultRule>& startup_faults);

    SystemClock system_wall_;
    Clock& wall_;  // system_wall_ unless the caller gave one
    std::unique_ptr<ManualClock> manual_;
    std::unique_ptr<Store> store_;
    std::uint64_t seed_;
    bool new_database_;
    CredentialStore credentials_;
    std::unique_ptr<Services> service_;
    std::unique_ptr<FaultInjector> faults_;
    RequestJournal journal_;
    Metrics metrics_;
    Logger log_;
    std::unique_ptr<AdminApi> admin_;
    std::unique_ptr<Sigv4Verifier> sigv4_;
    std::unique_ptr<Sigv4Verifier> sigv4_s3_;  // S3 requests (service "s3"), with sigv4_
    std::unique_ptr<Router> router_;
};

}  // namespace athena
