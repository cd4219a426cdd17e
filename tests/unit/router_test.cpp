// The router called with hand-built requests: protocol errors, GetSessionStatus, admin API.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "control/fixture_parser.hpp"
#include "server/emulator.hpp"

using namespace athena;
namespace json = boost::json;

namespace {

const Instant T0 = from_epoch_ms(1767225600000);

// The server's composition root (server/emulator.hpp): manual clock at T0, in-memory store,
// `fixture` as the one startup fixture document.
struct World {
    Emulator emu;
    Services& service;
    RequestJournal& journal;
    Metrics& metrics;
    Router& router;

    explicit World(std::string_view fixture = R"({
        "profiles": {"fast": {"terminating_ms": 500}},
        "workgroups": [{"name": "wg", "engine_version": "PySpark engine version 3", "profile": "fast"}],
        "sessions": [{"id": "s1", "workgroup": "wg", "idle_timeout_minutes": 1,
                      "script": [{"after_ms": 0, "state": "CREATING"}, {"after_ms": 1000, "state": "IDLE"}]}]})",
                   AdminOptions admin_opts = {})
        : emu(config(admin_opts), documents(fixture)),
          service(emu.service()),
          journal(emu.journal()),
          metrics(emu.metrics()),
          router(emu.router()) {}

    static Config config(const AdminOptions& admin) {
        Config c;
        c.clock = ClockMode::Manual;
        c.start_time = T0;
        c.seed = 0;
        c.journal_size = 100;
        c.log_level = LogLevel::Error;
        c.admin = admin.enabled;
        c.admin_token = admin.token;
        return c;
    }
    static std::vector<FixtureDocument> documents(std::string_view fixture) {
        auto doc = parse_fixture_document(fixture, "test");
        REQUIRE(doc);
        doc->text = fixture;
        return {std::move(*doc)};
    }

    HttpResponse aws(std::string_view target, std::string_view body, std::string_view auth = {}) {
        HttpRequest r{"POST", "/", target, auth, body};
        return router.handle(r);
    }
    HttpResponse call_json(std::string_view method, std::string_view path, std::string_view body) {
        HttpRequest r{method, path, {}, {}, body};
        return router.handle(r);
    }
    HttpResponse call(std::string_view method, std::string_view path, std::string_view body = {},
                      std::string_view auth = {}) {
        HttpRequest r{method, path, {}, auth, body};
        return router.handle(r);
    }
};

std::string header(const HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return {};
}

json::object body(const HttpResponse& r) { return json::parse(r.body).as_object(); }
std::string str(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : "<not a string>"; }

}  // namespace

TEST_CASE("GetSessionStatus follows the script as the manual clock moves") {
    World w;
    auto r = w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})");
    CHECK(r.status == 200);
    CHECK(r.content_type == "application/x-amz-json-1.1");
    CHECK(header(r, "x-amzn-RequestId").size() == 36);
    CHECK(
        r.body ==
        R"({"SessionId":"s1","Status":{"StartDateTime":1767225600,"LastModifiedDateTime":1767225600,"State":"CREATING"}})");
    REQUIRE(w.service.control.advance_clock(Millis{1000}));
    CHECK(
        w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})").body ==
        R"({"SessionId":"s1","Status":{"StartDateTime":1767225600,"LastModifiedDateTime":1767225601,"IdleSinceDateTime":1767225601,"State":"IDLE"}})");
    REQUIRE(w.service.control.advance_clock(Millis{60000}));
    auto o = body(w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})"));
    CHECK(o["Status"].as_object()["State"] == "TERMINATING");
    REQUIRE(w.service.control.advance_clock(Millis{500}));
    o = body(w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})"));
    CHECK(o["Status"].as_object()["State"] == "TERMINATED");
    CHECK(o["Status"].as_object()["EndDateTime"].to_number<double>() == doctest::Approx(1767225661.5));
}

