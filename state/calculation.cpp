#include "state/calculation.hpp"

#include <boost/regex.hpp>

#include <array>

namespace athena {
namespace {
constexpr std::array<std::string_view, 8> kNames = {"CREATING",  "CREATED",  "QUEUED",    "RUNNING",
                                                    "CANCELING", "CANCELED", "COMPLETED", "FAILED"};
}  // namespace

std::string_view to_string(CalculationState s) { return kNames[static_cast<std::size_t>(s)]; }

std::optional<CalculationState> parse_calculation_state(std::string_view s) {
    return enum_from_name<CalculationState>(kNames, s);
}

bool is_final(CalculationState s) {
    return s == CalculationState::Canceled || s == CalculationState::Completed || s == CalculationState::Failed;
}

CalculationStatus calculation_status_at(const CalculationRecord& c, Instant now) {
    CalculationStatus st{CalculationState::Creating, c.submitted, std::nullopt, std::nullopt};
    for (const auto& step : c.steps) {
        if (step.at > now) break;
        st.state = step.state;
        st.reason = shown_reason(step.reason);
        if (is_final(step.state) && !st.completed) st.completed = step.at;
    }
    return st;
}

std::int64_t running_ms_at(const CalculationRecord& c, Instant now) {
    std::int64_t total = 0;
    std::optional<Instant> running_since;
    for (const auto& step : c.steps) {
        if (step.at > now) break;
        if (running_since) total += (step.at - *running_since).count();
        running_since.reset();
        if (step.state == CalculationState::Running) running_since = step.at;
    }
    if (running_since) total += (now - *running_since).count();
    return total;
}

void freeze_at(CalculationRecord& c, Instant now) {
    std::erase_if(c.steps, [&](const CalculationStep& s) { return s.at > now; });
}

std::optional<Instant> final_at(const CalculationRecord& c) {
    for (const auto& step : c.steps)
        if (is_final(step.state)) return step.at;
    return std::nullopt;
}

bool outcome_matches(const OutcomeRule& rule, std::string_view code) {
    if (rule.match == OutcomeRule::Match::CodeContains) return code.find(rule.pattern) != std::string_view::npos;
    try {
        // ECMAScript semantics: ^ and $ only at the ends of the code, '.' not across lines.
        const boost::regex re(rule.pattern, boost::regex::ECMAScript | boost::regex::no_mod_m);
        return boost::regex_search(code.begin(), code.end(), re, boost::match_not_dot_newline);
    } catch (const std::exception&) {
        return false;  // fixtures are checked on load; a pattern that fails here matches nothing
    }
}

const OutcomeRule* first_matching(const std::vector<OutcomeRule>& rules, std::string_view code) {
    for (const auto& r : rules)
        if (outcome_matches(r, code)) return &r;
    return nullptr;
}

std::string_view to_string(OutcomeRule::Stop s) {
    switch (s) {
        case OutcomeRule::Stop::Honoured: return "honoured";
        case OutcomeRule::Stop::Ignored: return "ignored";
        case OutcomeRule::Stop::Delayed: return "delayed";
    }
    return "honoured";
}

std::optional<OutcomeRule::Stop> parse_stop(std::string_view s) {
    for (auto v : {OutcomeRule::Stop::Honoured, OutcomeRule::Stop::Ignored, OutcomeRule::Stop::Delayed})
        if (to_string(v) == s) return v;
    return std::nullopt;
}

CalculationResultUris plan_result_uris(std::string_view working_directory, std::string_view session_id,
                                       std::string_view calculation_id, const OutcomeRule* rule) {
    std::string base(working_directory);
    if (base.empty()) base = "s3://" + std::string(kDefaultResultsBucket) + "/" + std::string(session_id) + "/";
    if (base.back() != '/') base += '/';
    base += std::string(calculation_id) + "/";
    CalculationResultUris uris{base, base + "stdout.txt", base + "stderr.txt", "application/json"};
    if (rule && rule->result) {
        const auto& r = *rule->result;
        if (!r.result_s3_uri.empty()) uris.result_s3_uri = r.result_s3_uri;
        if (!r.stdout_s3_uri.empty()) uris.stdout_s3_uri = r.stdout_s3_uri;
        if (!r.stderr_s3_uri.empty()) uris.stderr_s3_uri = r.stderr_s3_uri;
        if (!r.result_type.empty()) uris.result_type = r.result_type;
    }
    return uris;
}

CalculationPlan plan_new_calculation(const Profile& p, const OutcomeRule* rule, Instant now) {
    CalculationPlan plan;
    const Instant created = now + p.calculation_creating_ms;
    const Instant running = created + (rule && rule->queued_ms ? *rule->queued_ms : p.calculation_queued_ms);
    plan.end = running + (rule && rule->running_ms ? *rule->running_ms : p.calculation_running_ms);
    plan.steps = {{now, CalculationState::Creating, {}},
                  {created, CalculationState::Created, {}},
                  {created, CalculationState::Queued, {}},
                  {running, CalculationState::Running, {}},
                  {plan.end, rule ? rule->state : CalculationState::Completed, rule ? rule->reason : std::string()}};
    plan.session_steps.push_back(Step{now, SessionState::Busy, Cause::Calculation, {}});
    if (rule && rule->session)
        plan.session_steps.push_back(
            Step{now + rule->session->after, rule->session->state, Cause::Calculation, rule->session->reason});
    if (rule) plan.output = rule->output;
    return plan;
}

std::string session_ended_reason(SessionState session_state) {
    return "The session entered the " + std::string(to_string(session_state)) + " state while the calculation ran.";
}

bool end_calculation_at(CalculationRecord& c, Instant at, SessionState session_state) {
    if (auto done = final_at(c); done && *done < at) return false;
    // A final step at the same instant loses: the session's end is in effect from `at` too.
    std::erase_if(c.steps, [&](const CalculationStep& s) { return s.at > at || (s.at == at && is_final(s.state)); });
    if (!c.steps.empty() && c.steps.back().state == CalculationState::Canceling)
        c.steps.push_back(CalculationStep{at, CalculationState::Canceled, {}});
    else
        c.steps.push_back(CalculationStep{at, CalculationState::Failed, session_ended_reason(session_state)});
    return true;
}

std::optional<std::pair<std::string, std::string>> split_s3_uri(std::string_view uri) {
    if (uri.size() < 5 || (uri.substr(0, 5) != "s3://" && uri.substr(0, 5) != "S3://")) return std::nullopt;
    uri.remove_prefix(5);
    const auto slash = uri.find('/');
    if (slash == 0 || slash == std::string_view::npos) return std::nullopt;
    return std::pair{std::string(uri.substr(0, slash)), std::string(uri.substr(slash + 1))};
}

std::string traceback_tail(std::string_view reason) {
    std::string out = "Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\n";
    out += reason.empty() ? std::string_view("Exception: calculation failed") : reason;
    out += '\n';
    return out;
}

std::vector<OutputObject> output_objects_at(const CalculationRecord& c, Instant now) {
    std::vector<OutputObject> out;
    const auto st = calculation_status_at(c, now);
    if (st.state != CalculationState::Completed && st.state != CalculationState::Failed) return out;
    auto add = [&](const std::string& uri, std::string body, std::string type) {
        auto parts = split_s3_uri(uri);
        if (!parts || parts->second.empty()) return;
        out.push_back(OutputObject{std::move(parts->first), std::move(parts->second), std::move(body), std::move(type),
                                   *st.completed, c.id, c.session_id});
    };
    const bool failed = st.state == CalculationState::Failed;
    add(c.result.stdout_s3_uri, c.output.stdout_text.value_or(""), "text/plain");
    add(c.result.stderr_s3_uri,
        c.output.stderr_text ? *c.output.stderr_text
        : failed             ? traceback_tail(st.reason.value_or(""))
                             : "",
        "text/plain");
    if (!failed) {
        std::string uri = c.result.result_s3_uri;
        const std::string type = c.result.result_type.empty() ? "application/json" : c.result.result_type;
        if (!uri.empty() && uri.back() == '/') uri += type == "application/json" ? "result.json" : "result.txt";
        add(uri, c.output.result_text.value_or(""), type);
    }
    return out;
}

}  // namespace athena
