// The pure planners of a session that dies under its calculation (CONTRACT §4): no store.
#include <doctest/doctest.h>

#include "state/calculation.hpp"
#include "state/session.hpp"

using namespace athena;

namespace {
const Instant T0 = from_epoch_ms(1767225600000);  // 2026-01-01T00:00:00Z

Instant at(std::int64_t ms) { return T0 + Millis{ms}; }

Step step(std::int64_t ms, SessionState st, Cause c = Cause::Script, std::string reason = {}) {
    return Step{at(ms), st, c, std::move(reason)};
}

SessionRecord idle_session(std::vector<Step> script_after_idle = {}) {
    SessionRecord s;
    s.id = "s1";
    s.start = T0;
    s.terminating_ms = Millis{1000};
    s.steps = {step(0, SessionState::Idle)};
    s.steps.insert(s.steps.end(), script_after_idle.begin(), script_after_idle.end());
    return s;
}

// Submitted at `from`, RUNNING at from+100, COMPLETED at from+1000.
CalculationRecord calculation(std::int64_t from) {
    CalculationRecord c;
    c.id = "c1";
    c.submitted = at(from);
    c.steps = {{at(from), CalculationState::Creating, {}},
               {at(from + 100), CalculationState::Created, {}},
               {at(from + 100), CalculationState::Queued, {}},
               {at(from + 100), CalculationState::Running, {}},
               {at(from + 1000), CalculationState::Completed, {}}};
    return c;
}

std::vector<SessionState> states(const SessionRecord& s) {
    std::vector<SessionState> out;
    for (const auto& st : s.steps) out.push_back(st.state);
    return out;
}
}  // namespace

TEST_CASE("a calculation on a plain session: BUSY now, IDLE at its end, nothing ends it") {
    auto s = idle_session();
    auto ends =
        plan_session_around_calculation(s, at(500), {step(500, SessionState::Busy, Cause::Calculation)}, at(1500));
    CHECK_FALSE(ends);
    CHECK(states(s) == std::vector{SessionState::Idle, SessionState::Busy, SessionState::Idle});
    CHECK(s.steps.back().at == at(1500));
    CHECK(s.steps.back().cause == Cause::Calculation);
}

TEST_CASE("a script keeps its failure steps across a calculation's start and drops IDLE/BUSY ones") {
    auto s = idle_session({step(700, SessionState::Busy), step(800, SessionState::Degraded, Cause::Script, "disk"),
                           step(900, SessionState::Idle), step(5000, SessionState::Failed)});
    auto ends =
        plan_session_around_calculation(s, at(500), {step(500, SessionState::Busy, Cause::Calculation)}, at(1500));
    REQUIRE(ends);
    CHECK(ends->at == at(800));
    CHECK(ends->state == SessionState::Degraded);
    // No IDLE at the calculation's end: the session does not come back on its own.
    CHECK(states(s) ==
          std::vector{SessionState::Idle, SessionState::Busy, SessionState::Degraded, SessionState::Failed});
    CHECK(s.steps[2].cause == Cause::Script);
    CHECK(s.steps[2].reason == "disk");

    auto c = calculation(500);
    CHECK(end_calculation_at(c, ends->at, ends->state));
    auto st = calculation_status_at(c, at(10000));
    CHECK(st.state == CalculationState::Failed);
    REQUIRE(st.completed);
    CHECK(*st.completed == at(800));
    REQUIRE(st.reason);
    CHECK(*st.reason == "The session entered the DEGRADED state while the calculation ran.");
    CHECK(running_ms_at(c, at(10000)) == 200);  // RUNNING from 600 to 800
    // Before the failure, the calculation shows what it showed before.
    CHECK(calculation_status_at(c, at(799)).state == CalculationState::Running);
}

