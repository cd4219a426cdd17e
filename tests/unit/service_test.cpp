// The domain service on a manual clock: lifecycle, listing, limits, tokens, workgroups.
#include <doctest/doctest.h>

#include "state/services.hpp"

using namespace athena;

namespace {

const Instant T0 = from_epoch_ms(1767225600000);
const Tenant A{"111111111111", "us-east-1"};
const Tenant B{"222222222222", "us-east-1"};

struct Domain {
    Store store{":memory:"};
    ManualClock clock{T0};
    Services service{store, clock, &clock, T0, ServiceOptions{A, std::nullopt, {}, 42}};

    Domain() {
        REQUIRE(service.control.initialize());
        REQUIRE(service.workgroups.create_workgroup(spark(A, "wg")));
    }
    static WorkgroupRecord spark(const Tenant& t, std::string name) {
        WorkgroupRecord w;
        w.tenant = t;
        w.name = std::move(name);
        w.engine_version = std::string(kSparkEngine);
        w.execution_role = "arn:aws:iam::111111111111:role/r";
        return w;
    }
    std::string start(const Tenant& t = A, std::string wg = "wg") {
        StartSessionInput in;
        in.workgroup = std::move(wg);
        auto r = service.sessions.start_session(t, in);
        REQUIRE(r);
        return r->session_id;
    }
    SessionState state(const std::string& id, const Tenant& t = A) {
        auto r = service.sessions.get_session_status(t, id);
        REQUIRE(r);
        return r->status.state;
    }
    void advance(std::int64_t ms) { REQUIRE(service.control.advance_clock(Millis{ms})); }
};

}  // namespace

TEST_CASE("StartSession follows the default profile, and TerminateSession ends it") {
    Domain d;
    const std::string id = d.start();
    CHECK(id.size() == 36);
    CHECK(d.state(id) == SessionState::Creating);
    d.advance(5000);
    CHECK(d.state(id) == SessionState::Created);
    d.advance(1000);
    CHECK(d.state(id) == SessionState::Idle);
    auto t = d.service.sessions.terminate_session(A, id);
    REQUIRE(t);
    CHECK(*t == SessionState::Terminating);
    d.advance(3000);
    CHECK(d.state(id) == SessionState::Terminated);
    // Terminating again changes nothing.
    CHECK(*d.service.sessions.terminate_session(A, id) == SessionState::Terminated);
    CHECK(d.service.control.history(id, A)->transitions.size() == 5);
}

TEST_CASE("the same seed gives the same session ids") {
    Domain a, b;
    CHECK(a.start() == b.start());
}

TEST_CASE("ListSessions: active only by default, newest first, a cursor that survives new sessions") {
    Domain d;
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(d.start());
        d.advance(1);
    }
    auto page = d.service.sessions.list_sessions(A, "wg", std::nullopt, 2, std::nullopt);
    REQUIRE(page);
    REQUIRE(page->sessions.size() == 2);
    CHECK(page->sessions[0].record.id == ids[4]);
    CHECK(page->sessions[1].record.id == ids[3]);
    REQUIRE(page->next);
    d.start();  // a new session does not disturb the rest of the listing
    auto rest = d.service.sessions.list_sessions(A, "wg", std::nullopt, 100, page->next);
    REQUIRE(rest);
    REQUIRE(rest->sessions.size() == 3);
    CHECK(rest->sessions[2].record.id == ids[0]);
    CHECK_FALSE(rest->next);

    REQUIRE(d.service.sessions.terminate_session(A, ids[0]));
    d.advance(3000);
    auto terminated = d.service.sessions.list_sessions(A, "wg", SessionState::Terminated, 100, std::nullopt);
    REQUIRE(terminated->sessions.size() == 1);
    CHECK(d.service.sessions.list_sessions(A, "nope", std::nullopt, 10, std::nullopt).error().kind ==
          ErrorKind::WorkgroupNotFound);
}

