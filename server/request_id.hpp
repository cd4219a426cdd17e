#pragma once
// Random RFC 4122 UUIDs (Boost.Uuid) for x-amzn-RequestId and generated resource ids.
#include <cstdint>
#include <string>

namespace athena {

// Seeds every generator made from now on (--seed); 0 = from the OS.
void seed_request_ids(std::uint64_t seed);
// A new lowercase UUID string. Thread-safe: one generator per thread.
std::string new_request_id();

}  // namespace athena
