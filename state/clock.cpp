#include "state/clock.hpp"

namespace athena {

Instant SystemClock::now() const { return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now()); }

}  // namespace athena
