// SigV4 verification without sockets: AWS's documented example, canonicalisation, every error
// branch of Sigv4Verifier with a fixed "now", the credentials file, and the router's use of it.
#include <doctest/doctest.h>

#include <boost/beast/http/fields.hpp>
#include <boost/json/parse.hpp>

#include <initializer_list>
#include <utility>

#include "control/admin_api.hpp"
#include "server/credentials.hpp"
#include "server/router.hpp"
#include "server/sigv4.hpp"
#include "state/services.hpp"

using namespace athena;
namespace http = boost::beast::http;

namespace {

// AWS's SigV4 example: IAM ListUsers (docs "Examples of the complete Signature Version 4
// signing process", values as published).
constexpr std::string_view kKey = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDate = "20150830T123600Z";
constexpr std::string_view kTarget = "/?Action=ListUsers&Version=2010-05-08";
constexpr std::string_view kCanonical =
    "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
    "content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n"
    "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kCanonicalHash = "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59";
constexpr std::string_view kSignature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
constexpr std::string_view kScope = "20150830/us-east-1/iam/aws4_request";

Instant at(std::string_view basic) {
    auto t = sigv4::parse_basic(basic);
    REQUIRE(t);
    return *t;
}

std::string authorization(std::string_view credential = "AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request",
                          std::string_view signed_headers = "content-type;host;x-amz-date",
                          std::string_view signature = kSignature) {
    return "AWS4-HMAC-SHA256 Credential=" + std::string(credential) + ", SignedHeaders=" + std::string(signed_headers) +
           ", Signature=" + std::string(signature);
}

// The example request's headers, with `auth` as Authorization (none when empty).
http::fields example_headers(const std::string& auth) {
    http::fields f;
    f.insert("Host", "iam.amazonaws.com");
    f.insert("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    f.insert("X-Amz-Date", kDate);
    if (!auth.empty()) f.insert("Authorization", auth);
    return f;
}

struct Keys {
    CredentialStore store{std::vector<Credential>{
        Credential{std::string(kKey), std::string(kSecret), "111122223333", std::nullopt},
        Credential{"ASIATEMP", "tmp-secret", "444455556666", std::string("the-token")},
    }};
    Sigv4Verifier iam{store, Sigv4Options{"iam", std::chrono::seconds(300)}};
};

Sigv4Outcome verify(const Keys& k, const http::fields& f, Instant now = at(kDate), std::string_view target = kTarget,
                    std::string_view method = "GET", std::string_view body = {}) {
    const HeaderLookup headers(f);
    return k.iam.verify(Sigv4Request{method, target, headers, body}, now);
}

// The error's code and message, "ok" when verified.
std::pair<std::string, std::string> failure(const Sigv4Outcome& o) {
    if (o) return {"ok", ""};
    REQUIRE(o.error);
    CHECK(o.error->status == 400);
    return {o.error->code, o.error->message};
}

// A request signed for real with `secret`, for the token and Date-header cases.
http::fields signed_request(std::string_view key, std::string_view secret, std::string_view date_header,
                            std::string_view signed_names,
                            std::initializer_list<std::pair<const char*, const char*>> extra) {
    http::fields f;
    f.insert("Host", "iam.amazonaws.com");
    f.insert(date_header, kDate);
    for (const auto& [k, v] : extra) f.insert(k, v);
    const HeaderLookup headers(f);
    const std::string canonical = sigv4::canonical_request("GET", kTarget, headers, signed_names, "");
    const std::string scope = "20150830/us-east-1/iam/aws4_request";
    const std::string sts = sigv4::string_to_sign(kDate, scope, canonical);
    const std::string sig = sigv4::signature(secret, "20150830", "us-east-1", "iam", sts);
    f.insert("Authorization", authorization(std::string(key) + "/" + scope, signed_names, sig));
    return f;
}

std::string type_of(const HttpResponse& r) {
    auto v = boost::json::parse(r.body);
    return std::string(v.at("__type").as_string());
}

}  // namespace

TEST_CASE("AWS's documented example: canonical request, string to sign, signature") {
    const auto f = example_headers("");
    const HeaderLookup headers(f);
    const std::string canonical = sigv4::canonical_request("GET", kTarget, headers, "content-type;host;x-amz-date", "");
    CHECK(canonical == kCanonical);
    CHECK(sigv4::sha256_hex(canonical) == kCanonicalHash);
    const std::string sts = sigv4::string_to_sign(kDate, kScope, canonical);
    CHECK(sts ==
          "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n" + std::string(kCanonicalHash));
    CHECK(sigv4::signature(kSecret, "20150830", "us-east-1", "iam", sts) == kSignature);
}

TEST_CASE("the example verifies; the tenant is the credentials entry's account and the scope's region") {
    Keys k;
    auto o = verify(k, example_headers(authorization()));
    REQUIRE(o);
    CHECK(*o.tenant == Tenant{"111122223333", "us-east-1"});
    CHECK(o.canonical_request.empty());
    // Athena's verifier refuses the same request: it is scoped to iam.
    const auto f = example_headers(authorization());
    const HeaderLookup headers(f);
    Sigv4Verifier athena_verifier(k.store, Sigv4Options{});
    auto a = athena_verifier.verify(Sigv4Request{"GET", kTarget, headers, ""}, at(kDate));
    CHECK(failure(a) == std::pair<std::string, std::string>{
                            "InvalidSignatureException", "Credential should be scoped to correct service: 'athena'. "});
}

TEST_CASE("canonical header values: trimmed, inner runs of spaces collapsed, repeats joined with ','") {
    CHECK(sigv4::canonical_header_value({"  a   b \t c  "}) == "a b c");
    CHECK(sigv4::canonical_header_value({"x", " y  z "}) == "x,y z");
    CHECK(sigv4::canonical_header_value({}) == "");
    CHECK(sigv4::canonical_header_value({"\"a  b\""}) == "\"a b\"");

    http::fields f;
    f.insert("Host", "h");
    f.insert("X-Multi", "one");
    f.insert("x-multi", "  two   words ");
    const HeaderLookup headers(f);
    // Beast trims the ends itself; the inner run stays for canonicalisation to collapse.
    CHECK(headers.values("X-MULTI") == std::vector<std::string_view>{"one", "two   words"});
    CHECK(headers.values("absent").empty());
    CHECK(HeaderLookup().values("host").empty());
    // Names lower-cased in both places, in the SignedHeaders order; an absent one is empty.
    CHECK(sigv4::canonical_request("POST", "/", headers, "Host;X-Multi;x-absent", "{}") ==
          "POST\n/\n\nhost:h\nx-multi:one,two words\nx-absent:\n\nhost;x-multi;x-absent\n" + sigv4::sha256_hex("{}"));
}

TEST_CASE("canonical query: decoded, re-encoded, sorted by name then value") {
    CHECK(sigv4::canonical_query("") == "");
    CHECK(sigv4::canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2");
    CHECK(sigv4::canonical_query("flag&x=") == "flag=&x=");
    CHECK(sigv4::canonical_query("k=a+b&%41=%7e&s=%2f%2F") == "A=~&k=a%2Bb&s=%2F%2F");
    CHECK(sigv4::canonical_query("u=%e2%82%AC&bad=%zz") == "bad=%25zz&u=%E2%82%AC");
    CHECK(sigv4::canonical_query("&&a=1&") == "a=1");
}

TEST_CASE("canonical URI: normalised path, encoded again") {
    CHECK(sigv4::canonical_uri("") == "/");
    CHECK(sigv4::canonical_uri("/") == "/");
    CHECK(sigv4::canonical_uri("/a/./b/../c") == "/a/c");
    CHECK(sigv4::canonical_uri("/a//b/") == "/a/b/");
    CHECK(sigv4::canonical_uri("/a%20b/~x") == "/a%2520b/~x");
    CHECK(sigv4::canonical_uri("/../..") == "/");
}

TEST_CASE("basic-format times") {
    CHECK(sigv4::format_basic(from_epoch_ms(1767225600999)) == "20260101T000000Z");
    CHECK(sigv4::parse_basic("20260101T000000Z") == from_epoch_ms(1767225600000));
    for (std::string_view bad : {"", "2026-01-01T00:00:00Z", "20260101T000000", "20260230T000000Z", "20261301T000000Z",
                                 "20260101T240000Z", "20260101T006000Z", "2026010aT000000Z", "20260101 000000Z"})
        CHECK_MESSAGE(!sigv4::parse_basic(bad), bad);
}

TEST_CASE("no or another Authorization: MissingAuthenticationTokenException") {
    Keys k;
    const std::pair<std::string, std::string> missing{"MissingAuthenticationTokenException",
                                                      "Request is missing Authentication Token"};
    CHECK(failure(verify(k, example_headers(""))) == missing);
    CHECK(failure(verify(k, example_headers("Bearer abc"))) == missing);
    CHECK(failure(verify(k, example_headers("AWS AKIDEXAMPLE:sig"))) == missing);
}

TEST_CASE("malformed Authorization: IncompleteSignatureException with AWS's texts") {
    Keys k;
    const std::string header =
        "AWS4-HMAC-SHA256 Credential= AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=host, Signature=abc";
    CHECK(failure(verify(k, example_headers(header))) ==
          std::pair<std::string, std::string>{
              "IncompleteSignatureException",
              "'AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request' not a valid key=value pair (missing equal-sign) in "
              "Authorization header: '" +
                  header + "'."});

    CHECK(failure(verify(k, example_headers("AWS4-HMAC-SHA256 Credential=abc"))) ==
          std::pair<std::string, std::string>{
              "IncompleteSignatureException",
              "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
              "parameter. Authorization=AWS4-HMAC-SHA256 Credential=abc"});

    http::fields no_date;
    no_date.insert("Host", "iam.amazonaws.com");
    no_date.insert("Authorization", "AWS4-HMAC-SHA256");
    CHECK(failure(verify(k, no_date)) ==
          std::pair<std::string, std::string>{
              "IncompleteSignatureException",
              "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
              "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires "
              "existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256"});

    auto f = example_headers(authorization());
    f.set("X-Amz-Date", "2015-08-30T12:36:00Z");
    CHECK(failure(verify(k, f)) == std::pair<std::string, std::string>{
                                       "IncompleteSignatureException",
                                       "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See "
                                       "http://en.wikipedia.org/wiki/ISO_8601"});

    auto alg = authorization();
    alg.replace(0, 16, "AWS4-HMAC-SHA512");
    CHECK(failure(verify(k, example_headers(alg))) ==
          std::pair<std::string, std::string>{"IncompleteSignatureException",
                                              "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 "
                                              "for now). "});

    CHECK(failure(verify(k, example_headers(authorization("AKIDEXAMPLE/20150830/us-east-1/iam")))) ==
          std::pair<std::string, std::string>{
              "IncompleteSignatureException",
              "Credential must have exactly 5 slash-delimited elements, e.g. "
              "keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/iam'"});
    // Trailing slashes do not count.
    CHECK(verify(k, example_headers(authorization("AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request//"))));
}

TEST_CASE("X-Amz-Date further than --max-skew-s from the real time: InvalidSignatureException") {
    Keys k;
    const auto f = example_headers(authorization());
    // 12:36:00 signed; now 12:41:00 is exactly 5 minutes later: still fine, a second more is not.
    CHECK(verify(k, f, at("20150830T124100Z")));
    CHECK(verify(k, f, at("20150830T124100Z") + std::chrono::milliseconds(999)));
    CHECK(
        failure(verify(k, f, at("20150830T124101Z"))) ==
        std::pair<std::string, std::string>{"InvalidSignatureException",
                                            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
                                            "(20150830T124101Z - 5 min.)"});
    CHECK(verify(k, f, at("20150830T123100Z")));
    CHECK(failure(verify(k, f, at("20150830T123059Z"))) ==
          std::pair<std::string, std::string>{"InvalidSignatureException",
                                              "Signature not yet current: 20150830T123600Z is still later than "
                                              "20150830T123559Z (20150830T123059Z + 5 min.)"});
    // The allowance is the option's; not whole minutes are said in seconds.
    Sigv4Verifier tight(k.store, Sigv4Options{"iam", std::chrono::seconds(90)});
    const HeaderLookup headers(f);
    auto o = tight.verify(Sigv4Request{"GET", kTarget, headers, ""}, at("20150830T123731Z"));
    CHECK(failure(o) == std::pair<std::string, std::string>{"InvalidSignatureException",
                                                            "Signature expired: 20150830T123600Z is now earlier than "
                                                            "20150830T123601Z (20150830T123731Z - 90 sec.)"});
}

TEST_CASE("host must be signed") {
    Keys k;
    CHECK(
        failure(
            verify(k, example_headers(authorization(kKey.data() + std::string("/20150830/us-east-1/iam/aws4_request"),
                                                    "content-type;x-amz-date")))) ==
        std::pair<std::string, std::string>{
            "InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."});
}

TEST_CASE("a wrong credential scope: every wrong part named, in AWS's words") {
    Keys k;
    CHECK(failure(verify(k, example_headers(authorization("AKIDEXAMPLE/20150831/x/s3/aws5_request")))) ==
          std::pair<std::string, std::string>{
              "InvalidSignatureException",
              "Credential should be scoped to a valid region, not 'x'. Credential should be scoped to correct service: "
              "'iam'. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. Date in "
              "Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != "
              "'20150830', from '20150830T123600Z'."});
    CHECK(failure(verify(k, example_headers(authorization("AKIDEXAMPLE/20150829/us-east-1/iam/aws4_request")))) ==
          std::pair<std::string, std::string>{
              "InvalidSignatureException",
              "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != "
              "'20150830', from '20150830T123600Z'."});
}

TEST_CASE("unknown access key: UnrecognizedClientException") {
    Keys k;
    CHECK(failure(verify(k, example_headers(authorization("AKIDOTHER/20150830/us-east-1/iam/aws4_request")))) ==
          std::pair<std::string, std::string>{"UnrecognizedClientException",
                                              "The security token included in the request is invalid."});
}

TEST_CASE("a signature that does not match: InvalidSignatureException, and what the emulator computed") {
    Keys k;
    const std::string wrong(64, '0');
    auto o = verify(k, example_headers(authorization(kKey.data() + std::string("/20150830/us-east-1/iam/aws4_request"),
                                                     "content-type;host;x-amz-date", wrong)));
    CHECK(failure(o) ==
          std::pair<std::string, std::string>{
              "InvalidSignatureException",
              "The request signature we calculated does not match the signature you provided. Check your "
              "AWS Secret Access Key and signing method. Consult the service documentation for details."});
    CHECK(o.canonical_request == kCanonical);
    CHECK(o.string_to_sign ==
          "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n" + std::string(kCanonicalHash));
    // A signed header changed after signing, another body, another region, a prefix of the signature.
    auto changed = example_headers(authorization());
    changed.set("Content-Type", "application/json");
    CHECK(failure(verify(k, changed)).first == "InvalidSignatureException");
    CHECK(failure(verify(k, example_headers(authorization()), at(kDate), kTarget, "GET", "{}")).first ==
          "InvalidSignatureException");
    CHECK(failure(verify(k, example_headers(authorization()), at(kDate), "/?Action=ListUsers&Version=2010-05-09"))
              .first == "InvalidSignatureException");
    CHECK(failure(verify(k, example_headers(authorization("AKIDEXAMPLE/20150830/us-west-2/iam/aws4_request")))).first ==
          "InvalidSignatureException");
    CHECK(failure(
              verify(k, example_headers(authorization(kKey.data() + std::string("/20150830/us-east-1/iam/aws4_request"),
                                                      "content-type;host;x-amz-date", kSignature.substr(0, 63)))))
              .first == "InvalidSignatureException");
    // An unsigned header may change.
    auto extra = example_headers(authorization());
    extra.insert("User-Agent", "anything");
    CHECK(verify(k, extra));
}

TEST_CASE("the Date header stands in for X-Amz-Date") {
    Keys k;
    auto f = signed_request(kKey, kSecret, "Date", "date;host", {});
    auto o = verify(k, f);
    REQUIRE(o);
    CHECK(o.tenant->account == "111122223333");
}

TEST_CASE("session tokens: required, signed and equal for temporary keys; refused on the others") {
    Keys k;
    const std::pair<std::string, std::string> bad{"UnrecognizedClientException",
                                                  "The security token included in the request is invalid."};
    auto ok = verify(k, signed_request("ASIATEMP", "tmp-secret", "X-Amz-Date", "host;x-amz-date;x-amz-security-token",
                                       {{"X-Amz-Security-Token", "the-token"}}));
    REQUIRE(ok);
    CHECK(*ok.tenant == Tenant{"444455556666", "us-east-1"});
    CHECK(failure(verify(k, signed_request("ASIATEMP", "tmp-secret", "X-Amz-Date", "host;x-amz-date", {}))) == bad);
    CHECK(
        failure(verify(k, signed_request("ASIATEMP", "tmp-secret", "X-Amz-Date", "host;x-amz-date;x-amz-security-token",
                                         {{"X-Amz-Security-Token", "another-token"}}))) == bad);
    // Sent but not signed.
    CHECK(failure(verify(k, signed_request("ASIATEMP", "tmp-secret", "X-Amz-Date", "host;x-amz-date",
                                           {{"X-Amz-Security-Token", "the-token"}}))) == bad);
    // A key without a token must not send one.
    CHECK(failure(verify(k, signed_request(kKey, kSecret, "X-Amz-Date", "host;x-amz-date;x-amz-security-token",
                                           {{"X-Amz-Security-Token", "the-token"}}))) == bad);
    CHECK(verify(k, signed_request(kKey, kSecret, "X-Amz-Date", "host;x-amz-date", {})));
}

TEST_CASE("credentials file: entries, and one error naming the file, the JSON path and the reason") {
    auto good =
        parse_credentials_text(R"([{"access_key_id":"AKID1","secret_access_key":"s","account_id":"111122223333"},
        {"access_key_id":"ASIA2","secret_access_key":"t","account_id":"444455556666","session_token":"tok"}])",
                               "creds.json");
    REQUIRE(good);
    CHECK(good->size() == 2);
    REQUIRE(good->find("ASIA2"));
    CHECK(good->find("ASIA2")->session_token == std::optional<std::string>("tok"));
    CHECK(good->find("AKID1")->account_id == "111122223333");
    CHECK(good->find("nope") == nullptr);

