#pragma once
// Sessions: StartSession, GetSession, GetSessionStatus, ListSessions, TerminateSession.
// Thread-safe (the store serialises; the clock is atomic). Every method may also return
// Internal when the store fails; nothing is then written.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/domain_context.hpp"

namespace athena {

struct SessionStatusView {
    std::string id;
    SessionStatus status;
};

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

// Where a listing resumes: after the row with this time (a session's start, a calculation's
// submission) and store order.
struct PageCursor {
    std::int64_t at_ms;
    std::int64_t seq;
};
using SessionCursor = PageCursor;

struct SessionPage {
    std::vector<SessionDetails> sessions;
    std::optional<SessionCursor> next;
};

class SessionService {
public:
    explicit SessionService(DomainContext& ctx) : ctx_(ctx) {}

    // The session's status now (a pure function of its timeline: reads no SQLite).
    // SessionNotFound when `id` does not exist for `t`.
    Result<SessionStatusView> get_session_status(const Tenant& t, std::string_view id);

    // A new session whose timeline follows the tag's scenario, else the workgroup's, else the
    // profile's default (plan_new_session). Success: its id and first state. A client token
    // seen before with the same fingerprint returns the first answer again and changes nothing.
    // IdempotentParameterMismatch: the token was used with other parameters.
    // InvalidArgument: the chosen id (athena-emu:session-id) is not 1 to 256 characters; the
    //   scenario is unknown.
    // AlreadyExists: the chosen id is taken in the tenant.
    // WorkgroupNotFound: no such workgroup.
    // InvalidState: the workgroup is not Spark, or disabled.
    // TooManyRequests: the profile's max_active_sessions is reached (resource = the reason code).
    Result<StartSessionOutput> start_session(const Tenant& t, const StartSessionInput& in);

    // The record, its status now and the DPU time its calculations have run.
    // SessionNotFound when `id` does not exist for `t`.
    Result<SessionDetails> get_session(const Tenant& t, std::string_view id);

    // The workgroup's sessions in `filter`'s state (active ones when null), newest first, at
    // most `max`, after `after`; `next` is set when more remain.
    // WorkgroupNotFound: no such workgroup.
    Result<SessionPage> list_sessions(const Tenant& t, std::string_view workgroup, std::optional<SessionState> filter,
                                      int max, std::optional<SessionCursor> after);

    // TERMINATING now (TERMINATED after the profile's terminating_ms) and the end of its
    // running calculation; no change on a session already TERMINATING, TERMINATED or FAILED.
    // Success: the state after the call. SessionNotFound when `id` does not exist for `t`.
    Result<SessionState> terminate_session(const Tenant& t, std::string_view id);

private:
    DomainContext& ctx_;
};

}  // namespace athena
