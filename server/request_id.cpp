#include "server/request_id.hpp"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <atomic>
#include <random>

namespace athena {
namespace {
std::atomic<std::uint64_t> g_seed{0};
std::atomic<std::uint64_t> g_thread_index{0};
}  // namespace

void seed_request_ids(std::uint64_t seed) { g_seed = seed; }

std::string new_request_id() {
    thread_local std::mt19937_64 engine = [] {
        const std::uint64_t seed = g_seed.load();
        const std::uint64_t index = g_thread_index.fetch_add(1);
        if (seed == 0) {
            std::random_device rd;
            return std::mt19937_64((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
        }
        // Request ids are seeded per thread so a seeded run is reproducible with --threads 1.
        return std::mt19937_64(seed * 0x9E3779B97F4A7C15ULL + index + 1);
    }();
    thread_local boost::uuids::basic_random_generator<std::mt19937_64> gen(&engine);
    return boost::uuids::to_string(gen());
}

}  // namespace athena
