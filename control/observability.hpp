#pragma once
// What the AWS endpoint shares with the admin API: fault rules, the journal, metrics.
#include "control/faults.hpp"
#include "control/journal.hpp"
#include "state/clock.hpp"

namespace athena {

struct Observability {
    FaultInjector& faults;
    RequestJournal& journal;
    Metrics& metrics;
    const Clock& wall;  // journal times are real times, even under --clock manual
};

}  // namespace athena
