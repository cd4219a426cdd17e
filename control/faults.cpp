#include "control/faults.hpp"

#include "server/json_reader.hpp"
#include "server/operations.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace athena {
namespace json = boost::json;

namespace {

const char* transport_name(Transport t) {
    switch (t) {
        case Transport::None: return "";
        case Transport::Reset: return "reset";
        case Transport::Close: return "close";
        case Transport::Empty: return "empty";
        case Transport::MalformedJson: return "malformed_json";
        case Transport::Stall: return "stall";
    }
    return "";
}

std::string str(const JsonReader& v) {
    if (!v.value().is_string() || v.value().get_string().empty()) v.fail("must be a non-empty string");
    return std::string(v.value().get_string());
}

std::int64_t nonneg(const JsonReader& v) {
    const json::value& x = v.value();
    if (x.is_int64() && x.get_int64() >= 0) return x.get_int64();
    if (x.is_uint64() && x.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(x.get_uint64());
    v.fail("must be a non-negative integer");
}

Transport transport_named(const JsonReader& v) {
    const std::string t = str(v);
    for (auto tr : {Transport::Reset, Transport::Close, Transport::Empty, Transport::MalformedJson, Transport::Stall})
        if (t == transport_name(tr)) return tr;
    v.fail("must be reset, close, empty, malformed_json or stall (got \"" + t + "\")");
}

}  // namespace

unsigned default_fault_status(std::string_view code) {
    if (code == "InternalServerException") return 500;
    if (code == "ServiceUnavailable" || code == "ServiceUnavailableException") return 503;
    return 400;
}

// A fault rule's "action" (error, status, message, members, latency_ms, transport); throws
// JsonPathError.
static void read_fault_action(const JsonReader& rule, FaultRule& r) {
    auto a = rule.need("action", "is required: an object with error, latency_ms and/or transport");
    if (!a.value().is_object()) a.fail("is required: an object with error, latency_ms and/or transport");
    a.only({"error", "status", "message", "members", "latency_ms", "transport"});
    if (auto x = a.find("error")) r.error = str(*x);
    if (auto x = a.find("status")) {
        const auto s = nonneg(*x);
        if (s < 100 || s > 599) x->fail("must be an HTTP status from 100 to 599");
        r.status = static_cast<unsigned>(s);
    }
    if (auto x = a.find("message")) r.message = str(*x);
    if (auto x = a.find("members")) r.members = x->object();
    if (auto x = a.find("latency_ms")) {
        r.latency_ms = nonneg(*x);
        if (r.latency_ms > 600000) x->fail("must be at most 600000 (10 minutes)");
    }
    if (auto x = a.find("transport")) r.transport = transport_named(*x);
    if (r.error && r.transport != Transport::None)
        a.fail("give an error or a transport fault, not both (latency_ms goes with either)");
    if (!r.error && r.transport == Transport::None && r.latency_ms == 0) a.fail("needs error, transport or latency_ms");
    if ((r.status || r.message || !r.members.empty()) && !r.error) a.fail("status, message and members go with error");
}

// The rule's "operation" and "match"; throws JsonPathError.
static void read_fault_target(const JsonReader& o, FaultRule& r) {
    const auto op = o.need("operation", "is required (an operation name such as GetSessionStatus, or \"*\")");
    r.operation = str(op);
    if (r.operation != "*" && !is_athena_operation(r.operation) && !is_s3_operation(r.operation))
        op.fail(
            "must be an Athena operation name such as GetSessionStatus, an S3 one such as "
            "s3:GetObject, or \"*\" (got \"" +
            r.operation + "\")");
    if (auto m = o.find("match")) {
        m->only({"session_id", "workgroup", "account", "region"});
        if (auto x = m->find("session_id")) r.session_id = str(*x);
        if (auto x = m->find("workgroup")) r.workgroup = str(*x);
        if (auto x = m->find("account")) r.account = str(*x);
        if (auto x = m->find("region")) r.region = str(*x);
    }
}

std::optional<FaultRule> parse_fault_rule(const json::value& v, const std::string& path, std::string& error) {
    try {
        const JsonReader o(v, path);
        o.only({"id", "operation", "match", "probability", "count", "skip", "action", "fired"});
        FaultRule r;
        if (auto x = o.find("id")) r.id = str(*x);
        read_fault_target(o, r);
        if (auto x = o.find("probability")) {
            r.probability = x->value().is_number() ? x->value().to_number<double>() : -1.0;
            if (!(r.probability >= 0.0 && r.probability <= 1.0)) x->fail("must be a number from 0 to 1");
        }
        if (auto x = o.find("count")) {
            r.count = nonneg(*x);
            if (*r.count == 0) x->fail("must be at least 1 (omit it for unlimited)");
        }
        if (auto x = o.find("skip")) r.skip = nonneg(*x);
        if (auto x = o.find("fired")) r.fired = nonneg(*x);
        read_fault_action(o, r);
        return r;
    } catch (const JsonPathError& e) {
        error = e.path + ": " + e.reason;
        return std::nullopt;
    }
}

json::object fault_rule_json(const FaultRule& r) {
    json::object o{{"id", r.id}, {"operation", r.operation}};
    json::object m;
    if (r.session_id) m["session_id"] = *r.session_id;
    if (r.workgroup) m["workgroup"] = *r.workgroup;
    if (r.account) m["account"] = *r.account;
    if (r.region) m["region"] = *r.region;
    if (!m.empty()) o["match"] = std::move(m);
    o["probability"] = r.probability;
    if (r.count) o["count"] = *r.count;
    o["skip"] = r.skip;
    json::object a;
    if (r.error) a["error"] = *r.error;
    if (r.status) a["status"] = *r.status;
    if (r.message) a["message"] = *r.message;
    if (!r.members.empty()) a["members"] = r.members;
    if (r.latency_ms) a["latency_ms"] = r.latency_ms;
    if (r.transport != Transport::None) a["transport"] = transport_name(r.transport);
    o["action"] = std::move(a);
    o["fired"] = r.fired;
    return o;
}

FaultInjector::FaultInjector(std::uint64_t seed, std::function<void(const std::string&)> persist)
    : rng_(seed), persist_(std::move(persist)) {}

std::optional<std::string> FaultInjector::add(FaultRule& r) {
    std::lock_guard lock(mu_);
    if (r.id.empty()) {
        do r.id = "fault-" + std::to_string(next_id_++);
        while (std::any_of(rules_.begin(), rules_.end(), [&](const FaultRule& x) { return x.id == r.id; }));
    } else if (std::any_of(rules_.begin(), rules_.end(), [&](const FaultRule& x) { return x.id == r.id; })) {
        return "a fault rule with id '" + r.id + "' exists; DELETE /_emulator/faults/" + r.id +
               " first or pick another id";
    }
    rules_.push_back(r);
    persist_locked();
    return std::nullopt;
}

std::optional<FaultRule> FaultInjector::decide(const FaultFacts& f) {
    std::lock_guard lock(mu_);
    if (rules_.empty()) return std::nullopt;
    bool changed = false;
    std::optional<FaultRule> out;
    for (auto it = rules_.begin(); it != rules_.end(); ++it) {
        FaultRule& r = *it;
        if (r.operation != "*" && r.operation != f.operation) continue;
        if ((r.session_id && *r.session_id != f.session_id) || (r.workgroup && *r.workgroup != f.workgroup) ||
            (r.account && *r.account != f.account) || (r.region && *r.region != f.region))
            continue;
        if (r.skip > 0) {
            --r.skip;
            changed = true;
            continue;
        }
        if (r.probability < 1.0) {
            const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
            if (draw >= r.probability) continue;
        }
        ++r.fired;
        changed = true;
        out = r;
        if (r.count && --*r.count == 0) rules_.erase(it);  // retired
        break;
    }
    if (changed) persist_locked();
    return out;
}

std::vector<FaultRule> FaultInjector::list() {
    std::lock_guard lock(mu_);
    return rules_;
}

bool FaultInjector::remove(std::string_view id) {
    std::lock_guard lock(mu_);
    const auto before = rules_.size();
    std::erase_if(rules_, [&](const FaultRule& r) { return r.id == id; });
    if (rules_.size() == before) return false;
    persist_locked();
    return true;
}

void FaultInjector::clear() {
    std::lock_guard lock(mu_);
    rules_.clear();
    persist_locked();
}

void FaultInjector::load_json(std::string_view text) {
    std::lock_guard lock(mu_);
    rules_.clear();
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_array()) return;
    for (const auto& item : v.get_array()) {
        std::string err;
        if (auto r = parse_fault_rule(item, "faults", err)) rules_.push_back(std::move(*r));
    }
}

void FaultInjector::persist_locked() {
    if (!persist_) return;
    json::array a;
    for (const auto& r : rules_) a.push_back(fault_rule_json(r));
    persist_(json::serialize(a));
}

}  // namespace athena
