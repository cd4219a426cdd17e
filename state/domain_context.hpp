#pragma once
// What the four domain services share (services.hpp): the store, the clock, the id generator,
// the options, and the helpers more than one of them needs. Not an API of its own: the wire
// layer talks to the services.
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/calculation.hpp"
#include "state/clock.hpp"
#include "state/fixture_set.hpp"
#include "state/id_generator.hpp"
#include "state/profile.hpp"
#include "state/result.hpp"
#include "state/session.hpp"
#include "state/store.hpp"

namespace athena {

struct ServiceOptions {
    Tenant default_tenant{"123456789012", "us-east-1"};
    // The manual clock's start time for a new database (--start-time, else the first startup
    // fixture's clock, else the real time at startup).
    std::optional<Instant> start_time;
    FixtureSource startup_fixtures;  // empty: none
    std::uint64_t seed{0};           // generated session ids
};

// Characters of UTF-8 text, as the model's length constraints count them (chosen ids).
inline std::size_t utf8_code_points(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

// Where the store keeps the id chosen for a session's next calculation (a blob).
inline std::string next_calculation_id_key(const Tenant& t, std::string_view session_id) {
    return "next_calculation_id/" + t.account + "/" + t.region + "/" + std::string(session_id);
}

struct DomainContext {
    // `manual` is the same object as `clock` when --clock manual, else null.
    DomainContext(Store& s, Clock& c, ManualClock* m, Instant real, ServiceOptions o)
        : store(s), clock(c), manual(m), real_now(real), opts(std::move(o)), clock_start(real), ids(opts.seed) {}

    Instant now() const { return clock.now(); }

    Store& store;
    Clock& clock;
    ManualClock* manual;
    Instant real_now;
    ServiceOptions opts;
    Instant clock_start;  // where reset returns the manual clock (ControlService::initialize sets it)
    std::mutex clock_mu;  // orders every change of the manual clock
    IdGenerator ids;
};

// --- Helpers of more than one service (domain_context.cpp) ---------------------------------

// The not-found errors the API shows (CONTRACT §2a texts).
Error session_not_found(std::string_view id);
Error workgroup_not_found(std::string_view name);
Error calculation_not_found(std::string_view id);

// A ClientRequestToken seen before: nullopt when new; else the original answer as stored, or
// IdempotentParameterMismatch when the parameters (`fingerprint`) differ.
std::optional<Result<std::string>> stored_token_answer(Store::Tx& tx, const Tenant& t, std::string_view operation,
                                                       const std::optional<std::string>& token,
                                                       const std::string& fingerprint);
// The same for StartSession and StartCalculationExecution, whose answer is stored as
// "<first state> <id>": (first state, id).
std::optional<Result<std::pair<std::string, std::string>>> replay_token(Store::Tx& tx, const Tenant& t,
                                                                        std::string_view operation,
                                                                        const std::optional<std::string>& token,
                                                                        const std::string& fingerprint);
// TERMINATING now for an active session, and the end of its unfinished calculation.
void terminate_in(Store::Tx& tx, SessionRecord& s, Instant now, std::string reason);
// Ends, at `now`, the calculations of `s` not finished by then (its session entered `state`).
void end_calculations_in(Store::Tx& tx, const SessionRecord& s, Instant now, SessionState state);
// The profile of the session's workgroup, else the built-in default.
Profile profile_of_session(Store::Tx& tx, const SessionRecord& s);

}  // namespace athena
