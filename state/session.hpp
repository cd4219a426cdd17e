#pragma once
// A session and its timeline. The state a session shows at time t is a pure function of
// its stored steps and t (status_at): reading never changes anything.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "state/profile.hpp"
#include "state/scenario.hpp"
#include "state/session_state.hpp"
#include "state/time.hpp"

namespace athena {

// Every resource lives in one account + region.
struct Tenant {
    std::string account;
    std::string region;
    bool operator==(const Tenant&) const = default;
};

using Tags = std::vector<std::pair<std::string, std::string>>;

// One transition of a session: in effect from `at` on (now >= at).
struct Step {
    Instant at;
    SessionState state;
    Cause cause;
    std::string reason;  // empty = none
    bool operator==(const Step&) const = default;
};

struct SessionRecord {
    Tenant tenant;
    std::string id;
    std::string workgroup;
    std::string description;
    Instant start;
    int idle_timeout_minutes{20};
    Millis terminating_ms{0};
    // Ordered by `at` (ties keep their order). Past steps are history, future ones the
    // remaining script. The idle timeout and TERMINATING -> TERMINATED are derived from the
    // last step, not stored, once no future step remains.
    std::vector<Step> steps;
    std::string engine_configuration;      // opaque document, kept verbatim for the wire layer
    std::string monitoring_configuration;  // opaque document, empty = none
    std::string engine_version{"PySpark engine version 3"};
    std::string notebook_version;
    std::string execution_role;
    std::string working_directory;
    // From the engine configuration: what ListExecutors shows.
    int coordinator_dpu_size{1};
    int max_concurrent_dpus{20};
    int default_executor_dpu_size{1};
    Tags tags;
    std::int64_t seq{0};  // the store's insertion order; ties of `start` are broken by it
};

// What GetSessionStatus shows.
struct SessionStatus {
    SessionState state;
    Instant start;
    Instant last_modified;
    std::optional<Instant> end;         // TERMINATED or FAILED
    std::optional<Instant> idle_since;  // only while IDLE
    std::optional<std::string> reason;  // of the latest transition, when it has one
};

// A step's reason as a status shows it: none when empty.
inline std::optional<std::string> shown_reason(const std::string& reason) {
    if (reason.empty()) return std::nullopt;
    return reason;
}

// The transitions in effect at `now`: the stored steps with at <= now, then the derived
// idle-timeout / termination steps that are due. Never empty for a valid record.
std::vector<Step> effective_steps(const SessionRecord& s, Instant now);

// The status at `now`. Precondition: at least one step is in effect at `now`
// (a session's first step is at its start, and start <= now is enforced on creation).
SessionStatus status_at(const SessionRecord& s, Instant now);

// Turns the timeline into history up to `now` (derived steps become stored ones) and drops
// every step after `now`: what an API-made change does before appending its own step.
void freeze_at(SessionRecord& s, Instant now);

// Replans a session around its calculation from `now` on (CONTRACT §4). Kept: the transitions
// up to `now` and the steps still to come whose state ends a calculation (a script's DEGRADED,
// FAILED, TERMINATING, TERMINATED; other future steps are dropped). Added: `added` (the
// calculation's BUSY, an outcome rule's session step), and IDLE (cause calculation) at
// `calculation_end` unless a step that ends a calculation comes at or before it.
// Returns the first step from `now` on that ends a calculation: the calculation ends there
// when it comes at or before `calculation_end` (see end_calculation_at).
std::optional<Step> plan_session_around_calculation(SessionRecord& s, Instant now, std::vector<Step> added,
                                                    Instant calculation_end);

// --- Planning a new session (pure, like status_at) --------------------------------------

// The profile's own timeline from `start`: CREATING (cause `first`), CREATED after
// creating_ms, IDLE after created_ms more (cause profile). StartSession's (first = api), and a
// fixture session's that has no history, script or scenario (first = profile).
std::vector<Step> default_timeline(Instant start, const Profile& p, Cause first);

// StartSession's timeline: the scenario's steps from `start` (the first, StartSession's own,
// with cause api; the rest with cause script), else the default timeline.
std::vector<Step> plan_new_session(Instant start, const Profile& p, const Scenario* scenario);

// The reason given to both idle-timeout transitions.
std::string idle_timeout_reason(int minutes);

}  // namespace athena
