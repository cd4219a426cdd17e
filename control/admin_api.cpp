#include "control/admin_api.hpp"

#include <openssl/crypto.h>
#include <boost/json.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>

#include <charconv>
#include <vector>

#include "control/fixture_parser.hpp"
#include "server/json_writer.hpp"
#include "server/time_format.hpp"

namespace athena {

// The whole admin API. A path that matches a pattern with another method answers 404 naming
// the methods it takes.
const AdminApi::Route AdminApi::kRoutes[] = {
    {"GET", "health", &AdminApi::health},
    {"POST", "reset", &AdminApi::reset},
    {"POST", "fixtures", &AdminApi::load_fixtures},
    {"GET", "clock", &AdminApi::get_clock},
    {"POST", "clock", &AdminApi::move_clock},
    {"GET", "faults", &AdminApi::list_faults},
    {"POST", "faults", &AdminApi::add_fault},
    {"DELETE", "faults", &AdminApi::clear_faults},
    {"DELETE", "faults/{id}", &AdminApi::remove_fault},
    {"GET", "requests", &AdminApi::list_requests},
    {"DELETE", "requests", &AdminApi::clear_requests},
    {"GET", "metrics", &AdminApi::metrics},
    {"GET", "state", &AdminApi::state},
    {"POST", "sessions/{id}/transition", &AdminApi::transition},
    {"GET", "sessions/{id}/history", &AdminApi::history},
    {"POST", "sessions/{id}/next-calculation-id", &AdminApi::next_calculation_id},
};

namespace {

namespace json = boost::json;
namespace urls = boost::urls;

HttpResponse json_response(unsigned status, const json::value& v) {
    HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = serialize_plain(v);  // latency_ms as 1.885588, not 1.885588E0
    repair_utf8(r.body);          // ids and paths from the request may hold any bytes
    return r;
}

// The admin status for a domain error; every ErrorKind is mapped here.
unsigned admin_status(ErrorKind k) {
    switch (k) {
        case ErrorKind::SessionNotFound:
        case ErrorKind::WorkgroupNotFound:
        case ErrorKind::ResourceNotFound: return 404;
        case ErrorKind::TooManyRequests:
        case ErrorKind::AlreadyExists: return 409;
        case ErrorKind::InvalidArgument:
        case ErrorKind::InvalidState:
        case ErrorKind::IdempotentParameterMismatch:
        case ErrorKind::AmbiguousId: return 400;
        case ErrorKind::ClockMode:
        case ErrorKind::ClockBackwards: return 409;
        case ErrorKind::Internal: return 500;
    }
    return 500;
}

// Parses a JSON object body ("" = {}); error text on failure.
std::optional<json::object> body_object(std::string_view body, std::string& error) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object{};
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec) {
        error = "the body is not valid JSON: " + ec.message();
        return std::nullopt;
    }
    if (!v.is_object()) {
        error = "the body must be a JSON object";
        return std::nullopt;
    }
    return std::move(v.get_object());
}

std::optional<Instant> json_time(const json::value& v) {
    if (v.is_string()) return parse_rfc3339(std::string_view(v.get_string().data(), v.get_string().size()));
    if (v.is_number()) return from_epoch_seconds(v.to_number<double>());
    return std::nullopt;
}

// The characters of a valid percent-encoded string, decoded ('+' as space). (Through
// decode_view: pct_string_view::decode() garbles short results with Debian's Boost 1.81.)
std::string decoded(urls::pct_string_view pct) {
    const urls::decode_view view(pct, urls::encoding_opts{true});
    return std::string(view.begin(), view.end());
}

// A percent-encoded path segment or query value, decoded ('+' as space); nullopt when malformed.
std::optional<std::string> decode(std::string_view s) {
    const std::string text(s);  // NUL-terminated, as for parse_query below
    auto pct = urls::make_pct_string_view(urls::string_view(text.c_str(), text.size()));
    if (!pct) return std::nullopt;
    return decoded(*pct);
}

