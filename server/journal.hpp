#pragma once
// The request journal (/_emulator/requests) and the Prometheus metrics (/_emulator/metrics):
// what the AWS endpoint answered, kept in memory. Thread-safe.
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "state/time.hpp"

namespace athena {

struct JournalEntry {
    Instant time;  // wall-clock time of receipt
    std::string request_id, account, region, operation, session_id, calculation_id, workgroup;
    unsigned status{0};  // 0: a transport fault sent no answer
    std::string error_code;
    double latency_ms{0};
    std::string fault_id;
};

class RequestJournal {
public:
    explicit RequestJournal(std::size_t capacity) : capacity_(capacity) {}
    void add(JournalEntry e);
    // Oldest first; empty filters match everything; `since` is inclusive.
    std::vector<JournalEntry> query(const std::string& operation, const std::string& session_id,
                                    std::optional<Instant> since);
    void clear();

private:
    std::mutex mu_;
    std::size_t capacity_;
    std::deque<JournalEntry> entries_;
};

class Metrics {
public:
    void observe(std::string_view operation, unsigned status, std::string_view error, double seconds);
    void fault_fired(const std::string& fault_id);
    // Prometheus text exposition; `sessions` are the gauge values by state name.
    std::string render(const std::vector<std::pair<std::string, std::int64_t>>& sessions);

private:
    struct Histogram {
        std::vector<std::uint64_t> buckets;
        double sum{0};
        std::uint64_t count{0};
    };
    std::mutex mu_;
    // Transparent comparators: a lookup builds no strings.
    std::map<std::tuple<std::string, unsigned, std::string>, std::uint64_t, std::less<>> requests_;
    std::map<std::string, Histogram, std::less<>> durations_;
    std::map<std::string, std::uint64_t> faults_;
};

}  // namespace athena