TEST_CASE("errors: __type, X-Amzn-ErrorType and status agree") {
    World w;
    struct Case {
        std::string_view target, body;
        unsigned status;
        std::string_view code;
        bool message;  // real Athena sends no Message for unreadable bodies and unknown operations
    };
    for (const Case& c :
         {Case{"AmazonAthena.GetSessionStatus", R"({"SessionId":"nope"})", 400, "ResourceNotFoundException", true},
          Case{"", "{}", 400, "UnknownOperationException", false},
          Case{"AmazonAthena.Nope", "{}", 400, "UnknownOperationException", false},
          Case{"AmazonAthena.getsessionstatus", "{}", 400, "UnknownOperationException", false},
          Case{"AmazonAthena.StartQueryExecution", "{}", 400, "UnknownOperationException", false},
          Case{"OtherService.GetSessionStatus", "{}", 400, "UnknownOperationException", false},
          Case{"AmazonAthena.GetSessionStatus", "{not json", 400, "SerializationException", false},
          Case{"AmazonAthena.GetSessionStatus", "[1]", 400, "SerializationException", true},
          Case{"AmazonAthena.GetSessionStatus", "\"\xff\"", 400, "SerializationException", false},
          Case{"AmazonAthena.GetSessionStatus", "null", 400, "SerializationException", false},
          Case{"AmazonAthena.GetSessionStatus", "\"x\"", 400, "SerializationException", false},
          Case{"AmazonAthena.GetSessionStatus", R"({"SessionId":"x",})", 400, "SerializationException", false},
          Case{"AmazonAthena.GetSessionStatus", R"({"SessionId":1})", 400, "SerializationException", true},
          Case{"AmazonAthena.GetSessionStatus", "", 400, "SerializationException", false},
          Case{"AmazonAthena.GetSessionStatus", "{}", 400, "InvalidRequestException", true}}) {
        CAPTURE(c.target);
        CAPTURE(c.body);
        auto r = w.aws(c.target, c.body);
        CHECK(r.status == c.status);
        CHECK(header(r, "X-Amzn-ErrorType").empty());  // real Athena sends none
        CHECK(header(r, "x-amzn-RequestId").size() == 36);
        auto o = body(r);
        CHECK(str(o["__type"]) == c.code);
        CHECK(o.contains("Message") == c.message);
        if (c.message) CHECK(o["Message"].is_string());
    }
    auto o = body(w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"nope"})"));
    CHECK(o["ResourceName"] == "nope");
    o = body(w.aws("AmazonAthena.GetSessionStatus", "{}"));
    CHECK(o["AthenaErrorCode"] == "INVALID_INPUT");
    CHECK(o["ErrorCode"] == "INVALID_INPUT");
    CHECK(
        o["Message"] ==
        "1 validation error detected: Value null at 'sessionId' failed to satisfy constraint: Member must not be null");
    CHECK(w.aws("AmazonAthena.StartQueryExecution", "{}").body == R"({"__type":"UnknownOperationException"})");
    CHECK(w.aws("AmazonAthena.GetSessionStatus", "").body == R"({"__type":"SerializationException"})");
    CHECK(body(w.aws("AmazonAthena.GetSessionStatus", "[]"))["Message"] == "Start of list found where not expected");

    auto r = w.call("GET", "/");
    CHECK(r.status == 404);
    CHECK(body(r)["__type"] == "UnknownOperationException");
    // With X-Amz-Target a wrong path stays the AWS endpoint's 404; without, it is an S3 write,
    // refused with S3's XML AccessDenied (s3_api.hpp).
    HttpRequest other{"POST", "/other", "AmazonAthena.GetSessionStatus", {}, "{}"};
    CHECK(w.router.handle(other).status == 404);
    auto s3 = w.call("POST", "/other");
    CHECK(s3.status == 403);
    CHECK(s3.content_type == "application/xml");
    CHECK(s3.body.find("<Code>AccessDenied</Code>") != std::string::npos);
}

TEST_CASE("answers are valid JSON when the request echoed in them is not UTF-8") {
    // Found by fuzz_http_request (tests/fuzz/corpus/fuzz_http_request/regress-*).
    World w;
    for (auto r : {w.call("GET", "/\xff\xfe_emulator/health"), w.aws("AmazonAthena.Get\xc3Status", "{}"),
                   w.aws("Other\xff", "{}"), w.call("GET", "/_emulator/sessions/%FF%C3/history"),
                   w.call("POST", "/_emulator/sessions/%E0%80%80/transition", R"({"state":"IDLE"})")}) {
        CAPTURE(r.body);
        CHECK(r.status >= 400);
        boost::system::error_code ec;
        auto v = json::parse(r.body, ec);
        CHECK_FALSE(ec);
        CHECK(v.is_object());
    }
    CHECK(w.call("GET", "/\xffx").body == R"({"__type":"UnknownOperationException"})");
}

