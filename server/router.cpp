#include "server/router.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "server/aws_error.hpp"
#include "server/operations.hpp"
#include "server/request_id.hpp"

namespace athena {
namespace {

constexpr std::string_view kTargetPrefix = "AmazonAthena.";
constexpr std::string_view kAdminPrefix = "/_emulator/";

// Ids and names taken from a request before validation are journaled, logged and used as
// metric labels: cut to this many bytes (between characters), so a 1 MiB SessionId or ten
// thousand made-up X-Amz-Targets cannot grow the journal or the metrics without bound.
constexpr std::size_t kMaxEchoedBytes = 256;

std::string bounded(std::string s) {
    if (s.size() <= kMaxEchoedBytes) return s;
    std::size_t cut = kMaxEchoedBytes;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
    return s + "...";
}

struct ParsedBody {
    boost::json::object body;
    AwsError error{};
    bool ok{false};
    explicit operator bool() const { return ok; }
};

// An AWS request body: a JSON object. Real Athena reads no other body, an empty one included
// (SDKs always send `{}`), and says nothing about why: the reason goes to the log line.
ParsedBody parse_body(std::string_view text, std::size_t max_depth) {
    ParsedBody out;
    boost::system::error_code ec;
    boost::json::parse_options popts;
    popts.max_depth = max_depth;
    auto v = boost::json::parse(text, ec, {}, popts);
    if (ec == boost::json::error::too_deep)
        out.error = AwsError::serialization("The request body nests deeper than " + std::to_string(max_depth) +
                                            " levels (--max-json-depth)");
    else if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        out.error = AwsError::unreadable_body("the request body is empty: send a JSON object ({} for no parameters)");
    else if (ec)
        out.error = AwsError::unreadable_body("the request body is not valid JSON (" + ec.message() + ")");
    else if (v.is_array())
        out.error = AwsError::serialization("Start of list found where not expected");
    else if (!v.is_object())
        out.error = AwsError::unreadable_body("the request body is JSON but not an object");
    else {
        out.body = std::move(v.get_object());
        out.ok = true;
    }
    return out;
}

bool all_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

Tenant tenant_from_authorization(std::string_view auth, const Tenant& fallback, const CredentialStore* credentials) {
    Tenant t = fallback;
    const auto pos = auth.find("Credential=");
    if (pos == std::string_view::npos) return t;
    std::string_view cred = auth.substr(pos + 11);
    cred = cred.substr(0, cred.find_first_of(", "));
    const auto slash1 = cred.find('/');
    const std::string_view key = cred.substr(0, slash1);
    if (key.size() == 12 && all_digits(key))
        t.account = std::string(key);
    else if (const Credential* c = credentials ? credentials->find(key) : nullptr)
        t.account = c->account_id;
    if (slash1 == std::string_view::npos) return t;
    const auto slash2 = cred.find('/', slash1 + 1);
    if (slash2 == std::string_view::npos) return t;
    const auto slash3 = cred.find('/', slash2 + 1);
    const std::string_view region = cred.substr(slash2 + 1, slash3 == std::string_view::npos ? std::string_view::npos : slash3 - slash2 - 1);
    if (!region.empty()) t.region = std::string(region);
    return t;
}

HttpResponse Router::handle(const HttpRequest& req) {
    if (req.target.substr(0, kAdminPrefix.size()) == kAdminPrefix)
        return admin_.handle(req, req.target.substr(kAdminPrefix.size()));
    const std::string_view path = req.target.substr(0, req.target.find('?'));
    if (path == "/" && req.method == "POST") return handle_aws(req);
    const std::string request_id = new_request_id();
    const auto e = AwsError::unknown_operation(404, "No operation at " + bounded(std::string(req.method)) + " " +
                                                        bounded(std::string(path)) +
                                                        ": AWS requests are POST / with an X-Amz-Target header; the "
                                                        "emulator's own API is under /_emulator/");
    if (log_.enabled(LogLevel::Info))
        log_.log(LogLevel::Info, "request",
                 {{"request_id", request_id}, {"status", "404", true}, {"error", e.code}, {"reason", e.log_reason}});
    return aws_error_response(e, request_id);
}

HttpResponse Router::handle_aws(const HttpRequest& req) {
    const auto started = std::chrono::steady_clock::now();
    const Instant received = obs_.wall.now();
    const Instant received_clock = service_.now();
    const std::string request_id = new_request_id();
    // Under --auth sigv4 this is what the request claims until its signature is verified.
    Tenant tenant = tenant_from_authorization(req.authorization, service_.default_tenant(), auth_.credentials);
    std::string operation;
    std::string session_id, calculation_id, workgroup;
    std::optional<AwsError> error;
    std::optional<FaultRule> fault;
    HttpResponse resp;

    auto fail = [&](AwsError e) { error = std::move(e); };
    do {
        if (req.amz_target.empty()) {
            fail(AwsError::unknown_operation(400, "Missing X-Amz-Target header: send 'X-Amz-Target: AmazonAthena.<Operation>'"));
            break;
        }
        if (req.amz_target.substr(0, kTargetPrefix.size()) != kTargetPrefix) {
            fail(AwsError::unknown_operation(400, "Unknown target '" + bounded(std::string(req.amz_target)) +
                                                      "': athena-emu serves 'AmazonAthena.<Operation>'"));
            break;
        }
        operation = bounded(std::string(req.amz_target.substr(kTargetPrefix.size())));
        const Operation* op = find_operation(operation);
        if (!op) {
            fail(AwsError::unknown_operation(
                400, is_athena_operation(operation)
                         ? "Operation " + operation + " is outside the Athena session API that athena-emu emulates"
                         : "Unknown operation " + operation + " (names are case-sensitive)"));
            break;
        }
        if (auth_.sigv4) {
            auto verified = auth_.sigv4->verify(Sigv4Request{req.method, req.target, req.headers, req.body}, received);
            if (!verified) {
                if (!verified.canonical_request.empty() && log_.enabled(LogLevel::Info))
                    log_.log(LogLevel::Info, "signature mismatch: compare with what your client signed",
                             {{"request_id", request_id},
                              {"canonical_request", verified.canonical_request},
                              {"string_to_sign", verified.string_to_sign}});
                fail(std::move(*verified.error));
                break;
            }
            tenant = std::move(*verified.tenant);
        }
        auto parsed = parse_body(req.body, max_json_depth_);
        if (!parsed) {
            fail(std::move(parsed.error));
            break;
        }
        boost::json::object input = std::move(parsed.body);
        auto member = [&](std::string_view name) -> std::string {
            auto it = input.find(name);
            return it != input.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
        };
        session_id = bounded(member("SessionId"));
        calculation_id = bounded(member("CalculationExecutionId"));
        workgroup = bounded(member("WorkGroup"));
        if (workgroup.empty() && operation == "CreateWorkGroup") workgroup = bounded(member("Name"));

        fault = obs_.faults.decide(FaultFacts{operation, session_id, workgroup, tenant.account, tenant.region});
        if (fault) {
            obs_.metrics.fault_fired(fault->id);
            log_.log(LogLevel::Warn, "fault fired",
                     {{"request_id", request_id}, {"fault_id", fault->id}, {"operation", operation}});
            resp.delay = std::chrono::milliseconds(fault->latency_ms);
            if (fault->error) {
                AwsError e{fault->status.value_or(default_fault_status(*fault->error)), *fault->error,
                           fault->message.value_or("Injected by athena-emu fault rule " + fault->id + "."), {}, {}};
                for (const auto& kv : fault->members)
                    e.raw_members.emplace_back(std::string(kv.key()), boost::json::serialize(kv.value()));
                fail(std::move(e));
                break;
            }
            // A request whose answer is lost on the way was never processed.
            if (fault->transport == Transport::Reset || fault->transport == Transport::Close ||
                fault->transport == Transport::Stall)
                break;
        }

        auto valid = validate(*op->input, input);
        if (valid.serialization_error) {
            fail(AwsError::serialization(*valid.serialization_error));
            break;
        }
        if (!valid.violations.empty()) {
            fail(AwsError::invalid_request(valid.message()));
            break;
        }
        try {
            OperationContext ctx{service_, tenant};
            OperationOutcome out = op->handler(ctx, input);
            if (!out.session_id.empty()) session_id = std::move(out.session_id);
            if (!out.calculation_id.empty()) calculation_id = std::move(out.calculation_id);
            if (out.error)
                fail(std::move(*out.error));
            else
                resp.body = std::move(out.body);
        } catch (const std::exception& e) {
            log_.log(LogLevel::Error, "operation failed", {{"request_id", request_id}, {"operation", operation}, {"error", e.what()}});
            fail(AwsError::internal("athena-emu failed to process the request: " + std::string(e.what())));
        }
    } while (false);

    const auto delay = resp.delay;
    if (error) {
        resp = aws_error_response(*error, request_id);
    } else {
        std::string body = std::move(resp.body);
        resp = aws_success_response(std::move(body), request_id);
    }
    resp.delay = delay;
    unsigned journal_status = resp.status;
    if (fault && !fault->error) {
        switch (fault->transport) {
            case Transport::None: break;
            case Transport::Reset: resp.delivery = Delivery::Reset; journal_status = 0; break;
            case Transport::Close: resp.delivery = Delivery::Close; journal_status = 0; break;
            case Transport::Stall: resp.delivery = Delivery::Stall; journal_status = 0; break;
            case Transport::Empty:
                resp.status = 200;
                resp.body.clear();
                journal_status = 200;
                break;
            case Transport::MalformedJson:
                resp.status = 200;
                // The real answer cut in half: JSON that does not parse.
                resp.body = resp.body.substr(0, std::max<std::size_t>(1, resp.body.size() / 2));
                journal_status = 200;
                break;
        }
    }

    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count() +
                      static_cast<double>(delay.count());
    const std::string error_code = error ? error->code : std::string();
    // One label for every name that is no Athena operation: the label set stays bounded.
    const std::string_view label = operation.empty()                                      ? std::string_view("-")
                                   : find_operation(operation) || is_athena_operation(operation) ? std::string_view(operation)
                                                                                                 : std::string_view("(unknown)");
    obs_.metrics.observe(label, journal_status, error_code, ms / 1000.0);
    obs_.journal.add(JournalEntry{received, request_id, tenant.account, tenant.region, operation, session_id,
                                  calculation_id, workgroup, journal_status, error_code, ms, fault ? fault->id : std::string(),
                                  received_clock});
    if (log_.enabled(LogLevel::Info)) {
        char latency[32];
        std::snprintf(latency, sizeof latency, "%.3f", ms);
        std::vector<LogField> f{{"request_id", request_id},
                                {"account", tenant.account},
                                {"region", tenant.region},
                                {"operation", operation.empty() ? "-" : operation}};
        if (!session_id.empty()) f.push_back({"session_id", session_id});
        if (!calculation_id.empty()) f.push_back({"calculation_id", calculation_id});
        f.push_back({"status", std::to_string(journal_status), true});
        if (error) f.push_back({"error", error->code});
        if (error && !error->log_reason.empty()) f.push_back({"reason", error->log_reason});
        f.push_back({"latency_ms", latency, true});
        if (fault) f.push_back({"fault_id", fault->id});
        log_.log(LogLevel::Info, "request", f);
    }
    return resp;
}

}  // namespace athena