// Splits `path` and `pattern` at '/' and compares them segment by segment; the segments
// under "{…}" go to `params`.
bool matches(std::string_view pattern, std::string_view path, std::vector<std::string_view>& params) {
    params.clear();
    while (true) {
        const auto pe = pattern.find('/'), se = path.find('/');
        const std::string_view want = pattern.substr(0, pe), got = path.substr(0, se);
        if (!want.empty() && want.front() == '{')
            params.push_back(got);
        else if (want != got)
            return false;
        if ((pe == std::string_view::npos) != (se == std::string_view::npos)) return false;
        if (pe == std::string_view::npos) return true;
        pattern.remove_prefix(pe + 1);
        path.remove_prefix(se + 1);
    }
}

// "use GET or POST /_emulator/clock" for a path whose pattern takes other methods.
std::string usage(const std::vector<std::string_view>& methods, std::string_view pattern) {
    std::string s = "use ";
    for (std::size_t i = 0; i < methods.size(); ++i)
        s += std::string(i == 0 ? "" : i + 1 == methods.size() ? " or " : ", ") + std::string(methods[i]);
    return s + " /_emulator/" + std::string(pattern);
}

// The parameters of a query string, decoded ('+' as space); nullopt when malformed. (Debian's
// Boost 1.81 declares but does not define params_view's encoding_opts constructor, so the
// decoded parameters are built here from the encoded view.)
struct QueryParam {
    std::string key, value;
    bool has_value;
};

std::optional<std::vector<QueryParam>> query_params(std::string_view query) {
    // A copy: Debian's Boost 1.81 parse_query reads its argument up to a NUL (strlen).
    const std::string text(query);
    auto parsed = urls::parse_query(urls::string_view(text.c_str(), text.size()));
    if (!parsed) return std::nullopt;
    std::vector<QueryParam> out;
    for (const urls::param_pct_view p : *parsed)
        out.push_back(QueryParam{decoded(p.key), decoded(p.value), p.has_value});
    return out;
}

// The tenant named by ?account=&region= (either may be absent), or nullopt for any tenant.
std::optional<Tenant> query_tenant(const std::vector<QueryParam>& q, const Tenant& fallback) {
    std::optional<Tenant> t;
    for (const auto& p : q) {
        if (p.key != "account" && p.key != "region") continue;
        if (!t) t = fallback;
        (p.key == "account" ? t->account : t->region) = p.value;
    }
    return t;
}

// What a sessions/{id}/... call names: the session id and its tenant (?account=&region=).
struct SessionTarget {
    std::string id;
    std::optional<Tenant> tenant;
};

std::optional<SessionTarget> session_target(const AdminCall& call, const Tenant& fallback) {
    auto id = decode(call.params[0]);
    auto query = query_params(call.query);
    if (!id || id->empty() || !query) return std::nullopt;
    return SessionTarget{std::move(*id), query_tenant(*query, fallback)};
}

constexpr std::string_view kMalformedSessionPath = "malformed session id or query in the path";

// A ?limit= value: 1 to 100000.
std::optional<std::size_t> parse_limit(const std::string& v) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || end != v.data() + v.size() || n < 1 || n > 100000) return std::nullopt;
    return n;
}

}  // namespace

HttpResponse admin_error(unsigned status, std::string message) {
    // The message may echo path bytes that are not UTF-8: append_json_string keeps it valid JSON.
    HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = "{\"error\":";
    append_json_string(r.body, message);
    r.body += '}';
    return r;
}

HttpResponse admin_error(const Error& e) { return admin_error(admin_status(e.kind), e.message); }

// A sessions/{id}/... call with a JSON object body: its target and body, or the 400 to answer.
struct SessionCall {
    SessionTarget target;
    json::object body;
    std::optional<HttpResponse> refused;
};

SessionCall session_call(const AdminCall& call, const Tenant& fallback) {
    auto t = session_target(call, fallback);
    if (!t) return {{}, {}, admin_error(400, std::string(kMalformedSessionPath))};
    std::string err;
    auto b = body_object(call.req.body, err);
    if (!b) return {{}, {}, admin_error(400, err)};
    return {std::move(*t), std::move(*b), std::nullopt};
}

