#pragma once
// The domain service: every operation the wire layer can ask for, in domain terms.
// Thread-safe (the store serialises; the clock is atomic).
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/clock.hpp"
#include "state/fixture_set.hpp"
#include "state/result.hpp"
#include "state/session.hpp"
#include "state/store.hpp"

namespace athena {

struct SessionStatusView {
    std::string id;
    SessionStatus status;
};

struct TransitionResult {
    std::string session_id;
    SessionState state;
    Instant at;
};

struct SessionHistory {
    std::string session_id;
    std::vector<Step> transitions;
};

struct ServiceOptions {
    Tenant default_tenant{"123456789012", "us-east-1"};
    // The manual clock's start time for a new database (--start-time, else the first startup
    // fixture's clock, else the real time at startup).
    std::optional<Instant> start_time;
    std::vector<FixtureSet> startup_fixtures;
};

class Service {
public:
    // `manual` is the same object as `clock` when --clock manual, else null.
    Service(Store& store, Clock& clock, ManualClock* manual, Instant real_now, ServiceOptions opts);

    // Brings a new database to its starting state (clock start, startup fixtures) or restores
    // the manual clock from an existing one. Errors name the fixture file, path and reason.
    Result<Unit> initialize();

    Instant now() const { return clock_.now(); }
    ClockMode clock_mode() const { return clock_.mode(); }
    const Tenant& default_tenant() const { return opts_.default_tenant; }

    // GetSessionStatus. SessionNotFound when `id` does not exist for `t`.
    Result<SessionStatusView> get_session_status(const Tenant& t, std::string_view id);

    // Admin: forces `state` now and cancels the remaining steps. `t` narrows the lookup when
    // the same id exists in several tenants (AmbiguousId otherwise).
    Result<TransitionResult> force_transition(std::string_view id, const std::optional<Tenant>& t,
                                              SessionState state, std::string reason);
    Result<SessionHistory> history(std::string_view id, const std::optional<Tenant>& t);

    // Applies a fixture document atomically: all of it or, on the first problem, nothing.
    Result<FixtureCounts> apply_fixtures(const FixtureSet& f);

    // Drops everything, returns the manual clock to its start, re-applies the startup fixtures
    // when asked.
    Result<Unit> reset(bool reapply_startup_fixtures);

    // Manual clock only (ClockMode otherwise); never backwards (ClockBackwards).
    Result<Instant> advance_clock(Millis by);
    Result<Instant> set_clock(Instant t);

private:
    Result<FixtureCounts> apply_in(Store::Tx& tx, const FixtureSet& f, std::optional<Instant>& clock);
    Result<SessionRecord> find_for_admin(std::string_view id, const std::optional<Tenant>& t);
    Result<Instant> set_clock_locked(Instant t);

    Store& store_;
    Clock& clock_;
    ManualClock* manual_;
    Instant real_now_;
    ServiceOptions opts_;
    Instant clock_start_;
    std::mutex clock_mu_;  // orders every change of the manual clock
};

}  // namespace athena
