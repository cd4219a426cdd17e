#pragma once
// A calculation (a code block run on a session) and its timeline. Like a session, its status at
// time t is a pure function of its stored steps and t.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/session.hpp"
#include "state/time.hpp"

namespace athena {

enum class CalculationState { Creating, Created, Queued, Running, Canceling, Canceled, Completed, Failed };

std::string_view to_string(CalculationState s);
std::optional<CalculationState> parse_calculation_state(std::string_view s);
// CANCELED, COMPLETED, FAILED.
bool is_final(CalculationState s);

struct CalculationStep {
    Instant at;
    CalculationState state;
    std::string reason;  // empty = none
    bool operator==(const CalculationStep&) const = default;
};

struct CalculationResultUris {
    std::string result_s3_uri, stdout_s3_uri, stderr_s3_uri, result_type;
};

struct CalculationRecord {
    Tenant tenant;
    std::string id;
    std::string session_id;
    std::string description;
    std::string code;
    Instant submitted;
    std::string working_directory;
    CalculationResultUris result;
    std::vector<CalculationStep> steps;  // ordered by `at`
    std::int64_t seq{0};                 // the store's insertion order
};

struct CalculationStatus {
    CalculationState state;
    Instant submitted;
    std::optional<Instant> completed;  // once CANCELED, COMPLETED or FAILED
    std::optional<std::string> reason;
};

// Precondition: the first step is at `submitted` <= now.
CalculationStatus calculation_status_at(const CalculationRecord& c, Instant now);
// Milliseconds spent RUNNING up to `now`.
std::int64_t running_ms_at(const CalculationRecord& c, Instant now);
// Keeps the steps up to `now`, drops the rest.
void freeze_at(CalculationRecord& c, Instant now);

// An outcome rule (CONTRACT §4): the first rule whose match fits the code decides the
// calculation's final state, reason, durations and result URIs.
struct OutcomeRule {
    enum class Match { CodeContains, CodeRegex };
    Match match{Match::CodeContains};
    std::string pattern;
    CalculationState state{CalculationState::Completed};  // COMPLETED or FAILED
    std::string reason;
    std::optional<Millis> queued_ms, running_ms;
    std::optional<CalculationResultUris> result;
};

// True when `rule` matches `code` (regex: an ECMAScript search anywhere in the code).
bool outcome_matches(const OutcomeRule& rule, std::string_view code);

}  // namespace athena