std::optional<std::string> url_decode(std::string_view s) { return decode(s); }

AdminApi::AdminApi(Services& service, AdminOptions opts, Observability obs, std::vector<FaultRule> startup_faults)
    : service_(service),
      opts_(std::move(opts)),
      obs_(obs),
      startup_faults_(std::move(startup_faults)),
      started_(obs.steady()) {}

HttpResponse AdminApi::handle(const HttpRequest& req, std::string_view full) {
    const auto qpos = full.find('?');
    const std::string_view path = full.substr(0, qpos);
    const std::string_view query = qpos == std::string_view::npos ? std::string_view{} : full.substr(qpos + 1);
    if (path != "health") {
        if (!opts_.enabled)
            return admin_error(404, "the admin API is off (--admin off); only /_emulator/health answers");
        if (auto page = console_.asset(req, path)) return std::move(*page);  // no token: the page asks for it
        if (auto refused = refuse(req)) return *refused;
        if (auto r = console_.api(req, path, query)) return std::move(*r);
    }
    std::vector<std::string_view> params, methods;
    std::string_view pattern;
    for (const Route& route : kRoutes) {
        if (!matches(route.pattern, path, params)) continue;
        pattern = route.pattern;
        if (route.method != req.method) {
            methods.push_back(route.method);
            continue;
        }
        return (this->*route.handler)(AdminCall{req, std::move(params), query});
    }
    if (!methods.empty()) return admin_error(404, usage(methods, pattern));
    return admin_error(404, "no admin endpoint " + std::string(req.method) + " /_emulator/" + std::string(path) +
                                " (see the README's admin API table)");
}

// Why a request may not use the admin API (off, or without the token), if it may not.
std::optional<HttpResponse> AdminApi::refuse(const HttpRequest& req) const {
    if (!opts_.enabled) return admin_error(404, "the admin API is off (--admin off); only /_emulator/health answers");
    if (!opts_.token) return std::nullopt;
    const std::string expected = "Bearer " + *opts_.token;
    if (req.authorization.size() == expected.size() &&
        CRYPTO_memcmp(req.authorization.data(), expected.data(), expected.size()) == 0)
        return std::nullopt;
    return admin_error(401,
                       "missing or wrong admin token: send 'Authorization: Bearer <token>' "
                       "with the value of --admin-token");
}

HttpResponse AdminApi::health(const AdminCall&) {
    const auto up = std::chrono::duration_cast<std::chrono::milliseconds>(obs_.steady() - started_);
    return json_response(200,
                         json::object{{"status", "ok"}, {"version", ATHENA_EMU_VERSION}, {"uptime_ms", up.count()}});
}

HttpResponse AdminApi::reset(const AdminCall& call) {
    std::string err;
    auto body = body_object(call.req.body, err);
    if (!body) return admin_error(400, err);
    bool fixtures = true;
    if (auto it = body->find("fixtures"); it != body->end()) {
        if (!it->value().is_bool()) return admin_error(400, "fixtures must be true or false");
        fixtures = it->value().get_bool();
    }
    auto r = service_.control.reset(fixtures);
    if (!r) return admin_error(r.error());
    obs_.faults.clear();
    obs_.journal.clear();
    if (fixtures)
        for (auto rule : startup_faults_) obs_.faults.add(rule);
    return json_response(200, json::object{});
}

HttpResponse AdminApi::load_fixtures(const AdminCall& call) {
    auto doc = parse_fixture_document(call.req.body, "request body");
    if (!doc) return admin_error(doc.error());
    for (std::size_t i = 0; i < doc->faults.size(); ++i)
        for (const auto& existing : obs_.faults.list())
            if (!doc->faults[i].id.empty() && existing.id == doc->faults[i].id)
                return admin_error(400, "request body: faults[" + std::to_string(i) + "].id: a fault rule with id '" +
                                            existing.id + "' exists");
    auto r = service_.control.apply_fixtures(doc->set);
    if (!r) return admin_error(r.error());
    for (auto& rule : doc->faults) obs_.faults.add(rule);
    return json_response(
        200, json::object{{"applied", json::object{{"profiles", r->profiles},
                                                   {"scenarios", r->scenarios},
                                                   {"workgroups", r->workgroups},
                                                   {"sessions", r->sessions},
                                                   {"outcomes", r->outcomes},
                                                   {"notebooks", r->notebooks},
                                                   {"faults", static_cast<std::int64_t>(doc->faults.size())}}}});
}

