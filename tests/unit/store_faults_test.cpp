// The store under injected SQLite failures (leveldb's fault-injection idea): every statement a
// domain operation runs is made to fail in turn, through SQLite's own progress handler on the
// store's connection. Each time the operation must answer an Internal error and leave nothing
// half-written: the whole state (tables and the in-memory timelines) is as it was before.
#include <doctest/doctest.h>

#include <boost/json/serialize.hpp>

#include "control/fixture_parser.hpp"
#include "state/services.hpp"

using namespace athena;

namespace {

const Instant T0 = from_epoch_ms(1767225600000);
const Tenant A{"123456789012", "us-east-1"};

constexpr std::string_view kFixture = R"({
    "workgroups": [{"name": "wg", "engine_version": "PySpark engine version 3"}],
    "sessions": [{"id": "s1", "workgroup": "wg"}, {"id": "s2", "workgroup": "wg"}],
    "notebooks": [{"id": "11111111-1111-4111-8111-111111111111", "workgroup": "wg", "name": "nb",
                   "sessions": ["s1"]}]})";

constexpr std::string_view kMore = R"({
    "workgroups": [{"name": "wg2", "engine_version": "PySpark engine version 3", "tags": {"k": "v"}}],
    "sessions": [{"id": "n1", "workgroup": "wg2"}, {"id": "n2", "workgroup": "wg2", "tags": {"a": "b"}}],
    "calculations": [{"id": "c1", "session_id": "n1", "code": "1", "submitted": "2026-01-01T00:00:00Z",
                      "steps": [{"state": "CREATING", "time": "2026-01-01T00:00:00Z"}]}]})";

FixtureSet fixture(std::string_view text) {
    auto f = parse_fixture_text(text, "test");
    REQUIRE(f);
    return *f;
}

// Fails the `fail_at`-th statement the connection runs (counted as SQLite starts them, through
// sqlite3_trace_v2), once, by interrupting it from the progress handler. COMMIT is not counted:
// SQLite checks the progress handler again after a statement has halted, so an "interrupted"
// COMMIT may already have committed, which no real I/O failure does.
struct Injector {
    long fail_at;
    long statements{0};
    bool armed{false}, fired{false};
    static int on_statement(unsigned, void* self, void* stmt, void*) {
        auto& in = *static_cast<Injector*>(self);
        const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt));
        if (in.fired || (sql && std::string_view(sql) == "COMMIT")) return 0;
        if (++in.statements == in.fail_at) in.armed = true;
        return 0;
    }
    static int on_progress(void* self) {
        auto& in = *static_cast<Injector*>(self);
        if (!in.armed) return 0;
        in.armed = false;
        in.fired = true;
        return 1;  // SQLITE_INTERRUPT for the running statement
    }
};

struct Domain {
    Store store{":memory:", 2000, false};
    ManualClock clock{T0};
    Services service;

    Domain() : service(store, clock, &clock, T0, options()) { REQUIRE(service.control.initialize()); }
    static ServiceOptions options() {
        ServiceOptions o;
        o.default_tenant = A;
        o.seed = 7;
        o.startup_fixtures = []() -> Result<std::vector<FixtureSet>> { return std::vector{fixture(kFixture)}; };
        return o;
    }
    // Everything the state export shows, and the states GetSessionStatus reads from memory.
    std::string everything() {
        auto snap = service.control.export_state();
        REQUIRE(snap);
        std::string s = boost::json::serialize(state_document(*snap, {}));
        for (const auto& [state, n] : service.control.sessions_by_state())
            s += " " + std::string(to_string(state)) + "=" + std::to_string(n);
        for (const char* id : {"s1", "s2", "n1", "n2"}) {
            auto st = service.sessions.get_session_status(A, id);
            s += std::string(" ") + id + ":" + (st ? std::string(to_string(st->status.state)) : "-");
        }
        return s;
    }
    template <class Op>
    auto under_fault(Injector& in, Op&& op) {
        sqlite3* db = store.db_for_fault_injection().handle();
        sqlite3_trace_v2(db, SQLITE_TRACE_STMT, &Injector::on_statement, &in);
        sqlite3_progress_handler(db, 1, &Injector::on_progress, &in);
        auto r = op(service);
        sqlite3_progress_handler(db, 0, nullptr, nullptr);
        sqlite3_trace_v2(db, 0, nullptr, nullptr);
        return r;
    }
};

// Runs `op` with a failure at each statement in turn until it runs through without one; returns
// how many failures it survived.
template <class Op>
int sweep(Op op) {
    int failures = 0;
    for (long at = 1; at < 100000; ++at) {
        Domain d;
        REQUIRE(d.service.control.advance_clock(Millis{10000}));
        const std::string before = d.everything();
        Injector in{at};
        auto r = d.under_fault(in, op);
        if (!in.fired) {
            REQUIRE(r);
            CHECK(d.everything() != before);
            return failures;
        }
        if (r) continue;  // the failure hit a read that did not matter, or after the commit
        CAPTURE(at);
        CHECK(r.error().kind == ErrorKind::Internal);
        CHECK(d.everything() == before);
        ++failures;
    }
    FAIL("the operation never ran through");
    return failures;
}

}  // namespace

TEST_CASE("apply_fixtures under injected SQLite failures: all or nothing") {
    const FixtureSet more = fixture(kMore);
    CHECK(sweep([&](Services& s) { return s.control.apply_fixtures(more); }) > 10);
}

TEST_CASE("start_session, terminate_session and reset under injected SQLite failures") {
    CHECK(sweep([](Services& s) {
              StartSessionInput in;
              in.workgroup = "wg";
              in.client_token = std::string(40, 't');
              in.fingerprint = "fp";
              return s.sessions.start_session(A, in);
          }) > 3);
    CHECK(sweep([](Services& s) { return s.sessions.terminate_session(A, "s1"); }) > 1);
    CHECK(sweep([](Services& s) { return s.control.reset(false); }) > 1);
}

TEST_CASE("an error result rolls the transaction back") {
    Domain d;
    const std::string before = d.everything();
    auto r = d.store.write([&](Store::Tx& tx) -> Result<Unit> {
        tx.clear_all();
        return make_error(ErrorKind::InvalidArgument, "changed my mind");
    });
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "changed my mind");
    CHECK(d.everything() == before);
}

TEST_CASE("notebook writes under injected SQLite failures: all or nothing") {
    const std::string nb = "11111111-1111-4111-8111-111111111111";
    CHECK(sweep([](Services& s) {
              CreateNotebookInput in;
              in.workgroup = "wg";
              in.name = "new";
              in.client_token = "00000000-0000-4000-8000-000000000001";
              in.fingerprint = "fp";
              return s.notebooks.create(A, "CreateNotebook", in);
          }) > 2);
    CHECK(sweep([&](Services& s) {
              UpdateNotebookInput in{nb, std::string(kEmptyNotebookPayload), "IPYNB", "s2", std::nullopt, ""};
              return s.notebooks.update(A, in);
          }) > 1);
    CHECK(sweep([&](Services& s) { return s.notebooks.rename(A, nb, "renamed", std::nullopt, ""); }) > 1);
    CHECK(sweep([&](Services& s) { return s.notebooks.remove(A, nb); }) > 1);
    CHECK(sweep([](Services& s) { return s.workgroups.delete_workgroup(A, "wg", true); }) > 2);
}
