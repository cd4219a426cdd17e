// Wire codecs with golden bodies: JSON writer, timestamps, validation messages.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "server/json_writer.hpp"
#include "server/operations.hpp"
#include "server/page_token.hpp"
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

TEST_CASE("JSON strings: every ASCII byte reads back, and only '\"', '\\\\' and controls are escaped") {
    for (int c = 0; c < 0x80; ++c) {
        const std::string one(1, static_cast<char>(c));
        std::string out;
        append_json_string(out, "a" + one + "b");
        CHECK_MESSAGE(boost::json::parse(out).as_string() == "a" + one + "b", c);
        const bool plain = c >= 0x20 && c != '"' && c != '\\';
        CHECK_MESSAGE((out == "\"a" + one + "b\"") == plain, c);
    }
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
                     std::nullopt,       from_epoch_ms(1767225606000), std::nullopt};
    std::string out;
    append_session_status(out, st);
    CHECK(
        out ==
        R"({"StartDateTime":1767225600,"LastModifiedDateTime":1767225606,"IdleSinceDateTime":1767225606,"State":"IDLE"})");

    SessionStatus failed{
        SessionState::Failed, from_epoch_ms(1767225600000),  from_epoch_ms(1767225600001), from_epoch_ms(1767225600001),
        std::nullopt,         std::string("no \"capacity\"")};
    out.clear();
    append_session_status(out, failed);
    CHECK(
        out ==
        R"({"StartDateTime":1767225600,"LastModifiedDateTime":1767225600.001,"EndDateTime":1767225600.001,"State":"FAILED","StateChangeReason":"no \"capacity\""})");
}

TEST_CASE("validation: required, length; the value is never echoed (measured on real Athena)") {
    auto v = validate(shapes::kGetSessionStatusInput, boost::json::object{});
    REQUIRE(v.violations.size() == 1);
    CHECK(
        v.message() ==
        "1 validation error detected: Value null at 'sessionId' failed to satisfy constraint: Member must not be null");
    // An explicit null is a missing member.
    v = validate(shapes::kGetSessionStatusInput, boost::json::parse(R"({"SessionId":null})").as_object());
    CHECK(
        v.message() ==
        "1 validation error detected: Value null at 'sessionId' failed to satisfy constraint: Member must not be null");

    v = validate(shapes::kGetSessionStatusInput, boost::json::parse(R"({"SessionId":""})").as_object());
    CHECK(v.message() ==
          "1 validation error detected: Value at 'sessionId' failed to satisfy constraint: Member must have length "
          "greater than or equal to 1");

    const std::string long_id(257, 'a');
    v = validate(shapes::kGetSessionStatusInput, boost::json::object{{"SessionId", long_id}});
    REQUIRE(v.violations.size() == 1);
    CHECK(v.violations[0] ==
          "Value at 'sessionId' failed to satisfy constraint: Member must have length less than or equal to 256");

    // 256 characters of multi-byte UTF-8 are still 256 characters.
    std::string wide;
    for (int i = 0; i < 256; ++i) wide += "é";
    CHECK(validate(shapes::kGetSessionStatusInput, boost::json::object{{"SessionId", wide}}).ok());

    // Members outside the model are ignored, as AWS does.
    CHECK(validate(shapes::kGetSessionStatusInput, boost::json::parse(R"({"SessionId":"x","Extra":1})").as_object())
              .ok());
}

TEST_CASE("validation: a member of the wrong JSON type gets Jackson's text") {
    struct Case {
        const Shape* shape;
        const char* body;
        const char* text;
    };
    const Case cases[] = {
        {&shapes::kGetSessionStatusInput, R"({"SessionId":42})", "NUMBER_VALUE can not be converted to a String"},
        {&shapes::kGetSessionStatusInput, R"({"SessionId":true})", "TRUE_VALUE can not be converted to a String"},
        {&shapes::kGetSessionStatusInput, R"({"SessionId":false})", "FALSE_VALUE can not be converted to a String"},
        {&shapes::kGetSessionStatusInput, R"({"SessionId":[]})", "Start of list found where not expected"},
        {&shapes::kGetSessionStatusInput, R"({"SessionId":{}})", "Start of structure or map found where not expected."},
        {&shapes::kListWorkGroupsInput, R"({"MaxResults":"5"})", "STRING_VALUE can not be converted to an Integer"},
        {&shapes::kListWorkGroupsInput, R"({"MaxResults":true})", "TRUE_VALUE can not be converted to an Integer"},
        {&shapes::kListWorkGroupsInput, R"({"MaxResults":false})", "FALSE_VALUE can not be converted to an Integer"},
        {&shapes::kDeleteWorkGroupInput, R"({"WorkGroup":"w","RecursiveDeleteOption":"yes"})",
         "STRING_VALUE can not be converted to a Boolean"},
        {&shapes::kCreateWorkGroupInput, R"({"Name":"w","Configuration":{"BytesScannedCutoffPerQuery":"1"}})",
         "STRING_VALUE can not be converted to a Long"},
        {&shapes::kCreateWorkGroupInput, R"({"Name":"w","Configuration":[]})",
         "Start of list found where not expected"},
        {&shapes::kCreateWorkGroupInput, R"({"Name":"w","Configuration":"x"})", "Expected null"},
        {&shapes::kCreateWorkGroupInput, R"({"Name":"w","Tags":"x"})", "Expected list or null"},
        {&shapes::kCreateWorkGroupInput, R"({"Name":"w","Tags":{}})", "Expected list or null"},
        {&shapes::kUntagResourceInput, R"({"ResourceARN":"a","TagKeys":[1]})",
         "NUMBER_VALUE can not be converted to a String"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.body);
        auto v = validate(*c.shape, boost::json::parse(c.body).as_object());
        REQUIRE(v.serialization_error);
        CHECK(*v.serialization_error == c.text);
    }
}

