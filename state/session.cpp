#include "state/session.hpp"

#include <algorithm>

namespace athena {
namespace {

// Calls emit(step) for every transition in effect at `now`, stored and derived, in order.
template <class Emit>
void for_each_effective(const SessionRecord& s, Instant now, Emit&& emit) {
    const Step* last = nullptr;
    bool future_remains = false;
    for (const Step& step : s.steps) {
        if (step.at > now) {
            future_remains = true;
            break;
        }
        emit(step);
        last = &step;
    }
    // While script steps remain they replace the automatic rules.
    if (last == nullptr || future_remains) return;

    Instant terminating_at;
    Cause cause;
    std::string reason;
    if (last->state == SessionState::Idle) {
        terminating_at = last->at + std::chrono::minutes{s.idle_timeout_minutes};
        if (terminating_at > now) return;
        cause = Cause::IdleTimeout;
        reason = idle_timeout_reason(s.idle_timeout_minutes);
        emit(Step{terminating_at, SessionState::Terminating, cause, reason});
    } else if (last->state == SessionState::Terminating) {
        terminating_at = last->at;
        cause = last->cause == Cause::IdleTimeout ? Cause::IdleTimeout : Cause::Profile;
        reason = last->reason;
    } else {
        return;
    }
    const Instant terminated_at = terminating_at + s.terminating_ms;
    if (terminated_at <= now) emit(Step{terminated_at, SessionState::Terminated, cause, reason});
}

}  // namespace

std::vector<Step> effective_steps(const SessionRecord& s, Instant now) {
    std::vector<Step> out;
    out.reserve(s.steps.size() + 2);
    for_each_effective(s, now, [&](const Step& step) { out.push_back(step); });
    return out;
}

SessionStatus status_at(const SessionRecord& s, Instant now) {
    SessionStatus st{SessionState::Creating, s.start, s.start, std::nullopt, std::nullopt, std::nullopt};
    std::optional<Instant> idle_entry;
    for_each_effective(s, now, [&](const Step& step) {
        if (step.state == SessionState::Idle) idle_entry = step.at;
        st.state = step.state;
        st.last_modified = step.at;
        st.reason = shown_reason(step.reason);
        if (is_final(step.state) && !st.end) st.end = step.at;
    });
    if (st.state == SessionState::Idle) st.idle_since = idle_entry;
    if (!is_final(st.state)) st.end.reset();
    return st;
}

void freeze_at(SessionRecord& s, Instant now) { s.steps = effective_steps(s, now); }

std::optional<Step> plan_session_around_calculation(SessionRecord& s, Instant now, std::vector<Step> added,
                                                    Instant calculation_end) {
    const auto by_time = [](const Step& a, const Step& b) { return a.at < b.at; };
    std::vector<Step> ahead = std::move(added);
    for (const Step& step : s.steps)
        if (step.at > now && ends_calculation(step.state)) ahead.push_back(step);
    std::stable_sort(ahead.begin(), ahead.end(), by_time);
    std::optional<Step> first_end;
    for (const Step& step : ahead)
        if (ends_calculation(step.state)) {
            first_end = step;
            break;
        }
    // The session does not come back to IDLE when it died under the calculation.
    if (!first_end || first_end->at > calculation_end) {
        ahead.push_back(Step{calculation_end, SessionState::Idle, Cause::Calculation, {}});
        std::stable_sort(ahead.begin(), ahead.end(), by_time);
    }
    freeze_at(s, now);
    s.steps.insert(s.steps.end(), ahead.begin(), ahead.end());
    return first_end;
}

std::vector<Step> default_timeline(Instant start, const Profile& p, Cause first) {
    return {Step{start, SessionState::Creating, first, {}},
            Step{start + p.creating_ms, SessionState::Created, Cause::Profile, {}},
            Step{start + p.creating_ms + p.created_ms, SessionState::Idle, Cause::Profile, {}}};
}

std::vector<Step> plan_new_session(Instant start, const Profile& p, const Scenario* scenario) {
    if (!scenario) return default_timeline(start, p, Cause::Api);
    std::vector<Step> steps;
    steps.reserve(scenario->steps.size());
    for (const auto& st : scenario->steps)
        steps.push_back(Step{start + st.after, st.state, steps.empty() ? Cause::Api : Cause::Script, st.reason});
    return steps;
}

std::string idle_timeout_reason(int minutes) {
    return "Session was idle for " + std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes") +
           " (SessionIdleTimeoutInMinutes) and was terminated.";
}

}  // namespace athena
