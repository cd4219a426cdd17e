#include "server/logger.hpp"

#include <cstdio>

#include <unistd.h>

#include "server/json_writer.hpp"
#include "server/time_format.hpp"

namespace athena {
namespace {

std::string_view level_name(LogLevel l) {
    switch (l) {
        case LogLevel::Debug: return "debug";
        case LogLevel::Info: return "info";
        case LogLevel::Warn: return "warn";
        case LogLevel::Error: return "error";
    }
    return "info";
}

bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (char c : v)
        if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
    return false;
}

}  // namespace

void Logger::log(LogLevel l, std::string_view message, const std::vector<LogField>& fields) const {
    if (!enabled(l)) return;
    std::string line;
    line.reserve(256);
    const std::string time = format_rfc3339_ms(wall_.now());
    if (format_ == LogFormat::Json) {
        JsonWriter w(line);
        w.begin_object().member("time", time).member("level", level_name(l)).member("msg", message);
        for (const auto& f : fields) {
            if (f.number)
                w.key(f.key).raw(f.value);
            else
                w.member(f.key, f.value);
        }
        w.end_object();
    } else {
        line += time;
        line += ' ';
        line += level_name(l);
        line += ' ';
        line += message;
        for (const auto& f : fields) {
            line += ' ';
            line += f.key;
            line += '=';
            if (needs_quotes(f.value))
                append_json_string(line, f.value);
            else
                line += f.value;
        }
    }
    line += '\n';
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(2, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

std::vector<LogField> request_log_fields(const std::string& request_id, const std::string& account,
                                         const std::string& region, const std::string& operation) {
    return {{"request_id", request_id},
            {"account", account},
            {"region", region},
            {"operation", operation.empty() ? "-" : operation}};
}

std::string latency_ms_text(double ms) {
    char latency[32];
    std::snprintf(latency, sizeof latency, "%.3f", ms);
    return latency;
}

}  // namespace athena