TEST_CASE("metrics: operations that Athena does not have share one series") {
    World w;
    for (int i = 0; i < 50; ++i) w.aws("AmazonAthena.Bogus" + std::to_string(i), "{}");
    w.aws("", "{}");
    w.aws("AmazonAthena.StartQueryExecution", "{}");
    const std::string text = w.metrics.render({});
    CHECK(text.find("Bogus") == std::string::npos);
    CHECK(
        text.find(
            R"x(athena_emu_requests_total{operation="(unknown)",status="400",error="UnknownOperationException"} 50)x") !=
        std::string::npos);
    CHECK(text.find(R"(athena_emu_requests_total{operation="-",status="400",error="UnknownOperationException"} 1)") !=
          std::string::npos);
    CHECK(text.find(R"(operation="StartQueryExecution")") != std::string::npos);
    // The journal still names what was asked for.
    CHECK(w.journal.query("Bogus7", "", std::nullopt).size() == 1);
}

TEST_CASE("tenancy: a 12-digit access key is the account, the credential scope the region") {
    CHECK(tenant_from_authorization("AWS4-HMAC-SHA256 Credential=210987654321/20260101/eu-west-1/athena/aws4_request, "
                                    "SignedHeaders=host, Signature=abc",
                                    Tenant{"123456789012", "us-east-1"}) == Tenant{"210987654321", "eu-west-1"});
    CHECK(tenant_from_authorization("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/ap-south-1/athena/aws4_request",
                                    Tenant{"123456789012", "us-east-1"}) == Tenant{"123456789012", "ap-south-1"});
    CHECK(tenant_from_authorization("", Tenant{"123456789012", "us-east-1"}) == Tenant{"123456789012", "us-east-1"});

    World w;
    auto r = w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})",
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/athena/aws4_request");
    CHECK(body(r)["__type"] == "ResourceNotFoundException");
}

TEST_CASE("admin: clock, transition, history, fixtures, reset") {
    World w;
    CHECK(w.call("GET", "/_emulator/health").status == 200);
    auto r = w.call("POST", "/_emulator/clock", R"({"advance_ms":-1})");
    CHECK(r.status == 400);
    r = w.call("POST", "/_emulator/clock", R"({"set":"2025-01-01T00:00:00Z"})");
    CHECK(r.status == 409);
    r = w.call("POST", "/_emulator/clock", R"({"set":"2026-01-01T00:00:02Z"})");
    CHECK(r.status == 200);
    CHECK(body(r)["epoch_ms"] == 1767225602000);

    r = w.call("POST", "/_emulator/sessions/s1/transition", R"({"state":"DEGRADED","reason":"coordinator lost"})");
    CHECK(r.status == 200);
    CHECK(body(r)["state"] == "DEGRADED");
    CHECK(w.call("POST", "/_emulator/sessions/nope/transition", R"({"state":"IDLE"})").status == 404);
    CHECK(w.call("POST", "/_emulator/sessions/s1/transition", R"({"state":"SLEEPING"})").status == 400);

    auto h = body(w.call("GET", "/_emulator/sessions/s1/history"));
    auto& t = h["transitions"].as_array();
    REQUIRE(t.size() == 3);
    CHECK(t[2].as_object().at("cause") == "admin");
    CHECK(t[2].as_object().at("reason") == "coordinator lost");

    // A bad document applies nothing: its first (valid) session does not appear.
    r = w.call("POST", "/_emulator/fixtures",
               R"({"sessions":[{"id":"ok","workgroup":"wg"},{"id":"bad","workgroup":"missing"}]})");
    CHECK(r.status == 400);
    CHECK(std::string(body(r)["error"].as_string()) ==
          "request body: sessions[1].workgroup: workgroup 'missing' does not exist in account 123456789012, region "
          "us-east-1 (define it under \"workgroups\" first)");
    CHECK(w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"ok"})").status == 400);

    r = w.call("POST", "/_emulator/fixtures", R"({"sessions":[{"id":"ok","workgroup":"wg"}]})");
    CHECK(r.status == 200);
    CHECK(body(r)["applied"].as_object()["sessions"] == 1);

    CHECK(w.call("POST", "/_emulator/reset", R"({"fixtures":false})").status == 200);
    CHECK(w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})").status == 400);
    CHECK(w.service.now() == T0);
    CHECK(w.call("POST", "/_emulator/reset").status == 200);
    CHECK(w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})").status == 200);

    CHECK(w.call("GET", "/_emulator/nothing-here").status == 404);
}

