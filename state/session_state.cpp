#include "state/session_state.hpp"

#include <array>

namespace athena {
namespace {
constexpr std::array<std::string_view, 8> kStateNames = {"CREATING",    "CREATED",    "IDLE",     "BUSY",
                                                         "TERMINATING", "TERMINATED", "DEGRADED", "FAILED"};
constexpr std::array<std::string_view, 6> kCauseNames = {"api",         "profile",      "script",
                                                         "calculation", "idle_timeout", "admin"};
}  // namespace

std::string_view to_string(SessionState s) { return kStateNames[static_cast<std::size_t>(s)]; }

std::optional<SessionState> parse_session_state(std::string_view s) {
    return enum_from_name<SessionState>(kStateNames, s);
}

std::string_view to_string(Cause c) { return kCauseNames[static_cast<std::size_t>(c)]; }

std::optional<Cause> parse_cause(std::string_view s) { return enum_from_name<Cause>(kCauseNames, s); }

bool is_active(SessionState s) {
    return s == SessionState::Creating || s == SessionState::Created || s == SessionState::Idle ||
           s == SessionState::Busy;
}

bool is_final(SessionState s) { return s == SessionState::Terminated || s == SessionState::Failed; }

bool ends_calculation(SessionState s) {
    return s == SessionState::Degraded || s == SessionState::Failed || s == SessionState::Terminating ||
           s == SessionState::Terminated;
}

}  // namespace athena
