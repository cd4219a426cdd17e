#include <doctest/doctest.h>

#include "state/session.hpp"

using namespace athena;

namespace {
const Instant T0 = from_epoch_ms(1767225600000);  // 2026-01-01T00:00:00Z

SessionRecord session(std::vector<Step> steps, int idle_minutes = 20, Millis terminating = Millis{3000}) {
    SessionRecord s;
    s.tenant = {"123456789012", "us-east-1"};
    s.id = "s1";
    s.workgroup = "wg";
    s.start = T0;
    s.idle_timeout_minutes = idle_minutes;
    s.terminating_ms = terminating;
    s.steps = std::move(steps);
    return s;
}
Step step(std::int64_t after_ms, SessionState st, Cause c = Cause::Script, std::string reason = {}) {
    return Step{T0 + Millis{after_ms}, st, c, std::move(reason)};
}
}  // namespace

TEST_CASE("a scripted session shows the last step in effect, with its scheduled time") {
    auto s =
        session({step(0, SessionState::Creating), step(5000, SessionState::Created), step(6000, SessionState::Idle)});
    auto st = status_at(s, T0 + Millis{4999});
    CHECK(st.state == SessionState::Creating);
    CHECK(st.start == T0);
    CHECK(st.last_modified == T0);
    CHECK_FALSE(st.idle_since);
    CHECK_FALSE(st.end);

    // A step is in effect from its scheduled millisecond on.
    st = status_at(s, T0 + Millis{5000});
    CHECK(st.state == SessionState::Created);
    CHECK(st.last_modified == T0 + Millis{5000});

    // Looked at much later: still the scheduled time, not the time someone looked.
    st = status_at(s, T0 + Millis{60000});
    CHECK(st.state == SessionState::Idle);
    CHECK(st.last_modified == T0 + Millis{6000});
    REQUIRE(st.idle_since);
    CHECK(*st.idle_since == T0 + Millis{6000});
}

TEST_CASE("the idle timeout takes an IDLE session through TERMINATING to TERMINATED") {
    auto s = session({step(0, SessionState::Idle)}, 1, Millis{500});
    CHECK(status_at(s, T0 + Millis{59999}).state == SessionState::Idle);
    auto st = status_at(s, T0 + Millis{60000});
    CHECK(st.state == SessionState::Terminating);
    CHECK(st.last_modified == T0 + Millis{60000});
    CHECK_FALSE(st.idle_since);
    REQUIRE(st.reason);
    CHECK(*st.reason == idle_timeout_reason(1));
    st = status_at(s, T0 + Millis{60500});
    CHECK(st.state == SessionState::Terminated);
    REQUIRE(st.end);
    CHECK(*st.end == T0 + Millis{60500});

    auto steps = effective_steps(s, T0 + Millis{70000});
    REQUIRE(steps.size() == 3);
    CHECK(steps[1].cause == Cause::IdleTimeout);
    CHECK(steps[2].cause == Cause::IdleTimeout);
}

TEST_CASE("remaining script steps replace the idle timeout") {
    auto s = session(
        {step(0, SessionState::Idle), step(3600000, SessionState::Degraded, Cause::Script, "no coordinator")}, 1);
    // At 30 minutes the session has been IDLE past its 1-minute timeout, but a step remains.
    CHECK(status_at(s, T0 + Millis{1800000}).state == SessionState::Idle);
    auto st = status_at(s, T0 + Millis{3600000});
    CHECK(st.state == SessionState::Degraded);
    CHECK(*st.reason == "no coordinator");
}

TEST_CASE("after the last step the idle timeout counts from the last IDLE entry") {
    auto s = session({step(0, SessionState::Idle), step(1000, SessionState::Busy), step(2000, SessionState::Idle)}, 1,
                     Millis{0});
    CHECK(status_at(s, T0 + Millis{61999}).state == SessionState::Idle);
    CHECK(*status_at(s, T0 + Millis{61999}).idle_since == T0 + Millis{2000});
    CHECK(status_at(s, T0 + Millis{62000}).state == SessionState::Terminated);
}

TEST_CASE("a TERMINATING last step ends TERMINATED after terminating_ms") {
    auto s =
        session({step(0, SessionState::Idle), step(1000, SessionState::Terminating, Cause::Api)}, 20, Millis{3000});
    CHECK(status_at(s, T0 + Millis{3999}).state == SessionState::Terminating);
    auto st = status_at(s, T0 + Millis{4000});
    CHECK(st.state == SessionState::Terminated);
    CHECK(*st.end == T0 + Millis{4000});
    CHECK(effective_steps(s, T0 + Millis{4000}).back().cause == Cause::Profile);
}

TEST_CASE("FAILED sets EndDateTime and the reason; a state without reason clears it") {
    auto s = session({step(0, SessionState::Creating, Cause::Script, "starting"),
                      step(10, SessionState::Failed, Cause::Script, "boom")});
    auto st = status_at(s, T0 + Millis{10});
    CHECK(st.state == SessionState::Failed);
    CHECK(*st.end == T0 + Millis{10});
    CHECK(*st.reason == "boom");
    auto s2 = session({step(0, SessionState::Creating, Cause::Script, "starting"), step(10, SessionState::Created)});
    CHECK_FALSE(status_at(s2, T0 + Millis{10}).reason);
}

TEST_CASE("reading is pure: the same record and time give the same status") {
    auto s = session({step(0, SessionState::Idle)}, 1, Millis{500});
    const auto before = s.steps;
    auto a = status_at(s, T0 + Millis{61000});
    auto b = status_at(s, T0 + Millis{61000});
    CHECK(a.state == b.state);
    CHECK(a.last_modified == b.last_modified);
    CHECK(s.steps == before);
}

TEST_CASE("freeze_at keeps history, materialises derived steps and drops the future") {
    auto s = session({step(0, SessionState::Idle), step(120000, SessionState::Busy)}, 1, Millis{0});
    freeze_at(s, T0 + Millis{1000});
    CHECK(s.steps.size() == 1);
    auto t = session({step(0, SessionState::Idle)}, 1, Millis{500});
    freeze_at(t, T0 + Millis{60200});
    REQUIRE(t.steps.size() == 2);
    CHECK(t.steps[1].state == SessionState::Terminating);
    CHECK(t.steps[1].cause == Cause::IdleTimeout);
}

TEST_CASE("state names round-trip, and only the eight states parse") {
    for (auto st : {SessionState::Creating, SessionState::Created, SessionState::Idle, SessionState::Busy,
                    SessionState::Terminating, SessionState::Terminated, SessionState::Degraded, SessionState::Failed})
        CHECK(parse_session_state(to_string(st)) == st);
    CHECK_FALSE(parse_session_state("idle"));
    CHECK_FALSE(parse_session_state("RUNNING"));
}
