#pragma once
// Appends JSON to a string without building a document. Hand-written on purpose: the AWS wire
// needs exact control of timestamp numbers (epoch seconds with milliseconds, never an exponent)
// and the GetSessionStatus hot path should not allocate a DOM. Parsing uses Boost.JSON.
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "state/time.hpp"

namespace athena {

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& string(std::string_view v);
    JsonWriter& integer(std::int64_t v);
    JsonWriter& boolean(bool v);
    // A plain decimal, never an exponent: 1.885588, 0.00002, 12.
    JsonWriter& decimal(double v);
    JsonWriter& epoch_seconds(Instant t);
    // Already-serialised JSON, inserted verbatim.
    JsonWriter& raw(std::string_view json);

    template <class V>
    JsonWriter& member(std::string_view k, const V& v) {
        key(k);
        if constexpr (std::is_same_v<V, Instant>)
            return epoch_seconds(v);
        else if constexpr (std::is_same_v<V, bool>)
            return boolean(v);
        else if constexpr (std::is_integral_v<V>)
            return integer(v);
        else
            return string(v);
    }

private:
    void comma();
    JsonWriter& open(char bracket);   // `{` or `[`, after a comma when one is due
    JsonWriter& close(char bracket);  // `}` or `]`
    template <class Append>
    JsonWriter& value(Append append);  // a scalar: `append` writes it, after a comma when one is due
    std::string& out_;
    bool need_comma_{false};
};

// Appends `s` as a JSON string literal (quotes included), escaping per RFC 8259. A byte that
// is not part of valid UTF-8 (raw request bytes echoed in a message) becomes U+FFFD, so the
// output is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

// `v` as JSON text like boost::json::serialize, but numbers with a fraction are written as plain
// decimals (`1.885588`, not Boost's `1.885588E0`), for people and jq alike.
std::string serialize_plain(const boost::json::value& v);

// Replaces every byte of `s` that is not part of valid UTF-8 with U+FFFD (for JSON text that
// another serialiser wrote from strings that may hold raw request bytes).
void repair_utf8(std::string& s);

}  // namespace athena