TEST_CASE("admin token and admin off") {
    World w(R"({})", AdminOptions{true, std::string("sekret")});
    CHECK(w.call("GET", "/_emulator/clock").status == 401);
    CHECK(w.call("GET", "/_emulator/clock", {}, "Bearer wrong!").status == 401);
    CHECK(w.call("GET", "/_emulator/clock", {}, "Bearer sekret").status == 200);
    CHECK(w.call("GET", "/_emulator/health").status == 200);

    World off(R"({})", AdminOptions{false, std::nullopt});
    CHECK(off.call("GET", "/_emulator/clock").status == 404);
    CHECK(off.call("GET", "/_emulator/health").status == 200);
}

TEST_CASE("faults: skip, count, first rule wins, error defaults; the journal records them") {
    World w;
    auto r = w.call(
        "POST", "/_emulator/faults",
        R"({"id":"f1","operation":"GetSessionStatus","skip":1,"count":2,"action":{"error":"InternalServerException"}})");
    REQUIRE(r.status == 200);
    CHECK(w.call("POST", "/_emulator/faults",
                 R"({"operation":"*","action":{"error":"ThrottlingException","status":429}})")
              .status == 200);
    CHECK(w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})").status == 429);  // f1 skips, the second fires
    auto fired = w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})");
    CHECK(fired.status == 500);
    CHECK(body(fired)["__type"] == "InternalServerException");
    CHECK(w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})").status == 500);
    // f1 retired after two firings: the catch-all rule acts now.
    CHECK(w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})").status == 429);
    auto list = body(w.call("GET", "/_emulator/faults"));
    CHECK(list["faults"].as_array().size() == 1);
    auto journal = body(w.call("GET", "/_emulator/requests?operation=GetSessionStatus"));
    REQUIRE(journal["requests"].as_array().size() == 4);
    CHECK(journal["requests"].as_array()[1].as_object().at("fault_id") == "f1");
    CHECK(w.call("POST", "/_emulator/faults", R"({"operation":"*","action":{}})").status == 400);
    CHECK(w.call("DELETE", "/_emulator/faults/nope").status == 404);
}

TEST_CASE("an injected error with AthenaErrorCode gets ErrorCode too; the journal's numbers are plain decimals") {
    World w;
    REQUIRE(
        w.call(
             "POST", "/_emulator/faults",
             R"({"operation":"StartSession","action":{"error":"InvalidRequestException","message":"m","members":{"AthenaErrorCode":"X"}}})")
            .status == 200);
    auto r = w.aws("AmazonAthena.StartSession", "{}");
    CHECK(r.body == R"({"__type":"InvalidRequestException","Message":"m","AthenaErrorCode":"X","ErrorCode":"X"})");
    CHECK(header(r, "X-Amzn-ErrorType").empty());
    const std::string journal = w.call("GET", "/_emulator/requests").body;
    const auto at = journal.find("\"latency_ms\":");
    REQUIRE(at != std::string::npos);
    const std::string value = journal.substr(at + 13, journal.find_first_of(",}", at) - at - 13);
    CAPTURE(value);
    CHECK(value.find_first_not_of("0123456789.") == std::string::npos);
}

TEST_CASE("transport faults and latency come back as delivery instructions") {
    World w;
    REQUIRE(w.call("POST", "/_emulator/faults",
                   R"({"operation":"GetSessionStatus","count":1,"action":{"transport":"reset","latency_ms":20}})")
                .status == 200);
    auto r = w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})");
    CHECK(r.delivery == Delivery::Reset);
    CHECK(r.delay == std::chrono::milliseconds(20));
    REQUIRE(w.call("POST", "/_emulator/faults",
                   R"({"operation":"GetSessionStatus","count":1,"action":{"transport":"malformed_json"}})")
                .status == 200);
    r = w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})");
    CHECK(r.status == 200);
    CHECK(r.delivery == Delivery::Normal);
    CHECK_THROWS(json::parse(r.body));
    auto journal = body(w.call("GET", "/_emulator/requests"));
    CHECK(journal["requests"].as_array()[0].as_object().at("status") == 0);
}

// The stages of Router::handle_aws, one by one.
namespace {
RequestFacts facts_for(std::string operation = {}) {
    return RequestFacts{"rid-1", T0, T0, Tenant{"123456789012", "us-east-1"}, std::move(operation), {}, {}, {}};
}
}  // namespace

