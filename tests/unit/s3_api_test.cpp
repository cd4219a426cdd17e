// The S3 front end's pure parts: which requests are S3, virtual-hosted buckets, and the objects a
// calculation has written at a given instant (issue 14).
#include <doctest/doctest.h>

#include "server/operations.hpp"
#include "server/s3_api.hpp"
#include "state/calculation.hpp"

using namespace athena;

namespace {

const Instant T0 = from_epoch_ms(1767225600000);

CalculationRecord calculation(CalculationState final_state, std::string reason = {}) {
    CalculationRecord c;
    c.id = "c1";
    c.session_id = "s1";
    c.submitted = T0;
    c.result = CalculationResultUris{"s3://b/wd/c1/", "s3://b/wd/c1/stdout.txt", "s3://b/wd/c1/stderr.txt",
                                     "application/json"};
    c.steps = {{T0, CalculationState::Creating, {}},
               {T0 + Millis{100}, CalculationState::Running, {}},
               {T0 + Millis{1000}, final_state, std::move(reason)}};
    return c;
}

}  // namespace

TEST_CASE("virtual-hosted buckets come from <bucket>.localhost and <bucket>.s3.* hosts only") {
    CHECK(virtual_host_bucket("my-bucket.localhost:4599") == "my-bucket");
    CHECK(virtual_host_bucket("a.b.localhost") == "a.b");
    CHECK(virtual_host_bucket("out.s3.us-east-1.amazonaws.com") == "out");
    CHECK(virtual_host_bucket("out.s3-us-west-2.amazonaws.com") == "out");
    CHECK(virtual_host_bucket("127.0.0.1:4599").empty());
    CHECK(virtual_host_bucket("localhost:4599").empty());
    CHECK(virtual_host_bucket("[::1]:4599").empty());
    CHECK(virtual_host_bucket("athena.us-east-1.amazonaws.com").empty());
    CHECK(virtual_host_bucket("").empty());
}

TEST_CASE("a request is S3 by its path, its Host or its credential scope; never with X-Amz-Target's POST /") {
    auto req = [](std::string_view method, std::string_view target, std::string_view auth = {}) {
        return HttpRequest{method, target, {}, auth, {}};
    };
    CHECK(is_s3_request(req("GET", "/bucket/key")));
    CHECK(is_s3_request(req("GET", "/bucket?list-type=2")));
    CHECK(is_s3_request(req("PUT", "/bucket/key")));
    CHECK_FALSE(is_s3_request(req("GET", "/")));
    CHECK_FALSE(is_s3_request(req("POST", "/")));
    CHECK(is_s3_request(req("GET", "/",
                            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, "
                            "SignedHeaders=host, Signature=00")));
    CHECK_FALSE(
        is_s3_request(req("POST", "/", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/athena/aws4_request")));
    CHECK_FALSE(is_s3_request(req("GET", "/\xff\xfe")));  // no URI: stays the JSON 404
    CHECK_FALSE(is_s3_request(req("OPTIONS", "*")));
    CHECK(is_s3_operation("s3:GetObject"));
    CHECK(is_s3_operation("s3:ListObjectsV2"));
    CHECK_FALSE(is_s3_operation("GetObject"));
}

TEST_CASE("a calculation's objects appear at its final state; FAILED has stdout and a traceback stderr") {
    auto done = calculation(CalculationState::Completed);
    done.output.stdout_text = "hi\n";
    done.output.result_text = "{}";
    CHECK(output_objects_at(done, T0 + Millis{999}).empty());
    auto objs = output_objects_at(done, T0 + Millis{1000});
    REQUIRE(objs.size() == 3);
    CHECK(objs[0].bucket == "b");
    CHECK(objs[0].key == "wd/c1/stdout.txt");
    CHECK(objs[0].body == "hi\n");
    CHECK(objs[0].content_type == "text/plain");
    CHECK(objs[0].last_modified == T0 + Millis{1000});
    CHECK(objs[1].body.empty());
    CHECK(objs[2].key == "wd/c1/result.json");
    CHECK(objs[2].content_type == "application/json");
    CHECK(objs[2].body == "{}");

    auto failed = calculation(CalculationState::Failed, "ValueError: x");
    objs = output_objects_at(failed, T0 + Millis{1000});
    REQUIRE(objs.size() == 2);
    CHECK(objs[1].body ==
          "Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\nValueError: x\n");
    failed.output.stderr_text = "custom";
    CHECK(output_objects_at(failed, T0 + Millis{1000})[1].body == "custom");

    CHECK(output_objects_at(calculation(CalculationState::Canceled), T0 + Millis{1000}).empty());
    auto text = calculation(CalculationState::Completed);
    text.result.result_type = "text/csv";
    CHECK(output_objects_at(text, T0 + Millis{1000})[2].key == "wd/c1/result.txt");
    text.result.result_s3_uri = "s3://b/exact.csv";
    CHECK(output_objects_at(text, T0 + Millis{1000})[2].key == "exact.csv");
}
