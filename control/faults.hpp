#pragma once
// Fault injection (CONTRACT §7): rules checked in the order they were added for every AWS
// request; the first that fires decides an injected error, latency, or transport fault.
// Thread-safe. Rules persist through a callback (the store's blob) after every change.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace athena {

enum class Transport { None, Reset, Close, Empty, MalformedJson, Stall };

struct FaultRule {
    std::string id;
    std::string operation{"*"};
    std::optional<std::string> session_id, workgroup, account, region;
    double probability{1.0};
    std::optional<std::int64_t> count;  // fires left; nullopt = unlimited
    std::int64_t skip{0};               // matches left to let pass
    std::optional<std::string> error;
    std::optional<unsigned> status;
    std::optional<std::string> message;
    boost::json::object members;
    std::int64_t latency_ms{0};
    Transport transport{Transport::None};
    std::int64_t fired{0};
};

// What a request is, for matching.
struct FaultFacts {
    std::string_view operation, session_id, workgroup, account, region;
};

// Parses one rule; on failure returns nullopt and sets `error` to "<path>: <reason>".
std::optional<FaultRule> parse_fault_rule(const boost::json::value& v, const std::string& path, std::string& error);
boost::json::object fault_rule_json(const FaultRule& r);
// The status an injected error gets when the rule names none.
unsigned default_fault_status(std::string_view code);

class FaultInjector {
public:
    FaultInjector(std::uint64_t seed, std::function<void(const std::string&)> persist);

    // Adds a rule (an id is assigned when it has none). Error text when the id is taken.
    std::optional<std::string> add(FaultRule& r);
    // The firing rule for a request, if any (a copy, with `fired` counted).
    std::optional<FaultRule> decide(const FaultFacts& facts);
    std::vector<FaultRule> list();
    bool remove(std::string_view id);
    void clear();
    // Replaces the rules with those of a serialised JSON array (what the persistence callback
    // got), for restarts.
    void load_json(std::string_view text);

private:
    void persist_locked();
    std::mutex mu_;
    std::vector<FaultRule> rules_;
    std::mt19937_64 rng_;
    std::uint64_t next_id_{1};
    std::function<void(const std::string&)> persist_;
};

}  // namespace athena
