// Calculations: StartCalculationExecution and friends, GetSessionEndpoint, ListExecutors.
#include <algorithm>
#include <array>

#include "state/service.hpp"

namespace athena {
namespace {

Error session_not_found(std::string_view id) {
    return make_error(ErrorKind::SessionNotFound, "Session " + std::string(id) + " does not exist.", std::string(id));
}

Error calculation_not_found(std::string_view id) {
    return make_error(ErrorKind::ResourceNotFound, "Calculation " + std::string(id) + " does not exist.",
                      std::string(id));
}

constexpr std::array<std::string_view, 3> kExecutorTypes = {"COORDINATOR", "GATEWAY", "WORKER"};
constexpr std::array<std::string_view, 6> kExecutorStates = {"CREATING",    "CREATED",    "REGISTERED",
                                                             "TERMINATING", "TERMINATED", "FAILED"};

}  // namespace

std::string_view to_string(ExecutorType t) { return kExecutorTypes[static_cast<std::size_t>(t)]; }
std::string_view to_string(ExecutorState s) { return kExecutorStates[static_cast<std::size_t>(s)]; }
std::optional<ExecutorState> parse_executor_state(std::string_view s) {
    for (std::size_t i = 0; i < kExecutorStates.size(); ++i)
        if (kExecutorStates[i] == s) return static_cast<ExecutorState>(i);
    return std::nullopt;
}

std::string Service::take_calculation_id(Store::Tx& tx, const SessionRecord& s) {
    const std::string key = next_calculation_id_key(s.tenant, s.id);
    auto chosen = tx.blob(key);
    if (!chosen) return ids_.next_uuid();
    tx.delete_blob(key);
    // Taken meanwhile (a fixture's calculation, or another session's choice used first).
    if (tx.find_calculation(s.tenant, *chosen)) return ids_.next_uuid();
    return *chosen;
}

Result<std::string> Service::set_next_calculation_id(std::string_view session_id, const std::optional<Tenant>& t,
                                                     std::string calculation_id) {
    auto found = find_for_admin(session_id, t);
    if (!found) return found.error();
    const std::size_t n = utf8_code_points(calculation_id);
    if (n < 1 || n > 36)
        return make_error(ErrorKind::InvalidArgument,
                          "id must be a calculation id of 1 to 36 characters (got " + std::to_string(n) + ")");
    return store_.write([&](Store::Tx& tx) -> Result<std::string> {
        if (tx.find_calculation(found->tenant, calculation_id))
            return make_error(ErrorKind::AlreadyExists,
                              "calculation " + calculation_id + " already exists in account " + found->tenant.account +
                                  " region " + found->tenant.region + "; choose another id",
                              calculation_id);
        tx.set_blob(next_calculation_id_key(found->tenant, found->id), calculation_id);
        return found->id;
    });
}

Result<StartCalculationOutput> Service::start_calculation(const Tenant& t, const StartCalculationInput& in) {
    return store_.write([&](Store::Tx& tx) -> Result<StartCalculationOutput> {
        if (auto prior = replay_token(tx, t, "StartCalculationExecution", in.client_token, in.fingerprint)) {
            if (!*prior) return prior->error();
            auto state = parse_calculation_state((*prior)->first);
            return StartCalculationOutput{(*prior)->second, state.value_or(CalculationState::Creating)};
        }
        auto s = tx.find_session(t, in.session_id);
        if (!s) return session_not_found(in.session_id);
        const Instant now = clock_.now();
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
        // Under the working directory, which follows the workgroup's output location.
        std::string base = c.working_directory;
        if (base.empty()) base = "s3://" + std::string(kDefaultResultsBucket) + "/" + s->id + "/";
        if (base.back() != '/') base += '/';
        base += c.id + "/";
        c.result = CalculationResultUris{base, base + "stdout.txt", base + "stderr.txt", "application/json"};
        if (rule && rule->result) {
            const auto& r = *rule->result;
            if (!r.result_s3_uri.empty()) c.result.result_s3_uri = r.result_s3_uri;
            if (!r.stdout_s3_uri.empty()) c.result.stdout_s3_uri = r.stdout_s3_uri;
            if (!r.stderr_s3_uri.empty()) c.result.stderr_s3_uri = r.stderr_s3_uri;
            if (!r.result_type.empty()) c.result.result_type = r.result_type;
        }
        if (rule) c.output = rule->output;
        const Instant created = now + p.calculation_creating_ms;
        const Instant running = created + (rule && rule->queued_ms ? *rule->queued_ms : p.calculation_queued_ms);
        const Instant done = running + (rule && rule->running_ms ? *rule->running_ms : p.calculation_running_ms);
        c.steps = {{now, CalculationState::Creating, {}},
                   {created, CalculationState::Created, {}},
                   {created, CalculationState::Queued, {}},
                   {running, CalculationState::Running, {}},
                   {done, rule ? rule->state : CalculationState::Completed, rule ? rule->reason : std::string()}};
        std::vector<Step> added{Step{now, SessionState::Busy, Cause::Calculation, {}}};
        if (rule && rule->session)
            added.push_back(
                Step{now + rule->session->after, rule->session->state, Cause::Calculation, rule->session->reason});
        if (auto ends = plan_session_around_calculation(*s, now, std::move(added), done))
            end_calculation_at(c, ends->at, ends->state);
        tx.put_calculation(c);
        tx.put_session_steps(*s);
        if (in.client_token)
            tx.put_token(t, "StartCalculationExecution", *in.client_token, in.fingerprint, "CREATING " + c.id);
        return StartCalculationOutput{c.id, CalculationState::Creating};
    });
}

Result<CalculationDetails> Service::get_calculation(const Tenant& t, std::string_view id) {
    auto c = store_.find_calculation(t, id);
    if (!c) return calculation_not_found(id);
    const Instant now = clock_.now();
    const auto st = calculation_status_at(*c, now);
    const auto dpu = running_ms_at(*c, now);
    return CalculationDetails{std::move(*c), st, dpu};
}

Result<BucketContents> Service::output_objects(std::string_view account, std::string_view bucket) {
    return store_.read([&](Store::Tx& tx) -> Result<BucketContents> {
        const Instant now = clock_.now();
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

Result<CalculationPage> Service::list_calculations(const Tenant& t, std::string_view session_id,
                                                   std::optional<CalculationState> filter, int max,
                                                   std::optional<CalculationCursor> after) {
    return store_.read([&](Store::Tx& tx) -> Result<CalculationPage> {
        if (!tx.find_session(t, session_id)) return session_not_found(session_id);
        const Instant now = clock_.now();
        CalculationPage page;
        for (auto& c : tx.session_calculations(t, session_id)) {
            const std::int64_t submitted = to_epoch_ms(c.submitted);
            if (after && (submitted > after->submitted_ms || (submitted == after->submitted_ms && c.seq >= after->seq)))
                continue;
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

Result<CalculationState> Service::stop_calculation(const Tenant& t, std::string_view id) {
    return store_.write([&](Store::Tx& tx) -> Result<CalculationState> {
        auto c = tx.find_calculation(t, id);
        if (!c) return calculation_not_found(id);
        const Instant now = clock_.now();
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

Result<SessionEndpoint> Service::session_endpoint(const Tenant& t, std::string_view session_id) {
    auto s = store_.find_session(t, session_id);
    if (!s) return session_not_found(session_id);
    const Instant now = clock_.now();
    const SessionState state = status_at(*s, now).state;
    if (state != SessionState::Idle && state != SessionState::Busy)
        return make_error(ErrorKind::InvalidState,
                          "Session is in the " + std::string(to_string(state)) +
                              " state; its endpoint is available while it is IDLE or BUSY.",
                          s->id);
    return SessionEndpoint{"https://" + s->id + ".spark-connect." + t.region + ".athena-emu.invalid", ids_.next_uuid(),
                           now + std::chrono::hours{1}};
}

Result<std::vector<Executor>> Service::list_executors(const Tenant& t, std::string_view session_id) {
    return store_.read([&](Store::Tx& tx) -> Result<std::vector<Executor>> {
        auto s = tx.find_session(t, session_id);
        if (!s) return session_not_found(session_id);
        const Instant now = clock_.now();
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
