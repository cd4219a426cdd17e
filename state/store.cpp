#include "state/store.hpp"

#include <algorithm>

namespace athena {
namespace {

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
  UNIQUE(account, region, id)
);
CREATE INDEX IF NOT EXISTS sessions_by_id ON sessions(id);
CREATE INDEX IF NOT EXISTS sessions_by_workgroup ON sessions(account, region, workgroup, start_ms, sid);
CREATE TABLE IF NOT EXISTS calculations(
  cid INTEGER PRIMARY KEY,
  account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, session_id TEXT NOT NULL,
  description TEXT NOT NULL, code TEXT NOT NULL, submitted_ms INTEGER NOT NULL,
  working_directory TEXT NOT NULL, result_s3_uri TEXT NOT NULL, stdout_s3_uri TEXT NOT NULL,
  stderr_s3_uri TEXT NOT NULL, result_type TEXT NOT NULL,
  UNIQUE(account, region, id)
);
CREATE INDEX IF NOT EXISTS calculations_by_session ON calculations(account, region, session_id, submitted_ms, cid);
CREATE TABLE IF NOT EXISTS calculation_steps(
  cid INTEGER NOT NULL, idx INTEGER NOT NULL, at_ms INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY(cid, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outcomes(
  idx INTEGER PRIMARY KEY, match TEXT NOT NULL, pattern TEXT NOT NULL, state TEXT NOT NULL,
  reason TEXT NOT NULL, queued_ms INTEGER, running_ms INTEGER, has_result INTEGER NOT NULL,
  result_s3_uri TEXT NOT NULL, stdout_s3_uri TEXT NOT NULL, stderr_s3_uri TEXT NOT NULL, result_type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS blobs(
  name TEXT PRIMARY KEY, value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens(
  account TEXT NOT NULL, region TEXT NOT NULL, operation TEXT NOT NULL, token TEXT NOT NULL,
  fingerprint TEXT NOT NULL, result TEXT NOT NULL,
  PRIMARY KEY(account, region, operation, token)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_steps(
  sid INTEGER NOT NULL, idx INTEGER NOT NULL, at_ms INTEGER NOT NULL,
  state TEXT NOT NULL, cause TEXT NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY(sid, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags(
  account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
  key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(account, region, kind, name, key)
) WITHOUT ROWID;
)sql";

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

SessionState state_column(const Stmt& st, int i) {
    auto s = parse_session_state(st.col_text(i));
    if (!s) throw SqliteError("database holds an unknown session state '" + st.col_text(i) + "'");
    return *s;
}

}  // namespace

Store::Store(const std::string& path) : db_(path) {
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
}

void Store::create_schema() {
    // A database that already has tables but no meta table was not made by athena-emu.
    {
        auto st = db_.prepare(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT IN "
            "('meta','profiles','scenario_steps','workgroups','sessions','session_steps','tags','tokens','calculations','calculation_steps','outcomes','blobs')");
        st.step();
        if (st.col_int(0) > 0)
            throw SqliteError("database '" + db_.path() +
                              "' holds tables athena-emu did not create; point --db at a new "
                              "file or one athena-emu wrote");
    }
    auto version = meta_int_unlocked("schema_version");
    if (version && *version > kSchemaVersion)
        throw SqliteError("database '" + db_.path() + "' has schema version " +
                          std::to_string(*version) + " from a newer athena-emu; this build knows up to " +
                          std::to_string(kSchemaVersion));
    db_.exec("BEGIN IMMEDIATE");
    try {
        db_.exec(kSchema);
        if (!version)
            db_.prepare("INSERT INTO meta(key, value) VALUES('schema_version', ?)")
                .bind(1, kSchemaVersion)
                .run();
        // Future versions migrate here, one step per version.
        db_.exec("COMMIT");
    } catch (...) {
        db_.exec("ROLLBACK");
        throw;
    }
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

std::optional<SessionRecord> Store::find_session(const Tenant& t, std::string_view id,
                                                 bool with_tags) {
    std::lock_guard lock(mu_);
    return find_session_unlocked(t, id, with_tags);
}

std::optional<SessionRecord> Store::find_session_unlocked(const Tenant& t, std::string_view id,
                                                          bool with_tags) {
    std::int64_t sid;
    SessionRecord s;
    {
        auto st = db_.prepare(
            "SELECT sid, workgroup, description, start_ms, idle_timeout_minutes, terminating_ms, "
            "engine_configuration, monitoring_configuration, engine_version, notebook_version, "
            "execution_role, working_directory, coordinator_dpu_size, max_concurrent_dpus, "
            "default_executor_dpu_size FROM sessions WHERE account = ? AND region = ? AND id = ?");
        st.bind(1, t.account).bind(2, t.region).bind(3, id);
        if (!st.step()) return std::nullopt;
        sid = st.col_int(0);
        s.seq = sid;
        s.tenant = t;
        s.id = std::string(id);
        s.workgroup = st.col_text(1);
        s.description = st.col_text(2);
        s.start = from_epoch_ms(st.col_int(3));
        s.idle_timeout_minutes = static_cast<int>(st.col_int(4));
        s.terminating_ms = Millis{st.col_int(5)};
        s.engine_configuration = st.col_text(6);
        s.monitoring_configuration = st.col_text(7);
        s.engine_version = st.col_text(8);
        s.notebook_version = st.col_text(9);
        s.execution_role = st.col_text(10);
        s.working_directory = st.col_text(11);
        s.coordinator_dpu_size = static_cast<int>(st.col_int(12));
        s.max_concurrent_dpus = static_cast<int>(st.col_int(13));
        s.default_executor_dpu_size = static_cast<int>(st.col_int(14));
    }
    load_steps(sid, s);
    if (with_tags) s.tags = load_tags(t, "session", id);
    return s;
}

void Store::load_steps(std::int64_t sid, SessionRecord& s) {
    auto st = db_.prepare(
        "SELECT at_ms, state, cause, reason FROM session_steps WHERE sid = ? ORDER BY idx");
    st.bind(1, sid);
    while (st.step()) {
        auto cause = parse_cause(st.col_text(2));
        s.steps.push_back(Step{from_epoch_ms(st.col_int(0)), state_column(st, 1),
                               cause.value_or(Cause::Script), st.col_text(3)});
    }
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

std::shared_ptr<const SessionRecord> Store::session_timeline(const Tenant& t, std::string_view id) {
    thread_local std::string key;
    cache_key(key, t, id);
    std::lock_guard lock(mu_);
    if (auto it = timelines_.find(key); it != timelines_.end()) return it->second;
    auto s = find_session_unlocked(t, id, false);
    if (!s) return nullptr;
    auto lean = std::make_shared<SessionRecord>();
    lean->tenant = s->tenant;
    lean->id = s->id;
    lean->start = s->start;
    lean->idle_timeout_minutes = s->idle_timeout_minutes;
    lean->terminating_ms = s->terminating_ms;
    lean->steps = std::move(s->steps);
    timelines_.emplace(key, lean);
    return lean;
}

std::vector<SessionRecord> Store::find_sessions_by_id(std::string_view id) {
    std::lock_guard lock(mu_);
    std::vector<Tenant> tenants;
    {
        auto st = db_.prepare("SELECT account, region FROM sessions WHERE id = ? ORDER BY sid");
        st.bind(1, id);
        while (st.step()) tenants.push_back(Tenant{st.col_text(0), st.col_text(1)});
    }
    std::vector<SessionRecord> out;
    for (const auto& t : tenants)
        if (auto s = find_session_unlocked(t, id, false)) out.push_back(std::move(*s));
    return out;
}

std::optional<WorkgroupRecord> Store::find_workgroup(const Tenant& t, std::string_view name) {
    std::lock_guard lock(mu_);
    return find_workgroup_unlocked(t, name);
}

std::optional<WorkgroupRecord> Store::find_workgroup_unlocked(const Tenant& t,
                                                              std::string_view name) {
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
    return w;
}

std::optional<Profile> Store::find_profile(std::string_view name) {
    std::lock_guard lock(mu_);
    return find_profile_unlocked(name);
}

std::optional<Profile> Store::find_profile_unlocked(std::string_view name) {
    auto st = db_.prepare(
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

std::optional<Scenario> Store::find_scenario(std::string_view name) {
    std::lock_guard lock(mu_);
    return find_scenario_unlocked(name);
}

std::optional<Scenario> Store::find_scenario_unlocked(std::string_view name) {
    auto st = db_.prepare(
        "SELECT after_ms, state, reason FROM scenario_steps WHERE name = ? ORDER BY idx");
    st.bind(1, name);
    Scenario sc;
    sc.name = std::string(name);
    while (st.step())
        sc.steps.push_back(ScriptStep{Millis{st.col_int(0)}, state_column(st, 1), st.col_text(2)});
    if (sc.steps.empty()) return std::nullopt;
    return sc;
}

std::size_t Store::count_sessions() {
    std::lock_guard lock(mu_);
    auto st = db_.prepare("SELECT count(*) FROM sessions");
    st.step();
    return static_cast<std::size_t>(st.col_int(0));
}

void Store::put_tags(const Tenant& t, std::string_view kind, std::string_view name,
                     const Tags& tags) {
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

std::optional<SessionRecord> Store::Tx::find_session(const Tenant& t, std::string_view id,
                                                     bool with_tags) {
    return s_.find_session_unlocked(t, id, with_tags);
}
std::optional<WorkgroupRecord> Store::Tx::find_workgroup(const Tenant& t, std::string_view name) {
    return s_.find_workgroup_unlocked(t, name);
}
std::optional<Profile> Store::Tx::find_profile(std::string_view name) {
    return s_.find_profile_unlocked(name);
}
std::optional<Scenario> Store::Tx::find_scenario(std::string_view name) {
    return s_.find_scenario_unlocked(name);
}

void Store::Tx::put_session(const SessionRecord& s) {
    auto& db = s_.db_;
    {
        std::string key;
        cache_key(key, s.tenant, s.id);
        s_.timelines_.erase(key);
    }
    std::optional<std::int64_t> sid;
    {
        auto st = db.prepare("SELECT sid FROM sessions WHERE account = ? AND region = ? AND id = ?");
        st.bind(1, s.tenant.account).bind(2, s.tenant.region).bind(3, s.id);
        if (st.step()) sid = st.col_int(0);
    }
    if (sid) {
        db.prepare(
              "UPDATE sessions SET workgroup = ?, description = ?, start_ms = ?, "
              "idle_timeout_minutes = ?, terminating_ms = ?, engine_configuration = ?, "
              "monitoring_configuration = ?, engine_version = ?, notebook_version = ?, "
              "execution_role = ?, working_directory = ?, coordinator_dpu_size = ?, max_concurrent_dpus = ?, "
              "default_executor_dpu_size = ? WHERE sid = ?")
            .bind(1, s.workgroup)
            .bind(2, s.description)
            .bind(3, to_epoch_ms(s.start))
            .bind(4, s.idle_timeout_minutes)
            .bind(5, static_cast<std::int64_t>(s.terminating_ms.count()))
            .bind(6, s.engine_configuration)
            .bind(7, s.monitoring_configuration)
            .bind(8, s.engine_version)
            .bind(9, s.notebook_version)
            .bind(10, s.execution_role)
            .bind(11, s.working_directory)
            .bind(12, s.coordinator_dpu_size)
            .bind(13, s.max_concurrent_dpus)
            .bind(14, s.default_executor_dpu_size)
            .bind(15, *sid)
            .run();
        db.prepare("DELETE FROM session_steps WHERE sid = ?").bind(1, *sid).run();
    } else {
        db.prepare(
              "INSERT INTO sessions(account, region, id, workgroup, description, start_ms, "
              "idle_timeout_minutes, terminating_ms, engine_configuration, monitoring_configuration, "
              "engine_version, notebook_version, execution_role, working_directory, coordinator_dpu_size, "
              "max_concurrent_dpus, default_executor_dpu_size) "
              "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, s.tenant.account)
            .bind(2, s.tenant.region)
            .bind(3, s.id)
            .bind(4, s.workgroup)
            .bind(5, s.description)
            .bind(6, to_epoch_ms(s.start))
            .bind(7, s.idle_timeout_minutes)
            .bind(8, static_cast<std::int64_t>(s.terminating_ms.count()))
            .bind(9, s.engine_configuration)
            .bind(10, s.monitoring_configuration)
            .bind(11, s.engine_version)
            .bind(12, s.notebook_version)
            .bind(13, s.execution_role)
            .bind(14, s.working_directory)
            .bind(15, s.coordinator_dpu_size)
            .bind(16, s.max_concurrent_dpus)
            .bind(17, s.default_executor_dpu_size)
            .run();
        sid = db.last_insert_rowid();
    }
    int idx = 0;
    for (const Step& step : s.steps)
        db.prepare(
              "INSERT INTO session_steps(sid, idx, at_ms, state, cause, reason) "
              "VALUES(?, ?, ?, ?, ?, ?)")
            .bind(1, *sid)
            .bind(2, idx++)
            .bind(3, to_epoch_ms(step.at))
            .bind(4, to_string(step.state))
            .bind(5, to_string(step.cause))
            .bind(6, step.reason)
            .run();
    s_.put_tags(s.tenant, "session", s.id, s.tags);
}

void Store::Tx::put_workgroup(const WorkgroupRecord& w) {
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
    s_.db_.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)")
        .bind(1, key)
        .bind(2, value)
        .run();
}

void Store::Tx::mark_initialized() { set_meta("initialized", 1); }

void Store::Tx::clear_all() {
    s_.timelines_.clear();
    s_.db_.exec(
        "DELETE FROM session_steps; DELETE FROM sessions; DELETE FROM workgroups; "
        "DELETE FROM profiles; DELETE FROM scenario_steps; DELETE FROM tags; DELETE FROM tokens; "
        "DELETE FROM calculations; DELETE FROM calculation_steps; DELETE FROM outcomes; DELETE FROM blobs;");
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
    auto st = before ? s_.db_.prepare(
                           "SELECT id FROM sessions WHERE account = ? AND region = ? AND workgroup = ? "
                           "AND (start_ms < ? OR (start_ms = ? AND sid < ?)) "
                           "ORDER BY start_ms DESC, sid DESC")
                     : s_.db_.prepare(
                           "SELECT id FROM sessions WHERE account = ? AND region = ? AND workgroup = ? "
                           "ORDER BY start_ms DESC, sid DESC");
    st.bind(1, t.account).bind(2, t.region).bind(3, workgroup);
    if (before) st.bind(4, before->first).bind(5, before->first).bind(6, before->second);
    while (st.step()) {
        auto s = s_.find_session_unlocked(t, st.col_text(0), false);
        if (s && !f(*s)) return false;
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
    CalculationRecord c;
    {
        auto st = db_.prepare(
            "SELECT cid, session_id, description, code, submitted_ms, working_directory, result_s3_uri, "
            "stdout_s3_uri, stderr_s3_uri, result_type FROM calculations WHERE account = ? AND region = ? AND id = ?");
        st.bind(1, t.account).bind(2, t.region).bind(3, id);
        if (!st.step()) return std::nullopt;
        c.seq = st.col_int(0);
        c.tenant = t;
        c.id = std::string(id);
        c.session_id = st.col_text(1);
        c.description = st.col_text(2);
        c.code = st.col_text(3);
        c.submitted = from_epoch_ms(st.col_int(4));
        c.working_directory = st.col_text(5);
        c.result = CalculationResultUris{st.col_text(6), st.col_text(7), st.col_text(8), st.col_text(9)};
    }
    auto st = db_.prepare("SELECT at_ms, state, reason FROM calculation_steps WHERE cid = ? ORDER BY idx");
    st.bind(1, c.seq);
    while (st.step()) {
        auto state = parse_calculation_state(st.col_text(1));
        if (!state) throw SqliteError("database holds an unknown calculation state '" + st.col_text(1) + "'");
        c.steps.push_back(CalculationStep{from_epoch_ms(st.col_int(0)), *state, st.col_text(2)});
    }
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
    std::vector<std::string> ids;
    {
        auto st = s_.db_.prepare(
            "SELECT id FROM calculations WHERE account = ? AND region = ? AND session_id = ? "
            "ORDER BY submitted_ms DESC, cid DESC");
        st.bind(1, t.account).bind(2, t.region).bind(3, session_id);
        while (st.step()) ids.push_back(st.col_text(0));
    }
    std::vector<CalculationRecord> out;
    for (const auto& id : ids)
        if (auto c = s_.find_calculation_unlocked(t, id)) out.push_back(std::move(*c));
    return out;
}

void Store::Tx::put_calculation(const CalculationRecord& c) {
    auto& db = s_.db_;
    std::optional<std::int64_t> cid;
    {
        auto st = db.prepare("SELECT cid FROM calculations WHERE account = ? AND region = ? AND id = ?");
        st.bind(1, c.tenant.account).bind(2, c.tenant.region).bind(3, c.id);
        if (st.step()) cid = st.col_int(0);
    }
    if (!cid) {
        db.prepare(
              "INSERT INTO calculations(account, region, id, session_id, description, code, submitted_ms, "
              "working_directory, result_s3_uri, stdout_s3_uri, stderr_s3_uri, result_type) "
              "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, c.tenant.account)
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
            .run();
        cid = db.last_insert_rowid();
    } else {
        db.prepare("DELETE FROM calculation_steps WHERE cid = ?").bind(1, *cid).run();
    }
    int idx = 0;
    for (const auto& step : c.steps)
        db.prepare("INSERT INTO calculation_steps(cid, idx, at_ms, state, reason) VALUES(?, ?, ?, ?, ?)")
            .bind(1, *cid)
            .bind(2, idx++)
            .bind(3, to_epoch_ms(step.at))
            .bind(4, to_string(step.state))
            .bind(5, step.reason)
            .run();
}

std::vector<OutcomeRule> Store::Tx::outcome_rules() {
    auto st = s_.db_.prepare(
        "SELECT match, pattern, state, reason, queued_ms, running_ms, has_result, result_s3_uri, stdout_s3_uri, "
        "stderr_s3_uri, result_type FROM outcomes ORDER BY idx");
    std::vector<OutcomeRule> rules;
    while (st.step()) {
        OutcomeRule r;
        r.match = st.col_text(0) == "code_regex" ? OutcomeRule::Match::CodeRegex : OutcomeRule::Match::CodeContains;
        r.pattern = st.col_text(1);
        r.state = parse_calculation_state(st.col_text(2)).value_or(CalculationState::Completed);
        r.reason = st.col_text(3);
        if (!st.col_null(4)) r.queued_ms = Millis{st.col_int(4)};
        if (!st.col_null(5)) r.running_ms = Millis{st.col_int(5)};
        if (st.col_int(6)) r.result = CalculationResultUris{st.col_text(7), st.col_text(8), st.col_text(9), st.col_text(10)};
        rules.push_back(std::move(r));
    }
    return rules;
}

void Store::Tx::add_outcome_rule(const OutcomeRule& r) {
    auto st = s_.db_.prepare(
        "INSERT INTO outcomes(match, pattern, state, reason, queued_ms, running_ms, has_result, result_s3_uri, "
        "stdout_s3_uri, stderr_s3_uri, result_type) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, r.match == OutcomeRule::Match::CodeRegex ? "code_regex" : "code_contains")
        .bind(2, r.pattern)
        .bind(3, to_string(r.state))
        .bind(4, r.reason);
    if (r.queued_ms) st.bind(5, static_cast<std::int64_t>(r.queued_ms->count())); else st.bind_null(5);
    if (r.running_ms) st.bind(6, static_cast<std::int64_t>(r.running_ms->count())); else st.bind_null(6);
    const CalculationResultUris none;
    const auto& res = r.result ? *r.result : none;
    st.bind(7, r.result ? 1 : 0)
        .bind(8, res.result_s3_uri)
        .bind(9, res.stdout_s3_uri)
        .bind(10, res.stderr_s3_uri)
        .bind(11, res.result_type);
    st.run();
}

// --- blobs ------------------------------------------------------------------------------

std::optional<std::string> Store::blob(std::string_view name) {
    std::lock_guard lock(mu_);
    auto st = db_.prepare("SELECT value FROM blobs WHERE name = ?");
    st.bind(1, name);
    if (!st.step()) return std::nullopt;
    return st.col_text(0);
}

void Store::Tx::set_blob(std::string_view name, std::string_view value) {
    s_.db_.prepare("INSERT OR REPLACE INTO blobs(name, value) VALUES(?, ?)").bind(1, name).bind(2, value).run();
}

std::vector<TokenRecord> Store::Tx::tokens() {
    auto st = s_.db_.prepare(
        "SELECT account, region, operation, token, fingerprint, result FROM tokens ORDER BY account, region, operation, token");
    std::vector<TokenRecord> out;
    while (st.step())
        out.push_back(TokenRecord{Tenant{st.col_text(0), st.col_text(1)}, st.col_text(2), st.col_text(3), st.col_text(4), st.col_text(5)});
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

std::vector<std::string> Store::Tx::workgroup_names_with_sessions(const Tenant& t) {
    auto st = s_.db_.prepare("SELECT DISTINCT workgroup FROM sessions WHERE account = ? AND region = ? ORDER BY 1");
    st.bind(1, t.account).bind(2, t.region);
    std::vector<std::string> out;
    while (st.step()) out.push_back(st.col_text(0));
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
    std::vector<std::pair<Tenant, std::string>> keys;
    {
        auto st = s_.db_.prepare("SELECT account, region, id FROM sessions ORDER BY sid");
        while (st.step()) keys.emplace_back(Tenant{st.col_text(0), st.col_text(1)}, st.col_text(2));
    }
    for (const auto& [t, id] : keys)
        if (auto s = s_.find_session_unlocked(t, id, true)) f(*s);
}

std::vector<CalculationRecord> Store::Tx::all_calculations() {
    std::vector<std::pair<Tenant, std::string>> keys;
    {
        auto st = s_.db_.prepare("SELECT account, region, id FROM calculations ORDER BY cid");
        while (st.step()) keys.emplace_back(Tenant{st.col_text(0), st.col_text(1)}, st.col_text(2));
    }
    std::vector<CalculationRecord> out;
    for (const auto& [t, id] : keys)
        if (auto c = s_.find_calculation_unlocked(t, id)) out.push_back(std::move(*c));
    return out;
}

}  // namespace athena