TEST_CASE("validation: the list of violations is capped") {
    boost::json::array tags;
    for (std::size_t i = 0; i < kMaxViolationsListed + 50; ++i) tags.push_back(boost::json::object{{"Key", ""}});
    auto v = validate(shapes::kTagResourceInput, boost::json::object{{"ResourceARN", "x"}, {"Tags", tags}});
    CHECK(v.violations.size() == kMaxViolationsListed);
    CHECK(v.unlisted == 50);
    const std::string m = v.message();
    CHECK(m.rfind("150 validation errors detected: Value at 'tags.1.member.key' failed to satisfy constraint: "
                  "Member must have length greater than or equal to 1; ",
                  0) == 0);
    CHECK(m.size() - m.rfind("; (50 more not listed)") == std::string("; (50 more not listed)").size());
}

TEST_CASE("validation: string-list elements and map keys/values are reported at the list or map") {
    boost::json::array keys(150, boost::json::string());
    auto v = validate(shapes::kUntagResourceInput, boost::json::object{{"ResourceARN", "x"}, {"TagKeys", keys}});
    CHECK(v.message() ==
          "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must "
          "satisfy constraint: [Member must have length less than or equal to 128, Member must have "
          "length greater than or equal to 1]");

    const std::string key_constraints =
        "[Member must have length less than or equal to 255, Member must have length greater than or equal to 1, "
        "Member must satisfy regular expression pattern: "
        "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*]";
    auto start = [](const char* engine) {
        return boost::json::object{{"WorkGroup", "w"}, {"EngineConfiguration", boost::json::parse(engine)}};
    };
    // A control character in a key breaks the key pattern; tab and characters past U+FFFF do not.
    v = validate(shapes::kStartSessionInput, start(R"({"SparkProperties":{"a\u0001b":"v"}})"));
    CHECK(v.message() ==
          "1 validation error detected: Value at 'engineConfiguration.sparkProperties' failed to "
          "satisfy constraint: Map keys must satisfy constraint: " +
              key_constraints);
    CHECK(
        validate(shapes::kStartSessionInput, start("{\"SparkProperties\":{\"a\\tb \xF0\x9F\x98\x80 \xC3\xA9\":\"v\"}}"))
            .ok());
    v = validate(shapes::kStartSessionInput, start(R"({"AdditionalConfigs":{"":"v"}})"));
    CHECK(v.violations.size() == 1);

    boost::json::object big{{"k", std::string(51201, 'x')}, {std::string(256, 'k'), "v"}};
    v = validate(shapes::kStartSessionInput,
                 boost::json::object{{"WorkGroup", "w"}, {"EngineConfiguration", {{"SparkProperties", big}}}});
    REQUIRE(v.violations.size() == 2);
    CHECK(v.violations[0] ==
          "Value at 'engineConfiguration.sparkProperties' failed to satisfy constraint: Map keys "
          "must satisfy constraint: " +
              key_constraints);
    CHECK(v.violations[1] ==
          "Value at 'engineConfiguration.sparkProperties' failed to satisfy constraint: Map value "
          "must satisfy constraint: [Member must have length less than or equal to 51200]");
    v = validate(shapes::kStartSessionInput, start(R"({"SparkProperties":{"k":5}})"));
    REQUIRE(v.serialization_error);
    CHECK(*v.serialization_error == "NUMBER_VALUE can not be converted to a String");
}

TEST_CASE("validation: IdentityCenterInstanceArn against its model pattern") {
    auto body = [](const char* arn) {
        return boost::json::object{
            {"Name", "w"}, {"Configuration", {{"IdentityCenterConfiguration", {{"IdentityCenterInstanceArn", arn}}}}}};
    };
    CHECK(validate(shapes::kCreateWorkGroupInput, body("arn:aws:sso:::instance/ssoins-1234567890abcdef")).ok());
    auto v = validate(shapes::kCreateWorkGroupInput, body("arn:aws:sso:::instance/nope"));
    CHECK(v.message() ==
          "1 validation error detected: Value at 'configuration.identityCenterConfiguration.identityCenterInstanceArn' "
          "failed to satisfy constraint: Member must satisfy regular expression pattern: "
          "^arn:(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b):sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$");
}