HttpResponse AdminApi::get_clock(const AdminCall&) {
    const Instant now = service_.now();
    return json_response(200, json::object{{"mode", service_.clock_mode() == ClockMode::Manual ? "manual" : "system"},
                                           {"now", format_rfc3339_ms(now)},
                                           {"epoch_ms", to_epoch_ms(now)}});
}

HttpResponse AdminApi::move_clock(const AdminCall& call) {
    std::string err;
    auto body = body_object(call.req.body, err);
    if (!body) return admin_error(400, err);
    const auto* adv = body->if_contains("advance_ms");
    const auto* set = body->if_contains("set");
    if ((adv != nullptr) == (set != nullptr))
        return admin_error(400, "give exactly one of {\"advance_ms\": N} or {\"set\": TIME}");
    if (adv) {
        if (!adv->is_int64() && !adv->is_uint64())
            return admin_error(400, "advance_ms must be an integer number of milliseconds");
        if (adv->is_int64() && adv->get_int64() < 0)
            return admin_error(400, "advance_ms must be >= 0: the manual clock never moves backwards");
        if (auto r = service_.control.advance_clock(Millis{adv->to_number<std::int64_t>()}); !r)
            return admin_error(r.error());
    } else {
        auto t = json_time(*set);
        if (!t)
            return admin_error(400, "set must be an RFC 3339 time such as \"2026-01-01T00:00:00Z\" or epoch seconds");
        if (auto r = service_.control.set_clock(*t); !r) return admin_error(r.error());
    }
    return get_clock(call);
}

HttpResponse AdminApi::list_faults(const AdminCall&) {
    json::array a;
    for (const auto& r : obs_.faults.list()) a.push_back(fault_rule_json(r));
    return json_response(200, json::object{{"faults", std::move(a)}});
}

HttpResponse AdminApi::add_fault(const AdminCall& call) {
    boost::system::error_code ec;
    auto v = json::parse(call.req.body, ec);
    if (ec) return admin_error(400, "the body is not valid JSON: " + ec.message());
    std::string err;
    auto rule = parse_fault_rule(v, "$", err);
    if (!rule) return admin_error(400, err);
    if (auto e = obs_.faults.add(*rule)) return admin_error(400, *e);
    return json_response(200, fault_rule_json(*rule));
}

HttpResponse AdminApi::clear_faults(const AdminCall&) {
    obs_.faults.clear();
    return json_response(200, json::object{});
}

HttpResponse AdminApi::remove_fault(const AdminCall& call) {
    auto id = decode(call.params[0]);
    if (!id || !obs_.faults.remove(*id)) return admin_error(404, "no fault rule '" + std::string(call.params[0]) + "'");
    return json_response(200, json::object{});
}

HttpResponse AdminApi::list_requests(const AdminCall& call) {
    std::string operation, session_id;
    std::optional<Instant> since;
    std::optional<std::size_t> limit;  // the newest N
    auto query = query_params(call.query);
    if (!query) return admin_error(400, "malformed query string");
    for (const auto& p : *query) {
        if (p.key.empty() && !p.has_value) continue;
        if (p.key == "operation")
            operation = p.value;
        else if (p.key == "session_id")
            session_id = p.value;
        else if (p.key == "since") {
            since = parse_time_text(p.value);
            if (!since)
                return admin_error(400, "since must be an RFC 3339 time or epoch seconds (got '" + p.value + "')");
        } else if (p.key == "limit") {
            limit = parse_limit(p.value);
            if (!limit) return admin_error(400, "limit must be an integer from 1 to 100000 (got '" + p.value + "')");
        } else {
            return admin_error(400, "unknown filter '" + p.key + "' (use operation, session_id, since, limit)");
        }
    }
    const auto entries = obs_.journal.query(operation, session_id, since);
    const std::size_t first = limit && entries.size() > *limit ? entries.size() - *limit : 0;
    json::array out;
    for (std::size_t i = first; i < entries.size(); ++i) out.push_back(journal_entry_json(entries[i]));
    return json_response(200, json::object{{"requests", std::move(out)}});
}