    auto error = [](std::string_view text) {
        auto r = parse_credentials_text(text, "creds.json");
        REQUIRE(!r);
        return r.error().message;
    };
    CHECK(error("{}") ==
          "creds.json: $: must be a JSON list of {\"access_key_id\", \"secret_access_key\", "
          "\"account_id\"} objects");
    CHECK(error("[]") == "creds.json: $: must list at least one credential");
    CHECK(error("[1]") == "creds.json: [0]: must be an object");
    CHECK(error(R"([{"secret_access_key":"s","account_id":"111122223333"}])") ==
          "creds.json: [0].access_key_id: is required");
    CHECK(error(R"([{"access_key_id":"a/b","secret_access_key":"s","account_id":"111122223333"}])") ==
          "creds.json: [0].access_key_id: must be 1 to 128 letters, digits, '_', '.' or '-' (got \"a/b\")");
    CHECK(error(R"([{"access_key_id":"a","secret_access_key":"","account_id":"111122223333"}])") ==
          "creds.json: [0].secret_access_key: must not be empty");
    CHECK(error(R"([{"access_key_id":"a","secret_access_key":"s","account_id":"12"}])") ==
          "creds.json: [0].account_id: must be a 12-digit AWS account id (got \"12\")");
    CHECK(error(R"([{"access_key_id":"a","secret_access_key":"s","account_id":111122223333}])") ==
          "creds.json: [0].account_id: must be a string");
    CHECK(
        error(R"([{"access_key_id":"a","secret_access_key":"s","account_id":"111122223333","token":"x"}])") ==
        "creds.json: [0].token: unknown field (expected access_key_id, secret_access_key, account_id, session_token)");
    CHECK(error(R"([{"access_key_id":"a","secret_access_key":"s","account_id":"111122223333"},
                    {"access_key_id":"a","secret_access_key":"t","account_id":"111122223333"}])") ==
          "creds.json: [1].access_key_id: \"a\" is already listed at [0]: each access key once");
    CHECK(error("[{\"access_key_id\":\"a\",\"secret_access_key\":\"s\",\"account_id\":\"111122223333\","
                "\"session_token\":\"a\\nb\"}]") ==
          "creds.json: [0].session_token: must be printable ASCII (it travels in the X-Amz-Security-Token header)");
    CHECK(error("[{\"access_key_id\":\n").rfind("creds.json: $: invalid JSON at line 2, column 1", 0) == 0);
}

