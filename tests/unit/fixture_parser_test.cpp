#include <doctest/doctest.h>

#include "control/fixture_parser.hpp"

using namespace athena;

namespace {
std::string error_of(std::string_view text) {
    auto r = parse_fixture_text(text, "f.json");
    REQUIRE_FALSE(r);
    return r.error().message;
}
}  // namespace

TEST_CASE("the built-in default fixture parses and has the spark workgroup") {
    auto r = parse_fixture_text(embedded_default_fixture(), "default");
    REQUIRE(r);
    REQUIRE(r->workgroups.size() == 1);
    CHECK(r->workgroups[0].name == "spark");
    CHECK(r->workgroups[0].engine_version == "PySpark engine version 3");
    CHECK(r->sessions.size() == 5);
}

TEST_CASE("fixture errors name the file, the JSON path and the reason") {
    CHECK(error_of("{\n  \"sessions\": [\n").rfind("f.json: $: invalid JSON at line 3", 0) == 0);
    CHECK(error_of(R"({"sesions":[]})") ==
          "f.json: sesions: unknown field (allowed here: profiles, scenarios, workgroups, sessions, clock, outcomes, "
          "calculations, tokens, faults)");
    CHECK(error_of(R"({"sessions":[{"id":"a","workgroup":"w","script":[{"after_ms":0,"state":"SLEEPING"}]}]})") ==
          "f.json: sessions[0].script[0].state: must be one of CREATING, CREATED, IDLE, BUSY, TERMINATING, TERMINATED, "
          "DEGRADED, FAILED (got \"SLEEPING\")");
    CHECK(error_of(R"({"sessions":[{"id":"a","workgroup":"w","script":[{"after_ms":5,"state":"IDLE"}]}]})") ==
          "f.json: sessions[0].script[0].after_ms: the first step must have after_ms 0");
    CHECK(
        error_of(
            R"({"sessions":[{"id":"a","workgroup":"w","script":[{"after_ms":0,"state":"IDLE"},{"after_ms":0,"state":"BUSY"}]}]})") ==
        "f.json: sessions[0].script[1].after_ms: offsets must increase from step to step (previous: 0)");
    CHECK(error_of(R"({"sessions":[{"workgroup":"w"}]})") == "f.json: sessions[0].id: is required");
    CHECK(error_of(R"({"sessions":[{"id":"a","workgroup":"w","idle_timeout_minutes":481}]})") ==
          "f.json: sessions[0].idle_timeout_minutes: must be between 1 and 480 (got 481)");
    CHECK(
        error_of(R"({"workgroups":[{"name":"w","engine_version":"Spark 9"}]})").find("workgroups[0].engine_version") !=
        std::string::npos);
    CHECK(error_of(R"({"workgroups":[{"name":"w","engine_version":"AUTO","account":"12"}]})") ==
          "f.json: workgroups[0].account: must be 12 digits (got \"12\")");
    CHECK(error_of(R"({"clock":"tomorrow"})").rfind("f.json: clock: must be an RFC 3339 time", 0) == 0);
    auto doc = parse_fixture_document(R"({"faults":[{"operation":"*","action":{"transport":"teleport"}}]})", "f.json");
    REQUIRE_FALSE(doc);
    CHECK(
        doc.error().message ==
        "f.json: faults[0].action.transport: must be reset, close, empty, malformed_json or stall (got \"teleport\")");
    CHECK(error_of(R"([])") == "f.json: $: must be an object");
}

TEST_CASE("fixture integers: a whole double converts, one outside int64 is an error, not a cast") {
    // Found by fuzz_fixture: "after_ms": 6e55 was cast to int64 before the range check (undefined
    // behaviour, reported by UBSan in the asan build).
    auto ok = parse_fixture_text(R"({"profiles":{"p":{"creating_ms":1e3}}})", "f.json");
    CHECK(ok);
    for (std::string_view big : {"6e55", "-1e300", "9223372036854775808.0", "1.5"}) {
        CAPTURE(big);
        CHECK(
            error_of(R"({"sessions":[{"id":"a","workgroup":"w","script":[{"after_ms":0,"state":"IDLE"},{"after_ms":)" +
                     std::string(big) + R"(,"state":"BUSY"}]}]})") ==
            "f.json: sessions[0].script[1].after_ms: must be an integer");
    }
}

TEST_CASE("fixture times take RFC 3339 and epoch seconds") {
    auto r = parse_fixture_text(
        R"({"clock":1767225600.5,"sessions":[{"id":"a","workgroup":"w","start_time":"2026-01-01T00:00:00Z"}]})", "f");
    REQUIRE(r);
    CHECK(r->clock == from_epoch_ms(1767225600500));
    CHECK(r->sessions[0].start_time == from_epoch_ms(1767225600000));
}

TEST_CASE("outcome rules: session and stop fields, with path and reason on every mistake") {
    auto r = parse_fixture_text(
        R"({"outcomes":[{"match":{"code_contains":"oom"},"state":"COMPLETED",
             "session":{"state":"DEGRADED","after_ms":2500,"reason":"no coordinator"}},
            {"match":{"code_contains":"x"},"state":"COMPLETED","stop":"delayed","stop_after_ms":900},
            {"match":{"code_contains":"y"},"state":"FAILED","stop":"ignored"}]})",
        "f.json");
    REQUIRE(r);
    REQUIRE(r->outcomes.size() == 3);
    REQUIRE(r->outcomes[0].session);
    CHECK(r->outcomes[0].session->state == SessionState::Degraded);
    CHECK(r->outcomes[0].session->after == Millis{2500});
    CHECK(r->outcomes[0].session->reason == "no coordinator");
    CHECK(r->outcomes[0].stop == OutcomeRule::Stop::Honoured);
    CHECK(r->outcomes[1].stop == OutcomeRule::Stop::Delayed);
    CHECK(r->outcomes[1].stop_after == Millis{900});
    CHECK(r->outcomes[2].stop == OutcomeRule::Stop::Ignored);

    const std::string rule = R"({"outcomes":[{"match":{"code_contains":"a"},"state":"COMPLETED",)";
    CHECK(error_of(rule + R"("session":{"state":"IDLE","after_ms":0}}]})") ==
          "f.json: outcomes[0].session.state: must be FAILED, DEGRADED or TERMINATED (got \"IDLE\")");
    CHECK(error_of(rule + R"("session":{"state":"FAILED"}}]})") == "f.json: outcomes[0].session.after_ms: is required");
    CHECK(error_of(rule + R"("session":{"state":"FAILED","after_ms":-1}}]})") ==
          "f.json: outcomes[0].session.after_ms: must be between 0 and 604800000 (got -1)");
    CHECK(error_of(rule + R"("session":{"state":"FAILED","after_ms":0,"when":1}}]})") ==
          "f.json: outcomes[0].session.when: unknown field (allowed here: state, after_ms, reason)");
    CHECK(error_of(rule + R"("stop":"honored"}]})") ==
          "f.json: outcomes[0].stop: must be honoured, ignored or delayed (got \"honored\")");
    CHECK(error_of(rule + R"("stop":"delayed"}]})") ==
          "f.json: outcomes[0].stop_after_ms: is required with \"stop\": \"delayed\" (how long CANCELING lasts)");
    CHECK(error_of(rule + R"("stop_after_ms":5}]})") ==
          "f.json: outcomes[0].stop_after_ms: is allowed only with \"stop\": \"delayed\"");
}
