#include "control/faults.hpp"

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

struct Bad {
    std::string path, reason;
};

std::string str(const json::value& v, const std::string& path) {
    if (!v.is_string() || v.get_string().empty()) throw Bad{path, "must be a non-empty string"};
    return std::string(v.get_string());
}

std::int64_t nonneg(const json::value& v, const std::string& path) {
    if (v.is_int64() && v.get_int64() >= 0) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v.get_uint64());
    throw Bad{path, "must be a non-negative integer"};
}

void only(const json::object& o, const std::string& path, std::initializer_list<std::string_view> allowed) {
    for (const auto& kv : o)
        if (std::find(allowed.begin(), allowed.end(), std::string_view(kv.key())) == allowed.end()) {
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            throw Bad{path + "." + std::string(kv.key()), "unknown field (allowed here: " + list + ")"};
        }
}

}  // namespace

unsigned default_fault_status(std::string_view code) {
    if (code == "InternalServerException") return 500;
    if (code == "ServiceUnavailable" || code == "ServiceUnavailableException") return 503;
    return 400;
}

// A fault rule's "action" (error, status, message, members, latency_ms, transport); throws Bad.
static void read_fault_action(const json::value* a, const std::string& apath, FaultRule& r) {
    if (!a || !a->is_object()) throw Bad{apath, "is required: an object with error, latency_ms and/or transport"};
    const auto& ao = a->get_object();
    only(ao, apath, {"error", "status", "message", "members", "latency_ms", "transport"});
    if (auto* x = ao.if_contains("error")) r.error = str(*x, apath + ".error");
    if (auto* x = ao.if_contains("status")) {
        const auto s = nonneg(*x, apath + ".status");
        if (s < 100 || s > 599) throw Bad{apath + ".status", "must be an HTTP status from 100 to 599"};
        r.status = static_cast<unsigned>(s);
    }
    if (auto* x = ao.if_contains("message")) r.message = str(*x, apath + ".message");
    if (auto* x = ao.if_contains("members")) {
        if (!x->is_object()) throw Bad{apath + ".members", "must be an object"};
        r.members = x->get_object();
    }
    if (auto* x = ao.if_contains("latency_ms")) {
        r.latency_ms = nonneg(*x, apath + ".latency_ms");
        if (r.latency_ms > 600000) throw Bad{apath + ".latency_ms", "must be at most 600000 (10 minutes)"};
    }
    if (auto* x = ao.if_contains("transport")) {
        const std::string t = str(*x, apath + ".transport");
        if (t == "reset")
            r.transport = Transport::Reset;
        else if (t == "close")
            r.transport = Transport::Close;
        else if (t == "empty")
            r.transport = Transport::Empty;
        else if (t == "malformed_json")
            r.transport = Transport::MalformedJson;
        else if (t == "stall")
            r.transport = Transport::Stall;
        else
            throw Bad{apath + ".transport", "must be reset, close, empty, malformed_json or stall (got \"" + t + "\")"};
    }
    if (r.error && r.transport != Transport::None)
        throw Bad{apath, "give an error or a transport fault, not both (latency_ms goes with either)"};
    if (!r.error && r.transport == Transport::None && r.latency_ms == 0)
        throw Bad{apath, "needs error, transport or latency_ms"};
    if ((r.status || r.message || !r.members.empty()) && !r.error)
        throw Bad{apath, "status, message and members go with error"};
}

std::optional<FaultRule> parse_fault_rule(const json::value& v, const std::string& path, std::string& error) {
    try {
        if (!v.is_object()) throw Bad{path, "must be an object"};
        const auto& o = v.get_object();
        only(o, path, {"id", "operation", "match", "probability", "count", "skip", "action", "fired"});
        FaultRule r;
        if (auto* x = o.if_contains("id")) r.id = str(*x, path + ".id");
        auto* op = o.if_contains("operation");
        if (!op) throw Bad{path + ".operation", "is required (an operation name such as GetSessionStatus, or \"*\")"};
        r.operation = str(*op, path + ".operation");
        if (r.operation != "*" && !is_athena_operation(r.operation) && !is_s3_operation(r.operation))
            throw Bad{path + ".operation",
                      "must be an Athena operation name such as GetSessionStatus, an S3 one such as "
                      "s3:GetObject, or \"*\" (got \"" +
                          r.operation + "\")"};
        if (auto* m = o.if_contains("match")) {
            if (!m->is_object()) throw Bad{path + ".match", "must be an object"};
            const auto& mo = m->get_object();
            only(mo, path + ".match", {"session_id", "workgroup", "account", "region"});
            if (auto* x = mo.if_contains("session_id")) r.session_id = str(*x, path + ".match.session_id");
            if (auto* x = mo.if_contains("workgroup")) r.workgroup = str(*x, path + ".match.workgroup");
            if (auto* x = mo.if_contains("account")) r.account = str(*x, path + ".match.account");
            if (auto* x = mo.if_contains("region")) r.region = str(*x, path + ".match.region");
        }
        if (auto* x = o.if_contains("probability")) {
            if (!x->is_number()) throw Bad{path + ".probability", "must be a number from 0 to 1"};
            r.probability = x->to_number<double>();
            if (!(r.probability >= 0.0 && r.probability <= 1.0))
                throw Bad{path + ".probability", "must be a number from 0 to 1"};
        }
        if (auto* x = o.if_contains("count")) {
            r.count = nonneg(*x, path + ".count");
            if (*r.count == 0) throw Bad{path + ".count", "must be at least 1 (omit it for unlimited)"};
        }
        if (auto* x = o.if_contains("skip")) r.skip = nonneg(*x, path + ".skip");
        if (auto* x = o.if_contains("fired")) r.fired = nonneg(*x, path + ".fired");
        read_fault_action(o.if_contains("action"), path + ".action", r);
        return r;
    } catch (const Bad& b) {
        error = b.path + ": " + b.reason;
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
