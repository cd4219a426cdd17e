// The pure planners of a new session and a new calculation (session.hpp, calculation.hpp).
#include <doctest/doctest.h>

#include "state/calculation.hpp"
#include "state/session.hpp"

using namespace athena;

namespace {
const Instant T0 = from_epoch_ms(1767225600000);  // 2026-01-01T00:00:00Z

Instant at(std::int64_t ms) { return T0 + Millis{ms}; }

Profile profile() {
    Profile p = builtin_default_profile();
    p.creating_ms = Millis{5000};
    p.created_ms = Millis{1000};
    p.calculation_creating_ms = Millis{500};
    p.calculation_queued_ms = Millis{200};
    p.calculation_running_ms = Millis{3000};
    return p;
}
}  // namespace

TEST_CASE("default_timeline: CREATING, CREATED and IDLE after the profile's durations") {
    const auto steps = default_timeline(T0, profile(), Cause::Profile);
    REQUIRE(steps.size() == 3);
    CHECK(steps[0] == Step{T0, SessionState::Creating, Cause::Profile, {}});
    CHECK(steps[1] == Step{at(5000), SessionState::Created, Cause::Profile, {}});
    CHECK(steps[2] == Step{at(6000), SessionState::Idle, Cause::Profile, {}});
    CHECK(default_timeline(T0, profile(), Cause::Api)[0].cause == Cause::Api);
}

TEST_CASE("plan_new_session: the scenario's steps (first api, then script), else the default timeline") {
    CHECK(plan_new_session(T0, profile(), nullptr) == default_timeline(T0, profile(), Cause::Api));
    Scenario sc{"flaky",
                {ScriptStep{Millis{0}, SessionState::Creating, {}, Cause::Admin},
                 ScriptStep{Millis{100}, SessionState::Idle, {}, std::nullopt},
                 ScriptStep{Millis{900}, SessionState::Failed, "boom", std::nullopt}}};
    const auto steps = plan_new_session(T0, profile(), &sc);
    REQUIRE(steps.size() == 3);
    CHECK(steps[0] == Step{T0, SessionState::Creating, Cause::Api, {}});
    CHECK(steps[1] == Step{at(100), SessionState::Idle, Cause::Script, {}});
    CHECK(steps[2] == Step{at(900), SessionState::Failed, Cause::Script, "boom"});
}

TEST_CASE("plan_new_calculation: the profile's durations, COMPLETED, the session BUSY") {
    const auto plan = plan_new_calculation(profile(), nullptr, T0);
    CHECK(plan.end == at(3700));
    const std::vector<CalculationStep> want{{T0, CalculationState::Creating, {}},
                                            {at(500), CalculationState::Created, {}},
                                            {at(500), CalculationState::Queued, {}},
                                            {at(700), CalculationState::Running, {}},
                                            {at(3700), CalculationState::Completed, {}}};
    CHECK(plan.steps == want);
    CHECK(plan.session_steps == std::vector<Step>{Step{T0, SessionState::Busy, Cause::Calculation, {}}});
    CHECK(plan.output == CalculationOutput{});
}

TEST_CASE("plan_new_calculation: an outcome rule's durations, final state, session step and texts") {
    OutcomeRule rule;
    rule.state = CalculationState::Failed;
    rule.reason = "bad code";
    rule.queued_ms = Millis{0};
    rule.running_ms = Millis{100};
    rule.session = OutcomeRule::SessionEffect{SessionState::Degraded, Millis{50}, "sick"};
    rule.output.stdout_text = "hello";
    const auto plan = plan_new_calculation(profile(), &rule, T0);
    CHECK(plan.end == at(600));
    REQUIRE(plan.steps.size() == 5);
    CHECK(plan.steps[3] == CalculationStep{at(500), CalculationState::Running, {}});
    CHECK(plan.steps[4] == CalculationStep{at(600), CalculationState::Failed, "bad code"});
    REQUIRE(plan.session_steps.size() == 2);
    CHECK(plan.session_steps[1] == Step{at(50), SessionState::Degraded, Cause::Calculation, "sick"});
    CHECK(plan.output.stdout_text == "hello");
}

TEST_CASE("plan_result_uris: under the working directory, else the default bucket; a rule's URIs win") {
    auto u = plan_result_uris("s3://out/dir", "s1", "c1", nullptr);
    CHECK(u.result_s3_uri == "s3://out/dir/c1/");
    CHECK(u.stdout_s3_uri == "s3://out/dir/c1/stdout.txt");
    CHECK(u.stderr_s3_uri == "s3://out/dir/c1/stderr.txt");
    CHECK(u.result_type == "application/json");
    CHECK(plan_result_uris("", "s1", "c1", nullptr).stdout_s3_uri == "s3://athena-emu-results/s1/c1/stdout.txt");
    OutcomeRule rule;
    rule.result = CalculationResultUris{"s3://r/x.txt", "", "s3://r/err", "text/plain"};
    u = plan_result_uris("s3://out/", "s1", "c1", &rule);
    CHECK(u.result_s3_uri == "s3://r/x.txt");
    CHECK(u.stdout_s3_uri == "s3://out/c1/stdout.txt");
    CHECK(u.stderr_s3_uri == "s3://r/err");
    CHECK(u.result_type == "text/plain");
}
