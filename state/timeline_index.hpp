#pragma once
// Every session's timeline in memory, keyed by tenant and id: what status_at() needs, so that
// GetSessionStatus, the metrics and the admin lookups by id never reach SQLite. The Store
// loads it when it opens and writes it through on every session write; SQLite is the copy
// that survives a restart.
//
// Steps are kept (and stored in SQLite) encoded: per step the instant (8 bytes, little
// endian), the state and the cause (1 byte each: their enum value; see the enums' comments),
// the reason's length (varint) and its bytes. A session with one step and no reason costs
// 11 bytes, inside std::string's small buffer.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "state/calculation.hpp"
#include "state/session.hpp"

namespace athena {

std::string encode_steps(const std::vector<Step>& steps);
// False when `bytes` is not an encoding of steps (a damaged database).
bool decode_steps(std::string_view bytes, std::vector<Step>& out);
// Calculation steps: the same layout with cause 0.
std::string encode_steps(const std::vector<CalculationStep>& steps);
bool decode_steps(std::string_view bytes, std::vector<CalculationStep>& out);

class TimelineIndex {
public:
    struct Entry {
        std::int64_t sid{0};  // the store's row id: insertion order
        std::int64_t start_ms{0};
        std::int64_t terminating_ms{0};
        std::int32_t idle_timeout_minutes{0};
        std::uint32_t tenant{0};  // tenant_index()
        std::string id;
        std::string steps;  // encoded
    };

    // The number of a tenant (interned on first use; tenants are few).
    std::uint32_t tenant_index(const Tenant& t);
    std::optional<std::uint32_t> find_tenant(const Tenant& t) const;
    const Tenant& tenant(std::uint32_t i) const { return tenants_[i]; }
    std::size_t tenant_count() const { return tenants_.size(); }

    const Entry* find(std::uint32_t tenant, std::string_view id) const;
    // Inserts or replaces; returns the entry it replaced.
    std::optional<Entry> put(Entry e);
    void erase(std::uint32_t tenant, std::string_view id);
    void clear() { entries_.clear(); }
    std::size_t size() const { return entries_.size(); }
    void reserve(std::size_t n) { entries_.reserve(n); }
    void for_each(const std::function<void(const Entry&)>& f) const {
        for (const auto& e : entries_) f(e);
    }

    // Fills `out` (id, start, idle timeout, terminating time, steps: what status_at() reads)
    // from an entry, reusing its buffers. False when the steps do not decode.
    static bool load(const Entry& e, SessionRecord& out);

private:
    struct Key {
        std::uint32_t tenant;
        std::string_view id;
    };
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(const Key& k) const noexcept {
            return std::hash<std::string_view>{}(k.id) ^ (static_cast<std::size_t>(k.tenant) * 0x9e3779b97f4a7c15ull);
        }
        std::size_t operator()(const Entry& e) const noexcept { return (*this)(Key{e.tenant, e.id}); }
    };
    struct Eq {
        using is_transparent = void;
        static Key key(const Entry& e) { return Key{e.tenant, e.id}; }
        static Key key(const Key& k) { return k; }
        template <class A, class B>
        bool operator()(const A& a, const B& b) const noexcept {
            const Key x = key(a), y = key(b);
            return x.tenant == y.tenant && x.id == y.id;
        }
    };

    std::vector<Tenant> tenants_;
    std::unordered_set<Entry, Hash, Eq> entries_;
};

}  // namespace athena
