#pragma once
// Command-line flags and their ATHENA_EMU_* environment variables (the flag wins).
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/http_limits.hpp"
#include "server/logger.hpp"
#include "state/clock.hpp"
#include "state/time.hpp"

namespace athena {

enum class AuthMode { None, Sigv4 };

struct Config {
    std::string host{"127.0.0.1"};
    unsigned short port{4599};
    std::optional<std::string> ready_file;
    std::string db{":memory:"};
    std::vector<std::string> fixtures;  // empty = the built-in default
    ClockMode clock{ClockMode::System};
    std::optional<Instant> start_time;
    std::optional<std::uint64_t> seed;
    std::string account_id{"123456789012"};
    std::string region{"us-east-1"};
    int threads{1};
    LogFormat log_format{LogFormat::Text};
    LogLevel log_level{LogLevel::Info};
    bool admin{true};
    std::optional<std::string> admin_token;
    std::size_t journal_size{10000};
    HttpLimits limits;
    std::size_t max_json_depth{32};
    AuthMode auth{AuthMode::None};
    std::optional<std::string> credentials;  // --credentials PATH (checked when loaded)
    int max_skew_s{300};
};

// One line naming the flag (or variable), the value and what is expected.
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ParsedArgs {
    Config config;
    std::optional<std::string> print_and_exit;  // --help / --version text
};

// `getenv` looks up ATHENA_EMU_* variables (std::getenv in main, a map in tests).
// Throws ConfigError.
ParsedArgs parse_config(int argc, const char* const* argv, const std::function<const char*(const char*)>& getenv);

}  // namespace athena
