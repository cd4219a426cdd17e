#include "state/store.hpp"

#include <algorithm>

namespace athena {
namespace {

// Binds a session's columns from workgroup to steps (the order of put_session's statements),
// the first at parameter `first`.
Stmt& bind_session_columns(Stmt& st, int first, const SessionRecord& s, const std::string& steps) {
    return st.bind(first, s.workgroup)
        .bind(first + 1, s.description)
        .bind(first + 2, to_epoch_ms(s.start))
        .bind(first + 3, s.idle_timeout_minutes)
        .bind(first + 4, static_cast<std::int64_t>(s.terminating_ms.count()))
        .bind(first + 5, s.engine_configuration)
        .bind(first + 6, s.monitoring_configuration)
        .bind(first + 7, s.engine_version)
        .bind(first + 8, s.notebook_version)
        .bind(first + 9, s.execution_role)
        .bind(first + 10, s.working_directory)
        .bind(first + 11, s.coordinator_dpu_size)
        .bind(first + 12, s.max_concurrent_dpus)
        .bind(first + 13, s.default_executor_dpu_size)
        .bind_blob(first + 14, steps);
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS profiles(
  name TEXT PRIMARY KEY,
  creating_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL, terminating_ms INTEGER NOT NULL,
  calculation_creating_ms INTEGER NOT NULL, calculation_queued_ms INTEGER NOT NULL,
  calculation_running_ms INTEGER NOT NULL, calculation_canceling_ms INTEGER NOT NULL,
  idle_timeout_minutes_default INTEGER NOT NULL, max_active_sessions INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scenario_steps(
  name TEXT NOT NULL, idx INTEGER NOT NULL, after_ms INTEGER NOT NULL,
  state TEXT NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY(name, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS workgroups(
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  engine_version TEXT NOT NULL, enabled INTEGER NOT NULL, description TEXT NOT NULL,
  profile TEXT NOT NULL, scenario TEXT NOT NULL, configuration TEXT NOT NULL,
  execution_role TEXT NOT NULL, output_location TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY(account, region, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions(
  sid INTEGER PRIMARY KEY,
  account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
  workgroup TEXT NOT NULL, description TEXT NOT NULL, start_ms INTEGER NOT NULL,
  idle_timeout_minutes INTEGER NOT NULL, terminating_ms INTEGER NOT NULL,
  engine_configuration TEXT NOT NULL, monitoring_configuration TEXT NOT NULL,
  engine_version TEXT NOT NULL, notebook_version TEXT NOT NULL, execution_role TEXT NOT NULL,
  working_directory TEXT NOT NULL, coordinator_dpu_size INTEGER NOT NULL,
  max_concurrent_dpus INTEGER NOT NULL, default_executor_dpu_size INTEGER NOT NULL,
  steps BLOB NOT NULL DEFAULT x'',
  UNIQUE(account, region, id)
);
CREATE INDEX IF NOT EXISTS sessions_by_workgroup ON sessions(account, region, workgroup, start_ms, sid);
CREATE TABLE IF NOT EXISTS calculations(
  cid INTEGER PRIMARY KEY,
  account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, session_id TEXT NOT NULL,
  description TEXT NOT NULL, code TEXT NOT NULL, submitted_ms INTEGER NOT NULL,
  working_directory TEXT NOT NULL, result_s3_uri TEXT NOT NULL, stdout_s3_uri TEXT NOT NULL,
  stderr_s3_uri TEXT NOT NULL, result_type TEXT NOT NULL,
  steps BLOB NOT NULL DEFAULT x'',
  stdout_text TEXT, stderr_text TEXT, result_text TEXT,
  UNIQUE(account, region, id)
);
CREATE INDEX IF NOT EXISTS calculations_by_session ON calculations(account, region, session_id, submitted_ms, cid);
CREATE TABLE IF NOT EXISTS outcomes(
  idx INTEGER PRIMARY KEY, match TEXT NOT NULL, pattern TEXT NOT NULL, state TEXT NOT NULL,
  reason TEXT NOT NULL, queued_ms INTEGER, running_ms INTEGER, has_result INTEGER NOT NULL,
  result_s3_uri TEXT NOT NULL, stdout_s3_uri TEXT NOT NULL, stderr_s3_uri TEXT NOT NULL, result_type TEXT NOT NULL,
  session_state TEXT NOT NULL DEFAULT '', session_after_ms INTEGER NOT NULL DEFAULT 0,
  session_reason TEXT NOT NULL DEFAULT '', stop TEXT NOT NULL DEFAULT 'honoured',
  stop_after_ms INTEGER NOT NULL DEFAULT 0,
  stdout_text TEXT, stderr_text TEXT, result_text TEXT
);
CREATE TABLE IF NOT EXISTS blobs(
  name TEXT PRIMARY KEY, value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens(
  account TEXT NOT NULL, region TEXT NOT NULL, operation TEXT NOT NULL, token TEXT NOT NULL,
  fingerprint TEXT NOT NULL, result TEXT NOT NULL,
  PRIMARY KEY(account, region, operation, token)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags(
  account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
  key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(account, region, kind, name, key)
) WITHOUT ROWID;
)sql";

// Timelines per batch of the background loader (each batch holds the lock for a few ms).
constexpr std::size_t kLoadBatch = 5000;

// Runs `names_sql` (one name per row), then `load(name)` for each: rows first, so the loader
// may use statements of its own.
template <class T, class Load>
std::vector<T> load_named(SqliteDb& db, const char* names_sql, Load load) {
    std::vector<std::string> names;
    {
        auto st = db.prepare(names_sql);
        while (st.step()) names.push_back(st.col_text(0));
    }
    std::vector<T> out;
    for (const auto& n : names)
        if (auto item = load(n)) out.push_back(std::move(*item));
    return out;
}

std::optional<Profile> read_profile(SqliteDb& db, std::string_view name);

SessionState state_column(const Stmt& st, int i) {
    auto s = parse_session_state(st.col_text(i));
    if (!s) throw SqliteError("database holds an unknown session state '" + st.col_text(i) + "'");
    return *s;
}

// The columns read_session_row() reads, in its order (a macro: statements are cached by the
// address of their literal).
#define ATHENA_SESSION_COLUMNS                                                                           \
    "sid, account, region, id, workgroup, description, start_ms, idle_timeout_minutes, terminating_ms, " \
    "engine_configuration, monitoring_configuration, engine_version, notebook_version, execution_role, " \
    "working_directory, coordinator_dpu_size, max_concurrent_dpus, default_executor_dpu_size, steps"

#define ATHENA_CALCULATION_COLUMNS                                                                              \
    "cid, account, region, id, session_id, description, code, submitted_ms, working_directory, result_s3_uri, " \
    "stdout_s3_uri, stderr_s3_uri, result_type, steps, stdout_text, stderr_text, result_text"

std::optional<std::string> optional_text(const Stmt& st, int i) {
    if (st.col_null(i)) return std::nullopt;
    return st.col_text(i);
}

CalculationOutput read_output(const Stmt& st, int first) {
    return CalculationOutput{optional_text(st, first), optional_text(st, first + 1), optional_text(st, first + 2)};
}

void bind_output(Stmt& st, int first, const CalculationOutput& o) {
    int i = first;
    for (const auto* text : {&o.stdout_text, &o.stderr_text, &o.result_text}) {
        if (*text)
            st.bind(i, **text);
        else
            st.bind_null(i);
        ++i;
    }
}

void read_calculation_row(const Stmt& st, CalculationRecord& c) {
    c.seq = st.col_int(0);
    c.tenant = Tenant{st.col_text(1), st.col_text(2)};
    c.id = st.col_text(3);
    c.session_id = st.col_text(4);
    c.description = st.col_text(5);
    c.code = st.col_text(6);
    c.submitted = from_epoch_ms(st.col_int(7));
    c.working_directory = st.col_text(8);
    c.result = CalculationResultUris{st.col_text(9), st.col_text(10), st.col_text(11), st.col_text(12)};
    if (!decode_steps(st.col_view(13), c.steps))
        throw SqliteError("calculation '" + c.id + "' has damaged steps in the database");
    c.output = read_output(st, 14);
}

}  // namespace

Store::Store(const std::string& path, std::size_t load_at_open, bool load_in_background) : db_(path) {
    std::lock_guard lock(mu_);
    // Fails here ("file is not a database") when the file is not SQLite.
    db_.exec("PRAGMA foreign_keys=OFF");
    if (path != ":memory:" && !path.empty()) {
        db_.exec("PRAGMA journal_mode=WAL");
        // WAL + NORMAL: a committed transaction is in the WAL file before COMMIT returns, so it
        // survives the process being killed; only an OS crash can lose the newest commits.
        db_.exec("PRAGMA synchronous=NORMAL");
    }
    create_schema();
    // Small stores load at once; a large one goes on in the background, batch by batch, so
    // that the first answer does not wait for it.
    if (!load_batch(load_at_open) && load_in_background) loader_ = std::thread([this] { run_loader(); });
}

void Store::create_schema() {
    // A database that already has tables but no meta table was not made by athena-emu.
    {
        auto st = db_.prepare(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT IN "
            "('meta','profiles','scenario_steps','workgroups','sessions','session_steps','tags','tokens','calculations'"
            ",'calculation_steps','outcomes','blobs')");
        // (session_steps, calculation_steps: version 1, migrated below)
        st.step();
        if (st.col_int(0) > 0)
            throw SqliteError("database '" + db_.path() +
                              "' holds tables athena-emu did not create; point --db at a new "
                              "file or one athena-emu wrote");
    }
    auto version = meta_int_unlocked("schema_version");
    if (version && *version > kSchemaVersion)
        throw SqliteError("database '" + db_.path() + "' has schema version " + std::to_string(*version) +
                          " from a newer athena-emu; this build knows up to " + std::to_string(kSchemaVersion));
    db_.exec("BEGIN IMMEDIATE");
    try {
        db_.exec(kSchema);
        if (version && *version == 1) migrate_v1();
        add_outcome_failure_columns();
        if (version && *version <= 2) migrate_v2();
        // Future versions migrate here, one step per version.
        db_.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)")
            .bind(1, kSchemaVersion)
            .run();
        db_.exec("COMMIT");
    } catch (...) {
        db_.exec("ROLLBACK");
        throw;
    }
}

Store::~Store() {
    {
        std::lock_guard lock(mu_);
        stop_loader_ = true;
    }
    if (loader_.joinable()) loader_.join();
}

void Store::run_loader() {
    for (;;) {
        {
            std::lock_guard lock(mu_);
            if (stop_loader_ || complete_) return;
            try {
                if (load_batch(kLoadBatch)) return;
            } catch (...) {
                return;  // lookups go on reading what is missing from SQLite
            }
        }
        std::this_thread::yield();  // let requests waiting for the lock in
    }
}

// The outcome rules' session and stop fields came within version 2: add them to a file
// written before them (new columns with defaults, so no version step is needed).
void Store::add_outcome_failure_columns() {
    bool present = false;
    {
        auto st = db_.prepare("SELECT count(*) FROM pragma_table_info('outcomes') WHERE name = 'stop'");
        st.step();
        present = st.col_int(0) > 0;
    }
    if (present) return;
    db_.exec("ALTER TABLE outcomes ADD COLUMN session_state TEXT NOT NULL DEFAULT ''");
    db_.exec("ALTER TABLE outcomes ADD COLUMN session_after_ms INTEGER NOT NULL DEFAULT 0");
    db_.exec("ALTER TABLE outcomes ADD COLUMN session_reason TEXT NOT NULL DEFAULT ''");
    db_.exec("ALTER TABLE outcomes ADD COLUMN stop TEXT NOT NULL DEFAULT 'honoured'");
    db_.exec("ALTER TABLE outcomes ADD COLUMN stop_after_ms INTEGER NOT NULL DEFAULT 0");
}

// Version 1 kept steps in tables of their own: encode them into their row's new column.
void Store::migrate_v1() {
    db_.exec("ALTER TABLE sessions ADD COLUMN steps BLOB NOT NULL DEFAULT x''");
    db_.exec("ALTER TABLE calculations ADD COLUMN steps BLOB NOT NULL DEFAULT x''");
    {
        std::vector<std::pair<std::int64_t, std::vector<Step>>> sessions;
        {
            auto st = db_.prepare("SELECT sid, at_ms, state, cause, reason FROM session_steps ORDER BY sid, idx");
            while (st.step()) {
                if (sessions.empty() || sessions.back().first != st.col_int(0))
                    sessions.emplace_back(st.col_int(0), std::vector<Step>{});
                sessions.back().second.push_back(Step{from_epoch_ms(st.col_int(1)), state_column(st, 2),
                                                      parse_cause(st.col_text(3)).value_or(Cause::Script),
                                                      st.col_text(4)});
            }
        }
        for (const auto& [sid, steps] : sessions) {
            const std::string bytes = encode_steps(steps);
            db_.prepare("UPDATE sessions SET steps = ? WHERE sid = ?").bind_blob(1, bytes).bind(2, sid).run();
        }
    }
    {
        std::vector<std::pair<std::int64_t, std::vector<CalculationStep>>> calcs;
        {
            auto st = db_.prepare("SELECT cid, at_ms, state, reason FROM calculation_steps ORDER BY cid, idx");
            while (st.step()) {
                auto state = parse_calculation_state(st.col_text(2));
                if (!state) throw SqliteError("database holds an unknown calculation state '" + st.col_text(2) + "'");
                if (calcs.empty() || calcs.back().first != st.col_int(0))
                    calcs.emplace_back(st.col_int(0), std::vector<CalculationStep>{});
                calcs.back().second.push_back(CalculationStep{from_epoch_ms(st.col_int(1)), *state, st.col_text(3)});
            }
        }
        for (const auto& [cid, steps] : calcs) {
            const std::string bytes = encode_steps(steps);
            db_.prepare("UPDATE calculations SET steps = ? WHERE cid = ?").bind_blob(1, bytes).bind(2, cid).run();
        }
    }
    db_.exec("DROP TABLE session_steps; DROP TABLE calculation_steps; DROP INDEX IF EXISTS sessions_by_id;");
}

// Version 2 had no output texts: every calculation and rule keeps the defaults (NULL).
void Store::migrate_v2() {
    // (A table that version 2 lacked was just created with them.)
    for (const char* table : {"calculations", "outcomes"})
        for (const char* column : {"stdout_text", "stderr_text", "result_text"}) {
            auto has = db_.prepare("SELECT count(*) FROM pragma_table_info(?) WHERE name = ?");
            has.bind(1, table).bind(2, column);
            has.step();
            const bool present = has.col_int(0) > 0;
            if (!present) db_.exec(("ALTER TABLE " + std::string(table) + " ADD COLUMN " + column + " TEXT").c_str());
        }
}

void Store::load_timelines() {
    index_.clear();
    loaded_up_to_sid_ = 0;
    complete_ = false;
    ensure_complete();
}

void Store::ensure_complete() {
    while (!complete_) load_batch(kLoadBatch);
}

bool Store::load_batch(std::size_t max) {
    if (complete_) return true;
    auto st = db_.prepare(
        "SELECT account, region, id, sid, start_ms, idle_timeout_minutes, terminating_ms, steps FROM sessions "
        "WHERE sid > ? ORDER BY sid LIMIT ?");
    st.bind(1, loaded_up_to_sid_).bind(2, static_cast<std::int64_t>(max));
    std::size_t n = 0;
    while (st.step()) {
        ++n;
        loaded_up_to_sid_ = st.col_int(3);
        // An entry already there was written through (or looked up) since: it is as new.
        auto tenant = index_.tenant_index(Tenant{st.col_text(0), st.col_text(1)});
        if (index_.find(tenant, st.col_view(2))) continue;
        TimelineIndex::Entry e;
        e.tenant = tenant;
        e.id = st.col_text(2);
        e.sid = st.col_int(3);
        e.start_ms = st.col_int(4);
        e.idle_timeout_minutes = static_cast<std::int32_t>(st.col_int(5));
        e.terminating_ms = st.col_int(6);
        e.steps = std::string(st.col_view(7));
        index_.put(std::move(e));
    }
    if (n < max) complete_ = true;
    return complete_;
}

void Store::begin() {
    db_.prepare("BEGIN IMMEDIATE").run();
    undo_.clear();
    index_cleared_ = false;
}

void Store::commit() {
    db_.prepare("COMMIT").run();
    undo_.clear();
    index_cleared_ = false;
}

void Store::rollback() noexcept {
    try {
        db_.prepare("ROLLBACK").run();
    } catch (...) {
    }
    invalidate_caches();
    try {
        if (index_cleared_) {
            load_timelines();
        } else {
            for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
                if (it->before)
                    index_.put(std::move(*it->before));
                else
                    index_.erase(it->tenant, it->id);
            }
        }
    } catch (...) {
        // Out of memory while undoing: the next reads may see the rolled-back timelines.
    }
    undo_.clear();
    index_cleared_ = false;
}

void Store::invalidate_caches() {
    workgroups_.clear();
    profiles_.clear();
    outcomes_.reset();
}

const TimelineIndex::Entry* Store::lookup(const Tenant& t, std::string_view id) {
    auto tenant = index_.find_tenant(t);
    if (tenant)
        if (const auto* e = index_.find(*tenant, id)) return e;
    if (complete_) return nullptr;
    auto st = db_.prepare(
        "SELECT sid, start_ms, idle_timeout_minutes, terminating_ms, steps FROM sessions "
        "WHERE account = ? AND region = ? AND id = ?");
    st.bind(1, t.account).bind(2, t.region).bind(3, id);
    if (!st.step()) return nullptr;
    TimelineIndex::Entry e;
    e.tenant = index_.tenant_index(t);
    e.id = std::string(id);
    e.sid = st.col_int(0);
    e.start_ms = st.col_int(1);
    e.idle_timeout_minutes = static_cast<std::int32_t>(st.col_int(2));
    e.terminating_ms = st.col_int(3);
    e.steps = std::string(st.col_view(4));
    const std::uint32_t i = e.tenant;
    index_.put(std::move(e));
    return index_.find(i, id);
}

void Store::index_put(TimelineIndex::Entry e) {
    const std::uint32_t tenant = e.tenant;
    std::string id = index_cleared_ ? std::string() : e.id;
    auto before = index_.put(std::move(e));
    if (!index_cleared_) undo_.push_back(Undo{tenant, std::move(id), std::move(before)});
}

void Store::for_each_timeline(const std::function<void(const SessionRecord&)>& f) {
    std::lock_guard lock(mu_);
    ensure_complete();
    SessionRecord scratch;
    index_.for_each([&](const TimelineIndex::Entry& e) {
        if (!TimelineIndex::load(e, scratch)) throw SqliteError("session '" + e.id + "' has damaged steps");
        scratch.tenant = index_.tenant(e.tenant);
        f(scratch);
    });
}

std::optional<std::int64_t> Store::meta_int_unlocked(std::string_view key) {
    {
        auto st = db_.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'");
        if (!st.step()) return std::nullopt;
    }
    auto st = db_.prepare("SELECT value FROM meta WHERE key = ?");
    st.bind(1, key);
    if (!st.step()) return std::nullopt;
    return st.col_int(0);
}

std::optional<std::int64_t> Store::meta_int(std::string_view key) {
    std::lock_guard lock(mu_);
    return meta_int_unlocked(key);
}

bool Store::is_new() { return !meta_int("initialized").has_value(); }

std::optional<SessionRecord> Store::find_session(const Tenant& t, std::string_view id, bool with_tags) {
    std::lock_guard lock(mu_);
    return find_session_unlocked(t, id, with_tags);
}

std::optional<SessionRecord> Store::find_session_unlocked(const Tenant& t, std::string_view id, bool with_tags) {
    SessionRecord s;
    {
        auto st =
            db_.prepare("SELECT " ATHENA_SESSION_COLUMNS " FROM sessions WHERE account = ? AND region = ? AND id = ?");
        st.bind(1, t.account).bind(2, t.region).bind(3, id);
        if (!st.step()) return std::nullopt;
        read_session_row(st, 0, s);
    }
    if (with_tags) s.tags = load_tags(t, "session", id);
    return s;
}

void Store::read_session_row(const Stmt& st, int i, SessionRecord& s) {
    s.seq = st.col_int(i);
    s.tenant = Tenant{st.col_text(i + 1), st.col_text(i + 2)};
    s.id = st.col_text(i + 3);
    s.workgroup = st.col_text(i + 4);
    s.description = st.col_text(i + 5);
    s.start = from_epoch_ms(st.col_int(i + 6));
    s.idle_timeout_minutes = static_cast<int>(st.col_int(i + 7));
    s.terminating_ms = Millis{st.col_int(i + 8)};
    s.engine_configuration = st.col_text(i + 9);
    s.monitoring_configuration = st.col_text(i + 10);
    s.engine_version = st.col_text(i + 11);
    s.notebook_version = st.col_text(i + 12);
    s.execution_role = st.col_text(i + 13);
    s.working_directory = st.col_text(i + 14);
    s.coordinator_dpu_size = static_cast<int>(st.col_int(i + 15));
    s.max_concurrent_dpus = static_cast<int>(st.col_int(i + 16));
    s.default_executor_dpu_size = static_cast<int>(st.col_int(i + 17));
    if (!decode_steps(st.col_view(i + 18), s.steps))
        throw SqliteError("session '" + s.id + "' has damaged steps in the database");
}

Tags Store::load_tags(const Tenant& t, std::string_view kind, std::string_view name) {
    auto st = db_.prepare(
        "SELECT key, value FROM tags WHERE account = ? AND region = ? AND kind = ? AND name = ? "
        "ORDER BY key");
    st.bind(1, t.account).bind(2, t.region).bind(3, kind).bind(4, name);
    Tags tags;
    while (st.step()) tags.emplace_back(st.col_text(0), st.col_text(1));
    return tags;
}

void Store::cache_key(std::string& key, const Tenant& t, std::string_view id) {
    key.clear();
    key.append(t.account).push_back('\0');
    key.append(t.region).push_back('\0');
    key.append(id);
}

std::vector<SessionRecord> Store::find_sessions_by_id(std::string_view id) {
    std::lock_guard lock(mu_);
    ensure_complete();
    // Tenants are few: one probe of the in-memory index each, then the rows in store order.
    std::vector<std::pair<std::int64_t, Tenant>> found;
    for (std::uint32_t i = 0; i < index_.tenant_count(); ++i)
        if (const auto* e = index_.find(i, id)) found.emplace_back(e->sid, index_.tenant(i));
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<SessionRecord> out;
    for (const auto& [sid, t] : found)
        if (auto s = find_session_unlocked(t, id, false)) out.push_back(std::move(*s));
    return out;
}

std::optional<WorkgroupRecord> Store::find_workgroup(const Tenant& t, std::string_view name) {
    std::lock_guard lock(mu_);
    return find_workgroup_unlocked(t, name);
}

std::optional<WorkgroupRecord> Store::find_workgroup_unlocked(const Tenant& t, std::string_view name) {
    thread_local std::string key;
    cache_key(key, t, name);
    if (auto it = workgroups_.find(key); it != workgroups_.end()) return it->second;
    WorkgroupRecord w;
    {
        auto st = db_.prepare(
            "SELECT engine_version, enabled, description, profile, scenario, configuration, "
            "created_ms, execution_role, output_location FROM workgroups "
            "WHERE account = ? AND region = ? AND name = ?");
        st.bind(1, t.account).bind(2, t.region).bind(3, name);
        if (!st.step()) {
            if (name == kPrimaryWorkgroup) {
                auto w = builtin_primary_workgroup(t);
                if (auto start = meta_int_unlocked("clock_start_ms")) w.created = from_epoch_ms(*start);
                workgroups_.emplace(key, w);
                return w;
            }
            return std::nullopt;
        }
        w.tenant = t;
        w.name = std::string(name);
        w.engine_version = st.col_text(0);
        w.enabled = st.col_int(1) != 0;
        w.description = st.col_text(2);
        w.profile = st.col_text(3);
        w.scenario = st.col_text(4);
        w.configuration = st.col_text(5);
        w.created = from_epoch_ms(st.col_int(6));
        w.execution_role = st.col_text(7);
        w.output_location = st.col_text(8);
    }
    w.tags = load_tags(t, "workgroup", name);
    workgroups_.emplace(key, w);
    return w;
}

std::optional<Profile> Store::find_profile(std::string_view name) {
    std::lock_guard lock(mu_);
    return find_profile_unlocked(name);
}

std::optional<Profile> Store::find_profile_unlocked(std::string_view name) {
    thread_local std::string key;
    key.assign(name);
    if (auto it = profiles_.find(key); it != profiles_.end()) return it->second;
    auto p = read_profile(db_, name);
    profiles_.emplace(key, p);
    return p;
}

namespace {
std::optional<Profile> read_profile(SqliteDb& db, std::string_view name) {
    auto st = db.prepare(
        "SELECT creating_ms, created_ms, terminating_ms, calculation_creating_ms, "
        "calculation_queued_ms, calculation_running_ms, calculation_canceling_ms, "
        "idle_timeout_minutes_default, max_active_sessions FROM profiles WHERE name = ?");
    st.bind(1, name);
    if (!st.step()) {
        if (name == "default") return builtin_default_profile();
        if (name == "instant") return builtin_instant_profile();
        return std::nullopt;
    }
    Profile p;
    p.name = std::string(name);
    p.creating_ms = Millis{st.col_int(0)};
    p.created_ms = Millis{st.col_int(1)};
    p.terminating_ms = Millis{st.col_int(2)};
    p.calculation_creating_ms = Millis{st.col_int(3)};
    p.calculation_queued_ms = Millis{st.col_int(4)};
    p.calculation_running_ms = Millis{st.col_int(5)};
    p.calculation_canceling_ms = Millis{st.col_int(6)};
    p.idle_timeout_minutes_default = static_cast<int>(st.col_int(7));
    if (!st.col_null(8)) p.max_active_sessions = static_cast<int>(st.col_int(8));
    return p;
}
}  // namespace

std::optional<Scenario> Store::find_scenario(std::string_view name) {
    std::lock_guard lock(mu_);
    return find_scenario_unlocked(name);
}

std::optional<Scenario> Store::find_scenario_unlocked(std::string_view name) {
    auto st = db_.prepare("SELECT after_ms, state, reason FROM scenario_steps WHERE name = ? ORDER BY idx");
    st.bind(1, name);
    Scenario sc;
    sc.name = std::string(name);
    while (st.step()) sc.steps.push_back(ScriptStep{Millis{st.col_int(0)}, state_column(st, 1), st.col_text(2)});
    if (sc.steps.empty()) return std::nullopt;
    return sc;
}

std::size_t Store::count_sessions() {
    std::lock_guard lock(mu_);
    ensure_complete();
    return index_.size();
}

void Store::put_tags(const Tenant& t, std::string_view kind, std::string_view name, const Tags& tags) {
    if (kind == "workgroup") workgroups_.clear();
    db_.prepare("DELETE FROM tags WHERE account = ? AND region = ? AND kind = ? AND name = ?")
        .bind(1, t.account)
        .bind(2, t.region)
        .bind(3, kind)
        .bind(4, name)
        .run();
    for (const auto& [k, v] : tags)
        db_.prepare(
               "INSERT OR REPLACE INTO tags(account, region, kind, name, key, value) "
               "VALUES(?, ?, ?, ?, ?, ?)")
            .bind(1, t.account)
            .bind(2, t.region)
            .bind(3, kind)
            .bind(4, name)
            .bind(5, k)
            .bind(6, v)
            .run();
}

// --- Tx ---------------------------------------------------------------------------------

std::optional<SessionRecord> Store::Tx::find_session(const Tenant& t, std::string_view id, bool with_tags) {
    return s_.find_session_unlocked(t, id, with_tags);
}
std::optional<WorkgroupRecord> Store::Tx::find_workgroup(const Tenant& t, std::string_view name) {
    return s_.find_workgroup_unlocked(t, name);
}
std::optional<Profile> Store::Tx::find_profile(std::string_view name) { return s_.find_profile_unlocked(name); }
std::optional<Scenario> Store::Tx::find_scenario(std::string_view name) { return s_.find_scenario_unlocked(name); }

void Store::Tx::put_session(const SessionRecord& s) {
    auto& db = s_.db_;
    const auto* known = s_.lookup(s.tenant, s.id);
    const std::uint32_t tenant = s_.index_.tenant_index(s.tenant);
    const std::string steps = encode_steps(s.steps);
    std::int64_t sid;
    if (known) {
        sid = known->sid;
        auto st = db.prepare(
            "UPDATE sessions SET workgroup = ?, description = ?, start_ms = ?, "
            "idle_timeout_minutes = ?, terminating_ms = ?, engine_configuration = ?, "
            "monitoring_configuration = ?, engine_version = ?, notebook_version = ?, "
            "execution_role = ?, working_directory = ?, coordinator_dpu_size = ?, max_concurrent_dpus = ?, "
            "default_executor_dpu_size = ?, steps = ? WHERE sid = ?");
        bind_session_columns(st, 1, s, steps).bind(16, sid).run();
    } else {
        auto st = db.prepare(
            "INSERT INTO sessions(account, region, id, workgroup, description, start_ms, "
            "idle_timeout_minutes, terminating_ms, engine_configuration, monitoring_configuration, "
            "engine_version, notebook_version, execution_role, working_directory, coordinator_dpu_size, "
            "max_concurrent_dpus, default_executor_dpu_size, steps) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        st.bind(1, s.tenant.account).bind(2, s.tenant.region).bind(3, s.id);
        bind_session_columns(st, 4, s, steps).run();
        sid = db.last_insert_rowid();
    }
    // A new session has no tags stored yet: nothing to delete when it brings none.
    if (known || !s.tags.empty()) s_.put_tags(s.tenant, "session", s.id, s.tags);
    s_.index_put(TimelineIndex::Entry{sid, to_epoch_ms(s.start), static_cast<std::int64_t>(s.terminating_ms.count()),
                                      s.idle_timeout_minutes, tenant, s.id, steps});
}

void Store::Tx::put_session_steps(const SessionRecord& s) {
    const auto* known = s_.lookup(s.tenant, s.id);
    if (!known) return put_session(s);
    TimelineIndex::Entry e = *known;
    e.steps = encode_steps(s.steps);
    s_.db_.prepare("UPDATE sessions SET steps = ? WHERE sid = ?").bind_blob(1, e.steps).bind(2, e.sid).run();
    s_.index_put(std::move(e));
}

void Store::Tx::put_workgroup(const WorkgroupRecord& w) {
    s_.workgroups_.clear();
    s_.db_
        .prepare(
            "INSERT OR REPLACE INTO workgroups(account, region, name, engine_version, enabled, "
            "description, profile, scenario, configuration, created_ms, execution_role, output_location) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, w.tenant.account)
        .bind(2, w.tenant.region)
        .bind(3, w.name)
        .bind(4, w.engine_version)
        .bind(5, w.enabled ? 1 : 0)
        .bind(6, w.description)
        .bind(7, w.profile)
        .bind(8, w.scenario)
        .bind(9, w.configuration)
        .bind(10, to_epoch_ms(w.created))
        .bind(11, w.execution_role)
        .bind(12, w.output_location)
        .run();
    s_.put_tags(w.tenant, "workgroup", w.name, w.tags);
}

void Store::Tx::put_profile(const Profile& p) {
    s_.profiles_.clear();
    auto st = s_.db_.prepare(
        "INSERT OR REPLACE INTO profiles(name, creating_ms, created_ms, terminating_ms, "
        "calculation_creating_ms, calculation_queued_ms, calculation_running_ms, "
        "calculation_canceling_ms, idle_timeout_minutes_default, max_active_sessions) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, p.name)
        .bind(2, static_cast<std::int64_t>(p.creating_ms.count()))
        .bind(3, static_cast<std::int64_t>(p.created_ms.count()))
        .bind(4, static_cast<std::int64_t>(p.terminating_ms.count()))
        .bind(5, static_cast<std::int64_t>(p.calculation_creating_ms.count()))
        .bind(6, static_cast<std::int64_t>(p.calculation_queued_ms.count()))
        .bind(7, static_cast<std::int64_t>(p.calculation_running_ms.count()))
        .bind(8, static_cast<std::int64_t>(p.calculation_canceling_ms.count()))
        .bind(9, p.idle_timeout_minutes_default);
    if (p.max_active_sessions)
        st.bind(10, *p.max_active_sessions);
    else
        st.bind_null(10);
    st.run();
}

void Store::Tx::put_scenario(const Scenario& sc) {
    s_.db_.prepare("DELETE FROM scenario_steps WHERE name = ?").bind(1, sc.name).run();
    int idx = 0;
    for (const auto& step : sc.steps)
        s_.db_
            .prepare(
                "INSERT INTO scenario_steps(name, idx, after_ms, state, reason) "
                "VALUES(?, ?, ?, ?, ?)")
            .bind(1, sc.name)
            .bind(2, idx++)
            .bind(3, static_cast<std::int64_t>(step.after.count()))
            .bind(4, to_string(step.state))
            .bind(5, step.reason)
            .run();
}

void Store::Tx::set_meta(std::string_view key, std::int64_t value) {
    if (key == "clock_start_ms") s_.workgroups_.clear();  // the built-in primary's creation time
    s_.db_.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)").bind(1, key).bind(2, value).run();
}

void Store::Tx::mark_initialized() { set_meta("initialized", 1); }

void Store::Tx::clear_all() {
    s_.index_.clear();
    s_.undo_.clear();
    s_.index_cleared_ = true;
    s_.complete_ = true;  // nothing is left to load
    s_.invalidate_caches();
    s_.db_.exec(
        "DELETE FROM sessions; DELETE FROM workgroups; "
        "DELETE FROM profiles; DELETE FROM scenario_steps; DELETE FROM tags; DELETE FROM tokens; "
        "DELETE FROM calculations; DELETE FROM outcomes; DELETE FROM blobs;");
}

std::vector<WorkgroupRecord> Store::Tx::list_workgroups(const Tenant& t) {
    std::vector<std::string> names;
    {
        auto st = s_.db_.prepare("SELECT name FROM workgroups WHERE account = ? AND region = ? ORDER BY name");
        st.bind(1, t.account).bind(2, t.region);
        while (st.step()) names.push_back(st.col_text(0));
    }
    if (std::find(names.begin(), names.end(), std::string(kPrimaryWorkgroup)) == names.end()) {
        names.push_back(std::string(kPrimaryWorkgroup));
        std::sort(names.begin(), names.end());
    }
    std::vector<WorkgroupRecord> out;
    for (const auto& n : names)
        if (auto w = s_.find_workgroup_unlocked(t, n)) out.push_back(std::move(*w));
    return out;
}

void Store::Tx::delete_workgroup(const Tenant& t, std::string_view name) {
    s_.workgroups_.clear();
    s_.db_.prepare("DELETE FROM workgroups WHERE account = ? AND region = ? AND name = ?")
        .bind(1, t.account)
        .bind(2, t.region)
        .bind(3, name)
        .run();
    s_.put_tags(t, "workgroup", name, {});
}

bool Store::Tx::for_each_session(const Tenant& t, std::string_view workgroup,
                                 std::optional<std::pair<std::int64_t, std::int64_t>> before,
                                 const std::function<bool(SessionRecord&)>& f) {
    // Newest first: by start time, then insertion order. `before` resumes after a cursor. The
    // rows are stepped lazily, so a page reads only what it shows (plus one). f must not write
    // sessions while the walk is on.
    auto st = before ? s_.db_.prepare("SELECT " ATHENA_SESSION_COLUMNS
                                      " FROM sessions WHERE account = ? AND region = ? "
                                      "AND workgroup = ? AND (start_ms < ? OR (start_ms = ? AND sid < ?)) "
                                      "ORDER BY start_ms DESC, sid DESC")
                     : s_.db_.prepare("SELECT " ATHENA_SESSION_COLUMNS
                                      " FROM sessions WHERE account = ? AND region = ? "
                                      "AND workgroup = ? ORDER BY start_ms DESC, sid DESC");
    st.bind(1, t.account).bind(2, t.region).bind(3, workgroup);
    if (before) st.bind(4, before->first).bind(5, before->first).bind(6, before->second);
    SessionRecord s;
    while (st.step()) {
        s = SessionRecord{};
        s_.read_session_row(st, 0, s);
        if (!f(s)) return false;
    }
    return true;
}

Tags Store::Tx::tags(const Tenant& t, std::string_view kind, std::string_view name) {
    return s_.load_tags(t, kind, name);
}

void Store::Tx::set_tags(const Tenant& t, std::string_view kind, std::string_view name, const Tags& tags) {
    s_.put_tags(t, kind, name, tags);
}

std::optional<std::pair<std::string, std::string>> Store::Tx::find_token(const Tenant& t, std::string_view operation,
                                                                         std::string_view token) {
    auto st = s_.db_.prepare(
        "SELECT fingerprint, result FROM tokens WHERE account = ? AND region = ? AND operation = ? AND token = ?");
    st.bind(1, t.account).bind(2, t.region).bind(3, operation).bind(4, token);
    if (!st.step()) return std::nullopt;
    return std::make_pair(st.col_text(0), st.col_text(1));
}

void Store::Tx::put_token(const Tenant& t, std::string_view operation, std::string_view token,
                          std::string_view fingerprint, std::string_view result) {
    s_.db_
        .prepare(
            "INSERT OR REPLACE INTO tokens(account, region, operation, token, fingerprint, result) "
            "VALUES(?, ?, ?, ?, ?, ?)")
        .bind(1, t.account)
        .bind(2, t.region)
        .bind(3, operation)
        .bind(4, token)
        .bind(5, fingerprint)
        .bind(6, result)
        .run();
}

// --- calculations ------------------------------------------------------------------------

std::optional<CalculationRecord> Store::find_calculation_unlocked(const Tenant& t, std::string_view id) {
    auto st = db_.prepare("SELECT " ATHENA_CALCULATION_COLUMNS
                          " FROM calculations WHERE account = ? AND region = ? AND id = ?");
    st.bind(1, t.account).bind(2, t.region).bind(3, id);
    if (!st.step()) return std::nullopt;
    CalculationRecord c;
    read_calculation_row(st, c);
    return c;
}

std::optional<CalculationRecord> Store::find_calculation(const Tenant& t, std::string_view id) {
    std::lock_guard lock(mu_);
    return find_calculation_unlocked(t, id);
}

std::optional<CalculationRecord> Store::Tx::find_calculation(const Tenant& t, std::string_view id) {
    return s_.find_calculation_unlocked(t, id);
}

std::vector<CalculationRecord> Store::Tx::session_calculations(const Tenant& t, std::string_view session_id) {
    auto st = s_.db_.prepare("SELECT " ATHENA_CALCULATION_COLUMNS
                             " FROM calculations WHERE account = ? AND region = ? AND session_id = ? "
                             "ORDER BY submitted_ms DESC, cid DESC");
    st.bind(1, t.account).bind(2, t.region).bind(3, session_id);
    std::vector<CalculationRecord> out;
    while (st.step()) read_calculation_row(st, out.emplace_back());
    return out;
}

void Store::Tx::put_calculation(const CalculationRecord& c) {
    const std::string steps = encode_steps(c.steps);
    // A calculation's other columns never change: a known one gets its steps replaced.
    auto st = s_.db_.prepare(
        "INSERT INTO calculations(account, region, id, session_id, description, code, submitted_ms, "
        "working_directory, result_s3_uri, stdout_s3_uri, stderr_s3_uri, result_type, steps, stdout_text, "
        "stderr_text, result_text) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(account, region, id) DO UPDATE SET steps = excluded.steps");
    bind_output(st, 14, c.output);
    st.bind(1, c.tenant.account)
        .bind(2, c.tenant.region)
        .bind(3, c.id)
        .bind(4, c.session_id)
        .bind(5, c.description)
        .bind(6, c.code)
        .bind(7, to_epoch_ms(c.submitted))
        .bind(8, c.working_directory)
        .bind(9, c.result.result_s3_uri)
        .bind(10, c.result.stdout_s3_uri)
        .bind(11, c.result.stderr_s3_uri)
        .bind(12, c.result.result_type)
        .bind_blob(13, steps)
        .run();
}

std::vector<CalculationRecord> Store::Tx::account_calculations(std::string_view account) {
    auto st = s_.db_.prepare("SELECT " ATHENA_CALCULATION_COLUMNS " FROM calculations WHERE account = ? ORDER BY cid");
    st.bind(1, account);
    std::vector<CalculationRecord> out;
    while (st.step()) read_calculation_row(st, out.emplace_back());
    return out;
}

std::vector<OutcomeRule> Store::Tx::outcome_rules() {
    if (s_.outcomes_) return *s_.outcomes_;
    auto st = s_.db_.prepare(
        "SELECT match, pattern, state, reason, queued_ms, running_ms, has_result, result_s3_uri, stdout_s3_uri, "
        "stderr_s3_uri, result_type, session_state, session_after_ms, session_reason, stop, stop_after_ms, "
        "stdout_text, stderr_text, result_text FROM outcomes ORDER BY idx");
    std::vector<OutcomeRule> rules;
    while (st.step()) {
        OutcomeRule r;
        r.match = st.col_text(0) == "code_regex" ? OutcomeRule::Match::CodeRegex : OutcomeRule::Match::CodeContains;
        r.pattern = st.col_text(1);
        r.state = parse_calculation_state(st.col_text(2)).value_or(CalculationState::Completed);
        r.reason = st.col_text(3);
        if (!st.col_null(4)) r.queued_ms = Millis{st.col_int(4)};
        if (!st.col_null(5)) r.running_ms = Millis{st.col_int(5)};
        if (st.col_int(6))
            r.result = CalculationResultUris{st.col_text(7), st.col_text(8), st.col_text(9), st.col_text(10)};
        if (auto state = parse_session_state(st.col_text(11)))
            r.session = OutcomeRule::SessionEffect{*state, Millis{st.col_int(12)}, st.col_text(13)};
        r.stop = parse_stop(st.col_text(14)).value_or(OutcomeRule::Stop::Honoured);
        r.stop_after = Millis{st.col_int(15)};
        r.output = read_output(st, 16);
        rules.push_back(std::move(r));
    }
    s_.outcomes_ = rules;
    return rules;
}

void Store::Tx::add_outcome_rule(const OutcomeRule& r) {
    s_.outcomes_.reset();
    auto st = s_.db_.prepare(
        "INSERT INTO outcomes(match, pattern, state, reason, queued_ms, running_ms, has_result, result_s3_uri, "
        "stdout_s3_uri, stderr_s3_uri, result_type, session_state, session_after_ms, session_reason, stop, "
        "stop_after_ms, stdout_text, stderr_text, result_text) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    bind_output(st, 17, r.output);
    st.bind(1, r.match == OutcomeRule::Match::CodeRegex ? "code_regex" : "code_contains")
        .bind(2, r.pattern)
        .bind(3, to_string(r.state))
        .bind(4, r.reason);
    if (r.queued_ms)
        st.bind(5, static_cast<std::int64_t>(r.queued_ms->count()));
    else
        st.bind_null(5);
    if (r.running_ms)
        st.bind(6, static_cast<std::int64_t>(r.running_ms->count()));
    else
        st.bind_null(6);
    const CalculationResultUris none;
    const auto& res = r.result ? *r.result : none;
    static const std::string kNoReason;  // bound text must outlive run()
    const std::string& session_reason = r.session ? r.session->reason : kNoReason;
    st.bind(7, r.result ? 1 : 0)
        .bind(8, res.result_s3_uri)
        .bind(9, res.stdout_s3_uri)
        .bind(10, res.stderr_s3_uri)
        .bind(11, res.result_type)
        .bind(12, r.session ? to_string(r.session->state) : std::string_view(""))
        .bind(13, static_cast<std::int64_t>(r.session ? r.session->after.count() : 0))
        .bind(14, session_reason)
        .bind(15, to_string(r.stop))
        .bind(16, static_cast<std::int64_t>(r.stop_after.count()));
    st.run();
}

// --- blobs ------------------------------------------------------------------------------

std::optional<std::string> Store::blob(std::string_view name) {
    return read([&](Tx& tx) { return tx.blob(name); });
}

std::optional<std::string> Store::Tx::blob(std::string_view name) {
    auto st = s_.db_.prepare("SELECT value FROM blobs WHERE name = ?");
    st.bind(1, name);
    if (!st.step()) return std::nullopt;
    return st.col_text(0);
}

void Store::Tx::delete_blob(std::string_view name) {
    s_.db_.prepare("DELETE FROM blobs WHERE name = ?").bind(1, name).run();
}

void Store::Tx::set_blob(std::string_view name, std::string_view value) {
    s_.db_.prepare("INSERT OR REPLACE INTO blobs(name, value) VALUES(?, ?)").bind(1, name).bind(2, value).run();
}

std::vector<TokenRecord> Store::Tx::tokens() {
    auto st = s_.db_.prepare(
        "SELECT account, region, operation, token, fingerprint, result FROM tokens ORDER BY account, region, "
        "operation, token");
    std::vector<TokenRecord> out;
    while (st.step())
        out.push_back(TokenRecord{Tenant{st.col_text(0), st.col_text(1)}, st.col_text(2), st.col_text(3),
                                  st.col_text(4), st.col_text(5)});
    return out;
}

bool Store::Tx::workgroup_stored(const Tenant& t, std::string_view name) {
    auto st = s_.db_.prepare("SELECT 1 FROM workgroups WHERE account = ? AND region = ? AND name = ?");
    st.bind(1, t.account).bind(2, t.region).bind(3, name);
    return st.step();
}

std::vector<Tenant> Store::Tx::tenants() {
    auto st = s_.db_.prepare(
        "SELECT account, region FROM workgroups UNION SELECT account, region FROM sessions ORDER BY 1, 2");
    std::vector<Tenant> out;
    while (st.step()) out.push_back(Tenant{st.col_text(0), st.col_text(1)});
    return out;
}

std::vector<Profile> Store::Tx::profiles() {
    return load_named<Profile>(s_.db_, "SELECT name FROM profiles ORDER BY name",
                               [&](const std::string& n) { return s_.find_profile_unlocked(n); });
}

std::vector<Scenario> Store::Tx::scenarios() {
    return load_named<Scenario>(s_.db_, "SELECT DISTINCT name FROM scenario_steps ORDER BY name",
                                [&](const std::string& n) { return s_.find_scenario_unlocked(n); });
}

void Store::Tx::for_each_session_everywhere(const std::function<void(SessionRecord&)>& f) {
    auto st = s_.db_.prepare("SELECT " ATHENA_SESSION_COLUMNS " FROM sessions ORDER BY sid");
    while (st.step()) {
        SessionRecord s;
        s_.read_session_row(st, 0, s);
        s.tags = s_.load_tags(s.tenant, "session", s.id);
        f(s);
    }
}

std::vector<CalculationRecord> Store::Tx::all_calculations() {
    auto st = s_.db_.prepare("SELECT " ATHENA_CALCULATION_COLUMNS " FROM calculations ORDER BY cid");
    std::vector<CalculationRecord> out;
    while (st.step()) read_calculation_row(st, out.emplace_back());
    return out;
}

}  // namespace athena
