#include "server/config.hpp"

#include <boost/program_options.hpp>
#include <boost/regex.hpp>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>

#include "server/time_format.hpp"

namespace athena {

namespace po = boost::program_options;

namespace {

std::string env_name(const std::string& flag) {
    std::string s = "ATHENA_EMU_";
    for (char c : flag) s += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

po::options_description describe() {
    po::options_description d(
        "Usage: athena-emu [options]\n"
        "       athena-emu healthcheck [--host H] [--port P]   (exit 0 when a running emulator is healthy)\n\n"
        "A local emulator of the Amazon Athena session API (AWS JSON 1.1).\n"
        "Every option also reads ATHENA_EMU_<OPTION> (upper case, '-' -> '_'); the flag wins.\n\n"
        "Options");
    d.add_options()("help", "print this help and exit")("version", "print the version and exit")(
        "host", po::value<std::string>(), "address to bind (default 127.0.0.1; 0.0.0.0 for all interfaces)")(
        "port", po::value<std::string>(),
        "TCP port (default 4599); 0 picks a free one, logged and written to --ready-file")(
        "ready-file", po::value<std::string>(),
        "once listening, write {\"port\":N,\"pid\":N} to this file (atomically)")(
        "db", po::value<std::string>(), "SQLite database (default :memory:); a file keeps all state across restarts")(
        "fixtures", po::value<std::vector<std::string>>(),
        "fixture file, or directory of *.json; repeatable; 'none' for none (default: the built-in "
        "fixtures/default.json). ATHENA_EMU_FIXTURES takes a ':'-separated list")(
        "clock", po::value<std::string>(),
        "system (default) or manual: time stands still until POST /_emulator/clock moves it")(
        "start-time", po::value<std::string>(),
        "manual clock's initial time (RFC 3339 or epoch seconds; default now); a new database only")(
        "seed", po::value<std::string>(), "seed for generated ids (default random, logged)")(
        "account-id", po::value<std::string>(),
        "account for requests whose credentials name none (default 123456789012)")(
        "region", po::value<std::string>(), "region for requests whose credentials name none (default us-east-1)")(
        "threads", po::value<std::string>(), "I/O threads (default 1)")(
        "journal-size", po::value<std::string>(),
        "request journal entries kept in memory (default 10000; 0 keeps none)")("log-format", po::value<std::string>(),
                                                                                "text (default) or json")(
        "log-level", po::value<std::string>(), "debug, info (default; one line per AWS request), warn or error")(
        "admin", po::value<std::string>(), "on (default) or off: the /_emulator/ API (health always answers)")(
        "admin-token", po::value<std::string>(),
        "require 'Authorization: Bearer <token>' on the admin API (not health)")(
        "max-connections", po::value<std::string>(),
        "open connections served at once (default 1024); more are answered 503 and closed")(
        "max-header-bytes", po::value<std::string>(), "request line + headers (default 16384); more: 431")(
        "max-body-bytes", po::value<std::string>(), "body of an AWS request (default 1048576); more: 413")(
        "max-admin-body-bytes", po::value<std::string>(),
        "body of an admin API request, e.g. a fixture POST (default 67108864); more: 413")(
        "max-json-depth", po::value<std::string>(),
        "nesting of an AWS request's JSON body (default 32); deeper: SerializationException")(
        "idle-timeout-s", po::value<std::string>(),
        "a kept-alive connection with no request begun is closed after this (default 60)")(
        "request-timeout-s", po::value<std::string>(),
        "a request must arrive whole within this of its first byte (default 30); else 408 and close")(
        "write-timeout-s", po::value<std::string>(),
        "a client that does not read its answer within this is cut off (default 30)")(
        "auth", po::value<std::string>(),
        "none (default: signatures are not checked) or sigv4: verify every AWS request's Signature V4 "
        "against --credentials, as AWS does (the admin API keeps its own token)")(
        "credentials", po::value<std::string>(),
        "JSON file listing {\"access_key_id\", \"secret_access_key\", \"account_id\"[, \"session_token\"]}: "
        "the keys --auth sigv4 accepts and the account of each (also read under --auth none, for the account)")(
        "max-skew-s", po::value<std::string>(),
        "seconds a signature's X-Amz-Date may differ from the real time (default 300; 0 to 604800)");
    return d;
}

[[noreturn]] void bad(const std::string& source, const std::string& value, const std::string& expected) {
    throw ConfigError(source + ": invalid value '" + value + "': " + expected);
}

// Each setting: the flag, else its environment variable. `source` names where it came from.
struct Setting {
    std::string value;
    std::string source;
};

struct Settings {
    const po::variables_map& cli;
    const std::function<const char*(const char*)>& getenv;

    std::optional<Setting> operator()(const std::string& flag) const {
        if (cli.count(flag)) {
            if (flag == "fixtures") return std::nullopt;  // read_where reads it
            return Setting{cli[flag].as<std::string>(), "--" + flag};
        }
        const std::string name = env_name(flag);
        if (const char* v = getenv(name.c_str())) return Setting{v, name};
        return std::nullopt;
    }
};

// A whole number of at most `digits` digits within [lo, hi]; `expected` says so for the error.
std::optional<std::uint64_t> read_number(const Settings& setting, const char* flag, int digits, std::uint64_t lo,
                                         std::uint64_t hi, const std::string& expected) {
    auto s = setting(flag);
    if (!s) return std::nullopt;
    const bool ok = !s->value.empty() && s->value.size() <= static_cast<std::size_t>(digits) &&
                    std::all_of(s->value.begin(), s->value.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!ok || std::stoull(s->value) < lo || std::stoull(s->value) > hi) bad(s->source, s->value, expected);
    return std::stoull(s->value);
}

// A flag whose value names one of `choices`; `expected` lists them for the error.
template <class T>
void read_choice(const Settings& setting, const char* flag, T& out,
                 std::initializer_list<std::pair<std::string_view, T>> choices, const char* expected) {
    auto s = setting(flag);
    if (!s) return;
    for (const auto& [name, value] : choices)
        if (s->value == name) {
            out = value;
            return;
        }
    bad(s->source, s->value, expected);
}

// --host, --port, --ready-file, --db, --fixtures.
void read_where(const Settings& setting, Config& c) {
    if (auto s = setting("host")) {
        if (s->value.empty()) bad(s->source, s->value, "an IP address such as 127.0.0.1, ::1 or 0.0.0.0");
        c.host = s->value;
    }
    if (auto v = read_number(setting, "port", 5, 0, 65535, "a port number from 0 to 65535 (0 picks a free one)"))
        c.port = static_cast<unsigned short>(*v);
    if (auto s = setting("ready-file")) {
        if (s->value.empty()) bad(s->source, s->value, "a file path");
        c.ready_file = s->value;
    }
    if (auto s = setting("db")) {
        if (s->value.empty()) bad(s->source, s->value, "a file path or :memory:");
        c.db = s->value;
    }
    if (setting.cli.count("fixtures")) {
        c.fixtures = setting.cli["fixtures"].as<std::vector<std::string>>();
    } else if (const char* v = setting.getenv("ATHENA_EMU_FIXTURES")) {
        std::string all = v;
        std::size_t start = 0;
        while (start <= all.size()) {
            auto pos = all.find(':', start);
            std::string part = all.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
            if (!part.empty()) c.fixtures.push_back(part);
            if (pos == std::string::npos) break;
            start = pos + 1;
        }
        if (c.fixtures.empty())
            bad("ATHENA_EMU_FIXTURES", all, "a ':'-separated list of fixture files or directories, or none");
    }
    for (const auto& f : c.fixtures)
        if (f.empty()) bad("--fixtures", f, "a fixture file or directory, or none");
}

// --clock, --start-time, --seed, --account-id, --region, --threads, --journal-size.
void read_clock_and_identity(const Settings& setting, Config& c) {
    read_choice(setting, "clock", c.clock, {{"system", ClockMode::System}, {"manual", ClockMode::Manual}},
                "system or manual");
    if (auto s = setting("start-time")) {
        auto t = parse_time_text(s->value);
        if (!t) bad(s->source, s->value, "an RFC 3339 time such as 2026-01-01T00:00:00Z, or epoch seconds");
        if (c.clock != ClockMode::Manual)
            throw ConfigError(s->source + " needs --clock manual (the system clock cannot be set)");
        c.start_time = t;
    }
    if (auto s = setting("seed")) {
        static const boost::regex digits("[0-9]{1,20}");
        errno = 0;
        if (!boost::regex_match(s->value, digits)) bad(s->source, s->value, "a non-negative integer");
        const unsigned long long v = std::strtoull(s->value.c_str(), nullptr, 10);
        if (errno == ERANGE) bad(s->source, s->value, "an integer below 2^64");
        c.seed = v;
    }
    if (auto s = setting("account-id")) {
        static const boost::regex twelve("[0-9]{12}");
        if (!boost::regex_match(s->value, twelve)) bad(s->source, s->value, "a 12-digit AWS account id");
        c.account_id = s->value;
    }
    if (auto s = setting("region")) {
        static const boost::regex region("[a-z]{2}(-[a-z]+)+-[0-9]+");
        if (!boost::regex_match(s->value, region)) bad(s->source, s->value, "a region name such as us-east-1");
        c.region = s->value;
    }
    if (auto v = read_number(setting, "threads", 3, 1, 64, "a number of I/O threads from 1 to 64"))
        c.threads = static_cast<int>(*v);
    if (auto v = read_number(setting, "journal-size", 9, 0, 999999999, "a number of entries from 0 to 999999999"))
        c.journal_size = static_cast<std::size_t>(*v);
}

// --log-format, --log-level, --admin, --admin-token.
void read_logging_and_admin(const Settings& setting, Config& c) {
    read_choice(setting, "log-format", c.log_format, {{"text", LogFormat::Text}, {"json", LogFormat::Json}},
                "text or json");
    read_choice(
        setting, "log-level", c.log_level,
        {{"debug", LogLevel::Debug}, {"info", LogLevel::Info}, {"warn", LogLevel::Warn}, {"error", LogLevel::Error}},
        "debug, info, warn or error");
    read_choice(setting, "admin", c.admin, {{"on", true}, {"off", false}}, "on or off");
    if (auto s = setting("admin-token")) {
        if (s->value.empty()) bad(s->source, s->value, "a non-empty token");
        c.admin_token = s->value;
    }
}

// The HTTP limits and --max-json-depth.
void read_limits(const Settings& setting, Config& c) {
    // Sizes and counts: a whole number within [lo, hi].
    auto count = [&](const char* flag, std::size_t& out, std::size_t lo, std::size_t hi, const char* what) {
        const auto expected = std::string(what) + " from " + std::to_string(lo) + " to " + std::to_string(hi);
        if (auto v = read_number(setting, flag, 12, lo, hi, expected)) out = static_cast<std::size_t>(*v);
    };
    count("max-connections", c.limits.max_connections, 1, 1000000, "a number of connections");
    count("max-header-bytes", c.limits.max_header_bytes, 1024, 1024 * 1024, "a size in bytes");
    count("max-body-bytes", c.limits.max_body_bytes, 1024, std::size_t{1} << 30, "a size in bytes");
    count("max-admin-body-bytes", c.limits.max_admin_body_bytes, 1024, std::size_t{1} << 32, "a size in bytes");
    count("max-json-depth", c.max_json_depth, 1, 10000, "a nesting depth");
    // Timeouts: seconds, with up to three decimals.
    auto timeout = [&](const char* flag, std::chrono::milliseconds& out) {
        if (auto s = setting(flag)) {
            static const boost::regex seconds("([0-9]{1,6})(\\.([0-9]{1,3}))?");
            boost::smatch m;
            const char* expected = "seconds above 0, such as 30 or 0.5 (at most 999999)";
            if (!boost::regex_match(s->value, m, seconds)) bad(s->source, s->value, expected);
            std::string frac = m[3].matched ? m[3].str() : "";
            frac.resize(3, '0');
            const long long ms = std::stoll(m[1].str()) * 1000 + std::stoll(frac);
            if (ms <= 0) bad(s->source, s->value, expected);
            out = std::chrono::milliseconds(ms);
        }
    };
    timeout("idle-timeout-s", c.limits.idle_timeout);
    timeout("request-timeout-s", c.limits.request_timeout);
    timeout("write-timeout-s", c.limits.write_timeout);
}

// --auth, --credentials, --max-skew-s.
void read_auth(const Settings& setting, Config& c) {
    read_choice(setting, "auth", c.auth, {{"none", AuthMode::None}, {"sigv4", AuthMode::Sigv4}}, "none or sigv4");
    if (auto s = setting("credentials")) {
        if (s->value.empty()) bad(s->source, s->value, "a credentials JSON file");
        c.credentials = s->value;
    }
    if (auto v = read_number(setting, "max-skew-s", 6, 0, 604800, "a number of seconds from 0 to 604800"))
        c.max_skew_s = static_cast<int>(*v);
    if (c.auth == AuthMode::Sigv4 && !c.credentials)
        throw ConfigError(
            "--auth sigv4 needs --credentials PATH (or ATHENA_EMU_CREDENTIALS): a JSON list of "
            "{\"access_key_id\", \"secret_access_key\", \"account_id\"} objects, the keys "
            "requests may be signed with");
}

}  // namespace

ParsedArgs parse_config(int argc, const char* const* argv, const std::function<const char*(const char*)>& getenv) {
    const auto desc = describe();
    po::options_description all;
    all.add(desc).add_options()("unexpected", po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("unexpected", -1);
    po::variables_map cli;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), cli);
    } catch (const po::error& e) {
        throw ConfigError(std::string(e.what()) + " (see athena-emu --help)");
    }
    if (cli.count("unexpected"))
        throw ConfigError("unexpected argument '" + cli["unexpected"].as<std::vector<std::string>>().front() +
                          "': every setting is a --flag (see athena-emu --help)");
    ParsedArgs out;
    if (cli.count("help")) {
        std::ostringstream s;
        s << desc << "\nDocs: README.md (flags, fixtures, admin API /_emulator/...), docs/sigv4.md (--auth sigv4).\n";
        out.print_and_exit = s.str();
        return out;
    }
    if (cli.count("version")) {
        out.print_and_exit = std::string("athena-emu ") + ATHENA_EMU_VERSION + "\n";
        return out;
    }

    const Settings setting{cli, getenv};
    Config& c = out.config;
    read_where(setting, c);
    read_clock_and_identity(setting, c);
    read_logging_and_admin(setting, c);
    read_limits(setting, c);
    read_auth(setting, c);
    return out;
}

}  // namespace athena
