// One contract body, run against every store: in-memory SQLite and a database file.
#include <doctest/doctest.h>

#include <filesystem>

#include "state/store.hpp"

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

    // A failed transaction leaves nothing behind.
    CHECK_THROWS(store.write([&](Store::Tx& tx) {
        tx.put_session(sample("s2", a));
        throw std::runtime_error("abort");
    }));
    CHECK_FALSE(store.find_session(a, "s2"));

    // The built-in primary workgroup and profiles exist without being stored.
    auto primary = store.find_workgroup(b, "primary");
    REQUIRE(primary);
    CHECK_FALSE(primary->is_spark());
    CHECK(store.find_workgroup(a, "wg")->tags == Tags{{"k", "v"}});
    CHECK(store.find_profile("instant")->creating_ms == Millis{0});
    CHECK_FALSE(store.find_profile("nope"));

    store.write([&](Store::Tx& tx) { tx.clear_all(); });
    CHECK_FALSE(store.find_session(a, "s1"));
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
