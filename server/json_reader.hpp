#pragma once
// A JSON value read together with the path it was found at, e.g. `sessions[2].script[0].after_ms`,
// for the documents a person writes: fixtures, fault rules, credentials. Every check that fails
// throws JsonPathError{path, reason}; the caller catches it once and makes its error text
// ("<source>: <path>: <reason>"). The root's path is empty and is shown as "$".
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace athena {

struct JsonPathError {
    std::string path;  // "$" for the root
    std::string reason;
};

class JsonReader {
public:
    JsonReader(const boost::json::value& v, std::string path) : v_(&v), path_(std::move(path)) {}

    const boost::json::value& value() const { return *v_; }
    // The path as errors show it ("$" for the root).
    std::string path() const { return path_.empty() ? "$" : path_; }
    // The path of member `key` below this value ("key" at the root, "a.b.key" below).
    std::string member_path(std::string_view key) const;

    [[noreturn]] void fail(std::string reason) const;

    // This value as a type, or "must be an object" / "must be an array" / "must be a string".
    const boost::json::object& object() const;
    const boost::json::array& array() const;
    std::string string() const;
    // A whole number an int64 holds (an integer, or a double with no fraction), or nullopt.
    std::optional<std::int64_t> whole_number() const;

    // Member `key` of this object (which must be one), or nullopt when absent.
    std::optional<JsonReader> find(std::string_view key) const;
    // Member `key`, or fail at its path with `reason`.
    JsonReader need(std::string_view key, std::string_view reason = "is required") const;
    // Element `i` of this array (which must be one; i < size).
    JsonReader element(std::size_t i) const;
    // Fails at the first member not in `allowed`: "unknown field (allowed here: a, b, c)".
    void only(std::initializer_list<std::string_view> allowed) const;

private:
    const boost::json::value* v_;
    std::string path_;
};

}  // namespace athena
