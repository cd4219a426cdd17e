#pragma once
// Log lines on stderr: text ("2026-...Z INFO message key=value ...") or one JSON object per
// line. Each line is written with one write(2), so lines from several threads never mix.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/clock.hpp"

namespace athena {

enum class LogLevel { Debug, Info, Warn, Error };
enum class LogFormat { Text, Json };

struct LogField {
    std::string key;
    std::string value;
    bool number{false};  // emitted unquoted in JSON
};

// The fields a request's log line ("request") begins with: request_id, account, region,
// operation ("-" when none).
std::vector<LogField> request_log_fields(const std::string& request_id, const std::string& account,
                                         const std::string& region, const std::string& operation);
// A latency in ms with three decimals, as the request lines give it.
std::string latency_ms_text(double ms);

class Logger {
public:
    // `wall` gives the time stamped on each line (the real clock, even under --clock manual).
    Logger(LogFormat format, LogLevel level, const Clock& wall) : format_(format), level_(level), wall_(wall) {}

    bool enabled(LogLevel l) const { return l >= level_; }
    void log(LogLevel l, std::string_view message, const std::vector<LogField>& fields = {}) const;

private:
    LogFormat format_;
    LogLevel level_;
    const Clock& wall_;
};

}  // namespace athena
