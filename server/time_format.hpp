#pragma once
// Time values at the edges: RFC 3339 strings and epoch numbers in, RFC 3339 and epoch
// seconds out.
#include <optional>
#include <string>
#include <string_view>

#include "state/time.hpp"

namespace athena {

// "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.250+02:00", lower-case t/z too. Sub-millisecond
// digits are truncated. Nullopt when the text is not such a time.
std::optional<Instant> parse_rfc3339(std::string_view s);

// Epoch seconds given as text ("1767225600", "1767225600.5"), for flags and env vars.
std::optional<Instant> parse_epoch_seconds_text(std::string_view s);

// Either of the above: what every time-valued flag accepts.
std::optional<Instant> parse_time_text(std::string_view s);

// Epoch seconds (possibly fractional) as a double, rounded to the millisecond.
std::optional<Instant> from_epoch_seconds(double seconds);

// "2026-01-01T00:00:00.000Z": always UTC with milliseconds.
std::string format_rfc3339_ms(Instant t);

// Epoch seconds with millisecond precision as JSON number text: "1767225600", "1767225600.5".
std::string format_epoch_seconds(Instant t);
void append_epoch_seconds(std::string& out, Instant t);

}  // namespace athena