TEST_CASE("stage parse_target: the operation, or UnknownOperationException") {
    World w;
    RequestFacts f = facts_for();
    auto missing = w.router.parse_target("", f);
    REQUIRE(std::holds_alternative<AwsError>(missing));
    CHECK(std::get<AwsError>(missing).log_reason.find("Missing X-Amz-Target") == 0);
    auto foreign = w.router.parse_target("AmazonS3.GetObject", f);
    REQUIRE(std::holds_alternative<AwsError>(foreign));
    CHECK(f.operation.empty());
    auto outside = w.router.parse_target("AmazonAthena.StartQueryExecution", f);
    REQUIRE(std::holds_alternative<AwsError>(outside));
    CHECK(f.operation == "StartQueryExecution");
    CHECK(std::get<AwsError>(outside).log_reason.find("outside the Athena session API") != std::string::npos);
    auto known = w.router.parse_target("AmazonAthena.GetSessionStatus", f);
    REQUIRE(std::holds_alternative<const Operation*>(known));
    CHECK(std::get<const Operation*>(known)->name == "GetSessionStatus");
    w.router.parse_target("AmazonAthena." + std::string(1000, 'X'), f);
    CHECK(f.operation.size() == 259);  // 256 bytes and "..."
}

TEST_CASE("stage authenticate: without --auth sigv4 the claimed tenant stands") {
    World w;
    RequestFacts f = facts_for("GetSessionStatus");
    HttpRequest r{"POST", "/", "AmazonAthena.GetSessionStatus", "garbage", "{}"};
    CHECK_FALSE(w.router.authenticate(r, f));
    CHECK(f.tenant.account == "123456789012");
}

TEST_CASE("stage parse_body: the input object and the facts' ids") {
    World w;
    RequestFacts f = facts_for("StartCalculationExecution");
    auto in = w.router.parse_body(R"({"SessionId":"s1","CalculationExecutionId":"c1","WorkGroup":"wg"})", f);
    REQUIRE(std::holds_alternative<json::object>(in));
    CHECK(f.session_id == "s1");
    CHECK(f.calculation_id == "c1");
    CHECK(f.workgroup == "wg");
    RequestFacts g = facts_for("CreateWorkGroup");
    REQUIRE(std::holds_alternative<json::object>(w.router.parse_body(R"({"Name":"new-wg"})", g)));
    CHECK(g.workgroup == "new-wg");
    CHECK(std::holds_alternative<AwsError>(w.router.parse_body(" \r\n", g)));  // no body is no request
    auto not_object = w.router.parse_body("[1]", g);  // a list: "Start of list found where not expected"
    REQUIRE(std::holds_alternative<AwsError>(not_object));
    CHECK(std::get<AwsError>(not_object).code == "SerializationException");
    w.router.set_max_json_depth(2);
    auto deep = w.router.parse_body(R"({"a":{"b":{"c":1}}})", g);
    REQUIRE(std::holds_alternative<AwsError>(deep));
    CHECK(std::get<AwsError>(deep).message.find("deeper than 2 levels") != std::string::npos);
}

TEST_CASE("stage decide_fault: the rule that fires for the facts, counted") {
    World w;
    RequestFacts f = facts_for("GetSessionStatus");
    f.session_id = "s1";
    CHECK_FALSE(w.router.decide_fault(f));
    REQUIRE(
        w.call(
             "POST", "/_emulator/faults",
             R"({"id":"f9","operation":"GetSessionStatus","match":{"session_id":"s2"},"count":1,"action":{"error":"ThrottlingException"}})")
            .status == 200);
    CHECK_FALSE(w.router.decide_fault(f));
    f.session_id = "s2";
    auto fired = w.router.decide_fault(f);
    REQUIRE(fired);
    CHECK(fired->id == "f9");
    CHECK(injected_error(*fired).code == "ThrottlingException");
    CHECK_FALSE(w.router.decide_fault(f));  // count 1: spent
}

