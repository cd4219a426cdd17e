#include "state/calculation.hpp"

#include <boost/regex.hpp>

#include <array>

namespace athena {
namespace {
constexpr std::array<std::string_view, 8> kNames = {"CREATING", "CREATED",  "QUEUED",    "RUNNING",
                                                    "CANCELING", "CANCELED", "COMPLETED", "FAILED"};
}  // namespace

std::string_view to_string(CalculationState s) { return kNames[static_cast<std::size_t>(s)]; }

std::optional<CalculationState> parse_calculation_state(std::string_view s) {
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == s) return static_cast<CalculationState>(i);
    return std::nullopt;
}

bool is_final(CalculationState s) {
    return s == CalculationState::Canceled || s == CalculationState::Completed || s == CalculationState::Failed;
}

CalculationStatus calculation_status_at(const CalculationRecord& c, Instant now) {
    CalculationStatus st{CalculationState::Creating, c.submitted, std::nullopt, std::nullopt};
    for (const auto& step : c.steps) {
        if (step.at > now) break;
        st.state = step.state;
        if (step.reason.empty())
            st.reason.reset();
        else
            st.reason = step.reason;
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

}  // namespace athena
