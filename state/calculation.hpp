#pragma once
// A calculation (a code block run on a session) and its timeline. Like a session, its status at
// time t is a pure function of its stored steps and t.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/profile.hpp"
#include "state/session.hpp"
#include "state/time.hpp"

namespace athena {

// The order is stored: a step's state is kept in SQLite as its enum value (timeline_index.hpp),
// and the names (calculation.cpp) are indexed by it. Never reorder or insert: append.
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

// The texts a calculation writes (CONTRACT §4 outcome rules' stdout, stderr, result_text);
// nullopt = the default (empty; a FAILED calculation's stderr is its reason as a traceback tail).
struct CalculationOutput {
    std::optional<std::string> stdout_text, stderr_text, result_text;
    bool operator==(const CalculationOutput&) const = default;
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
    CalculationOutput output;
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
// When the calculation reaches its final state, if it is scheduled.
std::optional<Instant> final_at(const CalculationRecord& c);

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
    // Takes the session down `after` the calculation's start (FAILED, DEGRADED or TERMINATED).
    struct SessionEffect {
        SessionState state{SessionState::Failed};
        Millis after{0};
        std::string reason;  // empty = none
        bool operator==(const SessionEffect&) const = default;
    };
    std::optional<SessionEffect> session;
    // What StopCalculationExecution does: CANCELING for the profile's calculation_canceling_ms
    // (honoured), nothing (ignored), or CANCELING for stop_after (delayed).
    enum class Stop { Honoured, Ignored, Delayed };
    Stop stop{Stop::Honoured};
    Millis stop_after{0};      // delayed only
    CalculationOutput output;  // given to the calculations the rule decides
};

std::string_view to_string(OutcomeRule::Stop s);
std::optional<OutcomeRule::Stop> parse_stop(std::string_view s);

// True when `rule` matches `code` (regex: an ECMAScript search anywhere in the code).
bool outcome_matches(const OutcomeRule& rule, std::string_view code);
// The first rule of `rules` that matches `code`, or null.
const OutcomeRule* first_matching(const std::vector<OutcomeRule>& rules, std::string_view code);

// --- Planning a new calculation (pure, like calculation_status_at) -----------------------

// Where a calculation's outputs go: under the session's working directory (which follows the
// workgroup's output location; the default results bucket when it is empty), in a folder named
// after the calculation; a rule's non-empty URIs and type replace the defaults.
CalculationResultUris plan_result_uris(std::string_view working_directory, std::string_view session_id,
                                       std::string_view calculation_id, const OutcomeRule* rule);

// What StartCalculationExecution sets going at `now`, from the session's profile and the first
// matching outcome rule (null = none).
struct CalculationPlan {
    // CREATING now, CREATED and QUEUED after calculation_creating_ms, RUNNING after the queued
    // time, then the rule's final state (COMPLETED by default) at `end`.
    std::vector<CalculationStep> steps;
    Instant end;
    // For plan_session_around_calculation: the session's BUSY now and the rule's session step.
    std::vector<Step> session_steps;
    CalculationOutput output;  // the rule's texts
};
CalculationPlan plan_new_calculation(const Profile& p, const OutcomeRule* rule, Instant now);

// --- A calculation under a session that dies (CONTRACT §4) ------------------------------

// The StateChangeReason of a calculation its session took down.
std::string session_ended_reason(SessionState session_state);

// Ends `c` at `at` because its session entered `session_state`: steps from `at` on that would
// finish it are dropped and it ends FAILED (CANCELED when it is CANCELING then) at `at`.
// A calculation that finished before `at` is left as it is. Returns true when it changed.
bool end_calculation_at(CalculationRecord& c, Instant at, SessionState session_state);

// Where outputs go when the workgroup has no output location.
inline constexpr std::string_view kDefaultResultsBucket = "athena-emu-results";

// One object of a calculation's output as S3 serves it (CONTRACT §3b).
struct OutputObject {
    std::string bucket, key;
    std::string body;
    std::string content_type;
    Instant last_modified;
    std::string calculation_id, session_id;
};

// Splits "s3://bucket/key" (any case of the scheme); nullopt for anything else.
std::optional<std::pair<std::string, std::string>> split_s3_uri(std::string_view uri);

// The objects the calculation has written by `now`: none before its final state; stdout and
// stderr once COMPLETED or FAILED; the result too once COMPLETED. A result URI that names a
// folder (ends in '/') holds the result as "result" + the type's extension (result.json for
// application/json, result.txt otherwise).
std::vector<OutputObject> output_objects_at(const CalculationRecord& c, Instant now);

// Stderr of a calculation that FAILED with `reason`: a Python traceback tail.
std::string traceback_tail(std::string_view reason);

}  // namespace athena