TEST_CASE("stage dispatch: validation, the handler, ids the answer introduces") {
    World w;
    RequestFacts f = facts_for("GetSessionStatus");
    const Operation& gss = *find_operation("GetSessionStatus");
    auto bad = w.router.dispatch(gss, json::object{}, f);
    REQUIRE(bad.error);
    CHECK(bad.error->code == "InvalidRequestException");
    auto ok = w.router.dispatch(gss, json::object{{"SessionId", "s1"}}, f);
    CHECK_FALSE(ok.error);
    CHECK(ok.body.find(R"("SessionId":"s1")") == 0 + 1);
    RequestFacts s = facts_for("StartSession");
    auto started = w.router.dispatch(
        *find_operation("StartSession"),
        json::object{{"WorkGroup", "wg"}, {"EngineConfiguration", json::object{{"MaxConcurrentDpus", 4}}}}, s);
    REQUIRE_FALSE(started.error);
    CHECK_FALSE(s.session_id.empty());
    CHECK(started.body.find(s.session_id) != std::string::npos);
}

TEST_CASE("stage deliver: error answers, transport faults, the journal's status") {
    Answer err;
    err.error = AwsError::serialization("x");
    auto d = Router::deliver(err, std::nullopt, "rid");
    CHECK(d.response.status == 400);
    CHECK(d.journal_status == 400);
    Answer ok;
    ok.body = R"({"a":"bcdefgh"})";
    ok.delay = std::chrono::milliseconds(7);
    FaultRule rule;
    rule.transport = Transport::Reset;
    d = Router::deliver(ok, rule, "rid");
    CHECK(d.response.delivery == Delivery::Reset);
    CHECK(d.response.delay == std::chrono::milliseconds(7));
    CHECK(d.journal_status == 0);
    rule.transport = Transport::Empty;
    d = Router::deliver(err, rule, "rid");
    CHECK(d.response.status == 200);
    CHECK(d.response.body.empty());
    rule.transport = Transport::MalformedJson;
    d = Router::deliver(ok, rule, "rid");
    CHECK(d.response.body == R"({"a":"b)");  // 15 bytes: 7 of them
    CHECK(d.journal_status == 200);
}

TEST_CASE("stage record: one journal entry and one metric sample from the facts") {
    World w;
    RequestFacts f = facts_for("GetSession");
    f.session_id = "s1";
    Delivered d;
    d.journal_status = 404;
    FaultRule rule;
    rule.id = "f1";
    w.router.record(std::move(f), d, "ResourceNotFoundException", "", rule, 1.5);
    auto entries = w.journal.query("GetSession", "s1", std::nullopt);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].request_id == "rid-1");
    CHECK(entries[0].status == 404);
    CHECK(entries[0].error_code == "ResourceNotFoundException");
    CHECK(entries[0].fault_id == "f1");
    CHECK(w.metrics.render({}).find(R"(operation="GetSession")") != std::string::npos);
}

TEST_CASE("admin query strings: decoded by Boost.URL, short values and '+' included") {
    World w;
    w.aws("AmazonAthena.GetSessionStatus", R"({"SessionId":"s1"})");
    w.aws("AmazonAthena.GetSession", R"({"SessionId":"s 1"})");
    CHECK(body(w.call("GET", "/_emulator/requests?session_id=s1"))["requests"].as_array().size() == 1);
    CHECK(body(w.call("GET", "/_emulator/requests?session_id=s+1"))["requests"].as_array().size() == 1);
    CHECK(body(w.call("GET", "/_emulator/requests?session_id=s%201&operation=GetSession"))["requests"]
              .as_array()
              .size() == 1);
    CHECK(body(w.call("GET", "/_emulator/requests?&&operation=GetSessionStatus"))["requests"].as_array().size() == 1);
    CHECK(w.call("GET", "/_emulator/requests?session_id=%zz").status == 400);
    CHECK(str(body(w.call("GET", "/_emulator/requests?bogus=1"))["error"]) ==
          "unknown filter 'bogus' (use operation, session_id, since, limit)");
    CHECK(str(body(w.call("GET", "/_emulator/requests?since=x"))["error"]) ==
          "since must be an RFC 3339 time or epoch seconds (got 'x')");
    CHECK(w.call("GET", "/_emulator/sessions/s1/history?account=123456789012&region=us-east-1").status == 200);
    CHECK(w.call("GET", "/_emulator/sessions/s1/history?account=210987654321").status == 404);
    CHECK(str(body(w.call("PUT", "/_emulator/clock"))["error"]) == "use GET or POST /_emulator/clock");
    CHECK(str(body(w.call("GET", "/_emulator/faults/x"))["error"]) == "use DELETE /_emulator/faults/{id}");
}
