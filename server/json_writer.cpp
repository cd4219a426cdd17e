#include "server/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include "server/time_format.hpp"

namespace athena {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates) that
// starts at s[i], a byte >= 0x80; 0 when there is none.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = at(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c == 0xE0)
        n = 3, lo = 0xA0;
    else if (c == 0xED)
        n = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF)
        n = 3;
    else if (c == 0xF0)
        n = 4, lo = 0x90;
    else if (c == 0xF4)
        n = 4, hi = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3)
        n = 4;
    else
        return 0;
    if (s.size() - i < n || at(i + 1) < lo || at(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
    return n;
}

// The bytes a JSON string holds as they are: printable ASCII but '"' and '\\'.
constexpr std::array<bool, 256> kPlainJsonByte = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
}();

}  // namespace

void repair_utf8(std::string& s) {
    std::size_t i = 0;
    while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
    if (i == s.size()) return;
    std::string out(s, 0, i);
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            out.push_back(s[i++]);
        } else if (const std::size_t n = utf8_sequence(s, i)) {
            out.append(s, i, n);
            i += n;
        } else {
            out += kReplacement;
            ++i;
        }
    }
    s = std::move(out);
}

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (kPlainJsonByte[c]) continue;  // the common case: one table load per byte
        if (c >= 0x80) {
            // Bytes that are not UTF-8 (echoed from a header or a path) become U+FFFD: the
            // answer stays valid JSON.
            if (const auto n = utf8_sequence(s, i)) {
                i += n - 1;
                continue;
            }
            out.append(s.data() + run, i - run);
            run = i + 1;
            out += "\\ufffd";
            continue;
        }
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                out += "\\u00";
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 0xf]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

void JsonWriter::comma() {
    if (need_comma_) out_.push_back(',');
}

JsonWriter& JsonWriter::open(char bracket) {
    comma();
    out_.push_back(bracket);
    need_comma_ = false;
    return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
    out_.push_back(bracket);
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::begin_object() { return open('{'); }
JsonWriter& JsonWriter::end_object() { return close('}'); }
JsonWriter& JsonWriter::begin_array() { return open('['); }
JsonWriter& JsonWriter::end_array() { return close(']'); }

JsonWriter& JsonWriter::key(std::string_view k) {
    comma();
    append_json_string(out_, k);
    out_.push_back(':');
    need_comma_ = false;
    return *this;
}

template <class Append>
JsonWriter& JsonWriter::value(Append append) {
    comma();
    append(out_);
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::string(std::string_view v) {
    return value([&](std::string& out) { append_json_string(out, v); });
}

JsonWriter& JsonWriter::integer(std::int64_t v) {
    return value([&](std::string& out) {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, r.ptr);
    });
}

JsonWriter& JsonWriter::boolean(bool v) {
    return value([&](std::string& out) { out += v ? "true" : "false"; });
}

JsonWriter& JsonWriter::decimal(double v) {
    return value([&](std::string& out) {
        const double d = std::isfinite(v) ? v : 0;  // JSON has no NaN or infinity
        char buf[400];                              // DBL_MAX written out in full fits
        auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
        out.append(buf, r.ptr);
    });
}

JsonWriter& JsonWriter::epoch_seconds(Instant t) {
    return value([&](std::string& out) { append_epoch_seconds(out, t); });
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    return value([&](std::string& out) { out.append(json); });
}

namespace {
void write_plain(JsonWriter& w, const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::null: w.raw("null"); return;
        case boost::json::kind::bool_: w.boolean(v.get_bool()); return;
        case boost::json::kind::int64: w.integer(v.get_int64()); return;
        case boost::json::kind::uint64: w.raw(std::to_string(v.get_uint64())); return;
        case boost::json::kind::double_: w.decimal(v.get_double()); return;
        case boost::json::kind::string: w.string(v.get_string()); return;
        case boost::json::kind::array:
            w.begin_array();
            for (const auto& e : v.get_array()) write_plain(w, e);
            w.end_array();
            return;
        case boost::json::kind::object:
            w.begin_object();
            for (const auto& kv : v.get_object()) {
                w.key(kv.key());
                write_plain(w, kv.value());
            }
            w.end_object();
            return;
    }
}
}  // namespace

std::string serialize_plain(const boost::json::value& v) {
    std::string out;
    JsonWriter w(out);
    write_plain(w, v);
    return out;
}

}  // namespace athena