TEST_CASE("Router under --auth sigv4: verifies before dispatch; failures are answered, journaled and counted") {
    const Instant t0 = at(kDate);
    Store store(":memory:");
    ManualClock clock(t0);
    ManualClock wall(t0);  // the real time, fixed
    Logger log(LogFormat::Text, LogLevel::Error, wall);
    FaultInjector faults(1, nullptr);
    RequestJournal journal(100);
    Metrics metrics;
    Services service(store, clock, &clock, t0, ServiceOptions{});
    REQUIRE(service.control.initialize());
    Observability obs{faults, journal, metrics, wall};
    AdminApi admin(service, AdminOptions{}, obs, {});
    CredentialStore creds({Credential{std::string(kKey), std::string(kSecret), "111122223333", std::nullopt}});
    Sigv4Verifier verifier(creds, Sigv4Options{});
    Router router(service, admin, log, obs, RouterAuth{&verifier, &creds});

    // A request signed for Athena by the test itself.
    const std::string body = R"({"SessionId":"s1"})";
    http::fields f;
    f.insert("Host", "localhost:4599");
    f.insert("X-Amz-Date", kDate);
    f.insert("X-Amz-Target", "AmazonAthena.GetSessionStatus");
    const std::string names = "host;x-amz-date;x-amz-target";
    const std::string scope = "20150830/eu-west-1/athena/aws4_request";
    {
        const HeaderLookup headers(f);
        const auto sts =
            sigv4::string_to_sign(kDate, scope, sigv4::canonical_request("POST", "/", headers, names, body));
        const auto sig = sigv4::signature(kSecret, "20150830", "eu-west-1", "athena", sts);
        f.insert("Authorization", authorization(std::string(kKey) + "/" + scope, names, sig));
    }
    auto send = [&](const http::fields& fields, std::string_view b) {
        HttpRequest r{"POST", "/", "AmazonAthena.GetSessionStatus", {}, b, HeaderLookup(fields)};
        const auto a = fields.find("Authorization");
        if (a != fields.end()) r.authorization = a->value();
        return router.handle(r);
    };
    auto good = send(f, body);
    CHECK(good.status == 400);  // verified: on to the operation, which knows no s1 here
    CHECK(type_of(good) == "ResourceNotFoundException");

    auto tampered = send(f, R"({"SessionId":"s2"})");
    CHECK(tampered.status == 400);
    CHECK(type_of(tampered) == "InvalidSignatureException");

    http::fields unsigned_fields;
    unsigned_fields.insert("Host", "localhost:4599");
    auto missing = send(unsigned_fields, body);
    CHECK(type_of(missing) == "MissingAuthenticationTokenException");

    const auto entries = journal.query("", "", std::nullopt);
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].account == "111122223333");
    CHECK(entries[0].region == "eu-west-1");
    CHECK(entries[0].error_code == "ResourceNotFoundException");
    CHECK(entries[1].operation == "GetSessionStatus");
    CHECK(entries[1].error_code == "InvalidSignatureException");
    CHECK(entries[2].error_code == "MissingAuthenticationTokenException");
    CHECK(entries[2].account == "123456789012");
    const std::string prom = metrics.render({});
    CHECK(prom.find("error=\"InvalidSignatureException\"") != std::string::npos);
    CHECK(prom.find("error=\"MissingAuthenticationTokenException\"") != std::string::npos);
}

TEST_CASE("--auth none with --credentials: a listed key names its account, signature unchecked") {
    CredentialStore creds({Credential{"AKIDLISTED", "s", "777788889999", std::nullopt}});
    const Tenant fallback{"123456789012", "us-east-1"};
    CHECK(tenant_from_authorization("AWS4-HMAC-SHA256 Credential=AKIDLISTED/20260101/eu-west-1/athena/aws4_request",
                                    fallback, &creds) == Tenant{"777788889999", "eu-west-1"});
    CHECK(tenant_from_authorization("AWS4-HMAC-SHA256 Credential=AKIDOTHER/20260101/eu-west-1/athena/aws4_request",
                                    fallback, &creds) == Tenant{"123456789012", "eu-west-1"});
    CHECK(tenant_from_authorization("AWS4-HMAC-SHA256 Credential=210987654321/20260101/eu-west-1/athena/aws4_request",
                                    fallback, &creds) == Tenant{"210987654321", "eu-west-1"});
}
