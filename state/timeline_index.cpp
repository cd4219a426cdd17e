#include "state/timeline_index.hpp"

#include <algorithm>
#include <cstring>

namespace athena {
namespace {

constexpr std::size_t kStepFixedBytes = 10;  // instant, state, cause

void put_step(std::string& out, std::int64_t at_ms, std::uint8_t state, std::uint8_t cause, std::string_view reason) {
    auto u = static_cast<std::uint64_t>(at_ms);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
    out.push_back(static_cast<char>(state));
    out.push_back(static_cast<char>(cause));
    std::size_t n = reason.size();
    do {
        out.push_back(static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0)));
        n >>= 7;
    } while (n);
    out.append(reason);
}

// Reads one step at `pos`; false when the bytes end early or hold an unknown value.
bool get_step(std::string_view in, std::size_t& pos, std::int64_t& at_ms, std::uint8_t& state, std::uint8_t& cause,
              std::string_view& reason, std::uint8_t max_state, std::uint8_t max_cause) {
    if (in.size() - pos < kStepFixedBytes + 1) return false;
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
    at_ms = static_cast<std::int64_t>(u);
    state = static_cast<std::uint8_t>(in[pos + 8]);
    cause = static_cast<std::uint8_t>(in[pos + 9]);
    if (state > max_state || cause > max_cause) return false;
    pos += kStepFixedBytes;
    std::size_t n = 0;
    for (int shift = 0;; shift += 7) {
        if (pos >= in.size() || shift > 28) return false;
        const auto b = static_cast<unsigned char>(in[pos++]);
        n |= static_cast<std::size_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    if (in.size() - pos < n) return false;
    reason = in.substr(pos, n);
    pos += n;
    return true;
}

// What encode and decode need of each kind of step: its cause byte (0 for a calculation's),
// the largest valid values, and how decoded values fill a step.
struct SessionSteps {
    static constexpr auto kMaxState = static_cast<std::uint8_t>(SessionState::Failed);
    static constexpr auto kMaxCause = static_cast<std::uint8_t>(Cause::Admin);
    static std::uint8_t cause(const Step& s) { return static_cast<std::uint8_t>(s.cause); }
    static void assign(Step& s, std::int64_t at, std::uint8_t state, std::uint8_t cause, std::string_view reason) {
        s.at = from_epoch_ms(at);
        s.state = static_cast<SessionState>(state);
        s.cause = static_cast<Cause>(cause);
        s.reason.assign(reason);
    }
};

struct CalculationSteps {
    static constexpr auto kMaxState = static_cast<std::uint8_t>(CalculationState::Failed);
    static constexpr std::uint8_t kMaxCause = 0;
    static std::uint8_t cause(const CalculationStep&) { return 0; }
    static void assign(CalculationStep& s, std::int64_t at, std::uint8_t state, std::uint8_t, std::string_view reason) {
        s.at = from_epoch_ms(at);
        s.state = static_cast<CalculationState>(state);
        s.reason.assign(reason);
    }
};

template <class Kind, class S>
std::string encode(const std::vector<S>& steps) {
    std::string out;
    out.reserve(steps.size() * (kStepFixedBytes + 1));
    for (const auto& s : steps)
        put_step(out, to_epoch_ms(s.at), static_cast<std::uint8_t>(s.state), Kind::cause(s), s.reason);
    return out;
}

// Reuses `out`'s steps and their buffers: no allocation once a scratch record has held a few
// steps (TimelineIndex::load, on every GetSessionStatus).
template <class Kind, class S>
bool decode(std::string_view bytes, std::vector<S>& out) {
    std::size_t n = 0, pos = 0;
    while (pos < bytes.size()) {
        std::int64_t at;
        std::uint8_t state, cause;
        std::string_view reason;
        if (!get_step(bytes, pos, at, state, cause, reason, Kind::kMaxState, Kind::kMaxCause)) {
            out.clear();
            return false;
        }
        if (n == out.size()) out.emplace_back();
        Kind::assign(out[n++], at, state, cause, reason);
    }
    out.resize(n);
    return true;
}

}  // namespace

std::string encode_steps(const std::vector<Step>& steps) { return encode<SessionSteps>(steps); }
bool decode_steps(std::string_view bytes, std::vector<Step>& out) { return decode<SessionSteps>(bytes, out); }
std::string encode_steps(const std::vector<CalculationStep>& steps) { return encode<CalculationSteps>(steps); }
bool decode_steps(std::string_view bytes, std::vector<CalculationStep>& out) {
    return decode<CalculationSteps>(bytes, out);
}

std::uint32_t TimelineIndex::tenant_index(const Tenant& t) {
    if (auto i = find_tenant(t)) return *i;
    tenants_.push_back(t);
    return static_cast<std::uint32_t>(tenants_.size() - 1);
}

std::optional<std::uint32_t> TimelineIndex::find_tenant(const Tenant& t) const {
    for (std::size_t i = 0; i < tenants_.size(); ++i)
        if (tenants_[i] == t) return static_cast<std::uint32_t>(i);
    return std::nullopt;
}

const TimelineIndex::Entry* TimelineIndex::find(std::uint32_t tenant, std::string_view id) const {
    auto it = entries_.find(Key{tenant, id});
    return it == entries_.end() ? nullptr : &*it;
}

std::optional<TimelineIndex::Entry> TimelineIndex::put(Entry e) {
    auto it = entries_.find(Key{e.tenant, e.id});
    if (it == entries_.end()) {
        entries_.insert(std::move(e));
        return std::nullopt;
    }
    // Same key: swap the value in place through the node, no rehash.
    auto node = entries_.extract(it);
    std::optional<Entry> old = std::move(node.value());
    node.value() = std::move(e);
    entries_.insert(std::move(node));
    return old;
}

void TimelineIndex::erase(std::uint32_t tenant, std::string_view id) {
    if (auto it = entries_.find(Key{tenant, id}); it != entries_.end()) entries_.erase(it);
}

bool TimelineIndex::load(const Entry& e, SessionRecord& out) {
    out.id.assign(e.id);
    out.start = from_epoch_ms(e.start_ms);
    out.idle_timeout_minutes = e.idle_timeout_minutes;
    out.terminating_ms = Millis{e.terminating_ms};
    out.seq = e.sid;
    return decode<SessionSteps>(e.steps, out.steps);
}

}  // namespace athena
