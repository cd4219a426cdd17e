// One contract body, run against every store: in-memory SQLite and a database file.
#include <doctest/doctest.h>

#include <filesystem>

#include "state/services.hpp"
#include "state/store.hpp"
#include "state/timeline_index.hpp"

using namespace athena;

namespace {

struct TempDb {
    std::filesystem::path path;
    TempDb() {
        path = std::filesystem::temp_directory_path() /
               ("athena-emu-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".db");
        cleanup();
    }
    ~TempDb() { cleanup(); }
    void cleanup() {
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
    }
    static inline int counter = 0;
};

SessionRecord sample(const std::string& id, const Tenant& t) {
    SessionRecord s;
    s.tenant = t;
    s.id = id;
    s.workgroup = "wg";
    s.description = "d";
    s.start = from_epoch_ms(1000);
    s.idle_timeout_minutes = 7;
    s.terminating_ms = Millis{250};
    s.steps = {Step{from_epoch_ms(1000), SessionState::Creating, Cause::Api, ""},
               Step{from_epoch_ms(2000), SessionState::Idle, Cause::Profile, "ready"}};
    s.engine_configuration = R"({"MaxConcurrentDpus":20})";
    s.tags = {{"team", "data"}};
    return s;
}

// The steps the in-memory timeline holds; nullopt when the session is not there.
std::optional<std::vector<Step>> timeline(Store& store, const Tenant& t, std::string_view id) {
    std::optional<std::vector<Step>> out;
    store.with_timeline(t, id, [&](const SessionRecord& s) { out = s.steps; });
    return out;
}

void store_contract(Store& store) {
    const Tenant a{"111111111111", "us-east-1"};
    const Tenant b{"222222222222", "eu-west-1"};
    CHECK(store.is_new());
    CHECK(store.meta_int("schema_version") == kSchemaVersion);

    store.write([&](Store::Tx& tx) {
        WorkgroupRecord w;
        w.tenant = a;
        w.name = "wg";
        w.engine_version = "PySpark engine version 3";
        w.configuration = "{}";
        w.tags = {{"k", "v"}};
        tx.put_workgroup(w);
        tx.put_session(sample("s1", a));
        tx.put_session(sample("s1", b));
        tx.mark_initialized();
    });
    CHECK_FALSE(store.is_new());

    auto s = store.find_session(a, "s1", true);
    REQUIRE(s);
    CHECK(s->workgroup == "wg");
    CHECK(s->idle_timeout_minutes == 7);
    CHECK(s->terminating_ms == Millis{250});
    CHECK(s->steps == sample("s1", a).steps);
    CHECK(s->engine_configuration == R"({"MaxConcurrentDpus":20})");
    CHECK(s->tags == Tags{{"team", "data"}});

    // Tenants are apart.
    CHECK_FALSE(store.find_session(Tenant{"111111111111", "eu-west-1"}, "s1"));
    CHECK(store.find_sessions_by_id("s1").size() == 2);

    // Replacing a session replaces its steps.
    auto changed = *s;
    changed.steps.push_back(Step{from_epoch_ms(3000), SessionState::Busy, Cause::Admin, ""});
    store.write([&](Store::Tx& tx) { tx.put_session(changed); });
    CHECK(store.find_session(a, "s1")->steps.size() == 3);

    CHECK(timeline(store, a, "s1") == changed.steps);
    CHECK(timeline(store, b, "s1") == sample("s1", b).steps);

    // Writing only the steps keeps the rest of the row, tags included.
    auto busy = changed;
    busy.steps.push_back(Step{from_epoch_ms(4000), SessionState::Idle, Cause::Calculation, std::string(300, 'r')});
    busy.description = "not written";
    store.write([&](Store::Tx& tx) { tx.put_session_steps(busy); });
    CHECK(store.find_session(a, "s1", true)->steps == busy.steps);
    CHECK(store.find_session(a, "s1", true)->description == "d");
    CHECK(store.find_session(a, "s1", true)->tags == Tags{{"team", "data"}});
    CHECK(timeline(store, a, "s1") == busy.steps);

    // A failed transaction leaves nothing behind, in SQLite and in memory.
    CHECK_THROWS(store.write([&](Store::Tx& tx) {
        tx.put_session(sample("s2", a));
        tx.put_session_steps(changed);
        tx.put_session(sample("s2", b));
        throw std::runtime_error("abort");
    }));
    CHECK_FALSE(store.find_session(a, "s2"));
    CHECK_FALSE(timeline(store, a, "s2"));
    CHECK_FALSE(timeline(store, b, "s2"));
    CHECK(timeline(store, a, "s1") == busy.steps);
    CHECK(store.count_sessions() == 2);
    CHECK_THROWS(store.write([&](Store::Tx& tx) {
        tx.clear_all();
        tx.put_session(sample("s3", a));
        throw std::runtime_error("abort");
    }));
    CHECK(timeline(store, a, "s1") == busy.steps);
    CHECK_FALSE(timeline(store, a, "s3"));
    CHECK(store.count_sessions() == 2);

    // The built-in primary workgroup and profiles exist without being stored.
    auto primary = store.find_workgroup(b, "primary");
    REQUIRE(primary);
    CHECK_FALSE(primary->is_spark());
    CHECK(store.find_workgroup(a, "wg")->tags == Tags{{"k", "v"}});
    CHECK(store.find_profile("instant")->creating_ms == Millis{0});
    CHECK_FALSE(store.find_profile("nope"));

    store.write([&](Store::Tx& tx) { tx.clear_all(); });
    CHECK_FALSE(store.find_session(a, "s1"));
    CHECK_FALSE(timeline(store, a, "s1"));
    CHECK_FALSE(store.is_new());  // meta survives clear_all
}

}  // namespace

TEST_CASE("store contract: in-memory SQLite") {
    Store store(":memory:");
    store_contract(store);
}

TEST_CASE("store contract: SQLite file, and its content survives reopening") {
    TempDb db;
    {
        Store store(db.path.string());
        store_contract(store);
        store.write([&](Store::Tx& tx) { tx.put_session(sample("kept", Tenant{"111111111111", "us-east-1"})); });
    }
    Store reopened(db.path.string());
    CHECK_FALSE(reopened.is_new());
    auto s = reopened.find_session(Tenant{"111111111111", "us-east-1"}, "kept");
    REQUIRE(s);
    CHECK(s->steps.size() == 2);
    // The timelines are loaded when the store opens.
    CHECK(timeline(reopened, Tenant{"111111111111", "us-east-1"}, "kept") == sample("kept", {}).steps);
}

TEST_CASE("timelines not loaded yet are read from SQLite, and written as updates") {
    TempDb db;
    const Tenant a{"111111111111", "us-east-1"};
    {
        Store store(db.path.string());
        store.write([&](Store::Tx& tx) {
            for (int i = 0; i < 50; ++i) tx.put_session(sample("s" + std::to_string(i), a));
        });
    }
    Store store(db.path.string(), 10, false);  // 10 loaded, no loader thread
    CHECK(timeline(store, a, "s49") == sample("s49", a).steps);
    CHECK_FALSE(timeline(store, a, "s50"));
    auto s = *store.find_session(a, "s48");
    s.steps.push_back(Step{from_epoch_ms(9000), SessionState::Terminating, Cause::Api, ""});
    store.write([&](Store::Tx& tx) { tx.put_session_steps(s); });  // an UPDATE, not a second row
    CHECK(timeline(store, a, "s48") == s.steps);
    auto t = sample("s47", a);
    t.description = "again";
    store.write([&](Store::Tx& tx) { tx.put_session(t); });
    CHECK(store.find_session(a, "s47")->description == "again");
    CHECK(store.count_sessions() == 50);  // listings load the rest first
    CHECK(store.find_sessions_by_id("s30").size() == 1);
}

TEST_CASE("a large store is loaded in the background") {
    TempDb db;
    const Tenant a{"111111111111", "us-east-1"};
    {
        Store store(db.path.string());
        store.write([&](Store::Tx& tx) {
            for (int i = 0; i < 12000; ++i) tx.put_session(sample("s" + std::to_string(i), a));
        });
    }
    Store store(db.path.string(), 100);
    CHECK(timeline(store, a, "s11999") == sample("s", a).steps);
    CHECK(store.count_sessions() == 12000);
}

TEST_CASE("steps encode and decode, and damaged bytes are refused") {
    const std::vector<Step> steps = {
        Step{from_epoch_ms(-5), SessionState::Creating, Cause::Api, ""},
        Step{from_epoch_ms(1764000000123), SessionState::Failed, Cause::Admin, std::string(200, 'x')}};
    std::vector<Step> back;
    REQUIRE(decode_steps(encode_steps(steps), back));
    CHECK(back == steps);
    CHECK(encode_steps(std::vector<Step>{steps[0]}).size() == 11);
    auto bytes = encode_steps(steps);
    CHECK_FALSE(decode_steps(std::string_view(bytes).substr(0, bytes.size() - 1), back));
    bytes[8] = 99;  // no such state
    CHECK_FALSE(decode_steps(bytes, back));
    const std::vector<CalculationStep> calc = {{from_epoch_ms(7), CalculationState::Completed, "done"}};
    std::vector<CalculationStep> calc_back;
    REQUIRE(decode_steps(encode_steps(calc), calc_back));
    CHECK(calc_back == calc);
}

TEST_CASE("a version-1 database file is migrated: steps move into their rows") {
    TempDb db;
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
        // The version-1 tables that changed, with one session and one calculation.
        const char* v1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES('schema_version', 1), ('initialized', 1);
CREATE TABLE sessions(
  sid INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
  workgroup TEXT NOT NULL, description TEXT NOT NULL, start_ms INTEGER NOT NULL,
  idle_timeout_minutes INTEGER NOT NULL, terminating_ms INTEGER NOT NULL,
  engine_configuration TEXT NOT NULL, monitoring_configuration TEXT NOT NULL,
  engine_version TEXT NOT NULL, notebook_version TEXT NOT NULL, execution_role TEXT NOT NULL,
  working_directory TEXT NOT NULL, coordinator_dpu_size INTEGER NOT NULL,
  max_concurrent_dpus INTEGER NOT NULL, default_executor_dpu_size INTEGER NOT NULL,
  UNIQUE(account, region, id));
CREATE INDEX sessions_by_id ON sessions(id);
INSERT INTO sessions VALUES(1, '111111111111', 'us-east-1', 'old', 'wg', '', 1000, 9, 250, '{}', '',
  'PySpark engine version 3', '', '', 's3://b/old/', 1, 20, 1);
CREATE TABLE session_steps(sid INTEGER NOT NULL, idx INTEGER NOT NULL, at_ms INTEGER NOT NULL,
  state TEXT NOT NULL, cause TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(sid, idx)) WITHOUT ROWID;
INSERT INTO session_steps VALUES(1, 1, 2000, 'IDLE', 'profile', 'up'), (1, 0, 1000, 'CREATING', 'api', '');
CREATE TABLE calculations(cid INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
  id TEXT NOT NULL, session_id TEXT NOT NULL, description TEXT NOT NULL, code TEXT NOT NULL,
  submitted_ms INTEGER NOT NULL, working_directory TEXT NOT NULL, result_s3_uri TEXT NOT NULL,
  stdout_s3_uri TEXT NOT NULL, stderr_s3_uri TEXT NOT NULL, result_type TEXT NOT NULL,
  UNIQUE(account, region, id));
INSERT INTO calculations VALUES(1, '111111111111', 'us-east-1', 'c1', 'old', '', 'print(1)', 1500, '', '', '', '', '');
CREATE TABLE calculation_steps(cid INTEGER NOT NULL, idx INTEGER NOT NULL, at_ms INTEGER NOT NULL,
  state TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(cid, idx)) WITHOUT ROWID;
INSERT INTO calculation_steps VALUES(1, 0, 1500, 'CREATING', ''), (1, 1, 1600, 'FAILED', 'boom');
)sql";
        REQUIRE(sqlite3_exec(raw, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(raw);
    }
    const Tenant a{"111111111111", "us-east-1"};
    const std::vector<Step> expected = {Step{from_epoch_ms(1000), SessionState::Creating, Cause::Api, ""},
                                        Step{from_epoch_ms(2000), SessionState::Idle, Cause::Profile, "up"}};
    {
        Store store(db.path.string());
        CHECK(store.meta_int("schema_version") == kSchemaVersion);
        CHECK_FALSE(store.is_new());
        REQUIRE(store.find_session(a, "old"));
        CHECK(store.find_session(a, "old")->steps == expected);
        CHECK(store.find_session(a, "old")->idle_timeout_minutes == 9);
        CHECK(timeline(store, a, "old") == expected);
        auto c = store.find_calculation(a, "c1");
        REQUIRE(c);
        REQUIRE(c->steps.size() == 2);
        CHECK(c->steps[1].state == CalculationState::Failed);
        CHECK(c->steps[1].reason == "boom");
        CHECK(c->output == CalculationOutput{});  // version 3's texts: the defaults
    }
    Store again(db.path.string());  // a second open has nothing left to migrate
    CHECK(again.find_session(a, "old")->steps == expected);
}

TEST_CASE("calculation and outcome output texts persist; absent stays the default") {
    TempDb db;
    const Tenant a{"111111111111", "us-east-1"};
    {
        Store store(db.path.string());
        store.write([&](Store::Tx& tx) {
            CalculationRecord c;
            c.tenant = a;
            c.id = "c1";
            c.session_id = "s1";
            c.steps = {{from_epoch_ms(0), CalculationState::Completed, {}}};
            c.output.stdout_text = "out\n";
            c.output.result_text = "";
            tx.put_calculation(c);
            OutcomeRule r;
            r.pattern = "x";
            r.output.stderr_text = "err";
            tx.add_outcome_rule(r);
            return 0;
        });
    }
    Store store(db.path.string());
    auto c = store.find_calculation(a, "c1");
    REQUIRE(c);
    CHECK(c->output == CalculationOutput{"out\n", std::nullopt, ""});
    auto rules = store.write([&](Store::Tx& tx) { return tx.outcome_rules(); });
    REQUIRE(rules.size() == 1);
    CHECK(rules[0].output == CalculationOutput{std::nullopt, "err", std::nullopt});
}

TEST_CASE("a file that is not an athena-emu database is refused with its path") {
    TempDb db;
    {
        std::FILE* f = std::fopen(db.path.c_str(), "w");
        std::fputs("this is not sqlite, just text long enough to be a header......................................", f);
        std::fclose(f);
    }
    try {
        Store store(db.path.string());
        FAIL("expected an error");
    } catch (const SqliteError& e) {
        CHECK(std::string(e.what()).find(db.path.string()) != std::string::npos);
    }
}

TEST_CASE("outcome rules keep their session and stop fields, also in a file written before them") {
    TempDb db;
    OutcomeRule dying;
    dying.pattern = "oom";
    dying.session = OutcomeRule::SessionEffect{SessionState::Terminated, Millis{1200}, "gone"};
    OutcomeRule slow;
    slow.pattern = "slow";
    slow.stop = OutcomeRule::Stop::Delayed;
    slow.stop_after = Millis{700};
    {
        Store store(db.path.string());
        store.write([&](Store::Tx& tx) {
            tx.add_outcome_rule(dying);
            tx.add_outcome_rule(slow);
        });
    }
    {
        Store store(db.path.string());
        auto rules = store.read([](Store::Tx& tx) { return tx.outcome_rules(); });
        REQUIRE(rules.size() == 2);
        REQUIRE(rules[0].session);
        CHECK(*rules[0].session == *dying.session);
        CHECK(rules[0].stop == OutcomeRule::Stop::Honoured);
        CHECK_FALSE(rules[1].session);
        CHECK(rules[1].stop == OutcomeRule::Stop::Delayed);
        CHECK(rules[1].stop_after == Millis{700});
    }
    {
        // A file from before the fields: the columns are gone; opening adds them back.
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
        for (const char* col : {"session_state", "session_after_ms", "session_reason", "stop", "stop_after_ms"})
            REQUIRE(sqlite3_exec(raw, (std::string("ALTER TABLE outcomes DROP COLUMN ") + col).c_str(), nullptr,
                                 nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(raw);
    }
    Store store(db.path.string());
    auto rules = store.read([](Store::Tx& tx) { return tx.outcome_rules(); });
    REQUIRE(rules.size() == 2);
    CHECK_FALSE(rules[0].session);
    CHECK(rules[1].stop == OutcomeRule::Stop::Honoured);
    store.write([&](Store::Tx& tx) { tx.add_outcome_rule(dying); });
    CHECK(store.read([](Store::Tx& tx) { return tx.outcome_rules(); }).back().session == dying.session);
}

TEST_CASE("a database file keeps its clock start under the key every build reads (clock_start_ms)") {
    TempDb db;
    const Instant t0 = from_epoch_ms(1767225600000);
    const Tenant a{"111111111111", "us-east-1"};
    {
        Store store(db.path.string());
        ManualClock clock{t0};
        Services s{store, clock, &clock, t0, ServiceOptions{a, std::nullopt, {}, 1}};
        REQUIRE(s.control.initialize());
        CHECK(store.meta_int("clock_start_ms") == to_epoch_ms(t0));  // what files written before 2026-12 hold
    }
    const Instant later = t0 + std::chrono::hours(24);
    Store store(db.path.string());
    ManualClock clock{later};
    Services s{store, clock, &clock, later, ServiceOptions{a, later, {}, 1}};
    REQUIRE(s.control.initialize());
    auto primary = s.workgroups.get_workgroup(a, "primary");
    REQUIRE(primary);
    CHECK(primary->created == t0);
}
