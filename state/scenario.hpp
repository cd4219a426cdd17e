#pragma once
// A scenario: a named script of session states at offsets from the session's start.
#include <optional>
#include <string>
#include <vector>

#include "state/session_state.hpp"
#include "state/time.hpp"

namespace athena {

struct ScriptStep {
    Millis after{0};
    SessionState state;
    std::string reason;          // empty = none
    std::optional<Cause> cause;  // who scheduled it (exported state); default: script
    bool operator==(const ScriptStep&) const = default;
};

struct Scenario {
    std::string name;
    std::vector<ScriptStep> steps;  // first at 0, strictly increasing offsets
};

}  // namespace athena
