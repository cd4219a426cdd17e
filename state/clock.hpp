#pragma once
// The one source of "now" for the domain. Nothing else reads the system clock.
#include <atomic>
#include <mutex>

#include "state/time.hpp"

namespace athena {

enum class ClockMode { System, Manual };

class Clock {
public:
    virtual ~Clock() = default;
    // Current time. Thread-safe.
    virtual Instant now() const = 0;
    virtual ClockMode mode() const = 0;
};

class SystemClock final : public Clock {
public:
    Instant now() const override;
    ClockMode mode() const override { return ClockMode::System; }
};

// Time stands still until set() or advance() moves it. Thread-safe.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Instant start) : now_ms_(to_epoch_ms(start)) {}
    Instant now() const override { return from_epoch_ms(now_ms_.load(std::memory_order_acquire)); }
    ClockMode mode() const override { return ClockMode::Manual; }
    // Unconditional; callers enforce "never backwards" (the domain service does).
    void set(Instant t) { now_ms_.store(to_epoch_ms(t), std::memory_order_release); }

private:
    std::atomic<std::int64_t> now_ms_;
};

}  // namespace athena
