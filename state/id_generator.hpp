#pragma once
// Generated resource ids: lowercase RFC 4122 version-4 UUIDs (Boost.Uuid) from a seeded engine,
// so the same --seed and the same requests give the same ids. Thread-safe.
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace athena {

class IdGenerator {
public:
    explicit IdGenerator(std::uint64_t seed) : engine_(seed) {}
    std::string next_uuid();

private:
    std::mutex mu_;
    std::mt19937_64 engine_;
};

}  // namespace athena
