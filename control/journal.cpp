#include "control/journal.hpp"

#include <array>
#include <cstdio>

namespace athena {
namespace {
constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

// Label values escaped as the exposition format wants (backslash, quote, newline).
std::string label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}
}  // namespace

void RequestJournal::add(JournalEntry e) {
    std::lock_guard lock(mu_);
    if (capacity_ == 0) return;
    entries_.push_back(std::move(e));
    while (entries_.size() > capacity_) entries_.pop_front();
}

std::vector<JournalEntry> RequestJournal::latest(std::size_t n) {
    std::lock_guard lock(mu_);
    const std::size_t first = entries_.size() > n ? entries_.size() - n : 0;
    return {entries_.begin() + static_cast<std::ptrdiff_t>(first), entries_.end()};
}

std::vector<JournalEntry> RequestJournal::query(const std::string& operation, const std::string& session_id,
                                                std::optional<Instant> since) {
    std::lock_guard lock(mu_);
    std::vector<JournalEntry> out;
    for (const auto& e : entries_) {
        if (!operation.empty() && e.operation != operation) continue;
        if (!session_id.empty() && e.session_id != session_id) continue;
        if (since && e.time < *since) continue;
        out.push_back(e);
    }
    return out;
}

void RequestJournal::clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
}

void Metrics::observe(std::string_view operation, unsigned status, std::string_view error, double seconds) {
    std::lock_guard lock(mu_);
    const RequestKeyView key{operation, status, error};
    auto it = requests_.find(key);
    if (it == requests_.end())
        it = requests_.emplace(std::make_tuple(std::string(operation), status, std::string(error)), 0).first;
    ++it->second;
    auto hit = durations_.find(operation);
    if (hit == durations_.end()) hit = durations_.emplace(std::string(operation), Histogram{}).first;
    auto& h = hit->second;
    if (h.buckets.empty()) h.buckets.assign(kBuckets.size(), 0);
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) ++h.buckets[i];
    h.sum += seconds;
    ++h.count;
}

void Metrics::fault_fired(const std::string& fault_id) {
    std::lock_guard lock(mu_);
    ++faults_[fault_id];
}

std::string Metrics::render(const std::vector<std::pair<std::string, std::int64_t>>& sessions) {
    std::lock_guard lock(mu_);
    std::string out;
    out += "# HELP athena_emu_requests_total AWS API requests answered, by operation, HTTP status and error code.\n";
    out += "# TYPE athena_emu_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
        const auto& [op, status, error] = key;
        out += "athena_emu_requests_total{operation=\"" + label(op) + "\",status=\"" + std::to_string(status) +
               "\",error=\"" + label(error) + "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP athena_emu_request_duration_seconds Time to handle an AWS API request, by operation.\n";
    out += "# TYPE athena_emu_request_duration_seconds histogram\n";
    for (const auto& [op, h] : durations_) {
        for (std::size_t i = 0; i < kBuckets.size(); ++i)
            out += "athena_emu_request_duration_seconds_bucket{operation=\"" + label(op) + "\",le=\"" +
                   number(kBuckets[i]) + "\"} " + std::to_string(h.buckets[i]) + "\n";
        out += "athena_emu_request_duration_seconds_bucket{operation=\"" + label(op) + "\",le=\"+Inf\"} " +
               std::to_string(h.count) + "\n";
        out += "athena_emu_request_duration_seconds_sum{operation=\"" + label(op) + "\"} " + number(h.sum) + "\n";
        out += "athena_emu_request_duration_seconds_count{operation=\"" + label(op) + "\"} " + std::to_string(h.count) +
               "\n";
    }
    out += "# HELP athena_emu_sessions Sessions by their state now.\n";
    out += "# TYPE athena_emu_sessions gauge\n";
    for (const auto& [state, n] : sessions)
        out += "athena_emu_sessions{state=\"" + label(state) + "\"} " + std::to_string(n) + "\n";
    out += "# HELP athena_emu_faults_fired_total Injected faults, by fault rule.\n";
    out += "# TYPE athena_emu_faults_fired_total counter\n";
    for (const auto& [id, n] : faults_)
        out += "athena_emu_faults_fired_total{fault_id=\"" + label(id) + "\"} " + std::to_string(n) + "\n";
    return out;
}

}  // namespace athena
