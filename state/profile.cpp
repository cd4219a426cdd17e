#include "state/profile.hpp"

namespace athena {

Profile builtin_default_profile() {
    Profile p;
    p.name = "default";
    return p;
}

Profile builtin_instant_profile() {
    Profile p;
    p.name = "instant";
    p.creating_ms = p.created_ms = p.terminating_ms = Millis{0};
    p.calculation_creating_ms = p.calculation_queued_ms = Millis{0};
    p.calculation_running_ms = p.calculation_canceling_ms = Millis{0};
    return p;
}

Profile apply_patch(const Profile& base, const ProfilePatch& patch) {
    Profile p = base;
    p.name = patch.name;
    if (patch.creating_ms) p.creating_ms = *patch.creating_ms;
    if (patch.created_ms) p.created_ms = *patch.created_ms;
    if (patch.terminating_ms) p.terminating_ms = *patch.terminating_ms;
    if (patch.calculation_creating_ms) p.calculation_creating_ms = *patch.calculation_creating_ms;
    if (patch.calculation_queued_ms) p.calculation_queued_ms = *patch.calculation_queued_ms;
    if (patch.calculation_running_ms) p.calculation_running_ms = *patch.calculation_running_ms;
    if (patch.calculation_canceling_ms) p.calculation_canceling_ms = *patch.calculation_canceling_ms;
    if (patch.idle_timeout_minutes_default) p.idle_timeout_minutes_default = *patch.idle_timeout_minutes_default;
    p.max_active_sessions = patch.max_active_sessions;
    return p;
}

}  // namespace athena
