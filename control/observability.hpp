#pragma once
// What the AWS endpoint shares with the admin API: fault rules, the journal, metrics.
#include <chrono>
#include "control/faults.hpp"
#include "control/journal.hpp"

#include "state/clock.hpp"

namespace athena {

using Stopwatch = std::chrono::steady_clock::time_point (*)();

struct Observability {
    FaultInjector& faults;
    RequestJournal& journal;
    Metrics& metrics;
    const Clock& wall;  // journal times are real times, even under --clock manual
    // Where request latencies and the uptime are measured from: the steady clock, or (the fuzz
    // world) one that never moves, so that an input takes the same path on every run.
    Stopwatch steady = &std::chrono::steady_clock::now;
};

}  // namespace athena
