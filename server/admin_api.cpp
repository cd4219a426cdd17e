#include "server/admin_api.hpp"

#include <boost/json.hpp>
#include <openssl/crypto.h>

#include <charconv>
#include <vector>

#include "server/fixture_parser.hpp"
#include "server/json_writer.hpp"
#include "server/time_format.hpp"

namespace athena {
namespace {

namespace json = boost::json;

// The output texts that differ from the default (CONTRACT §4: "stdout", "stderr", "result_text").
void put_output(json::object& o, const CalculationOutput& out) {
    if (out.stdout_text) o["stdout"] = *out.stdout_text;
    if (out.stderr_text) o["stderr"] = *out.stderr_text;
    if (out.result_text) o["result_text"] = *out.result_text;
}

HttpResponse json_response(unsigned status, const json::value& v) {
    HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = serialize_plain(v);  // latency_ms as 1.885588, not 1.885588E0
    repair_utf8(r.body);  // ids and paths from the request may hold any bytes
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

AdminApi::AdminApi(Service& service, AdminOptions opts, Observability obs, std::vector<FaultRule> startup_faults)
    : service_(service),
      opts_(std::move(opts)),
      obs_(obs),
      startup_faults_(std::move(startup_faults)),
      started_(std::chrono::steady_clock::now()) {}

HttpResponse AdminApi::faults(const HttpRequest& req, std::string_view rest) {
    const std::string_view m = req.method;
    if (rest.empty()) {
        if (m == "GET") {
            json::array a;
            for (const auto& r : obs_.faults.list()) a.push_back(fault_rule_json(r));
            return json_response(200, json::object{{"faults", std::move(a)}});
        }
        if (m == "DELETE") {
            obs_.faults.clear();
            return json_response(200, json::object{});
        }
        if (m == "POST") {
            boost::system::error_code ec;
            auto v = json::parse(req.body, ec);
            if (ec) return admin_error(400, "the body is not valid JSON: " + ec.message());
            std::string err;
            auto rule = parse_fault_rule(v, "$", err);
            if (!rule) return admin_error(400, err);
            if (auto e = obs_.faults.add(*rule)) return admin_error(400, *e);
            return json_response(200, fault_rule_json(*rule));
        }
        return admin_error(404, "use GET, POST or DELETE /_emulator/faults");
    }
    if (m != "DELETE") return admin_error(404, "use DELETE /_emulator/faults/{id}");
    auto id = url_decode(rest);
    if (!id || !obs_.faults.remove(*id)) return admin_error(404, "no fault rule '" + std::string(rest) + "'");
    return json_response(200, json::object{});
}

HttpResponse AdminApi::state() {
    auto snap = service_.export_state();
    if (!snap) return admin_error(snap.error());
    auto opaque = [](const std::string& text) -> json::value {
        if (text.empty()) return json::object{};
        boost::system::error_code ec;
        auto v = json::parse(text, ec);
        return ec ? json::value(json::object{}) : v;
    };
    auto tags = [](const Tags& t) {
        json::object o;
        for (const auto& [k, v] : t) o[k] = v;
        return o;
    };
    json::object doc;
    if (snap->clock) doc["clock"] = format_rfc3339_ms(*snap->clock);
    json::object profiles;
    for (const auto& p : snap->profiles) {
        json::object o{{"creating_ms", p.creating_ms.count()}, {"created_ms", p.created_ms.count()},
                       {"terminating_ms", p.terminating_ms.count()},
                       {"calculation_creating_ms", p.calculation_creating_ms.count()},
                       {"calculation_queued_ms", p.calculation_queued_ms.count()},
                       {"calculation_running_ms", p.calculation_running_ms.count()},
                       {"calculation_canceling_ms", p.calculation_canceling_ms.count()},
                       {"idle_timeout_minutes_default", p.idle_timeout_minutes_default}};
        if (p.max_active_sessions) o["max_active_sessions"] = *p.max_active_sessions;
        profiles[p.name] = std::move(o);
    }
    doc["profiles"] = std::move(profiles);
    json::object scenarios;
    for (const auto& sc : snap->scenarios) {
        json::array steps;
        for (const auto& st : sc.steps) {
            json::object o{{"after_ms", st.after.count()}, {"state", std::string(to_string(st.state))}};
            if (!st.reason.empty()) o["reason"] = st.reason;
            steps.push_back(std::move(o));
        }
        scenarios[sc.name] = std::move(steps);
    }
    doc["scenarios"] = std::move(scenarios);
    json::array outcomes;
    for (const auto& r : snap->outcomes) {
        json::object o{{"match", json::object{{r.match == OutcomeRule::Match::CodeRegex ? "code_regex" : "code_contains", r.pattern}}},
                       {"state", std::string(to_string(r.state))}};
        if (!r.reason.empty()) o["reason"] = r.reason;
        if (r.queued_ms) o["queued_ms"] = r.queued_ms->count();
        if (r.running_ms) o["running_ms"] = r.running_ms->count();
        if (r.result) {
            json::object res;
            if (!r.result->result_s3_uri.empty()) res["result_s3_uri"] = r.result->result_s3_uri;
            if (!r.result->stdout_s3_uri.empty()) res["stdout_s3_uri"] = r.result->stdout_s3_uri;
            if (!r.result->stderr_s3_uri.empty()) res["stderr_s3_uri"] = r.result->stderr_s3_uri;
            if (!r.result->result_type.empty()) res["result_type"] = r.result->result_type;
            o["result"] = std::move(res);
        }
        if (r.session) {
            json::object se{{"state", std::string(to_string(r.session->state))}, {"after_ms", r.session->after.count()}};
            if (!r.session->reason.empty()) se["reason"] = r.session->reason;
            o["session"] = std::move(se);
        }
        if (r.stop != OutcomeRule::Stop::Honoured) o["stop"] = std::string(to_string(r.stop));
        if (r.stop == OutcomeRule::Stop::Delayed) o["stop_after_ms"] = r.stop_after.count();
        put_output(o, r.output);
        outcomes.push_back(std::move(o));
    }
    doc["outcomes"] = std::move(outcomes);
    json::array workgroups;
    for (const auto& w : snap->workgroups) {
        json::object o{{"name", w.name}, {"account", w.tenant.account}, {"region", w.tenant.region},
                       {"engine_version", w.engine_version}, {"profile", w.profile},
                       {"state", w.enabled ? "ENABLED" : "DISABLED"}, {"description", w.description},
                       {"configuration", opaque(w.configuration)}, {"tags", tags(w.tags)},
                       {"creation_time", format_rfc3339_ms(w.created)}};
        if (!w.scenario.empty()) o["scenario"] = w.scenario;
        workgroups.push_back(std::move(o));
    }
    doc["workgroups"] = std::move(workgroups);
    json::array sessions;
    for (const auto& ss : snap->sessions) {
        const SessionRecord& r = ss.record;
        json::object o{{"id", r.id}, {"workgroup", r.workgroup}, {"account", r.tenant.account}, {"region", r.tenant.region},
                       {"start_time", format_rfc3339_ms(r.start)}, {"idle_timeout_minutes", r.idle_timeout_minutes},
                       {"terminating_ms", r.terminating_ms.count()}, {"engine_configuration", opaque(r.engine_configuration)},
                       {"execution_role", r.execution_role}, {"working_directory", r.working_directory},
                       {"tags", tags(r.tags)}};
        if (!r.description.empty()) o["description"] = r.description;
        if (!r.notebook_version.empty()) o["notebook_version"] = r.notebook_version;
        if (!r.monitoring_configuration.empty()) o["monitoring_configuration"] = opaque(r.monitoring_configuration);
        if (ss.next_calculation_id) o["next_calculation_id"] = *ss.next_calculation_id;
        json::array history;
        for (const auto& st : r.steps) {
            json::object h{{"state", std::string(to_string(st.state))}, {"time", format_rfc3339_ms(st.at)},
                           {"epoch_ms", to_epoch_ms(st.at)}, {"cause", std::string(to_string(st.cause))}};
            if (!st.reason.empty()) h["reason"] = st.reason;
            history.push_back(std::move(h));
        }
        o["history"] = std::move(history);
        if (!ss.script.empty()) {
            json::array script;
            for (const auto& st : ss.script) {
                json::object h{{"after_ms", (st.at - r.start).count()}, {"state", std::string(to_string(st.state))},
                               {"cause", std::string(to_string(st.cause))}};
                if (!st.reason.empty()) h["reason"] = st.reason;
                script.push_back(std::move(h));
            }
            o["script"] = std::move(script);
        }
        sessions.push_back(std::move(o));
    }
    doc["sessions"] = std::move(sessions);
    json::array calculations;
    for (const auto& c : snap->calculations) {
        json::array steps;
        for (const auto& st : c.steps) {
            json::object h{{"state", std::string(to_string(st.state))}, {"time", format_rfc3339_ms(st.at)}};
            if (!st.reason.empty()) h["reason"] = st.reason;
            steps.push_back(std::move(h));
        }
        json::object o{{"id", c.id}, {"session_id", c.session_id}, {"account", c.tenant.account},
                       {"region", c.tenant.region}, {"code", c.code}, {"submitted", format_rfc3339_ms(c.submitted)},
                       {"working_directory", c.working_directory},
                       {"result", json::object{{"result_s3_uri", c.result.result_s3_uri},
                                               {"stdout_s3_uri", c.result.stdout_s3_uri},
                                               {"stderr_s3_uri", c.result.stderr_s3_uri},
                                               {"result_type", c.result.result_type}}},
                       {"steps", std::move(steps)}};
        if (!c.description.empty()) o["description"] = c.description;
        put_output(o, c.output);
        calculations.push_back(std::move(o));
    }
    doc["calculations"] = std::move(calculations);
    json::array tokens;
    for (const auto& t : snap->tokens)
        tokens.push_back(json::object{{"account", t.tenant.account}, {"region", t.tenant.region},
                                      {"operation", t.operation}, {"token", t.token},
                                      {"fingerprint", t.fingerprint}, {"result", t.result}});
    doc["tokens"] = std::move(tokens);
    json::array faults;
    for (const auto& r : obs_.faults.list()) faults.push_back(fault_rule_json(r));
    doc["faults"] = std::move(faults);
    return json_response(200, doc);
}

HttpResponse AdminApi::requests(const HttpRequest& req, std::string_view query) {
    if (req.method == "DELETE") {
        obs_.journal.clear();
        return json_response(200, json::object{});
    }
    if (req.method != "GET") return admin_error(404, "use GET or DELETE /_emulator/requests");
    std::string operation, session_id;
    std::optional<Instant> since;
    std::optional<std::size_t> limit;  // the newest N
    for (auto kv : split(query, '&')) {
        if (kv.empty()) continue;
        const auto eq = kv.find('=');
        const auto key = kv.substr(0, eq);
        auto value = url_decode(eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1));
        if (!value) return admin_error(400, "malformed query string");
        if (key == "operation") operation = *value;
        else if (key == "session_id") session_id = *value;
        else if (key == "since") {
            since = parse_time_text(*value);
            if (!since) return admin_error(400, "since must be an RFC 3339 time or epoch seconds (got '" + *value + "')");
        } else if (key == "limit") {
            limit = parse_limit(*value);
            if (!limit) return admin_error(400, "limit must be an integer from 1 to 100000 (got '" + *value + "')");
        } else {
            return admin_error(400, "unknown filter '" + std::string(key) + "' (use operation, session_id, since, limit)");
        }
    }
    const auto entries = obs_.journal.query(operation, session_id, since);
    const std::size_t first = limit && entries.size() > *limit ? entries.size() - *limit : 0;
    json::array out;
    for (std::size_t i = first; i < entries.size(); ++i) out.push_back(journal_entry_json(entries[i]));
    return json_response(200, json::object{{"requests", std::move(out)}});
}

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
    if (auto page = console_.asset(req, path)) return std::move(*page);  // no token: the page asks for it
    if (opts_.token) {
        const std::string expected = "Bearer " + *opts_.token;
        if (req.authorization.size() != expected.size() ||
            CRYPTO_memcmp(req.authorization.data(), expected.data(), expected.size()) != 0)
            return admin_error(401, "missing or wrong admin token: send 'Authorization: Bearer <token>' "
                                    "with the value of --admin-token");
    }

