#include "state/session_service.hpp"

#include <algorithm>

namespace athena {
namespace {

// The profile's max_active_sessions, counted over the workgroup's active sessions at `now`.
std::optional<Error> check_session_limit(Store::Tx& tx, const Tenant& t, const WorkgroupRecord& wg,
                                         const Profile& profile, Instant now) {
    if (!profile.max_active_sessions) return std::nullopt;
    int active = 0;
    tx.for_each_session(t, wg.name, std::nullopt, [&](SessionRecord& s) {
        if (is_active(status_at(s, now).state)) ++active;
        return true;
    });
    if (active < *profile.max_active_sessions) return std::nullopt;
    return make_error(ErrorKind::TooManyRequests,
                      "The workgroup " + wg.name + " already has " + std::to_string(active) +
                          " active sessions, the most its profile '" + profile.name + "' allows.",
                      "CONCURRENT_QUERY_LIMIT_EXCEEDED");
}

// The tag athena-emu:session-id: a valid SessionId (1 to 256 characters), not yet in the tenant.
std::optional<Error> check_chosen_session_id(Store::Tx& tx, const Tenant& t, const std::string& id) {
    const std::size_t n = utf8_code_points(id);
    if (n < 1 || n > 256)
        return make_error(ErrorKind::InvalidArgument,
                          "The tag athena-emu:session-id must hold a session id of 1 to 256 characters (got " +
                              std::to_string(n) + ").");
    if (tx.find_session(t, id))
        return make_error(ErrorKind::AlreadyExists,
                          "Session " + id + " already exists in account " + t.account + " region " + t.region +
                              ": choose another id in the tag athena-emu:session-id, or reset the emulator.",
                          id);
    return std::nullopt;
}

}  // namespace

Result<SessionStatusView> SessionService::get_session_status(const Tenant& t, std::string_view id) {
    SessionStatusView view;
    const bool found = ctx_.store.with_timeline(t, id, [&](const SessionRecord& s) {
        view.id = s.id;
        view.status = status_at(s, ctx_.now());
    });
    if (!found) return session_not_found(id);
    return view;
}

Result<StartSessionOutput> SessionService::start_session(const Tenant& t, const StartSessionInput& in) {
    return ctx_.store.write([&](Store::Tx& tx) -> Result<StartSessionOutput> {
        if (auto prior = replay_token(tx, t, "StartSession", in.client_token, in.fingerprint)) {
            if (!*prior) return prior->error();
            auto state = parse_session_state((*prior)->first);
            return StartSessionOutput{(*prior)->second, state.value_or(SessionState::Creating)};
        }
        if (in.session_id)
            if (auto e = check_chosen_session_id(tx, t, *in.session_id)) return *e;
        auto wg = tx.find_workgroup(t, in.workgroup);
        if (!wg) return workgroup_not_found(in.workgroup);
        if (!wg->is_spark())
            return make_error(ErrorKind::InvalidState, "Workgroup EngineVersion is not Spark.", wg->name);
        if (!wg->enabled)
            return make_error(ErrorKind::InvalidState,
                              "WorkGroup " + wg->name + " is disabled; enable it with UpdateWorkGroup State=ENABLED.",
                              wg->name);
        auto profile = tx.find_profile(wg->profile);
        if (!profile) profile = builtin_default_profile();
        const Instant now = ctx_.now();

        if (auto e = check_session_limit(tx, t, *wg, *profile, now)) return *e;

        SessionRecord s;
        s.tenant = t;
        s.id = in.session_id ? *in.session_id : ctx_.ids.next_uuid();
        s.workgroup = wg->name;
        s.description = in.description;
        s.start = now;
        s.idle_timeout_minutes = in.idle_timeout_minutes.value_or(profile->idle_timeout_minutes_default);
        s.terminating_ms = profile->terminating_ms;
        s.engine_configuration = in.engine_configuration;
        s.monitoring_configuration = in.monitoring_configuration;
        s.engine_version = wg->engine_version;
        s.notebook_version = in.notebook_version;
        s.execution_role = in.execution_role.empty() ? wg->execution_role : in.execution_role;
        s.working_directory = session_working_directory(*wg, s.id);
        s.coordinator_dpu_size = in.coordinator_dpu_size;
        s.max_concurrent_dpus = in.max_concurrent_dpus;
        s.default_executor_dpu_size = in.default_executor_dpu_size;
        s.tags = in.tags;
        if (in.copy_workgroup_tags)
            for (const auto& tag : wg->tags)
                if (std::none_of(s.tags.begin(), s.tags.end(), [&](const auto& x) { return x.first == tag.first; }))
                    s.tags.push_back(tag);
        std::sort(s.tags.begin(), s.tags.end());

        const std::string scenario = in.scenario.value_or(wg->scenario);
        std::optional<Scenario> sc;
        if (!scenario.empty()) {
            sc = tx.find_scenario(scenario);
            if (!sc)
                return make_error(ErrorKind::InvalidArgument,
                                  "Unknown scenario '" + scenario + "'" +
                                      (in.scenario ? " in the tag athena-emu:scenario" : " named by the workgroup") +
                                      ": define it under \"scenarios\" in a fixture.");
        }
        s.steps = plan_new_session(now, *profile, sc ? &*sc : nullptr);
        tx.put_session(s);
        const SessionState first = s.steps.front().state;
        if (in.client_token)
            tx.put_token(t, "StartSession", *in.client_token, in.fingerprint,
                         std::string(to_string(first)) + " " + s.id);
        return StartSessionOutput{s.id, first};
    });
}

Result<SessionDetails> SessionService::get_session(const Tenant& t, std::string_view id) {
    return ctx_.store.read([&](Store::Tx& tx) -> Result<SessionDetails> {
        auto s = tx.find_session(t, id, true);
        if (!s) return session_not_found(id);
        const Instant now = ctx_.now();
        std::int64_t dpu = 0;
        for (const auto& c : tx.session_calculations(t, id)) dpu += running_ms_at(c, now);
        const SessionStatus st = status_at(*s, now);
        return SessionDetails{std::move(*s), st, dpu};
    });
}

Result<SessionPage> SessionService::list_sessions(const Tenant& t, std::string_view workgroup,
                                                  std::optional<SessionState> filter, int max,
                                                  std::optional<SessionCursor> after) {
    return ctx_.store.read([&](Store::Tx& tx) -> Result<SessionPage> {
        if (!tx.find_workgroup(t, workgroup)) return workgroup_not_found(workgroup);
        const Instant now = ctx_.now();
        SessionPage page;
        std::optional<std::pair<std::int64_t, std::int64_t>> before;
        if (after) before = std::make_pair(after->at_ms, after->seq);
        tx.for_each_session(t, workgroup, before, [&](SessionRecord& s) {
            SessionStatus st = status_at(s, now);
            if (filter ? st.state != *filter : !is_active(st.state)) return true;
            if (static_cast<int>(page.sessions.size()) == max) {
                const auto& last = page.sessions.back().record;
                page.next = SessionCursor{to_epoch_ms(last.start), last.seq};
                return false;
            }
            page.sessions.push_back(SessionDetails{std::move(s), st, 0});
            return true;
        });
        return page;
    });
}

Result<SessionState> SessionService::terminate_session(const Tenant& t, std::string_view id) {
    return ctx_.store.write([&](Store::Tx& tx) -> Result<SessionState> {
        auto s = tx.find_session(t, id);
        if (!s) return session_not_found(id);
        const Instant now = ctx_.now();
        const SessionState current = status_at(*s, now).state;
        if (current == SessionState::Terminating || is_final(current)) return current;
        terminate_in(tx, *s, now, {});
        return SessionState::Terminating;
    });
}

}  // namespace athena