TEST_CASE("StartSession errors: missing, SQL and disabled workgroups; max_active_sessions") {
    Domain d;
    StartSessionInput in;
    in.workgroup = "missing";
    CHECK(d.service.sessions.start_session(A, in).error().kind == ErrorKind::WorkgroupNotFound);
    in.workgroup = "primary";
    CHECK(d.service.sessions.start_session(A, in).error().message == "Workgroup EngineVersion is not Spark.");
    WorkgroupUpdate off;
    off.enabled = false;
    REQUIRE(d.service.workgroups.update_workgroup(A, "wg", off));
    in.workgroup = "wg";
    CHECK(d.service.sessions.start_session(A, in).error().kind == ErrorKind::InvalidState);
}

TEST_CASE("ClientRequestToken: replay gives the original answer, other parameters are refused") {
    Domain d;
    StartSessionInput in;
    in.workgroup = "wg";
    in.client_token = std::string(32, 't');
    in.fingerprint = "f1";
    auto first = d.service.sessions.start_session(A, in);
    REQUIRE(first);
    d.advance(10000);
    auto again = d.service.sessions.start_session(A, in);
    REQUIRE(again);
    CHECK(again->session_id == first->session_id);
    CHECK(again->state == SessionState::Creating);
    in.fingerprint = "f2";
    CHECK(d.service.sessions.start_session(A, in).error().kind == ErrorKind::IdempotentParameterMismatch);
    // Tokens are per tenant.
    REQUIRE(d.service.workgroups.create_workgroup(Domain::spark(B, "wg")));
    CHECK(d.service.sessions.start_session(B, in));
}

TEST_CASE("tenants do not see each other's resources") {
    Domain d;
    const std::string id = d.start();
    CHECK(d.service.sessions.get_session_status(B, id).error().kind == ErrorKind::SessionNotFound);
    CHECK(d.service.workgroups.get_workgroup(B, "wg").error().kind == ErrorKind::WorkgroupNotFound);
    CHECK(d.service.workgroups.get_workgroup(B, "primary"));
    CHECK(d.service.workgroups.list_tags(B, workgroup_arn(A, "wg")).error().kind == ErrorKind::ResourceNotFound);
}

TEST_CASE("DeleteWorkGroup refuses active sessions unless recursive, which terminates them") {
    Domain d;
    const std::string id = d.start();
    CHECK(d.service.workgroups.delete_workgroup(A, "wg", false).error().kind == ErrorKind::InvalidState);
    REQUIRE(d.service.workgroups.delete_workgroup(A, "wg", true));
    CHECK(d.state(id) == SessionState::Terminating);
    CHECK(d.service.workgroups.get_workgroup(A, "wg").error().kind == ErrorKind::WorkgroupNotFound);
    CHECK(d.service.workgroups.delete_workgroup(A, "primary", true).error().kind == ErrorKind::InvalidArgument);
}

TEST_CASE("tags on workgroups by ARN") {
    Domain d;
    const std::string arn = workgroup_arn(A, "wg");
    REQUIRE(d.service.workgroups.tag_resource(A, arn, Tags{{"team", "data"}, {"env", "dev"}}));
    REQUIRE(d.service.workgroups.tag_resource(A, arn, Tags{{"env", "prod"}}));
    CHECK(*d.service.workgroups.list_tags(A, arn) == Tags{{"env", "prod"}, {"team", "data"}});
    REQUIRE(d.service.workgroups.untag_resource(A, arn, {"team"}));
    CHECK(*d.service.workgroups.list_tags(A, arn) == Tags{{"env", "prod"}});
    CHECK(d.service.workgroups.list_tags(A, "not-an-arn").error().kind == ErrorKind::InvalidArgument);
}

