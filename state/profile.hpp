#pragma once
// A profile: how long each automatic step of a session or calculation takes.
#include <optional>
#include <string>

#include "state/time.hpp"

namespace athena {

struct Profile {
    std::string name;
    Millis creating_ms{5000};     // CREATING -> CREATED
    Millis created_ms{1000};      // CREATED -> IDLE
    Millis terminating_ms{3000};  // TERMINATING -> TERMINATED
    Millis calculation_creating_ms{500};
    Millis calculation_queued_ms{500};
    Millis calculation_running_ms{3000};
    Millis calculation_canceling_ms{1000};
    int idle_timeout_minutes_default{20};
    std::optional<int> max_active_sessions;  // per workgroup; nullopt = unlimited
};

// The built-in profiles: "default" (realistic seconds) and "instant" (all durations 0).
Profile builtin_default_profile();
Profile builtin_instant_profile();

// A fixture's partial profile: absent fields take the "default" profile's values.
struct ProfilePatch {
    std::string name;
    std::optional<Millis> creating_ms, created_ms, terminating_ms, calculation_creating_ms, calculation_queued_ms,
        calculation_running_ms, calculation_canceling_ms;
    std::optional<int> idle_timeout_minutes_default;
    std::optional<int> max_active_sessions;
};

Profile apply_patch(const Profile& base, const ProfilePatch& patch);

}  // namespace athena
