#include "state/service.hpp"

#include <algorithm>
#include <array>

namespace athena {
namespace {

std::string fixture_where(const FixtureSet& f, const std::string& path) { return f.source + ": " + path + ": "; }

// Fills a fixture session's record past its id and tenant: fields, defaults from its workgroup
// and profile, and its timeline (history, then script, scenario or the profile's default).
Result<Unit> fill_fixture_session(Store::Tx& tx, const FixtureSet& f, const FixtureSession& fs,
                                  const WorkgroupRecord& wg, const Profile& profile, Instant now, SessionRecord& s) {
    s.workgroup = fs.workgroup;
    s.description = fs.description;
    s.engine_configuration = fs.engine_configuration;
    s.engine_version = wg.engine_version;
    s.coordinator_dpu_size = fs.coordinator_dpu_size;
    s.max_concurrent_dpus = fs.max_concurrent_dpus;
    s.default_executor_dpu_size = fs.default_executor_dpu_size;
    s.execution_role = fs.execution_role.value_or(wg.execution_role);
    s.working_directory = fs.working_directory.value_or(session_working_directory(wg, s.id));
    s.tags = fs.tags;
    s.idle_timeout_minutes = fs.idle_timeout_minutes.value_or(profile.idle_timeout_minutes_default);
    s.terminating_ms = fs.terminating_ms.value_or(profile.terminating_ms);
    s.monitoring_configuration = fs.monitoring_configuration;
    s.notebook_version = fs.notebook_version;

    if (fs.start_time && *fs.start_time > now)
        return make_error(
            ErrorKind::InvalidArgument,
            fixture_where(f, fs.path + ".start_time") + "a session cannot start in the future (the clock is earlier)");
    s.start = fs.start_time ? *fs.start_time : (fs.history.empty() ? now : fs.history.front().at);
    for (std::size_t i = 0; i < fs.history.size(); ++i) {
        const Step& h = fs.history[i];
        const std::string where = fs.path + ".history[" + std::to_string(i) + "].time";
        if (h.at < s.start)
            return make_error(ErrorKind::InvalidArgument,
                              fixture_where(f, where) + "a transition cannot precede the session's start_time");
        if (h.at > now)
            return make_error(
                ErrorKind::InvalidArgument,
                fixture_where(f, where) + "a transition already made cannot be in the future (the clock is earlier)");
        s.steps.push_back(h);
    }

    const std::vector<ScriptStep>* script = nullptr;
    std::optional<Scenario> scenario;
    std::string script_path = fs.path + ".script";
    if (fs.script) {
        script = &*fs.script;
    } else if (fs.scenario || (!wg.scenario.empty() && fs.history.empty())) {
        const std::string name = fs.scenario ? *fs.scenario : wg.scenario;
        scenario = tx.find_scenario(name);
        if (!scenario)
            return make_error(ErrorKind::InvalidArgument, fixture_where(f, fs.path + ".scenario") +
                                                              "unknown scenario '" + name +
                                                              "' (define it under \"scenarios\")");
        script = &scenario->steps;
        script_path = fs.path + ".scenario";
    }
    if (script) {
        for (std::size_t i = 0; i < script->size(); ++i) {
            const ScriptStep& st = (*script)[i];
            const Instant at = s.start + st.after;
            if (!s.steps.empty() && at < s.steps.back().at)
                return make_error(ErrorKind::InvalidArgument,
                                  fixture_where(f, script_path + "[" + std::to_string(i) + "].after_ms") +
                                      "the step comes before the last transition of \"history\"");
            s.steps.push_back(Step{at, st.state, st.cause.value_or(Cause::Script), st.reason});
        }
    } else if (fs.history.empty()) {
        s.steps.push_back(Step{s.start, SessionState::Creating, Cause::Profile, {}});
        s.steps.push_back(Step{s.start + profile.creating_ms, SessionState::Created, Cause::Profile, {}});
        s.steps.push_back(
            Step{s.start + profile.creating_ms + profile.created_ms, SessionState::Idle, Cause::Profile, {}});
    }
    return Unit{};
}

// The workgroup a fixture entry describes; its profile and scenario must exist.
Result<WorkgroupRecord> fixture_workgroup(Store::Tx& tx, const FixtureSet& f, const FixtureWorkgroup& w,
                                          const Tenant& default_tenant, Instant now) {
    WorkgroupRecord rec;
    rec.tenant = Tenant{w.account.value_or(default_tenant.account), w.region.value_or(default_tenant.region)};
    rec.name = w.name;
    rec.engine_version = w.engine_version;
    rec.enabled = w.enabled;
    rec.description = w.description;
    rec.profile = w.profile.value_or("default");
    if (!tx.find_profile(rec.profile))
        return make_error(ErrorKind::InvalidArgument, fixture_where(f, w.path + ".profile") + "unknown profile '" +
                                                          rec.profile + "' (define it under \"profiles\")");
    if (w.scenario) {
        if (!tx.find_scenario(*w.scenario))
            return make_error(ErrorKind::InvalidArgument, fixture_where(f, w.path + ".scenario") +
                                                              "unknown scenario '" + *w.scenario +
                                                              "' (define it under \"scenarios\")");
        rec.scenario = *w.scenario;
    }
    rec.configuration = w.configuration;
    rec.execution_role = w.execution_role;
    if (rec.is_spark() && rec.execution_role.empty()) rec.execution_role = default_spark_execution_role(rec.tenant);
    rec.output_location = w.output_location;
    rec.tags = w.tags;
    rec.created = w.created.value_or(now);
    return rec;
}

}  // namespace

Service::Service(Store& store, Clock& clock, ManualClock* manual, Instant real_now, ServiceOptions opts)
    : store_(store), clock_(clock), manual_(manual), real_now_(real_now), opts_(std::move(opts)), ids_(opts_.seed) {
    clock_start_ = real_now_;
}

Result<std::vector<FixtureSet>> Service::startup_fixtures() const {
    if (!opts_.startup_fixtures) return std::vector<FixtureSet>{};
    return opts_.startup_fixtures();
}

Result<Unit> Service::initialize() {
    try {
        if (!store_.is_new()) {
            auto start = store_.meta_int("clock_start_ms");
            auto saved = store_.meta_int("clock_now_ms");
            clock_start_ = start ? from_epoch_ms(*start) : opts_.start_time.value_or(real_now_);
            if (manual_) manual_->set(saved ? from_epoch_ms(*saved) : clock_start_);
            if (start && (!manual_ || saved)) return Unit{};
            return store_.write([&](Store::Tx& tx) -> Result<Unit> {
                tx.set_meta("clock_start_ms", to_epoch_ms(clock_start_));
                if (manual_) tx.set_meta("clock_now_ms", to_epoch_ms(manual_->now()));
                return Unit{};
            });
        }
    } catch (const SqliteError& e) {
        return make_error(ErrorKind::Internal, e.what());
    }
    auto startup = startup_fixtures();
    if (!startup) return startup.error();
    std::optional<Instant> first_fixture_clock;
    for (const auto& f : *startup)
        if (f.clock) {
            first_fixture_clock = f.clock;
            break;
        }
    clock_start_ = opts_.start_time ? *opts_.start_time : first_fixture_clock.value_or(real_now_);
    if (manual_) manual_->set(clock_start_);
    std::optional<Instant> clock_after;
    auto r = store_.write([&](Store::Tx& tx) -> Result<Unit> {
        tx.set_meta("clock_start_ms", to_epoch_ms(clock_start_));
        for (const auto& f : *startup)
            if (auto applied = apply_in(tx, f, clock_after); !applied) return applied.error();
        if (manual_) tx.set_meta("clock_now_ms", to_epoch_ms(clock_after.value_or(clock_start_)));
        tx.mark_initialized();
        return Unit{};
    });
    if (r && manual_ && clock_after) manual_->set(*clock_after);
    return r;
}

Result<SessionStatusView> Service::get_session_status(const Tenant& t, std::string_view id) {
    SessionStatusView view;
    const bool found = store_.with_timeline(t, id, [&](const SessionRecord& s) {
        view.id = s.id;
        view.status = status_at(s, clock_.now());
    });
    if (!found)
        return make_error(ErrorKind::SessionNotFound, "Session " + std::string(id) + " does not exist.",
                          std::string(id));
    return view;
}

Result<SessionRecord> Service::find_for_admin(std::string_view id, const std::optional<Tenant>& t) {
    if (t) {
        if (auto s = store_.find_session(*t, id)) return std::move(*s);
        return make_error(ErrorKind::SessionNotFound,
                          "no session '" + std::string(id) + "' in account " + t->account + ", region " + t->region,
                          std::string(id));
    }
    auto found = store_.find_sessions_by_id(id);
    if (found.empty())
        return make_error(ErrorKind::SessionNotFound, "no session '" + std::string(id) + "'", std::string(id));
    if (found.size() > 1)
        return make_error(
            ErrorKind::AmbiguousId,
            "session id '" + std::string(id) + "' exists in several accounts/regions; add ?account=...&region=...",
            std::string(id));
    return std::move(found.front());
}

Result<TransitionResult> Service::force_transition(std::string_view id, const std::optional<Tenant>& t,
                                                   SessionState state, std::string reason) {
    auto found = find_for_admin(id, t);
    if (!found) return found.error();
    const Tenant tenant = found->tenant;
    return store_.write([&](Store::Tx& tx) -> Result<TransitionResult> {
        auto s = tx.find_session(tenant, id);
        if (!s) return make_error(ErrorKind::SessionNotFound, "no session '" + std::string(id) + "'", std::string(id));
        const Instant now = clock_.now();
        freeze_at(*s, now);
        s->steps.push_back(Step{now, state, Cause::Admin, std::move(reason)});
        tx.put_session_steps(*s);
        if (ends_calculation(state)) end_calculations_in(tx, *s, now, state);
        return TransitionResult{s->id, state, now};
    });
}

Result<SessionHistory> Service::history(std::string_view id, const std::optional<Tenant>& t) {
    auto found = find_for_admin(id, t);
    if (!found) return found.error();
    return SessionHistory{found->id, effective_steps(*found, clock_.now())};
}

Result<FixtureCounts> Service::apply_fixtures(const FixtureSet& f) {
    std::lock_guard lock(clock_mu_);
    std::optional<Instant> clock_after;
    auto r = store_.write([&](Store::Tx& tx) -> Result<FixtureCounts> {
        auto applied = apply_in(tx, f, clock_after);
        if (applied && manual_ && clock_after) tx.set_meta("clock_now_ms", to_epoch_ms(*clock_after));
        return applied;
    });
    if (r && manual_ && clock_after) manual_->set(*clock_after);
    return r;
}

// The time a fixture document's "clock" moves the manual clock to (`clock`, when set, is the
// time an earlier document of the same call moved it to), or the error that refuses it.
Result<Instant> Service::fixture_clock(const FixtureSet& f, std::optional<Instant>& clock) {
    Instant now = clock.value_or(clock_.now());
    if (!f.clock) return now;
    if (!manual_)
        return make_error(ErrorKind::ClockMode, fixture_where(f, "clock") + "setting the clock needs --clock manual");
    if (*f.clock < now)
        return make_error(ErrorKind::ClockBackwards,
                          fixture_where(f, "clock") + "the manual clock cannot move backwards (it is already later)");
    clock = *f.clock;
    return *f.clock;
}

// A fixture document's calculations and client tokens (after its sessions).
Result<Unit> Service::apply_fixture_calculations(Store::Tx& tx, const FixtureSet& f, Instant now,
                                                 FixtureCounts& counts) {
    for (const auto& fc : f.calculations) {
        CalculationRecord c = fc.record;
        c.tenant =
            Tenant{fc.account.value_or(opts_.default_tenant.account), fc.region.value_or(opts_.default_tenant.region)};
        if (!tx.find_session(c.tenant, c.session_id))
            return make_error(ErrorKind::InvalidArgument, fixture_where(f, fc.path + ".session_id") + "session '" +
                                                              c.session_id + "' does not exist in account " +
                                                              c.tenant.account + ", region " + c.tenant.region);
        if (c.submitted > now)
            return make_error(ErrorKind::InvalidArgument, fixture_where(f, fc.path + ".submitted") +
                                                              "a calculation cannot be submitted in the future");
        tx.put_calculation(c);
        ++counts.calculations;
    }
    for (const auto& ft : f.tokens) {
        const Tenant t{ft.account.value_or(opts_.default_tenant.account),
                       ft.region.value_or(opts_.default_tenant.region)};
        tx.put_token(t, ft.operation, ft.token, ft.fingerprint, ft.result);
        ++counts.tokens;
    }
    return Unit{};
}

Result<FixtureCounts> Service::apply_in(Store::Tx& tx, const FixtureSet& f, std::optional<Instant>& clock) {
    FixtureCounts counts;
    auto moved = fixture_clock(f, clock);
    if (!moved) return moved.error();
    const Instant now = *moved;

    const Profile base = builtin_default_profile();
    for (const auto& p : f.profiles) {
        tx.put_profile(apply_patch(base, p));
        ++counts.profiles;
    }
    for (const auto& rule : f.outcomes) {
        tx.add_outcome_rule(rule);
        ++counts.outcomes;
    }
    for (const auto& sc : f.scenarios) {
        tx.put_scenario(sc);
        ++counts.scenarios;
    }

    for (const auto& w : f.workgroups) {
        auto rec = fixture_workgroup(tx, f, w, opts_.default_tenant, now);
        if (!rec) return rec.error();
        tx.put_workgroup(*rec);
        ++counts.workgroups;
    }

    // Sessions come in runs of the same workgroup: look it and its profile up once per run.
    std::optional<WorkgroupRecord> wg;
    std::optional<Profile> profile;
    for (const auto& fs : f.sessions) {
        SessionRecord s;
        s.tenant =
            Tenant{fs.account.value_or(opts_.default_tenant.account), fs.region.value_or(opts_.default_tenant.region)};
        s.id = fs.id;
        if (!wg || wg->name != fs.workgroup || !(wg->tenant == s.tenant)) {
            wg = tx.find_workgroup(s.tenant, fs.workgroup);
            if (!wg)
                return make_error(ErrorKind::InvalidArgument, fixture_where(f, fs.path + ".workgroup") + "workgroup '" +
                                                                  fs.workgroup + "' does not exist in account " +
                                                                  s.tenant.account + ", region " + s.tenant.region +
                                                                  " (define it under \"workgroups\" first)");
            profile = tx.find_profile(wg->profile);
            if (!profile) profile = builtin_default_profile();
        }
        if (auto filled = fill_fixture_session(tx, f, fs, *wg, *profile, now, s); !filled) return filled.error();
        tx.put_session(s);
        if (fs.next_calculation_id)
            tx.set_blob(next_calculation_id_key(s.tenant, s.id), *fs.next_calculation_id);
        else
            tx.delete_blob(next_calculation_id_key(s.tenant, s.id));  // a replaced session forgets its choice
        ++counts.sessions;
    }

    if (auto r = apply_fixture_calculations(tx, f, now, counts); !r) return r.error();
    return counts;
}

Result<Unit> Service::reset(bool reapply_startup_fixtures) {
    std::lock_guard lock(clock_mu_);
    Result<std::vector<FixtureSet>> startup = std::vector<FixtureSet>{};
    if (reapply_startup_fixtures) startup = startup_fixtures();
    if (!startup) return startup.error();
    std::optional<Instant> clock_after;
    auto r = store_.write([&](Store::Tx& tx) -> Result<Unit> {
        tx.clear_all();
        if (manual_) clock_after = clock_start_;
        for (const auto& f : *startup)
            if (auto applied = apply_in(tx, f, clock_after); !applied) return applied.error();
        if (manual_) tx.set_meta("clock_now_ms", to_epoch_ms(*clock_after));
        return Unit{};
    });
    if (r && manual_) manual_->set(*clock_after);
    return r;
}

Result<Instant> Service::advance_clock(Millis by) {
    if (!manual_)
        return make_error(ErrorKind::ClockMode, "the clock is the system clock; start with --clock manual to move it");
    if (by.count() < 0)
        return make_error(ErrorKind::InvalidArgument,
                          "advance_ms must be >= 0: the manual clock never moves backwards");
    std::lock_guard lock(clock_mu_);
    return set_clock_locked(manual_->now() + by);
}

Result<Instant> Service::set_clock(Instant t) {
    if (!manual_)
        return make_error(ErrorKind::ClockMode, "the clock is the system clock; start with --clock manual to move it");
    std::lock_guard lock(clock_mu_);
    return set_clock_locked(t);
}

Result<Instant> Service::set_clock_locked(Instant t) {
    if (t < manual_->now())
        return make_error(ErrorKind::ClockBackwards,
                          "the manual clock cannot move backwards (use POST /_emulator/reset to return to its start)");
    auto saved = store_.write([&](Store::Tx& tx) -> Result<Unit> {
        tx.set_meta("clock_now_ms", to_epoch_ms(t));
        return Unit{};
    });
    if (!saved) return saved.error();
    manual_->set(t);
    return t;
}

std::vector<std::pair<SessionState, std::int64_t>> Service::sessions_by_state() {
    std::array<std::int64_t, 8> counts{};
    const Instant now = clock_.now();
    store_.for_each_timeline(
        [&](const SessionRecord& s) { ++counts[static_cast<std::size_t>(status_at(s, now).state)]; });
    std::vector<std::pair<SessionState, std::int64_t>> out;
    for (std::size_t i = 0; i < counts.size(); ++i) out.emplace_back(static_cast<SessionState>(i), counts[i]);
    return out;
}

Result<StateSnapshot> Service::export_state() {
    return store_.read([&](Store::Tx& tx) -> Result<StateSnapshot> {
        StateSnapshot snap;
        snap.now = clock_.now();
        if (manual_) snap.clock = snap.now;
        snap.profiles = tx.profiles();
        snap.scenarios = tx.scenarios();
        snap.outcomes = tx.outcome_rules();
        for (const auto& t : tx.tenants())
            for (auto& w : tx.list_workgroups(t))
                if (w.name != kPrimaryWorkgroup || tx.workgroup_stored(t, w.name))
                    snap.workgroups.push_back(std::move(w));
        tx.for_each_session_everywhere([&](SessionRecord& s) {
            // Past (and derived) transitions become history; future steps stay the script.
            std::vector<Step> future;
            for (const auto& st : s.steps)
                if (st.at > snap.now) future.push_back(st);
            s.steps = effective_steps(s, snap.now);
            snap.sessions.push_back(SessionSnapshot{std::move(s), std::move(future)});
        });
        for (auto& ss : snap.sessions)
            ss.next_calculation_id = tx.blob(next_calculation_id_key(ss.record.tenant, ss.record.id));
        snap.calculations = tx.all_calculations();
        snap.tokens = tx.tokens();
        return snap;
    });
}

}  // namespace athena
