#pragma once
// The domain service: every operation the wire layer can ask for, in domain terms.
// Thread-safe (the store serialises; the clock is atomic).
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/calculation.hpp"
#include "state/clock.hpp"
#include "state/fixture_set.hpp"
#include "state/id_generator.hpp"
#include "state/result.hpp"
#include "state/session.hpp"
#include "state/store.hpp"

namespace athena {

struct SessionStatusView {
    std::string id;
    SessionStatus status;
};

struct TransitionResult {
    std::string session_id;
    SessionState state;
    Instant at;
};

struct SessionHistory {
    std::string session_id;
    std::vector<Step> transitions;
};

// Characters of UTF-8 text, as the model's length constraints count them (chosen ids).
inline std::size_t utf8_code_points(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

struct StartSessionInput {
    std::string workgroup;
    std::string description;
    std::string engine_configuration;      // opaque
    std::string monitoring_configuration;  // opaque, empty = none
    std::string notebook_version;
    std::string execution_role;  // empty = the workgroup's
    int coordinator_dpu_size{1}, max_concurrent_dpus{20}, default_executor_dpu_size{1};
    std::optional<int> idle_timeout_minutes;
    Tags tags;
    bool copy_workgroup_tags{false};
    std::optional<std::string> scenario;    // the tag athena-emu:scenario=<name>
    std::optional<std::string> session_id;  // the tag athena-emu:session-id=<id>; else a UUID
    std::optional<std::string> client_token;
    std::string fingerprint;  // identifies the request's parameters, for token replay
};

struct StartSessionOutput {
    std::string session_id;
    SessionState state;
};

struct SessionDetails {
    SessionRecord record;
    SessionStatus status;
    std::int64_t dpu_execution_ms{0};  // time its calculations have run, up to now
};

struct StartCalculationInput {
    std::string session_id;
    std::string description;
    std::string code;
    std::optional<std::string> client_token;
    std::string fingerprint;
};

struct StartCalculationOutput {
    std::string calculation_id;
    CalculationState state;
};

struct CalculationDetails {
    CalculationRecord record;
    CalculationStatus status;
    std::int64_t dpu_execution_ms{0};
};

struct CalculationCursor {
    std::int64_t submitted_ms;
    std::int64_t seq;
};

struct CalculationPage {
    std::vector<CalculationDetails> calculations;
    std::optional<CalculationCursor> next;
};

struct SessionEndpoint {
    std::string url;
    std::string auth_token;
    Instant expires;
};

enum class ExecutorType { Coordinator, Gateway, Worker };
enum class ExecutorState { Creating, Created, Registered, Terminating, Terminated, Failed };
std::string_view to_string(ExecutorType t);
std::string_view to_string(ExecutorState s);
std::optional<ExecutorState> parse_executor_state(std::string_view s);

struct Executor {
    std::string id;
    ExecutorType type;
    Instant start;
    std::optional<Instant> end;
    ExecutorState state;
    int size;  // DPUs
};

// Where a listing resumes: after the session with this start time and store order.
struct SessionCursor {
    std::int64_t start_ms;
    std::int64_t seq;
};

struct SessionPage {
    std::vector<SessionDetails> sessions;
    std::optional<SessionCursor> next;
};

struct WorkgroupPage {
    std::vector<WorkgroupRecord> workgroups;
    std::optional<std::string> next_after;  // resume after this name
};

struct WorkgroupUpdate {
    std::optional<std::string> description;
    std::optional<bool> enabled;
    // Applies configuration changes to the record inside the transaction; an Error refuses.
    std::function<std::optional<Error>(WorkgroupRecord&)> configure;
};

// A parsed Athena ARN: "arn:aws:athena:<region>:<account>:workgroup/<name>" or ".../session/<id>".
struct ResourceRef {
    Tenant tenant;
    std::string kind;  // "workgroup" or "session"
    std::string name;
};
std::optional<ResourceRef> parse_athena_arn(std::string_view arn);
std::string workgroup_arn(const Tenant& t, std::string_view name);

// Everything the store holds, as the state export shows it.
struct SessionSnapshot {
    SessionRecord record;                            // steps: the transitions made up to now, derived ones included
    std::vector<Step> script;                        // the steps still to come
    std::optional<std::string> next_calculation_id;  // chosen by the admin API, not yet used
};

// Where the store keeps the id chosen for a session's next calculation (a blob).
inline std::string next_calculation_id_key(const Tenant& t, std::string_view session_id) {
    return "next_calculation_id/" + t.account + "/" + t.region + "/" + std::string(session_id);
}

struct StateSnapshot {
    Instant now;
    std::optional<Instant> clock;  // the manual clock
    std::vector<Profile> profiles;
    std::vector<Scenario> scenarios;
    std::vector<OutcomeRule> outcomes;
    std::vector<WorkgroupRecord> workgroups;
    std::vector<SessionSnapshot> sessions;        // insertion order
    std::vector<CalculationRecord> calculations;  // insertion order
    std::vector<TokenRecord> tokens;
};

struct ServiceOptions {
    Tenant default_tenant{"123456789012", "us-east-1"};
    // The manual clock's start time for a new database (--start-time, else the first startup
    // fixture's clock, else the real time at startup).
    std::optional<Instant> start_time;
    FixtureSource startup_fixtures;  // empty: none
    std::uint64_t seed{0};           // generated session ids
};

// A bucket as the account sees it: it exists when it is the default results bucket or one of
// the account's calculations names it (even before that calculation has written anything).
struct BucketContents {
    bool exists{false};
    std::vector<OutputObject> objects;  // by key
};

class Service {
public:
    // `manual` is the same object as `clock` when --clock manual, else null.
    Service(Store& store, Clock& clock, ManualClock* manual, Instant real_now, ServiceOptions opts);

    // Brings a new database to its starting state (clock start, startup fixtures) or restores
    // the manual clock from an existing one. Errors name the fixture file, path and reason.
    Result<Unit> initialize();

    Instant now() const { return clock_.now(); }
    ClockMode clock_mode() const { return clock_.mode(); }
    const Tenant& default_tenant() const { return opts_.default_tenant; }

    // GetSessionStatus. SessionNotFound when `id` does not exist for `t`.
    Result<SessionStatusView> get_session_status(const Tenant& t, std::string_view id);

    // --- sessions -----------------------------------------------------------------------
    Result<StartSessionOutput> start_session(const Tenant& t, const StartSessionInput& in);
    Result<SessionDetails> get_session(const Tenant& t, std::string_view id);
    // Active sessions unless `filter` names a state; newest first; at most `max`.
    Result<SessionPage> list_sessions(const Tenant& t, std::string_view workgroup, std::optional<SessionState> filter,
                                      int max, std::optional<SessionCursor> after);
    // TERMINATING now (TERMINATED after the profile's terminating_ms); no change on a session
    // already TERMINATING, TERMINATED or FAILED. Returns the state after the call.
    Result<SessionState> terminate_session(const Tenant& t, std::string_view id);

    // --- calculations -------------------------------------------------------------------
    // The session must be IDLE (InvalidState otherwise). The calculation's timeline follows the
    // workgroup's profile and the first matching outcome rule; the session is BUSY until it ends.
    Result<StartCalculationOutput> start_calculation(const Tenant& t, const StartCalculationInput& in);
    Result<CalculationDetails> get_calculation(const Tenant& t, std::string_view id);
    // The calculation outputs in `bucket` that `account` owns (any region), as of now, by key
    // (CONTRACT §3b).
    Result<BucketContents> output_objects(std::string_view account, std::string_view bucket);
    Result<CalculationPage> list_calculations(const Tenant& t, std::string_view session_id,
                                              std::optional<CalculationState> filter, int max,
                                              std::optional<CalculationCursor> after);
    // CANCELING now, CANCELED after calculation_canceling_ms (an outcome rule's "delayed":
    // after its stop_after_ms); a finished or canceling calculation, and one whose outcome rule
    // says "ignored", is left as it is. Returns the state after the call.
    Result<CalculationState> stop_calculation(const Tenant& t, std::string_view id);
    Result<SessionEndpoint> session_endpoint(const Tenant& t, std::string_view session_id);
    // The session's coordinator and, for each calculation that ran, its workers.
    Result<std::vector<Executor>> list_executors(const Tenant& t, std::string_view session_id);

    // --- workgroups and tags ------------------------------------------------------------
    Result<Unit> create_workgroup(WorkgroupRecord w);
    Result<WorkgroupRecord> get_workgroup(const Tenant& t, std::string_view name);
    Result<WorkgroupPage> list_workgroups(const Tenant& t, int max, std::optional<std::string> after);
    Result<Unit> update_workgroup(const Tenant& t, std::string_view name, const WorkgroupUpdate& u);
    Result<Unit> delete_workgroup(const Tenant& t, std::string_view name, bool recursive);
    Result<Tags> list_tags(const Tenant& t, std::string_view arn);
    Result<Unit> tag_resource(const Tenant& t, std::string_view arn, const Tags& tags);
    Result<Unit> untag_resource(const Tenant& t, std::string_view arn, const std::vector<std::string>& keys);

    // Admin: forces `state` now and cancels the remaining steps; DEGRADED, FAILED, TERMINATING
    // and TERMINATED end the running calculation. `t` narrows the lookup when
    // the same id exists in several tenants (AmbiguousId otherwise).
    Result<TransitionResult> force_transition(std::string_view id, const std::optional<Tenant>& t, SessionState state,
                                              std::string reason);
    Result<SessionHistory> history(std::string_view id, const std::optional<Tenant>& t);
    // Admin: the id the session's next StartCalculationExecution gives its calculation (1 to 36
    // characters, like a CalculationExecutionId; InvalidArgument otherwise). AlreadyExists when
    // a calculation of the tenant has it. Replaces an earlier choice; used once. Returns the
    // session's id. Kept in the store (a database file keeps it) and in the state export.
    Result<std::string> set_next_calculation_id(std::string_view session_id, const std::optional<Tenant>& t,
                                                std::string calculation_id);

    // Applies a fixture document atomically: all of it or, on the first problem, nothing.
    Result<FixtureCounts> apply_fixtures(const FixtureSet& f);

    // Drops everything, returns the manual clock to its start, re-applies the startup fixtures
    // when asked.
    Result<Unit> reset(bool reapply_startup_fixtures);

    // Sessions by their state now (for metrics).
    std::vector<std::pair<SessionState, std::int64_t>> sessions_by_state();
    // Everything, as a fixture document can bring it back.
    Result<StateSnapshot> export_state();

    // Manual clock only (ClockMode otherwise); never backwards (ClockBackwards).
    Result<Instant> advance_clock(Millis by);
    Result<Instant> set_clock(Instant t);

private:
    Result<FixtureCounts> apply_in(Store::Tx& tx, const FixtureSet& f, std::optional<Instant>& clock);
    Result<Instant> fixture_clock(const FixtureSet& f, std::optional<Instant>& clock);
    Result<Unit> apply_fixture_calculations(Store::Tx& tx, const FixtureSet& f, Instant now, FixtureCounts& counts);
    Result<std::vector<FixtureSet>> startup_fixtures() const;  // opts_.startup_fixtures, or none
    Result<SessionRecord> find_for_admin(std::string_view id, const std::optional<Tenant>& t);
    Result<Instant> set_clock_locked(Instant t);
    Result<ResourceRef> resolve_arn(Store::Tx& tx, const Tenant& t, std::string_view arn);
    // TERMINATING now for an active session, and the end of its unfinished calculation.
    void terminate_in(Store::Tx& tx, SessionRecord& s, Instant now, std::string reason);
    // Ends, at `now`, the calculations of `s` not finished by then (its session entered `state`).
    void end_calculations_in(Store::Tx& tx, const SessionRecord& s, Instant now, SessionState state);
    Profile profile_of_session(Store::Tx& tx, const SessionRecord& s);
    // The id chosen for the session's next calculation (and forgets it), else a new UUID.
    std::string take_calculation_id(Store::Tx& tx, const SessionRecord& s);
    // A ClientRequestToken seen before: nullopt when new; else the original answer's
    // (first state, id), or an error when the parameters differ.
    std::optional<Result<std::pair<std::string, std::string>>> replay_token(Store::Tx& tx, const Tenant& t,
                                                                            std::string_view operation,
                                                                            const std::optional<std::string>& token,
                                                                            const std::string& fingerprint);

    Store& store_;
    Clock& clock_;
    ManualClock* manual_;
    Instant real_now_;
    ServiceOptions opts_;
    Instant clock_start_;
    std::mutex clock_mu_;  // orders every change of the manual clock
    IdGenerator ids_;
};

}  // namespace athena
