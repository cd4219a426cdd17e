#include "state/calculation_service.hpp"

#include <algorithm>
#include <array>

namespace athena {
namespace {

constexpr std::array<std::string_view, 3> kExecutorTypes = {"COORDINATOR", "GATEWAY", "WORKER"};
constexpr std::array<std::string_view, 6> kExecutorStates = {"CREATING",    "CREATED",    "REGISTERED",
                                                             "TERMINATING", "TERMINATED", "FAILED"};

}  // namespace

std::string_view to_string(ExecutorType t) { return kExecutorTypes[static_cast<std::size_t>(t)]; }
std::string_view to_string(ExecutorState s) { return kExecutorStates[static_cast<std::size_t>(s)]; }
std::optional<ExecutorState> parse_executor_state(std::string_view s) {
    return enum_from_name<ExecutorState>(kExecutorStates, s);
}

std::string CalculationService::take_calculation_id(Store::Tx& tx, const SessionRecord& s) {
    const std::string key = next_calculation_id_key(s.tenant, s.id);
    auto chosen = tx.blob(key);
    if (!chosen) return ctx_.ids.next_uuid();
    tx.delete_blob(key);
    // Taken meanwhile (a fixture's calculation, or another session's choice used first).
    if (tx.find_calculation(s.tenant, *chosen)) return ctx_.ids.next_uuid();
    return *chosen;
}

Result<StartCalculationOutput> CalculationService::start_calculation(const Tenant& t, const StartCalculationInput& in) {
    return ctx_.store.write([&](Store::Tx& tx) -> Result<StartCalculationOutput> {
        if (auto prior = replay_token(tx, t, "StartCalculationExecution", in.client_token, in.fingerprint)) {
            if (!*prior) return prior->error();
            auto state = parse_calculation_state((*prior)->first);
            return StartCalculationOutput{(*prior)->second, state.value_or(CalculationState::Creating)};
        }
        auto s = tx.find_session(t, in.session_id);
        if (!s) return session_not_found(in.session_id);
        const Instant now = ctx_.now();
        const SessionState state = status_at(*s, now).state;
        if (state != SessionState::Idle)
            return make_error(ErrorKind::InvalidState,
                              "Session is in the " + std::string(to_string(state)) +
                                  " state; needs to be IDLE to accept Calculations.",
                              s->id);
        const Profile p = profile_of_session(tx, *s);
        const auto rules = tx.outcome_rules();
        const OutcomeRule* rule = first_matching(rules, in.code);

        CalculationRecord c;
        c.tenant = t;
        c.id = take_calculation_id(tx, *s);
        c.session_id = s->id;
        c.description = in.description;
        c.code = in.code;
        c.submitted = now;
        c.working_directory = s->working_directory;
        c.result = plan_result_uris(c.working_directory, s->id, c.id, rule);
        auto plan = plan_new_calculation(p, rule, now);
        c.steps = std::move(plan.steps);
        c.output = std::move(plan.output);
        if (auto ends = plan_session_around_calculation(*s, now, std::move(plan.session_steps), plan.end))
            end_calculation_at(c, ends->at, ends->state);
        tx.put_calculation(c);
        tx.put_session_steps(*s);
        if (in.client_token)
            tx.put_token(t, "StartCalculationExecution", *in.client_token, in.fingerprint, "CREATING " + c.id);
        return StartCalculationOutput{c.id, CalculationState::Creating};
    });
}

Result<CalculationDetails> CalculationService::get_calculation(const Tenant& t, std::string_view id) {
    auto c = ctx_.store.find_calculation(t, id);
    if (!c) return calculation_not_found(id);
    const Instant now = ctx_.now();
    const auto st = calculation_status_at(*c, now);
    const auto dpu = running_ms_at(*c, now);
    return CalculationDetails{std::move(*c), st, dpu};
}

Result<BucketContents> CalculationService::output_objects(std::string_view account, std::string_view bucket) {
    return ctx_.store.read([&](Store::Tx& tx) -> Result<BucketContents> {
        const Instant now = ctx_.now();
        BucketContents contents;
        contents.exists = bucket == kDefaultResultsBucket;
        std::vector<OutputObject> out;
        auto in_bucket = [&](const std::string& uri) {
            auto parts = split_s3_uri(uri);
            return parts && parts->first == bucket;
        };
        for (const auto& c : tx.account_calculations(account)) {
            if (in_bucket(c.result.stdout_s3_uri) || in_bucket(c.result.stderr_s3_uri) ||
                in_bucket(c.result.result_s3_uri))
                contents.exists = true;
            for (auto& o : output_objects_at(c, now))
                if (o.bucket == bucket) out.push_back(std::move(o));
        }
        // S3 lists keys in UTF-8 binary order; a key written twice keeps its newest object.
        std::stable_sort(out.begin(), out.end(),
                         [](const OutputObject& a, const OutputObject& b) { return a.key < b.key; });
        std::vector<OutputObject> unique;
        for (auto& o : out) {
            if (!unique.empty() && unique.back().key == o.key)
                unique.back() = std::move(o);
            else
                unique.push_back(std::move(o));
        }
        contents.objects = std::move(unique);
        return contents;
    });
}

Result<CalculationPage> CalculationService::list_calculations(const Tenant& t, std::string_view session_id,
                                                              std::optional<CalculationState> filter, int max,
                                                              std::optional<CalculationCursor> after) {
    return ctx_.store.read([&](Store::Tx& tx) -> Result<CalculationPage> {
        if (!tx.find_session(t, session_id)) return session_not_found(session_id);
        const Instant now = ctx_.now();
        CalculationPage page;
        for (auto& c : tx.session_calculations(t, session_id)) {
            const std::int64_t submitted = to_epoch_ms(c.submitted);
            if (after && (submitted > after->at_ms || (submitted == after->at_ms && c.seq >= after->seq))) continue;
            const auto st = calculation_status_at(c, now);
            if (filter && st.state != *filter) continue;
            if (static_cast<int>(page.calculations.size()) == max) {
                const auto& last = page.calculations.back().record;
                page.next = CalculationCursor{to_epoch_ms(last.submitted), last.seq};
                break;
            }
            const auto dpu = running_ms_at(c, now);
            page.calculations.push_back(CalculationDetails{std::move(c), st, dpu});
        }
        return page;
    });
}

Result<CalculationState> CalculationService::stop_calculation(const Tenant& t, std::string_view id) {
    return ctx_.store.write([&](Store::Tx& tx) -> Result<CalculationState> {
        auto c = tx.find_calculation(t, id);
        if (!c) return calculation_not_found(id);
        const Instant now = ctx_.now();
        const CalculationState state = calculation_status_at(*c, now).state;
        if (is_final(state) || state == CalculationState::Canceling) return state;
        const auto rules = tx.outcome_rules();
        const OutcomeRule* rule = first_matching(rules, c->code);
        // AWS's stop is best effort: a rule can accept it and carry nothing out.
        if (rule && rule->stop == OutcomeRule::Stop::Ignored) return state;
        auto s = tx.find_session(t, c->session_id);
        const Profile p = s ? profile_of_session(tx, *s) : builtin_default_profile();
        const Millis canceling =
            rule && rule->stop == OutcomeRule::Stop::Delayed ? rule->stop_after : p.calculation_canceling_ms;
        const Instant canceled = now + canceling;
        freeze_at(*c, now);
        c->steps.push_back(CalculationStep{now, CalculationState::Canceling, {}});
        c->steps.push_back(CalculationStep{canceled, CalculationState::Canceled, {}});
        if (s) {
            // The session's failure steps still to come stay; one during CANCELING cancels at once.
            if (auto ends = plan_session_around_calculation(*s, now, {}, canceled))
                end_calculation_at(*c, ends->at, ends->state);
            tx.put_session_steps(*s);
        }
        tx.put_calculation(*c);
        return CalculationState::Canceling;
    });
}

Result<SessionEndpoint> CalculationService::session_endpoint(const Tenant& t, std::string_view session_id) {
    auto s = ctx_.store.find_session(t, session_id);
    if (!s) return session_not_found(session_id);
    const Instant now = ctx_.now();
    const SessionState state = status_at(*s, now).state;
    if (state != SessionState::Idle && state != SessionState::Busy)
        return make_error(ErrorKind::InvalidState,
                          "Session is in the " + std::string(to_string(state)) +
                              " state; its endpoint is available while it is IDLE or BUSY.",
                          s->id);
    return SessionEndpoint{"https://" + s->id + ".spark-connect." + t.region + ".athena-emu.invalid",
                           ctx_.ids.next_uuid(), now + std::chrono::hours{1}};
}

Result<std::vector<Executor>> CalculationService::list_executors(const Tenant& t, std::string_view session_id) {
    return ctx_.store.read([&](Store::Tx& tx) -> Result<std::vector<Executor>> {
        auto s = tx.find_session(t, session_id);
        if (!s) return session_not_found(session_id);
        const Instant now = ctx_.now();
        const SessionStatus st = status_at(*s, now);
        ExecutorState coordinator = ExecutorState::Registered;
        switch (st.state) {
            case SessionState::Creating: coordinator = ExecutorState::Creating; break;
            case SessionState::Created: coordinator = ExecutorState::Created; break;
            case SessionState::Idle:
            case SessionState::Busy: coordinator = ExecutorState::Registered; break;
            case SessionState::Terminating: coordinator = ExecutorState::Terminating; break;
            case SessionState::Terminated: coordinator = ExecutorState::Terminated; break;
            case SessionState::Degraded:
            case SessionState::Failed: coordinator = ExecutorState::Failed; break;
        }
        std::vector<Executor> out;
        out.push_back(Executor{"coordinator-1", ExecutorType::Coordinator, s->start, st.end, coordinator,
                               s->coordinator_dpu_size});
        // Workers: as many as the DPU budget allows next to the coordinator (at most 4 shown
        // per calculation), alive while the calculation runs.
        const int per_worker = std::max(1, s->default_executor_dpu_size);
        const int workers = std::clamp((s->max_concurrent_dpus - s->coordinator_dpu_size) / per_worker, 1, 4);
        auto calcs = tx.session_calculations(t, session_id);
        std::reverse(calcs.begin(), calcs.end());  // oldest first
        int n = 0;
        for (const auto& c : calcs) {
            std::optional<Instant> started, ended;
            for (const auto& step : c.steps) {
                if (step.at > now) break;
                if (step.state == CalculationState::Running)
                    started = step.at;
                else if (started && !ended)
                    ended = step.at;
            }
            if (!started) continue;
            for (int k = 0; k < workers; ++k)
                out.push_back(Executor{"worker-" + std::to_string(++n), ExecutorType::Worker, *started, ended,
                                       ended ? ExecutorState::Terminated : ExecutorState::Registered, per_worker});
        }
        // Newest first, as AWS lists them.
        std::stable_sort(out.begin(), out.end(),
                         [](const Executor& a, const Executor& b) { return a.start > b.start; });
        return out;
    });
}

}  // namespace athena
