#pragma once
// Time in the domain: instants and durations with millisecond precision.
#include <chrono>
#include <cstdint>

namespace athena {

using Millis = std::chrono::milliseconds;
using Instant = std::chrono::sys_time<Millis>;

inline std::int64_t to_epoch_ms(Instant t) { return t.time_since_epoch().count(); }
inline Instant from_epoch_ms(std::int64_t ms) { return Instant{Millis{ms}}; }

}  // namespace athena
