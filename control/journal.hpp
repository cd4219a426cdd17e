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
    Instant clock_time{};  // the emulator's clock at receipt (the manual clock's time under --clock manual)
};

class RequestJournal {
public:
    explicit RequestJournal(std::size_t capacity) : capacity_(capacity) {}
    void add(JournalEntry e);
    // Oldest first; empty filters match everything; `since` is inclusive.
    std::vector<JournalEntry> query(const std::string& operation, const std::string& session_id,
                                    std::optional<Instant> since);
    // The newest `n` entries, oldest first.
    std::vector<JournalEntry> latest(std::size_t n);
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
    using RequestKey = std::tuple<std::string, unsigned, std::string>;
    using RequestKeyView = std::tuple<std::string_view, unsigned, std::string_view>;
    // Compares keys and views of keys alike (clang 14 cannot compare a tuple of strings with
    // a tuple of string_views directly).
    struct RequestKeyLess {
        using is_transparent = void;
        static RequestKeyView view(const RequestKeyView& k) { return k; }
        static RequestKeyView view(const RequestKey& k) { return {std::get<0>(k), std::get<1>(k), std::get<2>(k)}; }
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            return view(a) < view(b);
        }
    };
    std::mutex mu_;
    // Transparent comparators: a lookup builds no strings.
    std::map<RequestKey, std::uint64_t, RequestKeyLess> requests_;
    std::map<std::string, Histogram, std::less<>> durations_;
    std::map<std::string, std::uint64_t> faults_;
};

}  // namespace athena
