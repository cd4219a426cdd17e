#pragma once
// The control plane's domain side (the admin API, the console, the metrics): startup state,
// fixtures, the manual clock, reset, forced transitions and their history, the next
// calculation's id, the state export and the counts behind the metrics. Thread-safe (the store
// serialises; clock_mu orders changes of the manual clock). Every method may also return
// Internal when the store fails; nothing is then written.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/domain_context.hpp"
#include "state/notebook_service.hpp"

namespace athena {

struct TransitionResult {
    std::string session_id;
    SessionState state;
    Instant at;
};

struct SessionHistory {
    std::string session_id;
    std::vector<Step> transitions;
};

// Everything the store holds, as the state export shows it.
struct SessionSnapshot {
    SessionRecord record;                            // steps: the transitions made up to now, derived ones included
    std::vector<Step> script;                        // the steps still to come
    std::optional<std::string> next_calculation_id;  // chosen by the admin API, not yet used
};

struct StateSnapshot {
    Instant now;
    std::optional<Instant> clock;  // the manual clock
    std::vector<Profile> profiles;
    std::vector<Scenario> scenarios;
    std::vector<OutcomeRule> outcomes;
    std::vector<WorkgroupRecord> workgroups;
    std::vector<SessionSnapshot> sessions;        // insertion order
    std::vector<CalculationRecord> calculations;  // insertion order
    std::vector<TokenRecord> tokens;
    std::vector<NotebookSnapshot> notebooks;  // insertion order
};

class ControlService {
public:
    explicit ControlService(DomainContext& ctx) : ctx_(ctx) {}

    // Brings a new database to its starting state (clock start, startup fixtures) or restores
    // the manual clock from an existing one. Errors (InvalidArgument, ClockMode,
    // ClockBackwards) name the fixture file, path and reason.
    Result<Unit> initialize();

    // Applies a fixture document atomically: all of it or, on the first problem, nothing.
    // Success: how many of each kind it stored.
    // InvalidArgument: an unknown profile or scenario, a missing workgroup or session, a time
    //   in the future (message: file, path, reason).
    // ClockMode: it sets the clock and the clock is the system clock.
    // ClockBackwards: it moves the manual clock back.
    Result<FixtureCounts> apply_fixtures(const FixtureSet& f);

    // Drops everything, returns the manual clock to its start, re-applies the startup fixtures
    // when asked. Errors as apply_fixtures (nothing is then dropped).
    Result<Unit> reset(bool reapply_startup_fixtures);

    // Manual clock only (ClockMode otherwise). Success: the clock's new time.
    // advance_clock: InvalidArgument when `by` < 0. set_clock: ClockBackwards when `t` is earlier.
    Result<Instant> advance_clock(Millis by);
    Result<Instant> set_clock(Instant t);

    // Forces `state` now and cancels the remaining steps; DEGRADED, FAILED, TERMINATING and
    // TERMINATED end the running calculation. `t` narrows the lookup when the same id exists
    // in several tenants. SessionNotFound: no such session. AmbiguousId: several tenants have
    // it and `t` is null.
    Result<TransitionResult> force_transition(std::string_view id, const std::optional<Tenant>& t, SessionState state,
                                              std::string reason);
    // The transitions in effect now, derived ones included. Errors as force_transition.
    Result<SessionHistory> history(std::string_view id, const std::optional<Tenant>& t);

    // The id the session's next StartCalculationExecution gives its calculation; replaces an
    // earlier choice; used once; kept in the store and the state export. Success: the session's
    // id. Errors as force_transition; InvalidArgument: not 1 to 36 characters (like a
    // CalculationExecutionId); AlreadyExists: a calculation of the tenant has it.
    Result<std::string> set_next_calculation_id(std::string_view session_id, const std::optional<Tenant>& t,
                                                std::string calculation_id);

    // The fault rules (the admin API's serialised JSON array, opaque here), kept in the store
    // so that a database file keeps them across restarts. Never an error but Internal.
    Result<Unit> save_fault_rules(const std::string& rules);
    // The rules saved last; nullopt when none were (a new database, or after a reset).
    std::optional<std::string> saved_fault_rules();

    // Sessions by their state now, every state listed (for the metrics). Never fails.
    std::vector<std::pair<SessionState, std::int64_t>> sessions_by_state();
    // Everything, as a fixture document can bring it back. Never an error but Internal.
    Result<StateSnapshot> export_state();

private:
    Result<std::vector<FixtureSet>> startup_fixtures() const;  // ctx_.opts.startup_fixtures, or none
    Result<FixtureCounts> apply_in(Store::Tx& tx, const FixtureSet& f, std::optional<Instant>& clock);
    Result<Instant> fixture_clock(const FixtureSet& f, std::optional<Instant>& clock);
    Result<Unit> apply_fixture_calculations(Store::Tx& tx, const FixtureSet& f, Instant now, FixtureCounts& counts);
    Result<SessionRecord> find_for_admin(std::string_view id, const std::optional<Tenant>& t);
    Result<Instant> set_clock_locked(Instant t);

    DomainContext& ctx_;
};

}  // namespace athena
