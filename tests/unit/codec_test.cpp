// Wire codecs with golden bodies: JSON writer, timestamps, validation messages.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "server/json_writer.hpp"
#include "server/operations.hpp"
#include "server/time_format.hpp"
#include "server/wire_model.hpp"

using namespace athena;

TEST_CASE("timestamps are epoch seconds with millisecond precision, never an exponent") {
    CHECK(format_epoch_seconds(from_epoch_ms(1767225600000)) == "1767225600");
    CHECK(format_epoch_seconds(from_epoch_ms(1767225600500)) == "1767225600.5");
    CHECK(format_epoch_seconds(from_epoch_ms(1767225600123)) == "1767225600.123");
    CHECK(format_epoch_seconds(from_epoch_ms(1767225600010)) == "1767225600.01");
    CHECK(format_epoch_seconds(from_epoch_ms(-1500)) == "-2.5");
    CHECK(boost::json::parse("1767225600.123").as_double() == doctest::Approx(1767225600.123));
}

TEST_CASE("RFC 3339 parsing: offsets, fractions, and rejection of near misses") {
    CHECK(parse_rfc3339("2026-01-01T00:00:00Z") == from_epoch_ms(1767225600000));
    CHECK(parse_rfc3339("2026-01-01T00:00:00.5Z") == from_epoch_ms(1767225600500));
    CHECK(parse_rfc3339("2026-01-01T00:00:00.123456Z") == from_epoch_ms(1767225600123));
    CHECK(parse_rfc3339("2026-01-01T02:00:00+02:00") == from_epoch_ms(1767225600000));
    CHECK(parse_rfc3339("2025-12-31T19:00:00-05:00") == from_epoch_ms(1767225600000));
    CHECK_FALSE(parse_rfc3339("2026-01-01"));
    CHECK_FALSE(parse_rfc3339("2026-02-30T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2026-01-01T00:00:00"));
    CHECK_FALSE(parse_rfc3339("2026-01-01T00:00:00Zjunk"));
    CHECK(parse_time_text("1767225600.25") == from_epoch_ms(1767225600250));
    CHECK_FALSE(parse_time_text("yesterday"));
    CHECK(format_rfc3339_ms(from_epoch_ms(1767225600250)) == "2026-01-01T00:00:00.250Z");
}

TEST_CASE("JSON strings are escaped so that Boost.JSON reads back the same bytes") {
    const std::string nasty = std::string("quote\" backslash\\ newline\n tab\t nul") + '\0' + " \x1f end ✓";
    std::string out;
    append_json_string(out, nasty);
    CHECK(boost::json::parse(out).as_string() == nasty);
}

TEST_CASE("JSON strings: bytes that are not UTF-8 become U+FFFD, valid UTF-8 passes unchanged") {
    std::string out;
    append_json_string(out, "op \xff\xfe end");  // e.g. an X-Amz-Target echoed in a message
    CHECK(out == R"("op \ufffd\ufffd end")");
    CHECK(boost::json::parse(out).as_string() == "op \xEF\xBF\xBD\xEF\xBF\xBD end");
    for (const char* bad : {"\xc0\xaf", "\xe2\x98", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"}) {
        out.clear();
        append_json_string(out, bad);
        CHECK_MESSAGE(out.find("\\ufffd") != std::string::npos, bad);
        CHECK_NOTHROW(boost::json::parse(out));
    }
    out.clear();
    append_json_string(out, "é ☃ 𝄞");
    CHECK(out == "\"é ☃ 𝄞\"");
}

TEST_CASE("repair_utf8: bytes that are not UTF-8 in serialised JSON become U+FFFD") {
    const std::string fffd = "\xEF\xBF\xBD";
    std::string text = "{\"error\":\"no session \xFF\xC3\xA9\"}";
    repair_utf8(text);
    CHECK(text == "{\"error\":\"no session " + fffd + "\xC3\xA9\"}");
    CHECK(boost::json::parse(text).is_object());
}

TEST_CASE("GetSessionStatus status: members in model order, absent ones omitted") {
    SessionStatus st{SessionState::Idle, from_epoch_ms(1767225600000), from_epoch_ms(1767225606000),
                     std::nullopt, from_epoch_ms(1767225606000), std::nullopt};
    std::string out;
    append_session_status(out, st);
    CHECK(out == R"({"StartDateTime":1767225600,"LastModifiedDateTime":1767225606,"IdleSinceDateTime":1767225606,"State":"IDLE"})");

    SessionStatus failed{SessionState::Failed, from_epoch_ms(1767225600000), from_epoch_ms(1767225600001),
                         from_epoch_ms(1767225600001), std::nullopt, std::string("no \"capacity\"")};
    out.clear();
    append_session_status(out, failed);
    CHECK(out == R"({"StartDateTime":1767225600,"LastModifiedDateTime":1767225600.001,"EndDateTime":1767225600.001,"State":"FAILED","StateChangeReason":"no \"capacity\""})");
}

