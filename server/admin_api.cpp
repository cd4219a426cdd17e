#include "server/admin_api.hpp"

#include <boost/json.hpp>
#include <openssl/crypto.h>

#include <vector>

#include "server/fixture_parser.hpp"
#include "server/time_format.hpp"

namespace athena {
namespace {

namespace json = boost::json;

HttpResponse json_response(unsigned status, const json::value& v) {
    HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = json::serialize(v);
    return r;
}

HttpResponse admin_error(unsigned status, std::string message) {
    return json_response(status, json::object{{"error", std::move(message)}});
}

// The admin status for a domain error; every ErrorKind is mapped here.
unsigned admin_status(ErrorKind k) {
    switch (k) {
        case ErrorKind::SessionNotFound:
        case ErrorKind::WorkgroupNotFound:
        case ErrorKind::ResourceNotFound: return 404;
        case ErrorKind::TooManyRequests: return 409;
        case ErrorKind::InvalidArgument:
        case ErrorKind::InvalidState:
        case ErrorKind::AmbiguousId: return 400;
        case ErrorKind::ClockMode:
        case ErrorKind::ClockBackwards: return 409;
        case ErrorKind::Internal: return 500;
    }
    return 500;
}

HttpResponse from_error(const Error& e) { return admin_error(admin_status(e.kind), e.message); }

json::object time_fields(Instant t) {
    return json::object{{"time", format_rfc3339_ms(t)}, {"epoch_ms", to_epoch_ms(t)}};
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        auto pos = s.find(sep, start);
        parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return parts;
}

struct Query {
    std::optional<std::string> account, region;
};

std::optional<Query> parse_query(std::string_view q) {
    Query out;
    if (q.empty()) return out;
    for (auto kv : split(q, '&')) {
        if (kv.empty()) continue;
        auto eq = kv.find('=');
        auto key = kv.substr(0, eq);
        auto value = url_decode(eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1));
        if (!value) return std::nullopt;
        if (key == "account") out.account = *value;
        if (key == "region") out.region = *value;
    }
    return out;
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

}  // namespace

std::optional<std::string> url_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            auto hex = [](char c) -> int {
                if (c >= '0' && c <= '9') return c - '0';
                if (c >= 'a' && c <= 'f') return c - 'a' + 10;
                if (c >= 'A' && c <= 'F') return c - 'A' + 10;
                return -1;
            };
            const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (s[i] == '+') {
            out.push_back(' ');
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

AdminApi::AdminApi(Service& service, AdminOptions opts)
    : service_(service), opts_(std::move(opts)), started_(std::chrono::steady_clock::now()) {}

HttpResponse AdminApi::handle(const HttpRequest& req, std::string_view full) {
    const auto qpos = full.find('?');
    const std::string_view path = full.substr(0, qpos);
    const std::string_view query = qpos == std::string_view::npos ? std::string_view{} : full.substr(qpos + 1);
    const std::string_view m = req.method;

    if (path == "health") {
        if (m != "GET") return admin_error(404, "use GET /_emulator/health");
        const auto up = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started_);
        return json_response(200, json::object{{"status", "ok"}, {"version", ATHENA_EMU_VERSION},
                                                {"uptime_ms", up.count()}});
    }
    if (!opts_.enabled) return admin_error(404, "the admin API is off (--admin off); only /_emulator/health answers");
    if (opts_.token) {
        const std::string expected = "Bearer " + *opts_.token;
        if (req.authorization.size() != expected.size() ||
            CRYPTO_memcmp(req.authorization.data(), expected.data(), expected.size()) != 0)
            return admin_error(401, "missing or wrong admin token: send 'Authorization: Bearer <token>' "
                                    "with the value of --admin-token");
    }

    std::string err;
    if (path == "reset") {
        if (m != "POST") return admin_error(404, "use POST /_emulator/reset");
        auto body = body_object(req.body, err);
        if (!body) return admin_error(400, err);
        bool fixtures = true;
        if (auto it = body->find("fixtures"); it != body->end()) {
            if (!it->value().is_bool()) return admin_error(400, "fixtures must be true or false");
            fixtures = it->value().get_bool();
        }
        auto r = service_.reset(fixtures);
        if (!r) return from_error(r.error());
        return json_response(200, json::object{});
    }
    if (path == "fixtures") {
        if (m != "POST") return admin_error(404, "use POST /_emulator/fixtures with a fixture document");
        auto set = parse_fixture_text(req.body, "request body");
        if (!set) return from_error(set.error());
        auto r = service_.apply_fixtures(*set);
        if (!r) return from_error(r.error());
        return json_response(200, json::object{{"applied", json::object{{"profiles", r->profiles},
                                                                        {"scenarios", r->scenarios},
                                                                        {"workgroups", r->workgroups},
                                                                        {"sessions", r->sessions},
                                                                        {"outcomes", r->outcomes}}}});
    }
    if (path == "clock") {
        auto describe = [&]() {
            json::object o{{"mode", service_.clock_mode() == ClockMode::Manual ? "manual" : "system"}};
            const Instant now = service_.now();
            o["now"] = format_rfc3339_ms(now);
            o["epoch_ms"] = to_epoch_ms(now);
            return json_response(200, o);
        };
        if (m == "GET") return describe();
        if (m != "POST") return admin_error(404, "use GET or POST /_emulator/clock");
        auto body = body_object(req.body, err);
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
            auto r = service_.advance_clock(Millis{adv->to_number<std::int64_t>()});
            if (!r) return from_error(r.error());
        } else {
            auto t = json_time(*set);
            if (!t) return admin_error(400, "set must be an RFC 3339 time such as \"2026-01-01T00:00:00Z\" or epoch seconds");
            auto r = service_.set_clock(*t);
            if (!r) return from_error(r.error());
        }
        return describe();
    }
    const auto parts = split(path, '/');
    if (parts.size() == 3 && parts[0] == "sessions") {
        auto id = url_decode(parts[1]);
        auto q = parse_query(query);
        if (!id || id->empty() || !q) return admin_error(400, "malformed session id or query in the path");
        std::optional<Tenant> tenant;
        if (q->account || q->region)
            tenant = Tenant{q->account.value_or(service_.default_tenant().account),
                            q->region.value_or(service_.default_tenant().region)};
        if (parts[2] == "transition") {
            if (m != "POST") return admin_error(404, "use POST /_emulator/sessions/{id}/transition");
            auto body = body_object(req.body, err);
            if (!body) return admin_error(400, err);
            const auto* st = body->if_contains("state");
            if (!st || !st->is_string())
                return admin_error(400, "state is required: one of CREATING, CREATED, IDLE, BUSY, TERMINATING, TERMINATED, DEGRADED, FAILED");
            auto state = parse_session_state(std::string_view(st->get_string().data(), st->get_string().size()));
            if (!state)
                return admin_error(400, "state must be one of CREATING, CREATED, IDLE, BUSY, TERMINATING, TERMINATED, DEGRADED, FAILED (got \"" +
                                            std::string(st->get_string()) + "\")");
            std::string reason;
            if (const auto* r = body->if_contains("reason")) {
                if (!r->is_string() || r->get_string().empty() || r->get_string().size() > 1024)
                    return admin_error(400, "reason must be a string of 1 to 1024 characters");
                reason = std::string(r->get_string());
            }
            auto r = service_.force_transition(*id, tenant, *state, std::move(reason));
            if (!r) return from_error(r.error());
            json::object o{{"session_id", r->session_id}, {"state", std::string(to_string(r->state))}};
            o["time"] = format_rfc3339_ms(r->at);
            o["epoch_ms"] = to_epoch_ms(r->at);
            return json_response(200, o);
        }
        if (parts[2] == "history") {
            if (m != "GET") return admin_error(404, "use GET /_emulator/sessions/{id}/history");
            auto r = service_.history(*id, tenant);
            if (!r) return from_error(r.error());
            json::array transitions;
            for (const Step& s : r->transitions) {
                json::object t = time_fields(s.at);
                json::object o{{"state", std::string(to_string(s.state))}, {"time", t["time"]}, {"epoch_ms", t["epoch_ms"]}};
                if (!s.reason.empty()) o["reason"] = s.reason;
                o["cause"] = std::string(to_string(s.cause));
                transitions.push_back(std::move(o));
            }
            return json_response(200, json::object{{"session_id", r->session_id}, {"transitions", std::move(transitions)}});
        }
    }
    return admin_error(404, "no admin endpoint " + std::string(req.method) + " /_emulator/" + std::string(path) +
                                " (see the README's admin API table)");
}

}  // namespace athena
