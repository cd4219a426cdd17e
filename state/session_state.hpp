#pragma once
// The eight session states of Athena and the causes of a transition.
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace athena {

// The order is stored: a step's state is kept (in memory and in SQLite) as its enum value
// (timeline_index.hpp), and the names (session_state.cpp) and the metrics' counts
// (ControlService::sessions_by_state) are indexed by it. Never reorder or insert: append, and
// extend those with it.
enum class SessionState { Creating, Created, Idle, Busy, Terminating, Terminated, Degraded, Failed };

// Who made a transition: StartSession/TerminateSession (api), the profile's automatic steps,
// a scenario or fixture script, a calculation, the idle timeout, or the admin API.
// The order is stored, as SessionState's is: never reorder or insert, append.
enum class Cause { Api, Profile, Script, Calculation, IdleTimeout, Admin };

// Canonical names ("CREATING", ...). parse_* return nullopt for anything else.
std::string_view to_string(SessionState s);
std::optional<SessionState> parse_session_state(std::string_view s);
std::string_view to_string(Cause c);
std::optional<Cause> parse_cause(std::string_view s);

// CREATING, CREATED, IDLE, BUSY: the states ListSessions shows by default and
// max_active_sessions counts.
bool is_active(SessionState s);
// TERMINATED, FAILED: the session has ended (EndDateTime is set).
bool is_final(SessionState s);
// DEGRADED, FAILED, TERMINATING, TERMINATED: a running calculation ends when its session
// enters one of them, and a script keeps these steps across a calculation's start.
bool ends_calculation(SessionState s);

// The value of enum E whose name is `s` in `names` (indexed by the enum's value, as each
// enum's to_string reads it), or nullopt: the parse_* functions of the domain's enums.
template <class E, std::size_t N>
std::optional<E> enum_from_name(const std::array<std::string_view, N>& names, std::string_view s) {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == s) return static_cast<E>(i);
    return std::nullopt;
}

}  // namespace athena
