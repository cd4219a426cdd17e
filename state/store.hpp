#pragma once
// The SQLite store: every piece of emulator state (sessions and their timelines,
// workgroups, profiles, scenarios, the manual clock) lives here. ":memory:" by default; a file
// makes everything survive restarts (WAL; a committed write survives kill -9).
//
// Thread-safe: one connection behind one mutex. Reads lock only for their own statements and
// never write. Writes go through write(), one IMMEDIATE transaction each.
//
// Every session's timeline is also held in memory (TimelineIndex), loaded when the store opens
// (the first rows at once, the rest by a background thread in batches; until it is done a
// session not yet loaded is read from SQLite on demand) and written through by every session
// write (undone when a transaction rolls back):
// GetSessionStatus and the metrics read only that. Workgroups, profiles and outcome rules are
// cached once read, dropped on any write of their table and on a rollback.
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "state/calculation.hpp"
#include "state/notebook.hpp"
#include "state/profile.hpp"
#include "state/result.hpp"
#include "state/scenario.hpp"
#include "state/session.hpp"
#include "state/sqlite_db.hpp"
#include "state/timeline_index.hpp"
#include "state/workgroup.hpp"

namespace athena {

// 2: session and calculation steps are a column of their row (encoded as in timeline_index.hpp)
// 3: calculations and outcome rules hold their output texts (stdout_text, stderr_text, result_text; NULL = default)
// instead of tables of their own; no index on the session id alone. A version-1 file is
// migrated when it is opened.
// 4: notebooks and notebook_sessions (create_notebook_schema; an older file gains them).
inline constexpr int kSchemaVersion = 4;

template <class T>
inline constexpr bool kIsResult = false;
template <class T>
inline constexpr bool kIsResult<Result<T>> = true;

// The one place a store failure becomes a domain error.
inline Error store_failure(const SqliteError& e) { return make_error(ErrorKind::Internal, e.what()); }

// A ClientRequestToken already used: the request's fingerprint and the answer it got.
struct TokenRecord {
    Tenant tenant;
    std::string operation;
    std::string token;
    std::string fingerprint;
    std::string result;
};

class Store {
public:
    // Opens or creates the database and its schema. Throws SqliteError with one line naming the
    // path and the problem (not a database, written by a newer version, cannot create, ...).
    // `load_at_open` timelines are loaded before the constructor returns, the rest by a
    // background thread unless `load_in_background` is false (tests: then sessions not loaded
    // are read from SQLite when asked for, and listings load them all first).
    explicit Store(const std::string& path, std::size_t load_at_open = 2000, bool load_in_background = true);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // True until mark_initialized() was committed: startup fixtures apply only then.
    bool is_new();
    std::optional<std::int64_t> meta_int(std::string_view key);

    // Reads. Nullopt when absent. Tags are loaded only when asked for.
    std::optional<SessionRecord> find_session(const Tenant& t, std::string_view id, bool with_tags = false);
    // The hot path of GetSessionStatus: runs f(const SessionRecord&) on the session's timeline
    // (id, start, idle timeout, terminating time, steps; nothing else is filled) from memory,
    // with the lock held. False, without calling f, when there is no such session.
    template <class F>
    bool with_timeline(const Tenant& t, std::string_view id, F&& f) {
        std::lock_guard lock(mu_);
        const auto* e = lookup(t, id);
        if (!e) return false;
        thread_local SessionRecord scratch;
        if (!TimelineIndex::load(*e, scratch)) throw SqliteError("session '" + std::string(id) + "' has damaged steps");
        f(static_cast<const SessionRecord&>(scratch));
        return true;
    }
    // Calls f on every session's timeline (as with_timeline fills it), in no particular order.
    void for_each_timeline(const std::function<void(const SessionRecord&)>& f);

    // Admin lookups by id across tenants.
    std::vector<SessionRecord> find_sessions_by_id(std::string_view id);
    std::optional<WorkgroupRecord> find_workgroup(const Tenant& t, std::string_view name);
    std::optional<Profile> find_profile(std::string_view name);
    std::optional<Scenario> find_scenario(std::string_view name);
    std::size_t count_sessions();
    std::optional<CalculationRecord> find_calculation(const Tenant& t, std::string_view id);
    // A named opaque document kept for the wire layer (its fault rules).
    std::optional<std::string> blob(std::string_view name);

