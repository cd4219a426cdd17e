// Hand-written RFC 3339 parsing: g++ 12's libstdc++ has no std::chrono::parse, and the
// grammar is small and fixed; the calendar arithmetic is std::chrono's.
#include "server/time_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace athena {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

}  // namespace

std::optional<Instant> parse_rfc3339(std::string_view s) {
    int y, mo, d, h, mi, se;
    if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
        !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
        !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
        return std::nullopt;
    using namespace std::chrono;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
    std::size_t pos = 19;
    int ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (n < 3) ms = ms * 10 + (s[pos] - '0');
            ++n;
            ++pos;
        }
        if (n == 0) return std::nullopt;
        for (int k = n; k < 3; ++k) ms *= 10;
    }
    if (pos >= s.size()) return std::nullopt;
    int offset_min = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh, om;
        if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
            oh > 23 || om > 59)
            return std::nullopt;
        offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    const auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{se} + milliseconds{ms} - minutes{offset_min};
    return time_point_cast<Millis>(t);
}

std::optional<Instant> from_epoch_seconds(double seconds) {
    if (!std::isfinite(seconds) || std::fabs(seconds) > 253402300799.0) return std::nullopt;
    return from_epoch_ms(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

std::optional<Instant> parse_epoch_seconds_text(std::string_view s) {
    if (s.empty()) return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return from_epoch_seconds(v);
}

std::optional<Instant> parse_time_text(std::string_view s) {
    if (auto t = parse_rfc3339(s)) return t;
    return parse_epoch_seconds_text(s);
}

std::string format_rfc3339_ms(Instant t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
    return buf;
}

void append_epoch_seconds(std::string& out, Instant t) {
    const std::int64_t ms = to_epoch_ms(t);
    std::int64_t sec = ms / 1000;
    std::int64_t frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        sec -= 1;
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, sec);
    out.append(buf, r.ptr);
    if (frac != 0) {
        char f[4] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                     static_cast<char>('0' + frac % 10), 0};
        int n = 3;
        while (f[n - 1] == '0') --n;
        out.push_back('.');
        out.append(f, static_cast<std::size_t>(n));
    }
}

std::string format_epoch_seconds(Instant t) {
    std::string s;
    append_epoch_seconds(s, t);
    return s;
}

}  // namespace athena