    if (auto r = console_.api(req, path, query)) return std::move(*r);
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
        if (!r) return admin_error(r.error());
        obs_.faults.clear();
        obs_.journal.clear();
        if (fixtures)
            for (auto rule : startup_faults_) obs_.faults.add(rule);
        return json_response(200, json::object{});
    }
    if (path == "fixtures") {
        if (m != "POST") return admin_error(404, "use POST /_emulator/fixtures with a fixture document");
        auto doc = parse_fixture_document(req.body, "request body");
        if (!doc) return admin_error(doc.error());
        for (std::size_t i = 0; i < doc->faults.size(); ++i)
            if (!doc->faults[i].id.empty())
                for (const auto& existing : obs_.faults.list())
                    if (existing.id == doc->faults[i].id)
                        return admin_error(400, "request body: faults[" + std::to_string(i) + "].id: a fault rule with id '" +
                                                    existing.id + "' exists");
        auto r = service_.apply_fixtures(doc->set);
        if (!r) return admin_error(r.error());
        for (auto& rule : doc->faults) obs_.faults.add(rule);
        return json_response(200, json::object{{"applied", json::object{{"profiles", r->profiles},
                                                                        {"scenarios", r->scenarios},
                                                                        {"workgroups", r->workgroups},
                                                                        {"sessions", r->sessions},
                                                                        {"outcomes", r->outcomes},
                                                                        {"faults", static_cast<std::int64_t>(doc->faults.size())}}}});
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
            if (!r) return admin_error(r.error());
        } else {
            auto t = json_time(*set);
            if (!t) return admin_error(400, "set must be an RFC 3339 time such as \"2026-01-01T00:00:00Z\" or epoch seconds");
            auto r = service_.set_clock(*t);
            if (!r) return admin_error(r.error());
        }
        return describe();
    }
    if (path == "faults" || path.rfind("faults/", 0) == 0)
        return faults(req, path.size() > 7 ? path.substr(7) : std::string_view{});
    if (path == "requests") return requests(req, query);
    if (path == "metrics") {
        if (m != "GET") return admin_error(404, "use GET /_emulator/metrics");
        std::vector<std::pair<std::string, std::int64_t>> gauges;
        for (const auto& [state, n] : service_.sessions_by_state()) gauges.emplace_back(std::string(to_string(state)), n);
        HttpResponse r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = obs_.metrics.render(gauges);
        return r;
    }
    if (path == "state") {
        if (m != "GET") return admin_error(404, "use GET /_emulator/state");
        return state();
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
            if (!r) return admin_error(r.error());
            json::object o{{"session_id", r->session_id}, {"state", std::string(to_string(r->state))}};
            o["time"] = format_rfc3339_ms(r->at);
            o["epoch_ms"] = to_epoch_ms(r->at);
            return json_response(200, o);
        }
        if (parts[2] == "history") {
            if (m != "GET") return admin_error(404, "use GET /_emulator/sessions/{id}/history");
            auto r = service_.history(*id, tenant);
            if (!r) return admin_error(r.error());
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
        if (parts[2] == "next-calculation-id") {
            if (m != "POST") return admin_error(404, "use POST /_emulator/sessions/{id}/next-calculation-id");
            auto body = body_object(req.body, err);
            if (!body) return admin_error(400, err);
            const auto* cid = body->if_contains("id");
            if (!cid || !cid->is_string())
                return admin_error(400, "id is required: the calculation id (1 to 36 characters) the session's next "
                                        "StartCalculationExecution returns, e.g. {\"id\": \"calc-1\"}");
            auto r = service_.set_next_calculation_id(*id, tenant, std::string(cid->get_string()));
            if (!r) return admin_error(r.error());
            return json_response(200, json::object{{"session_id", *r}, {"next_calculation_id", cid->get_string()}});
        }
    }
    return admin_error(404, "no admin endpoint " + std::string(req.method) + " /_emulator/" + std::string(path) +
                                " (see the README's admin API table)");
}

}  // namespace athena
