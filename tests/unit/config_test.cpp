#include <doctest/doctest.h>

#include <map>

#include "server/config.hpp"

using namespace athena;

namespace {
ParsedArgs parse(std::vector<const char*> argv, std::map<std::string, std::string> env = {}) {
    argv.insert(argv.begin(), "athena-emu");
    return parse_config(static_cast<int>(argv.size()), argv.data(), [&](const char* n) -> const char* {
        auto it = env.find(n);
        return it == env.end() ? nullptr : it->second.c_str();
    });
}
std::string error_of(std::vector<const char*> argv, std::map<std::string, std::string> env = {}) {
    try {
        parse(std::move(argv), std::move(env));
    } catch (const ConfigError& e) {
        return e.what();
    }
    FAIL("expected a ConfigError");
    return {};
}
}  // namespace

TEST_CASE("defaults") {
    auto c = parse({}).config;
    CHECK(c.host == "127.0.0.1");
    CHECK(c.port == 4599);
    CHECK(c.db == ":memory:");
    CHECK(c.clock == ClockMode::System);
    CHECK(c.threads == 1);
    CHECK(c.admin);
    CHECK(c.fixtures.empty());
}

TEST_CASE("every flag reads ATHENA_EMU_*, and the flag wins") {
    auto c = parse({"--port", "0"}, {{"ATHENA_EMU_PORT", "1234"},
                                     {"ATHENA_EMU_CLOCK", "manual"},
                                     {"ATHENA_EMU_START_TIME", "2026-01-01T00:00:00Z"},
                                     {"ATHENA_EMU_FIXTURES", "a.json:dir"},
                                     {"ATHENA_EMU_LOG_FORMAT", "json"}})
                 .config;
    CHECK(c.port == 0);
    CHECK(c.clock == ClockMode::Manual);
    CHECK(c.start_time == from_epoch_ms(1767225600000));
    CHECK(c.fixtures == std::vector<std::string>{"a.json", "dir"});
    CHECK(c.log_format == LogFormat::Json);
    CHECK(parse({"--fixtures", "x.json"}, {{"ATHENA_EMU_FIXTURES", "a.json"}}).config.fixtures ==
          std::vector<std::string>{"x.json"});
}

TEST_CASE("bad values name the flag or variable, the value and what is expected") {
    CHECK(error_of({"--port", "abc"}) ==
          "--port: invalid value 'abc': a port number from 0 to 65535 (0 picks a free one)");
    CHECK(error_of({"--port", "70000"}).rfind("--port: invalid value '70000'", 0) == 0);
    CHECK(error_of({}, {{"ATHENA_EMU_CLOCK", "weird"}}) == "ATHENA_EMU_CLOCK: invalid value 'weird': system or manual");
    CHECK(error_of({"--threads", "0"}).rfind("--threads: invalid value '0'", 0) == 0);
    CHECK(error_of({"--start-time", "2026-01-01T00:00:00Z"}) ==
          "--start-time needs --clock manual (the system clock cannot be set)");
    CHECK(error_of({"--account-id", "42"}).rfind("--account-id: invalid value '42'", 0) == 0);
    CHECK(error_of({"--bogus"}).find("bogus") != std::string::npos);
}

TEST_CASE("--auth, --credentials, --max-skew-s") {
    auto c = parse({}).config;
    CHECK(c.auth == AuthMode::None);
    CHECK(!c.credentials);
    CHECK(c.max_skew_s == 300);
    c = parse({"--auth", "sigv4", "--credentials", "creds.json", "--max-skew-s", "0"}).config;
    CHECK(c.auth == AuthMode::Sigv4);
    CHECK(c.credentials == std::optional<std::string>("creds.json"));
    CHECK(c.max_skew_s == 0);
    c = parse({},
              {{"ATHENA_EMU_AUTH", "sigv4"}, {"ATHENA_EMU_CREDENTIALS", "c.json"}, {"ATHENA_EMU_MAX_SKEW_S", "900"}})
            .config;
    CHECK(c.auth == AuthMode::Sigv4);
    CHECK(c.credentials == std::optional<std::string>("c.json"));
    CHECK(c.max_skew_s == 900);
    CHECK(parse({"--auth", "none"}, {{"ATHENA_EMU_AUTH", "sigv4"}}).config.auth == AuthMode::None);
    // Credentials without sigv4 are fine: they name accounts (CONTRACT §6).
    CHECK(parse({"--credentials", "c.json"}).config.credentials);

    CHECK(error_of({"--auth", "basic"}) == "--auth: invalid value 'basic': none or sigv4");
    CHECK(error_of({"--auth", "sigv4"}).rfind("--auth sigv4 needs --credentials PATH", 0) == 0);
    CHECK(error_of({}, {{"ATHENA_EMU_AUTH", "sigv4"}}).rfind("--auth sigv4 needs --credentials PATH", 0) == 0);
    CHECK(error_of({"--max-skew-s", "-1"}) == "--max-skew-s: invalid value '-1': a number of seconds from 0 to 604800");
    CHECK(error_of({"--max-skew-s", "604801"}).rfind("--max-skew-s: invalid value '604801'", 0) == 0);
    CHECK(error_of({"--credentials", ""}) == "--credentials: invalid value '': a credentials JSON file");
}

TEST_CASE("--help and --version") {
    auto h = parse({"--help"});
    REQUIRE(h.print_and_exit);
    for (const char* flag : {"--host", "--port", "--ready-file", "--db", "--fixtures", "--clock", "--start-time",
                             "--seed", "--account-id", "--region", "--threads", "--log-format", "--log-level",
                             "--admin", "--admin-token", "--auth", "--credentials", "--max-skew-s"})
        CHECK(h.print_and_exit->find(flag) != std::string::npos);
    CHECK(parse({"--version"}).print_and_exit->rfind("athena-emu ", 0) == 0);
}
