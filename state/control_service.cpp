#include "state/control_service.hpp"

#include <algorithm>
#include <array>

namespace athena {
namespace {

constexpr std::string_view kFaultRulesKey = "fault_rules";  // the store's blob

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
        s.steps = default_timeline(s.start, profile, Cause::Profile);
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

Result<std::vector<FixtureSet>> ControlService::startup_fixtures() const {
    if (!ctx_.opts.startup_fixtures) return std::vector<FixtureSet>{};
    return ctx_.opts.startup_fixtures();
}

Result<Unit> ControlService::initialize() {
    try {
        if (!ctx_.store.is_new()) {
            auto start = ctx_.store.meta_int("clock_start_ms");
            auto saved = ctx_.store.meta_int("clock_now_ms");
            ctx_.clock_start = start ? from_epoch_ms(*start) : ctx_.opts.start_time.value_or(ctx_.real_now);
            if (ctx_.manual) ctx_.manual->set(saved ? from_epoch_ms(*saved) : ctx_.clock_start);
            if (start && (!ctx_.manual || saved)) return Unit{};
            return ctx_.store.write([&](Store::Tx& tx) -> Result<Unit> {
                tx.set_meta("clock_start_ms", to_epoch_ms(ctx_.clock_start));
                if (ctx_.manual) tx.set_meta("clock_now_ms", to_epoch_ms(ctx_.manual->now()));
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
    ctx_.clock_start = ctx_.opts.start_time ? *ctx_.opts.start_time : first_fixture_clock.value_or(ctx_.real_now);
    if (ctx_.manual) ctx_.manual->set(ctx_.clock_start);
    std::optional<Instant> clock_after;
    auto r = ctx_.store.write([&](Store::Tx& tx) -> Result<Unit> {
        tx.set_meta("clock_start_ms", to_epoch_ms(ctx_.clock_start));
        for (const auto& f : *startup)
            if (auto applied = apply_in(tx, f, clock_after); !applied) return applied.error();
        if (ctx_.manual) tx.set_meta("clock_now_ms", to_epoch_ms(clock_after.value_or(ctx_.clock_start)));
        tx.mark_initialized();
        return Unit{};
    });
    if (r && ctx_.manual && clock_after) ctx_.manual->set(*clock_after);
    return r;
}

Result<SessionRecord> ControlService::find_for_admin(std::string_view id, const std::optional<Tenant>& t) {
    if (t) {
        if (auto s = ctx_.store.find_session(*t, id)) return std::move(*s);
        return make_error(ErrorKind::SessionNotFound,
                          "no session '" + std::string(id) + "' in account " + t->account + ", region " + t->region,
                          std::string(id));
    }
    auto found = ctx_.store.find_sessions_by_id(id);
    if (found.empty())
        return make_error(ErrorKind::SessionNotFound, "no session '" + std::string(id) + "'", std::string(id));
    if (found.size() > 1)
        return make_error(
            ErrorKind::AmbiguousId,
            "session id '" + std::string(id) + "' exists in several accounts/regions; add ?account=...&region=...",
            std::string(id));
    return std::move(found.front());
}

Result<TransitionResult> ControlService::force_transition(std::string_view id, const std::optional<Tenant>& t,
                                                          SessionState state, std::string reason) {
    auto found = find_for_admin(id, t);
    if (!found) return found.error();
    const Tenant tenant = found->tenant;
    return ctx_.store.write([&](Store::Tx& tx) -> Result<TransitionResult> {
        auto s = tx.find_session(tenant, id);
        if (!s) return make_error(ErrorKind::SessionNotFound, "no session '" + std::string(id) + "'", std::string(id));
        const Instant now = ctx_.now();
        freeze_at(*s, now);
        s->steps.push_back(Step{now, state, Cause::Admin, std::move(reason)});
        tx.put_session_steps(*s);
        if (ends_calculation(state)) end_calculations_in(tx, *s, now, state);
        return TransitionResult{s->id, state, now};
    });
}

Result<std::string> ControlService::set_next_calculation_id(std::string_view session_id, const std::optional<Tenant>& t,
                                                            std::string calculation_id) {
    auto found = find_for_admin(session_id, t);
    if (!found) return found.error();
    const std::size_t n = utf8_code_points(calculation_id);
    if (n < 1 || n > 36)
        return make_error(ErrorKind::InvalidArgument,
                          "id must be a calculation id of 1 to 36 characters (got " + std::to_string(n) + ")");
    return ctx_.store.write([&](Store::Tx& tx) -> Result<std::string> {
        if (tx.find_calculation(found->tenant, calculation_id))
            return make_error(ErrorKind::AlreadyExists,
                              "calculation " + calculation_id + " already exists in account " + found->tenant.account +
                                  " region " + found->tenant.region + "; choose another id",
                              calculation_id);
        tx.set_blob(next_calculation_id_key(found->tenant, found->id), calculation_id);
        return found->id;
    });
}

Result<SessionHistory> ControlService::history(std::string_view id, const std::optional<Tenant>& t) {
    auto found = find_for_admin(id, t);
    if (!found) return found.error();
    return SessionHistory{found->id, effective_steps(*found, ctx_.now())};
}

Result<FixtureCounts> ControlService::apply_fixtures(const FixtureSet& f) {
    std::lock_guard lock(ctx_.clock_mu);
    std::optional<Instant> clock_after;
    auto r = ctx_.store.write([&](Store::Tx& tx) -> Result<FixtureCounts> {
        auto applied = apply_in(tx, f, clock_after);
        if (applied && ctx_.manual && clock_after) tx.set_meta("clock_now_ms", to_epoch_ms(*clock_after));
        return applied;
    });
    if (r && ctx_.manual && clock_after) ctx_.manual->set(*clock_after);
    return r;
}

// The time a fixture document's "clock" moves the manual clock to (`clock`, when set, is the
// time an earlier document of the same call moved it to), or the error that refuses it.
Result<Instant> ControlService::fixture_clock(const FixtureSet& f, std::optional<Instant>& clock) {
    Instant now = clock.value_or(ctx_.now());
    if (!f.clock) return now;
    if (!ctx_.manual)
        return make_error(ErrorKind::ClockMode, fixture_where(f, "clock") + "setting the clock needs --clock manual");
    if (*f.clock < now)
        return make_error(ErrorKind::ClockBackwards,
                          fixture_where(f, "clock") + "the manual clock cannot move backwards (it is already later)");
    clock = *f.clock;
    return *f.clock;
}

// A fixture document's calculations and client tokens (after its sessions).
Result<Unit> ControlService::apply_fixture_calculations(Store::Tx& tx, const FixtureSet& f, Instant now,
                                                        FixtureCounts& counts) {
    for (const auto& fc : f.calculations) {
        CalculationRecord c = fc.record;
        c.tenant = Tenant{fc.account.value_or(ctx_.opts.default_tenant.account),
                          fc.region.value_or(ctx_.opts.default_tenant.region)};
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
        const Tenant t{ft.account.value_or(ctx_.opts.default_tenant.account),
                       ft.region.value_or(ctx_.opts.default_tenant.region)};
        tx.put_token(t, ft.operation, ft.token, ft.fingerprint, ft.result);
        ++counts.tokens;
    }
    return Unit{};
}

Result<FixtureCounts> ControlService::apply_in(Store::Tx& tx, const FixtureSet& f, std::optional<Instant>& clock) {
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
        auto rec = fixture_workgroup(tx, f, w, ctx_.opts.default_tenant, now);
        if (!rec) return rec.error();
        tx.put_workgroup(*rec);
        ++counts.workgroups;
    }

    // Sessions come in runs of the same workgroup: look it and its profile up once per run.
    std::optional<WorkgroupRecord> wg;
    std::optional<Profile> profile;
    for (const auto& fs : f.sessions) {
        SessionRecord s;
        s.tenant = Tenant{fs.account.value_or(ctx_.opts.default_tenant.account),
                          fs.region.value_or(ctx_.opts.default_tenant.region)};
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
    auto notebooks = NotebookService::apply_fixtures(tx, f, ctx_.opts.default_tenant, now);
    if (!notebooks) return notebooks.error();
    counts.notebooks = *notebooks;
    return counts;
}

Result<Unit> ControlService::reset(bool reapply_startup_fixtures) {
    std::lock_guard lock(ctx_.clock_mu);
    Result<std::vector<FixtureSet>> startup = std::vector<FixtureSet>{};
    if (reapply_startup_fixtures) startup = startup_fixtures();
    if (!startup) return startup.error();
    std::optional<Instant> clock_after;
    auto r = ctx_.store.write([&](Store::Tx& tx) -> Result<Unit> {
        tx.clear_all();
        if (ctx_.manual) clock_after = ctx_.clock_start;
        for (const auto& f : *startup)
            if (auto applied = apply_in(tx, f, clock_after); !applied) return applied.error();
        if (ctx_.manual) tx.set_meta("clock_now_ms", to_epoch_ms(*clock_after));
        return Unit{};
    });
    if (r && ctx_.manual) ctx_.manual->set(*clock_after);
    return r;
}

Result<Instant> ControlService::advance_clock(Millis by) {
    if (!ctx_.manual)
        return make_error(ErrorKind::ClockMode, "the clock is the system clock; start with --clock manual to move it");
    if (by.count() < 0)
        return make_error(ErrorKind::InvalidArgument,
                          "advance_ms must be >= 0: the manual clock never moves backwards");
    std::lock_guard lock(ctx_.clock_mu);
    return set_clock_locked(ctx_.manual->now() + by);
}

Result<Instant> ControlService::set_clock(Instant t) {
    if (!ctx_.manual)
        return make_error(ErrorKind::ClockMode, "the clock is the system clock; start with --clock manual to move it");
    std::lock_guard lock(ctx_.clock_mu);
    return set_clock_locked(t);
}

Result<Instant> ControlService::set_clock_locked(Instant t) {
    if (t < ctx_.manual->now())
        return make_error(ErrorKind::ClockBackwards,
                          "the manual clock cannot move backwards (use POST /_emulator/reset to return to its start)");
    auto saved = ctx_.store.write([&](Store::Tx& tx) -> Result<Unit> {
        tx.set_meta("clock_now_ms", to_epoch_ms(t));
        return Unit{};
    });
    if (!saved) return saved.error();
    ctx_.manual->set(t);
    return t;
}

Result<Unit> ControlService::save_fault_rules(const std::string& rules) {
    return ctx_.store.write([&](Store::Tx& tx) -> Result<Unit> {
        tx.set_blob(kFaultRulesKey, rules);
        return Unit{};
    });
}

std::optional<std::string> ControlService::saved_fault_rules() { return ctx_.store.blob(kFaultRulesKey); }

std::vector<std::pair<SessionState, std::int64_t>> ControlService::sessions_by_state() {
    std::array<std::int64_t, 8> counts{};
    const Instant now = ctx_.now();
    ctx_.store.for_each_timeline(
        [&](const SessionRecord& s) { ++counts[static_cast<std::size_t>(status_at(s, now).state)]; });
    std::vector<std::pair<SessionState, std::int64_t>> out;
    for (std::size_t i = 0; i < counts.size(); ++i) out.emplace_back(static_cast<SessionState>(i), counts[i]);
    return out;
}

Result<StateSnapshot> ControlService::export_state() {
    return ctx_.store.read([&](Store::Tx& tx) -> Result<StateSnapshot> {
        StateSnapshot snap;
        snap.now = ctx_.now();
        if (ctx_.manual) snap.clock = snap.now;
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
        snap.notebooks = NotebookService::export_in(tx);
        return snap;
    });
}

}  // namespace athena