TEST_CASE("a failure step after the calculation's end: IDLE first, the failure later, the calculation completes") {
    auto s = idle_session({step(30000, SessionState::Degraded)});
    auto ends =
        plan_session_around_calculation(s, at(500), {step(500, SessionState::Busy, Cause::Calculation)}, at(1500));
    REQUIRE(ends);
    CHECK(states(s) == std::vector{SessionState::Idle, SessionState::Busy, SessionState::Idle, SessionState::Degraded});
    auto c = calculation(500);
    CHECK_FALSE(end_calculation_at(c, ends->at, ends->state));
    CHECK(calculation_status_at(c, at(40000)).state == CalculationState::Completed);
}

TEST_CASE("an outcome rule's session step is added in time order and ends the calculation") {
    auto s = idle_session({step(3000, SessionState::Terminated)});
    auto ends = plan_session_around_calculation(
        s, at(0),
        {step(0, SessionState::Busy, Cause::Calculation), step(400, SessionState::Failed, Cause::Calculation, "OOM")},
        at(1000));
    REQUIRE(ends);
    CHECK(ends->at == at(400));
    CHECK(states(s) ==
          std::vector{SessionState::Idle, SessionState::Busy, SessionState::Failed, SessionState::Terminated});
    CHECK(status_at(s, at(400)).reason == std::optional<std::string>("OOM"));
}

TEST_CASE("a failure at the instant the calculation would finish wins; one just after does not") {
    auto c = calculation(0);
    CHECK(end_calculation_at(c, at(1000), SessionState::Failed));
    CHECK(calculation_status_at(c, at(1000)).state == CalculationState::Failed);

    auto d = calculation(0);
    CHECK_FALSE(end_calculation_at(d, at(1001), SessionState::Failed));
    CHECK(calculation_status_at(d, at(1001)).state == CalculationState::Completed);

    auto s = idle_session({step(1000, SessionState::Failed)});
    plan_session_around_calculation(s, at(0), {step(0, SessionState::Busy, Cause::Calculation)}, at(1000));
    CHECK(states(s) == std::vector{SessionState::Idle, SessionState::Busy, SessionState::Failed});
}

TEST_CASE("a calculation already CANCELING ends CANCELED when its session dies") {
    auto c = calculation(0);
    freeze_at(c, at(300));
    c.steps.push_back({at(300), CalculationState::Canceling, {}});
    c.steps.push_back({at(2300), CalculationState::Canceled, {}});
    CHECK(end_calculation_at(c, at(500), SessionState::Terminating));
    auto st = calculation_status_at(c, at(600));
    CHECK(st.state == CalculationState::Canceled);
    CHECK(*st.completed == at(500));
    CHECK_FALSE(st.reason);
}

TEST_CASE("a stop replans the session: failure steps stay, IDLE moves to the end of CANCELING") {
    auto s = idle_session({step(0, SessionState::Busy, Cause::Calculation),
                           step(1000, SessionState::Idle, Cause::Calculation),
                           step(9000, SessionState::Failed, Cause::Calculation)});
    s.steps.erase(s.steps.begin());  // BUSY from 0 on
    auto ends = plan_session_around_calculation(s, at(200), {}, at(700));
    REQUIRE(ends);
    CHECK(ends->at == at(9000));
    CHECK(states(s) == std::vector{SessionState::Busy, SessionState::Idle, SessionState::Failed});
    CHECK(s.steps[1].at == at(700));
}

TEST_CASE("stop modes and session-ending states have names") {
    CHECK(parse_stop("honoured") == OutcomeRule::Stop::Honoured);
    CHECK(parse_stop("ignored") == OutcomeRule::Stop::Ignored);
    CHECK(parse_stop("delayed") == OutcomeRule::Stop::Delayed);
    CHECK_FALSE(parse_stop("honored"));
    CHECK(ends_calculation(SessionState::Degraded));
    CHECK(ends_calculation(SessionState::Terminating));
    CHECK_FALSE(ends_calculation(SessionState::Idle));
    CHECK_FALSE(ends_calculation(SessionState::Busy));
}