TEST_CASE("a chosen session id: used as given, validated, unique per tenant") {
    Domain d;
    StartSessionInput in;
    in.workgroup = "wg";
    in.session_id = "etl-1";
    auto r = d.service.sessions.start_session(A, in);
    REQUIRE(r);
    CHECK(r->session_id == "etl-1");
    CHECK(d.state("etl-1") == SessionState::Creating);
    auto again = d.service.sessions.start_session(A, in);
    REQUIRE_FALSE(again);
    CHECK(again.error().kind == ErrorKind::AlreadyExists);
    CHECK(again.error().resource == "etl-1");
    REQUIRE(d.service.workgroups.create_workgroup(Domain::spark(B, "wg")));
    CHECK(d.service.sessions.start_session(B, in));  // another tenant may use the id
    in.session_id = "";
    CHECK(d.service.sessions.start_session(A, in).error().kind == ErrorKind::InvalidArgument);
    in.session_id = std::string(257, 'x');
    CHECK(d.service.sessions.start_session(A, in).error().kind == ErrorKind::InvalidArgument);
}

TEST_CASE("the next calculation id: used once, clashes refused, unknown session") {
    Domain d;
    const std::string sid = d.start();
    d.advance(6000);
    auto set = d.service.control.set_next_calculation_id(sid, std::nullopt, "calc-1");
    REQUIRE(set);
    CHECK(*set == sid);
    StartCalculationInput in;
    in.session_id = sid;
    in.code = "print(1)";
    auto c1 = d.service.calculations.start_calculation(A, in);
    REQUIRE(c1);
    CHECK(c1->calculation_id == "calc-1");
    d.advance(60000);
    auto c2 = d.service.calculations.start_calculation(A, in);
    REQUIRE(c2);
    CHECK(c2->calculation_id.size() == 36);
    CHECK(d.service.control.set_next_calculation_id(sid, std::nullopt, "calc-1").error().kind ==
          ErrorKind::AlreadyExists);
    CHECK(d.service.control.set_next_calculation_id(sid, std::nullopt, std::string(37, 'c')).error().kind ==
          ErrorKind::InvalidArgument);
    CHECK(d.service.control.set_next_calculation_id("nope", std::nullopt, "c").error().kind ==
          ErrorKind::SessionNotFound);
}

TEST_CASE("UpdateWorkGroup's patch applies only to the configuration it was computed from") {
    Domain d;
    auto w = d.service.workgroups.get_workgroup(A, "wg");
    REQUIRE(w);
    WorkgroupUpdate u;
    u.based_on = configuration_of(*w);
    u.configuration = *u.based_on;
    u.configuration->document = R"({"ResultConfiguration":{"OutputLocation":"s3://out/"}})";
    u.configuration->output_location = "s3://out/";
    REQUIRE(*d.service.workgroups.update_workgroup(A, "wg", u) == true);
    CHECK(d.service.workgroups.get_workgroup(A, "wg")->output_location == "s3://out/");

    // Computed from the configuration before that update: nothing is written, not even the rest.
    u.description = "stale";
    u.configuration->output_location = "s3://stale/";
    REQUIRE(*d.service.workgroups.update_workgroup(A, "wg", u) == false);
    auto after = d.service.workgroups.get_workgroup(A, "wg");
    CHECK(after->output_location == "s3://out/");
    CHECK(after->description.empty());

    u.configuration->execution_role.clear();  // a Spark workgroup needs one
    u.based_on = configuration_of(*after);
    CHECK(d.service.workgroups.update_workgroup(A, "wg", u).error().kind == ErrorKind::InvalidArgument);
    CHECK(d.service.workgroups.update_workgroup(A, "nope", WorkgroupUpdate{}).error().kind ==
          ErrorKind::WorkgroupNotFound);
}

TEST_CASE("Fault rules are kept through the control service") {
    Domain d;
    CHECK_FALSE(d.service.control.saved_fault_rules());
    REQUIRE(d.service.control.save_fault_rules(R"([{"id":"f1"}])"));
    CHECK(d.service.control.saved_fault_rules() == std::optional<std::string>(R"([{"id":"f1"}])"));
    REQUIRE(d.service.control.reset(false));
    CHECK_FALSE(d.service.control.saved_fault_rules());
}