    // Access inside one write transaction (the store's lock is held).
    class Tx {
    public:
        std::optional<SessionRecord> find_session(const Tenant& t, std::string_view id, bool with_tags = false);
        std::optional<WorkgroupRecord> find_workgroup(const Tenant& t, std::string_view name);
        std::optional<Profile> find_profile(std::string_view name);
        std::optional<Scenario> find_scenario(std::string_view name);
        void put_session(const SessionRecord& s);  // insert or replace (steps and tags too)
        // Writes only the steps of a stored session (what a transition changes).
        void put_session_steps(const SessionRecord& s);
        void put_workgroup(const WorkgroupRecord& w);
        void put_profile(const Profile& p);
        void put_scenario(const Scenario& s);
        void set_meta(std::string_view key, std::int64_t value);
        // The tenant's workgroups by name, the built-in primary included.
        std::vector<WorkgroupRecord> list_workgroups(const Tenant& t);
        void delete_workgroup(const Tenant& t, std::string_view name);
        // Calls f on the workgroup's sessions, newest first (start time, then insertion order),
        // starting after the cursor (start_ms, seq) when given, until f returns false.
        // Returns false when f stopped it.
        bool for_each_session(const Tenant& t, std::string_view workgroup,
                              std::optional<std::pair<std::int64_t, std::int64_t>> before,
                              const std::function<bool(SessionRecord&)>& f);
        Tags tags(const Tenant& t, std::string_view kind, std::string_view name);
        void set_tags(const Tenant& t, std::string_view kind, std::string_view name, const Tags& tags);
        // Idempotency tokens: (fingerprint of the request, the result it gave).
        std::optional<std::pair<std::string, std::string>> find_token(const Tenant& t, std::string_view operation,
                                                                      std::string_view token);
        void put_token(const Tenant& t, std::string_view operation, std::string_view token,
                       std::string_view fingerprint, std::string_view result);
        std::optional<CalculationRecord> find_calculation(const Tenant& t, std::string_view id);
        // A named opaque value (fault rules, a session's chosen next calculation id).
        std::optional<std::string> blob(std::string_view name);
        void delete_blob(std::string_view name);
        // A session's calculations, newest first.
        std::vector<CalculationRecord> session_calculations(const Tenant& t, std::string_view session_id);
        void put_calculation(const CalculationRecord& c);  // insert, or replace its steps
        // Every calculation of the account (any region), insertion order: the S3 outputs' owner.
        std::vector<CalculationRecord> account_calculations(std::string_view account);
        std::vector<OutcomeRule> outcome_rules();  // in the order they were added
        void add_outcome_rule(const OutcomeRule& r);
        void set_blob(std::string_view name, std::string_view value);
        // Whole-store listings, for the state export.
        std::vector<TokenRecord> tokens();
        std::vector<Tenant> tenants();
        bool workgroup_stored(const Tenant& t, std::string_view name);  // false for the built-in primary
        std::vector<Profile> profiles();
        std::vector<Scenario> scenarios();
        void for_each_session_everywhere(const std::function<void(SessionRecord&)>& f);  // insertion order
        std::vector<CalculationRecord> all_calculations();                               // insertion order
        void mark_initialized();
        // Drops sessions, workgroups, notebooks, profiles, scenarios and tags; keeps meta.
        void clear_all();

        // --- notebooks (state/notebook_store.cpp) ---------------------------------------
        std::optional<NotebookRecord> find_notebook(const Tenant& t, std::string_view id);
        std::optional<NotebookRecord> find_notebook_by_name(const Tenant& t, std::string_view workgroup,
                                                            std::string_view name);
        void put_notebook(const NotebookRecord& n);                  // insert or replace
        void delete_notebook(const Tenant& t, std::string_view id);  // and its session links
        // The workgroup's notebooks by name (payloads included).
        std::vector<NotebookRecord> workgroup_notebooks(const Tenant& t, std::string_view workgroup);
        // Deletes the workgroup's notebooks and their session links; returns how many there were.
        std::size_t delete_workgroup_notebooks(const Tenant& t, std::string_view workgroup);
        // Associates a session with a notebook (UpdateNotebook's SessionId); once per pair.
        void link_notebook_session(const Tenant& t, std::string_view notebook_id, std::string_view session_id);
        // The ids of the sessions linked to the notebook, in the order they were linked.
        std::vector<std::string> notebook_session_ids(const Tenant& t, std::string_view notebook_id);
        std::vector<NotebookRecord> all_notebooks();  // insertion order, for the state export

    private:
        friend class Store;
        explicit Tx(Store& s) : s_(s) {}
        Store& s_;
    };