TEST_CASE("validation: enums, ranges, patterns and nested members, in model member order") {
    static const Shape state{ShapeType::String, {}, {}, nullptr, {"IDLE", "BUSY"}};
    static const Shape max_results{ShapeType::Integer, 1, 100};
    static const Shape name{ShapeType::String, 1, 128, "[a-zA-Z0-9._-]{1,128}"};
    static const Shape inner{ShapeType::Structure, {}, {}, nullptr, {}, {{"Name", &name, true}}};
    static const Shape input{ShapeType::Structure,
                             {},
                             {},
                             nullptr,
                             {},
                             {{"State", &state}, {"MaxResults", &max_results}, {"Inner", &inner}}};
    auto v = validate(
        input, boost::json::parse(R"({"Inner":{"Name":"bad name"},"MaxResults":101,"State":"GONE"})").as_object());
    REQUIRE(v.violations.size() == 3);
    CHECK(v.message().rfind("3 validation errors detected: ", 0) == 0);
    CHECK(v.violations[0] ==
          "Value at 'state' failed to satisfy constraint: Member must satisfy enum value set: [IDLE, BUSY]");
    CHECK(v.violations[1] ==
          "Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100");
    CHECK(v.violations[2] ==
          "Value at 'inner.name' failed to satisfy constraint: Member must satisfy regular expression pattern: "
          "[a-zA-Z0-9._-]{1,128}");

    // A decimal for an integer is truncated and accepted; past 32 bits it is a range violation.
    CHECK(validate(input, boost::json::parse(R"({"MaxResults":1.5})").as_object()).ok());
    CHECK(validate(input, boost::json::parse(R"({"MaxResults":100.9})").as_object()).ok());
    v = validate(input, boost::json::parse(R"({"MaxResults":0.5})").as_object());
    CHECK(v.message() ==
          "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value "
          "greater than or equal to 1");
    v = validate(input, boost::json::parse(R"({"MaxResults":99999999999})").as_object());
    CHECK(v.message() ==
          "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value "
          "less than or equal to 100");
    v = validate(input, boost::json::parse(R"({"MaxResults":1e300})").as_object());
    CHECK(v.violations.size() == 1);
    v = validate(shapes::kListTagsForResourceInput,
                 boost::json::parse(R"({"ResourceARN":"a","MaxResults":4294967296})").as_object());
    CHECK(v.message() ==
          "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value "
          "less than or equal to 2147483647");

    // Boost.Regex on a long value: no recursion, no crash.
    const std::string huge(200000, 'a');
    v = validate(input, boost::json::object{{"Inner", boost::json::object{{"Name", huge}}}});
    CHECK(v.violations.size() == 2);  // too long, and does not match the pattern
}

TEST_CASE("validation: every model pattern compiles and accepts a valid value") {
    const auto body = boost::json::parse(R"({"Name":"wg-1.x_y","Configuration":{
        "ExecutionRole":"arn:aws:iam::123456789012:role/spark",
        "ResultConfiguration":{"ExpectedBucketOwner":"123456789012"},
        "ManagedQueryResultsConfiguration":{"Enabled":true,"EncryptionConfiguration":{"KmsKey":"alias/x"}},
        "MonitoringConfiguration":{
          "CloudWatchLoggingConfiguration":{"Enabled":true,"LogGroup":"/aws/athena","LogStreamNamePrefix":"p-"},
          "ManagedLoggingConfiguration":{"Enabled":true,"KmsKey":"arn:aws:kms:us-east-1:123456789012:key/abc"},
          "S3LoggingConfiguration":{"Enabled":true,"LogLocation":"s3://bucket-1/logs/"}},
        "EngineConfiguration":{"SparkProperties":{"spark.x":"1"},"Classifications":[{"Name":"n","Properties":{"a":"b"}}]},
        "IdentityCenterConfiguration":{"EnableIdentityCenter":true,
          "IdentityCenterInstanceArn":"arn:aws-cn:sso:::instance/ins-abcdef.12345678-"}}})");
    auto v = validate(shapes::kCreateWorkGroupInput, body.as_object());
    CHECK(v.message() == "0 validation errors detected: ");
    CHECK(v.ok());
}

TEST_CASE("paging tokens: sealed with a keyed hash; any change is malformed") {
    const std::string token = seal_page_token("s1:1767225600000:7");
    REQUIRE(open_page_token(token));
    CHECK(*open_page_token(token) == "s1:1767225600000:7");
    CHECK(seal_page_token("s1:1767225600000:7") == token);  // stable across runs and restarts
    for (std::size_t i = 0; i < token.size(); ++i) {
        std::string bad = token;
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        CAPTURE(bad);
        CHECK_FALSE(open_page_token(bad));
    }
    for (const char* bad : {"", "x", "====", "czE6MTox", "bm9wZQ==", "\xE2\x98\x83"}) CHECK_FALSE(open_page_token(bad));
    CHECK(malformed_page_token_message("abc") == "The nextPageToken is malformed: abc");
}
