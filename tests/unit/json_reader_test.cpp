// The path-tracking JSON reader: every failure names the path of the value that failed.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "server/json_reader.hpp"

using namespace athena;
namespace json = boost::json;

namespace {

// The error a read throws, as "<path>: <reason>"; "no error" when it does not throw.
template <class F>
std::string error_of(F read) {
    try {
        read();
    } catch (const JsonPathError& e) {
        return e.path + ": " + e.reason;
    }
    return "no error";
}

const json::value kDoc = json::parse(R"({
    "sessions": [{"id": "s1"}, {"id": "s2", "script": [{"after_ms": 0}, {"after_ms": 1.5}]}],
    "n": 7, "big": 18446744073709551615, "whole": 3.0, "huge": 6e55, "text": "x"})");

}  // namespace

TEST_CASE("paths grow by member and element: the root is shown as $") {
    const JsonReader root(kDoc, "");
    CHECK(root.path() == "$");
    const auto step = root.need("sessions").element(1).need("script").element(1).need("after_ms");
    CHECK(step.path() == "sessions[1].script[1].after_ms");
    CHECK(error_of([&] { step.fail("must be an integer"); }) == "sessions[1].script[1].after_ms: must be an integer");
    CHECK(JsonReader(kDoc, "faults[3]").need("n").path() == "faults[3].n");
}

TEST_CASE("type checks fail at the value's own path") {
    const JsonReader root(kDoc, "");
    CHECK(error_of([&] { root.need("n").string(); }) == "n: must be a string");
    CHECK(error_of([&] { root.need("text").object(); }) == "text: must be an object");
    CHECK(error_of([&] { root.need("sessions").element(0).array(); }) == "sessions[0]: must be an array");
    CHECK(error_of([&] { JsonReader(kDoc.at("n"), "").object(); }) == "$: must be an object");
    CHECK(root.need("text").string() == "x");
    CHECK(root.need("sessions").array().size() == 2);
}

TEST_CASE("members: absent, required, unknown") {
    const JsonReader s0 = JsonReader(kDoc, "").need("sessions").element(0);
    CHECK_FALSE(s0.find("script").has_value());
    CHECK(error_of([&] { s0.need("workgroup"); }) == "sessions[0].workgroup: is required");
    CHECK(error_of([&] { s0.need("workgroup", "is required (a workgroup name)"); }) ==
          "sessions[0].workgroup: is required (a workgroup name)");
    CHECK(error_of([&] { s0.only({"id"}); }) == "no error");
    CHECK(error_of([&] {
              s0.only({"workgroup", "script"});
          }) == "sessions[0].id: unknown field (allowed here: workgroup, script)");
    CHECK(error_of([&] { JsonReader(kDoc, "").only({"sessions"}); }).rfind("n: unknown field", 0) == 0);
    CHECK(error_of([&] { JsonReader(kDoc, "").need("n").find("x"); }) == "n: must be an object");
}

TEST_CASE("whole numbers: integers and doubles without a fraction that an int64 holds") {
    const JsonReader root(kDoc, "");
    CHECK(root.need("n").whole_number() == 7);
    CHECK(root.need("whole").whole_number() == 3);
    CHECK_FALSE(root.need("big").whole_number().has_value());   // above INT64_MAX
    CHECK_FALSE(root.need("huge").whole_number().has_value());  // 6e55: no cast, no UB
    CHECK_FALSE(root.need("text").whole_number().has_value());
    const auto half = root.need("sessions").element(1).need("script").element(1).need("after_ms");
    CHECK_FALSE(half.whole_number().has_value());
}