TEST_CASE("validation: required, length, wrong JSON type") {
    auto v = validate(shapes::kGetSessionStatusInput, boost::json::object{});
    REQUIRE(v.violations.size() == 1);
    CHECK(v.message() == "1 validation error detected: Value null at 'sessionId' failed to satisfy constraint: Member must not be null");

    v = validate(shapes::kGetSessionStatusInput, boost::json::parse(R"({"SessionId":""})").as_object());
    CHECK(v.message() == "1 validation error detected: Value '' at 'sessionId' failed to satisfy constraint: Member must have length greater than or equal to 1");

    const std::string long_id(257, 'a');
    v = validate(shapes::kGetSessionStatusInput, boost::json::object{{"SessionId", long_id}});
    REQUIRE(v.violations.size() == 1);
    CHECK(v.violations[0] == "Value '" + long_id.substr(0, 256) + "...(257 bytes)' at 'sessionId' failed to satisfy constraint: Member must have length less than or equal to 256");

    // 256 characters of multi-byte UTF-8 are still 256 characters.
    std::string wide;
    for (int i = 0; i < 256; ++i) wide += "é";
    CHECK(validate(shapes::kGetSessionStatusInput, boost::json::object{{"SessionId", wide}}).ok());

    v = validate(shapes::kGetSessionStatusInput, boost::json::parse(R"({"SessionId":42})").as_object());
    REQUIRE(v.serialization_error);
    CHECK(*v.serialization_error == "Member 'SessionId' must be a string, not number.");

    // Members outside the model are ignored, as AWS does.
    CHECK(validate(shapes::kGetSessionStatusInput, boost::json::parse(R"({"SessionId":"x","Extra":1})").as_object()).ok());
}

TEST_CASE("validation: a shown value is cut between characters; the list of violations is capped") {
    std::string snowmen;
    for (int i = 0; i < 300; ++i) snowmen += "☃";  // 3 bytes each: byte 256 is inside one
    auto v = validate(shapes::kGetSessionStatusInput, boost::json::object{{"SessionId", snowmen}});
    REQUIRE(v.violations.size() == 1);
    CHECK(v.violations[0].rfind("Value '" + snowmen.substr(0, 255) + "...(900 bytes)'", 0) == 0);

    boost::json::array keys(kMaxViolationsListed + 50, boost::json::string());
    v = validate(shapes::kUntagResourceInput, boost::json::object{{"ResourceARN", "x"}, {"TagKeys", keys}});
    CHECK(v.violations.size() == kMaxViolationsListed);
    CHECK(v.unlisted == 50);
    const std::string m = v.message();
    CHECK(m.rfind("150 validation errors detected: Value '' at 'tagKeys.1.member'", 0) == 0);
    CHECK(m.size() - m.rfind("; (50 more not listed)") == std::string("; (50 more not listed)").size());
}

TEST_CASE("validation: enums, ranges, patterns and nested members") {
    static const Shape state{ShapeType::String, {}, {}, nullptr, {"IDLE", "BUSY"}};
    static const Shape max_results{ShapeType::Integer, 1, 100};
    static const Shape name{ShapeType::String, 1, 128, "[a-zA-Z0-9._-]{1,128}"};
    static const Shape inner{ShapeType::Structure, {}, {}, nullptr, {}, {{"Name", &name, true}}};
    static const Shape input{ShapeType::Structure, {}, {}, nullptr, {},
                             {{"State", &state}, {"MaxResults", &max_results}, {"Inner", &inner}}};
    auto v = validate(input, boost::json::parse(R"({"State":"GONE","MaxResults":101,"Inner":{"Name":"bad name"}})").as_object());
    REQUIRE(v.violations.size() == 3);
    CHECK(v.message().rfind("3 validation errors detected: ", 0) == 0);
    CHECK(v.violations[0] == "Value 'GONE' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [IDLE, BUSY]");
    CHECK(v.violations[1] == "Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100");
    CHECK(v.violations[2] == "Value 'bad name' at 'inner.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9._-]{1,128}");

    v = validate(input, boost::json::parse(R"({"MaxResults":1.5})").as_object());
    REQUIRE(v.serialization_error);
    v = validate(input, boost::json::parse(R"({"MaxResults":99999999999})").as_object());
    REQUIRE(v.serialization_error);

    // Boost.Regex on a long value: no recursion, no crash.
    const std::string huge(200000, 'a');
    v = validate(input, boost::json::object{{"Inner", boost::json::object{{"Name", huge}}}});
    CHECK(v.violations.size() == 2);  // too long, and does not match the pattern
}