    // A read-only view: runs f with the lock held (no transaction is opened). When f returns a
    // Result, a store failure (SqliteError) becomes an Internal error result.
    template <class F>
    auto read(F&& f) -> decltype(f(std::declval<Tx&>())) {
        using R = decltype(f(std::declval<Tx&>()));
        std::lock_guard lock(mu_);
        Tx tx(*this);
        if constexpr (kIsResult<R>) {
            try {
                return f(tx);
            } catch (const SqliteError& e) {
                return R(store_failure(e));
            }
        } else {
            return f(tx);
        }
    }

    // Runs f inside one IMMEDIATE transaction and returns f's result.
    // - f returns a Result: an ok result commits; an error result rolls back, so nothing f wrote
    //   survives; a store failure (SqliteError, in f or at commit) rolls back and becomes an
    //   Internal error result. Any other exception rolls back and propagates.
    // - f returns anything else: commits when f returns; rolls back when it throws (and rethrows).
    template <class F>
    auto write(F&& f) -> decltype(f(std::declval<Tx&>())) {
        using R = decltype(f(std::declval<Tx&>()));
        std::lock_guard lock(mu_);
        if constexpr (kIsResult<R>) {
            try {
                begin();
                Tx tx(*this);
                R r = f(tx);
                if (r)
                    commit();
                else
                    rollback();
                return r;
            } catch (const SqliteError& e) {
                rollback();
                return R(store_failure(e));
            } catch (...) {
                rollback();
                throw;
            }
        } else {
            begin();
            Tx tx(*this);
            try {
                if constexpr (std::is_void_v<R>) {
                    f(tx);
                    commit();
                } else {
                    auto r = f(tx);
                    commit();
                    return r;
                }
            } catch (...) {
                rollback();
                throw;
            }
        }
    }

    // Test seam (leveldb's fault injection): the connection, to wrap with failures.
    SqliteDb& db_for_fault_injection() { return db_; }

private:
    void create_schema();
    void create_notebook_schema();  // state/notebook_store.cpp
    void migrate_v1();
    void add_outcome_failure_columns();
    void migrate_v2();
    // (Re)loads every timeline now.
    void load_timelines();
    // Loads up to `max` more sessions (in row id order); true when none remain.
    bool load_batch(std::size_t max);
    void ensure_complete();
    void run_loader();
    void begin();
    void commit();
    void rollback() noexcept;
    // The session's entry: from memory, or, while the loader has not reached it, from SQLite
    // (then kept). Null when the session does not exist.
    const TimelineIndex::Entry* lookup(const Tenant& t, std::string_view id);
    // Write-through of a session's timeline, remembering what it replaced for a rollback.
    void index_put(TimelineIndex::Entry e);
    void invalidate_caches();
    void read_session_row(const Stmt& st, int first, SessionRecord& s);
    std::optional<SessionRecord> find_session_unlocked(const Tenant& t, std::string_view id, bool with_tags);
    Tags load_tags(const Tenant& t, std::string_view kind, std::string_view name);
    std::optional<WorkgroupRecord> find_workgroup_unlocked(const Tenant& t, std::string_view name);
    std::optional<Profile> find_profile_unlocked(std::string_view name);
    std::optional<Scenario> find_scenario_unlocked(std::string_view name);
    std::optional<std::int64_t> meta_int_unlocked(std::string_view key);
    std::optional<CalculationRecord> find_calculation_unlocked(const Tenant& t, std::string_view id);
    void put_tags(const Tenant& t, std::string_view kind, std::string_view name, const Tags& tags);

    static void cache_key(std::string& key, const Tenant& t, std::string_view id);

    std::mutex mu_;
    SqliteDb db_;
    TimelineIndex index_;
    // The index entries the open transaction replaced (nullopt: it was absent), oldest first.
    struct Undo {
        std::uint32_t tenant;
        std::string id;
        std::optional<TimelineIndex::Entry> before;
    };
    std::vector<Undo> undo_;
    bool index_cleared_{false};  // clear_all() ran in the open transaction: reload on rollback
    bool complete_{false};       // every stored session is in index_
    std::int64_t loaded_up_to_sid_{0};
    bool stop_loader_{false};
    std::thread loader_;
    std::unordered_map<std::string, WorkgroupRecord> workgroups_;  // by cache_key(tenant, name)
    std::unordered_map<std::string, std::optional<Profile>> profiles_;
    std::optional<std::vector<OutcomeRule>> outcomes_;
};

}  // namespace athena
