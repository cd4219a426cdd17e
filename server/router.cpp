#include "server/router.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

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
ParsedBody parse_json_body(std::string_view text, std::size_t max_depth) {
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

std::string string_member(const boost::json::object& input, std::string_view name) {
    auto it = input.find(name);
    return it != input.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

// A request whose answer is lost on the way was never processed.
bool lost_in_transport(const FaultRule& rule) {
    return rule.transport == Transport::Reset || rule.transport == Transport::Close ||
           rule.transport == Transport::Stall;
}

// One label for every name that is no Athena operation: the label set stays bounded.
std::string_view metric_label(const std::string& operation) {
    if (operation.empty()) return "-";
    if (find_operation(operation) || is_athena_operation(operation)) return operation;
    return "(unknown)";
}

Answer failed(AwsError e) {
    Answer a;
    a.error = std::move(e);
    return a;
}

bool is_admin(std::string_view target) { return target.substr(0, kAdminPrefix.size()) == kAdminPrefix; }

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
    const std::string_view region =
        cred.substr(slash2 + 1, slash3 == std::string_view::npos ? std::string_view::npos : slash3 - slash2 - 1);
    if (!region.empty()) t.region = std::string(region);
    return t;
}

AwsError injected_error(const FaultRule& rule) {
    AwsError e{rule.status.value_or(default_fault_status(*rule.error)),
               *rule.error,
               rule.message.value_or("Injected by athena-emu fault rule " + rule.id + "."),
               {},
               {}};
    for (const auto& kv : rule.members)
        e.raw_members.emplace_back(std::string(kv.key()), boost::json::serialize(kv.value()));
    return e;
}

BodyLimit Router::body_limit(std::string_view target, const HttpLimits& limits) {
    if (is_admin(target)) return {limits.max_admin_body_bytes, "--max-admin-body-bytes"};
    return {limits.max_body_bytes, "--max-body-bytes"};
}

HttpResponse Router::handle(const HttpRequest& req) {
    if (is_admin(req.target)) return admin_.handle(req, req.target.substr(kAdminPrefix.size()));
    const std::string_view path = req.target.substr(0, req.target.find('?'));
    if (path == "/" && req.method == "POST" && !req.amz_target.empty()) return handle_aws(req);
    // Without X-Amz-Target: S3 when it looks like S3 (s3_api.hpp), else as before.
    if (req.amz_target.empty() && is_s3_request(req)) return s3_.handle(req);
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
    const auto started = obs_.steady();
    RequestFacts facts{new_request_id(),
                       obs_.wall.now(),
                       service_.now(),
                       tenant_from_authorization(req.authorization, service_.default_tenant(), auth_.credentials),
                       {},
                       {},
                       {},
                       {}};
    std::optional<FaultRule> fault;
    Answer a = answer(req, facts, fault);
    std::string error_code = a.error ? a.error->code : std::string();
    std::string log_reason = a.error ? a.error->log_reason : std::string();
    const auto delay = a.delay;
    Delivered out = deliver(std::move(a), fault, facts.request_id);
    const double ms =
        std::chrono::duration<double, std::milli>(obs_.steady() - started).count() + static_cast<double>(delay.count());
    record(std::move(facts), out, std::move(error_code), log_reason, fault, ms);
    return std::move(out.response);
}

// The stages up to dispatch; the first that fails answers.
Answer Router::answer(const HttpRequest& req, RequestFacts& facts, std::optional<FaultRule>& fault) const {
    auto target = parse_target(req.amz_target, facts);
    if (auto* e = std::get_if<AwsError>(&target)) return failed(std::move(*e));
    if (auto e = authenticate(req, facts)) return failed(std::move(*e));
    auto input = parse_body(req.body, facts);
    if (auto* e = std::get_if<AwsError>(&input)) return failed(std::move(*e));
    fault = decide_fault(facts);
    const auto delay = std::chrono::milliseconds(fault ? fault->latency_ms : 0);
    Answer a;
    if (fault && fault->error)
        a = failed(injected_error(*fault));
    else if (!fault || !lost_in_transport(*fault))
        a = dispatch(*std::get<const Operation*>(target), std::get<boost::json::object>(input), facts);
    a.delay = delay;
    return a;
}

std::variant<const Operation*, AwsError> Router::parse_target(std::string_view amz_target, RequestFacts& facts) const {
    if (amz_target.empty())
        return AwsError::unknown_operation(
            400, "Missing X-Amz-Target header: send 'X-Amz-Target: AmazonAthena.<Operation>'");
    if (amz_target.substr(0, kTargetPrefix.size()) != kTargetPrefix)
        return AwsError::unknown_operation(400, "Unknown target '" + bounded(std::string(amz_target)) +
                                                    "': athena-emu serves 'AmazonAthena.<Operation>'");
    facts.operation = bounded(std::string(amz_target.substr(kTargetPrefix.size())));
    if (const Operation* op = find_operation(facts.operation)) return op;
    return AwsError::unknown_operation(
        400, is_athena_operation(facts.operation)
                 ? "Operation " + facts.operation + " is outside the Athena session API that athena-emu emulates"
                 : "Unknown operation " + facts.operation + " (names are case-sensitive)");
}

std::optional<AwsError> Router::authenticate(const HttpRequest& req, RequestFacts& facts) const {
    if (!auth_.sigv4) return std::nullopt;
    auto verified = auth_.sigv4->verify(Sigv4Request{req.method, req.target, req.headers, req.body}, facts.received);
    if (verified) {
        facts.tenant = std::move(*verified.tenant);
        return std::nullopt;
    }
    if (!verified.canonical_request.empty() && log_.enabled(LogLevel::Info))
        log_.log(LogLevel::Info, "signature mismatch: compare with what your client signed",
                 {{"request_id", facts.request_id},
                  {"canonical_request", verified.canonical_request},
                  {"string_to_sign", verified.string_to_sign}});
    return std::move(*verified.error);
}

std::variant<boost::json::object, AwsError> Router::parse_body(std::string_view body, RequestFacts& facts) const {
    auto parsed = parse_json_body(body, max_json_depth_);
    if (!parsed) return std::move(parsed.error);
    boost::json::object input = std::move(parsed.body);
    facts.session_id = bounded(string_member(input, "SessionId"));
    facts.calculation_id = bounded(string_member(input, "CalculationExecutionId"));
    facts.workgroup = bounded(string_member(input, "WorkGroup"));
    if (facts.workgroup.empty() && facts.operation == "CreateWorkGroup")
        facts.workgroup = bounded(string_member(input, "Name"));
    return input;
}

std::optional<FaultRule> Router::decide_fault(const RequestFacts& facts) const {
    auto fault = obs_.faults.decide(
        FaultFacts{facts.operation, facts.session_id, facts.workgroup, facts.tenant.account, facts.tenant.region});
    if (fault) {
        obs_.metrics.fault_fired(fault->id);
        log_.log(LogLevel::Warn, "fault fired",
                 {{"request_id", facts.request_id}, {"fault_id", fault->id}, {"operation", facts.operation}});
    }
    return fault;
}

Answer Router::dispatch(const Operation& op, const boost::json::object& input, RequestFacts& facts) const {
    auto valid = validate(*op.input, input);
    if (valid.serialization_error) return failed(AwsError::serialization(*valid.serialization_error));
    if (!valid.violations.empty()) return failed(AwsError::invalid_request(valid.message()));
    try {
        OperationContext ctx{service_, facts.tenant};
        OperationOutcome out = op.handler(ctx, input);
        if (!out.session_id.empty()) facts.session_id = bounded(std::move(out.session_id));
        if (!out.calculation_id.empty()) facts.calculation_id = bounded(std::move(out.calculation_id));
        if (out.error) return failed(std::move(*out.error));
        Answer a;
        a.body = std::move(out.body);
        return a;
    } catch (const std::exception& e) {
        log_.log(LogLevel::Error, "operation failed",
                 {{"request_id", facts.request_id}, {"operation", facts.operation}, {"error", e.what()}});
        return failed(AwsError::internal("athena-emu failed to process the request: " + std::string(e.what())));
    }
}

Delivered Router::deliver(Answer answer, const std::optional<FaultRule>& fault, const std::string& request_id) {
    Delivered out;
    out.response = answer.error ? aws_error_response(*answer.error, request_id)
                                : aws_success_response(std::move(answer.body), request_id);
    out.response.delay = answer.delay;
    out.journal_status = out.response.status;
    if (!fault || fault->error) return out;
    HttpResponse& resp = out.response;
    switch (fault->transport) {
        case Transport::None: break;
        case Transport::Reset:
            resp.delivery = Delivery::Reset;
            out.journal_status = 0;
            break;
        case Transport::Close:
            resp.delivery = Delivery::Close;
            out.journal_status = 0;
            break;
        case Transport::Stall:
            resp.delivery = Delivery::Stall;
            out.journal_status = 0;
            break;
        case Transport::Empty:
            resp.status = 200;
            resp.body.clear();
            out.journal_status = 200;
            break;
        case Transport::MalformedJson:
            resp.status = 200;
            // The real answer cut in half: JSON that does not parse.
            resp.body = resp.body.substr(0, std::max<std::size_t>(1, resp.body.size() / 2));
            out.journal_status = 200;
            break;
    }
    return out;
}

void Router::record(RequestFacts&& facts, const Delivered& out, std::string error_code, const std::string& log_reason,
                    const std::optional<FaultRule>& fault, double ms) const {
    obs_.metrics.observe(metric_label(facts.operation), out.journal_status, error_code, ms / 1000.0);
    if (log_.enabled(LogLevel::Info)) log_request(facts, out.journal_status, error_code, log_reason, fault, ms);
    obs_.journal.add(JournalEntry{facts.received, std::move(facts.request_id), std::move(facts.tenant.account),
                                  std::move(facts.tenant.region), std::move(facts.operation),
                                  std::move(facts.session_id), std::move(facts.calculation_id),
                                  std::move(facts.workgroup), out.journal_status, std::move(error_code), ms,
                                  fault ? fault->id : std::string(), facts.received_clock});
}

void Router::log_request(const RequestFacts& facts, unsigned status, const std::string& error_code,
                         const std::string& log_reason, const std::optional<FaultRule>& fault, double ms) const {
    auto f = request_log_fields(facts.request_id, facts.tenant.account, facts.tenant.region, facts.operation);
    if (!facts.session_id.empty()) f.push_back({"session_id", facts.session_id});
    if (!facts.calculation_id.empty()) f.push_back({"calculation_id", facts.calculation_id});
    f.push_back({"status", std::to_string(status), true});
    if (!error_code.empty()) f.push_back({"error", error_code});
    if (!log_reason.empty()) f.push_back({"reason", log_reason});
    f.push_back({"latency_ms", latency_ms_text(ms), true});
    if (fault) f.push_back({"fault_id", fault->id});
    log_.log(LogLevel::Info, "request", f);
}

}  // namespace athena