HttpResponse AdminApi::clear_requests(const AdminCall&) {
    obs_.journal.clear();
    return json_response(200, json::object{});
}

HttpResponse AdminApi::metrics(const AdminCall&) {
    std::vector<std::pair<std::string, std::int64_t>> gauges;
    for (const auto& [state, n] : service_.control.sessions_by_state())
        gauges.emplace_back(std::string(to_string(state)), n);
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = obs_.metrics.render(gauges);
    return r;
}

HttpResponse AdminApi::state(const AdminCall&) {
    auto snap = service_.control.export_state();
    if (!snap) return admin_error(snap.error());
    return json_response(200, state_document(*snap, obs_.faults.list()));
}

HttpResponse AdminApi::transition(const AdminCall& call) {
    auto [target, body, refused] = session_call(call, service_.default_tenant());
    if (refused) return *refused;
    const auto* st = body.if_contains("state");
    if (!st || !st->is_string())
        return admin_error(
            400, "state is required: one of CREATING, CREATED, IDLE, BUSY, TERMINATING, TERMINATED, DEGRADED, FAILED");
    auto state = parse_session_state(std::string_view(st->get_string().data(), st->get_string().size()));
    if (!state)
        return admin_error(
            400,
            "state must be one of CREATING, CREATED, IDLE, BUSY, TERMINATING, TERMINATED, DEGRADED, FAILED (got \"" +
                std::string(st->get_string()) + "\")");
    std::string reason;
    if (const auto* r = body.if_contains("reason")) {
        if (!r->is_string() || r->get_string().empty() || r->get_string().size() > 1024)
            return admin_error(400, "reason must be a string of 1 to 1024 characters");
        reason = std::string(r->get_string());
    }
    auto r = service_.control.force_transition(target.id, target.tenant, *state, std::move(reason));
    if (!r) return admin_error(r.error());
    return json_response(200, json::object{{"session_id", r->session_id},
                                           {"state", std::string(to_string(r->state))},
                                           {"time", format_rfc3339_ms(r->at)},
                                           {"epoch_ms", to_epoch_ms(r->at)}});
}

HttpResponse AdminApi::next_calculation_id(const AdminCall& call) {
    auto [target, body, refused] = session_call(call, service_.default_tenant());
    if (refused) return *refused;
    const auto* cid = body.if_contains("id");
    if (!cid || !cid->is_string())
        return admin_error(400,
                           "id is required: the calculation id (1 to 36 characters) the session's next "
                           "StartCalculationExecution returns, e.g. {\"id\": \"calc-1\"}");
    auto r = service_.control.set_next_calculation_id(target.id, target.tenant, std::string(cid->get_string()));
    if (!r) return admin_error(r.error());
    return json_response(200, json::object{{"session_id", *r}, {"next_calculation_id", cid->get_string()}});
}

HttpResponse AdminApi::history(const AdminCall& call) {
    auto target = session_target(call, service_.default_tenant());
    if (!target) return admin_error(400, std::string(kMalformedSessionPath));
    auto r = service_.control.history(target->id, target->tenant);
    if (!r) return admin_error(r.error());
    json::array transitions;
    for (const Step& s : r->transitions) {
        json::object o{{"state", std::string(to_string(s.state))},
                       {"time", format_rfc3339_ms(s.at)},
                       {"epoch_ms", to_epoch_ms(s.at)}};
        if (!s.reason.empty()) o["reason"] = s.reason;
        o["cause"] = std::string(to_string(s.cause));
        transitions.push_back(std::move(o));
    }
    return json_response(200, json::object{{"session_id", r->session_id}, {"transitions", std::move(transitions)}});
}

}  // namespace athena
