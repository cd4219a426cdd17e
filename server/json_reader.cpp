#include "server/json_reader.hpp"

#include <algorithm>
#include <cmath>

namespace athena {

namespace json = boost::json;

std::string JsonReader::member_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonReader::fail(std::string reason) const { throw JsonPathError{path(), std::move(reason)}; }

const json::object& JsonReader::object() const {
    if (!v_->is_object()) fail("must be an object");
    return v_->get_object();
}

const json::array& JsonReader::array() const {
    if (!v_->is_array()) fail("must be an array");
    return v_->get_array();
}

std::string JsonReader::string() const {
    if (!v_->is_string()) fail("must be a string");
    return std::string(v_->get_string());
}

std::optional<std::int64_t> JsonReader::whole_number() const {
    if (v_->is_int64()) return v_->get_int64();
    if (v_->is_uint64() && v_->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v_->get_uint64());
    // Checked before the cast: converting a double outside the range is undefined (found by
    // fuzz_fixture with "after_ms": 6e55).
    if (v_->is_double()) {
        const double d = v_->get_double();
        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::trunc(d))
            return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

std::optional<JsonReader> JsonReader::find(std::string_view key) const {
    const auto& o = object();
    auto it = o.find(key);
    if (it == o.end()) return std::nullopt;
    return JsonReader(it->value(), member_path(key));
}

JsonReader JsonReader::need(std::string_view key, std::string_view reason) const {
    auto m = find(key);
    if (!m) throw JsonPathError{member_path(key), std::string(reason)};
    return *m;
}

JsonReader JsonReader::element(std::size_t i) const {
    return JsonReader(array().at(i), path_ + "[" + std::to_string(i) + "]");
}

void JsonReader::only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& kv : object()) {
        const std::string_view k(kv.key().data(), kv.key().size());
        if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        throw JsonPathError{member_path(k), "unknown field (allowed here: " + list + ")"};
    }
}

}  // namespace athena
