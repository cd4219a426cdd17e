#include "control/console.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "control/admin_api.hpp"
#include "control/console_assets.hpp"
#include "server/digest.hpp"
#include "server/json_writer.hpp"
#include "server/time_format.hpp"

namespace athena {
namespace {

namespace json = boost::json;

// The summary lists at most this many sessions (the newest); a timeline at most this many
// journal entries (the newest) and calculations.
constexpr std::size_t kMaxSummarySessions = 2000;
constexpr std::size_t kMaxTimelineRequests = 2000;
constexpr int kMaxTimelineCalculations = 500;
// How far ahead a timeline shows the steps scheduled next.
constexpr Millis kScheduleHorizon{24 * 3600 * 1000};
// A calculation's code is cut to this many bytes in a timeline (it is for a tooltip).
constexpr std::size_t kMaxCodeBytes = 400;

// Headers every console answer carries: the page and its data are never stale (no-cache
// revalidates with the ETag), and the page loads nothing from elsewhere.
void console_headers(HttpResponse& r, std::string_view etag) {
    r.headers.emplace_back("ETag", std::string(etag));
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

bool etag_matches(const HttpRequest& req, std::string_view etag) {
    for (auto v : req.headers.values("If-None-Match"))
        if (v.find(etag) != std::string_view::npos) return true;
    return false;
}

HttpResponse not_modified(std::string_view etag, std::string_view content_type) {
    HttpResponse r;
    r.status = 304;
    r.content_type = std::string(content_type);
    console_headers(r, etag);
    return r;
}

// A JSON answer with an ETag from its bytes (SHA-256, as the files'), answered 304 when the
// client has it.
HttpResponse cached_json(const HttpRequest& req, const json::value& v) {
    std::string body = json::serialize(v);
    repair_utf8(body);
    const std::string etag = '"' + sha256_hex(body).substr(0, 20) + '"';
    if (etag_matches(req, etag)) return not_modified(etag, "application/json");
    HttpResponse r;
    r.content_type = "application/json";
    r.body = std::move(body);
    console_headers(r, etag);
    return r;
}

json::object step_json(std::string_view state, Instant at, const std::string& reason) {
    json::object o{{"state", state}, {"epoch_ms", to_epoch_ms(at)}};
    if (!reason.empty()) o["reason"] = reason;
    return o;
}

json::object session_step_json(const Step& s) {
    json::object o = step_json(to_string(s.state), s.at, s.reason);
    o["cause"] = std::string(to_string(s.cause));
    return o;
}

std::string tenant_key(const Tenant& t, std::string_view id) {
    return t.account + '\n' + t.region + '\n' + std::string(id);
}

// What the summary tells of a session's calculations: how many, and the one not finished.
struct CalculationTally {
    std::int64_t total{0};
    const CalculationRecord* active{nullptr};
    CalculationState active_state{CalculationState::Creating};
};

std::map<std::string, CalculationTally> tally_calculations(const StateSnapshot& snap) {
    std::map<std::string, CalculationTally> out;
    for (const auto& c : snap.calculations) {
        auto& t = out[tenant_key(c.tenant, c.session_id)];
        ++t.total;
        const CalculationState st = calculation_status_at(c, snap.now).state;
        if (!is_final(st)) {
            t.active = &c;
            t.active_state = st;
        }
    }
    return out;
}

// The first step after `now` of a session (its script, else a derived step such as the idle
// timeout), within the horizon.
std::optional<Step> next_step(SessionRecord full, Instant now) {
    for (auto& s : effective_steps(full, now + kScheduleHorizon))
        if (s.at > now) return s;
    return std::nullopt;
}

json::object session_summary_json(const SessionSnapshot& ss, Instant now, const CalculationTally* calcs) {
    const SessionRecord& r = ss.record;
    const SessionStatus st = status_at(r, now);
    json::object o{{"id", r.id},
                   {"account", r.tenant.account},
                   {"region", r.tenant.region},
                   {"workgroup", r.workgroup},
                   {"state", std::string(to_string(st.state))},
                   {"start_ms", to_epoch_ms(st.start)},
                   {"changed_ms", to_epoch_ms(st.last_modified)}};
    if (st.idle_since) o["idle_since_ms"] = to_epoch_ms(*st.idle_since);
    if (st.end) o["end_ms"] = to_epoch_ms(*st.end);
    if (st.reason) o["reason"] = *st.reason;
    o["calculations"] = calcs ? calcs->total : 0;
    if (calcs && calcs->active)
        o["active_calculation"] =
            json::object{{"id", calcs->active->id}, {"state", std::string(to_string(calcs->active_state))}};
    SessionRecord full = r;
    full.steps.insert(full.steps.end(), ss.script.begin(), ss.script.end());
    if (auto n = next_step(std::move(full), now))
        o["next"] = json::object{{"state", std::string(to_string(n->state))}, {"epoch_ms", to_epoch_ms(n->at)}};
    return o;
}

json::object clock_json(const Services& service) {
    const Instant now = service.now();
    return json::object{{"mode", service.clock_mode() == ClockMode::Manual ? "manual" : "system"},
                        {"now", format_rfc3339_ms(now)},
                        {"epoch_ms", to_epoch_ms(now)}};
}

// ?account=&region= of a session call; nullopt when the query is malformed or names another key.
// (Boost.URL 1.81's query parser reads past the end of a query that is a substring of the
// request target, so the admin API's url_decode does it.)
std::optional<Tenant> query_tenant(std::string_view query, const Tenant& fallback) {
    Tenant t = fallback;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view kv = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (kv.empty()) continue;
        const auto eq = kv.find('=');
        const auto value = url_decode(eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1));
        if (!value) return std::nullopt;
        if (kv.substr(0, eq) == "account")
            t.account = *value;
        else if (kv.substr(0, eq) == "region")
            t.region = *value;
        else
            return std::nullopt;
    }
    return t;
}

}  // namespace

json::object journal_entry_json(const JournalEntry& e) {
    json::object o{{"time", format_rfc3339_ms(e.time)},
                   {"epoch_ms", to_epoch_ms(e.time)},
                   {"clock_time", format_rfc3339_ms(e.clock_time)},
                   {"clock_epoch_ms", to_epoch_ms(e.clock_time)},
                   {"request_id", e.request_id},
                   {"account", e.account},
                   {"region", e.region},
                   {"operation", e.operation}};
    if (!e.session_id.empty()) o["session_id"] = e.session_id;
    if (!e.calculation_id.empty()) o["calculation_id"] = e.calculation_id;
    if (!e.workgroup.empty()) o["workgroup"] = e.workgroup;
    o["status"] = e.status;
    if (!e.error_code.empty()) o["error_code"] = e.error_code;
    o["latency_ms"] = e.latency_ms;
    if (!e.fault_id.empty()) o["fault_id"] = e.fault_id;
    return o;
}

std::optional<HttpResponse> Console::asset(const HttpRequest& req, std::string_view path) const {
    std::string_view name;
    if (path == "ui" || path == "ui/")
        name = "index.html";
    else if (path.substr(0, 3) == "ui/")
        name = path.substr(3);
    else
        return std::nullopt;
    if (req.method != "GET" && req.method != "HEAD") return admin_error(404, "use GET /_emulator/ui");
    const auto assets = console_assets();
    const auto it = std::find_if(assets.begin(), assets.end(), [&](const ConsoleAsset& a) { return a.name == name; });
    if (it == assets.end()) return admin_error(404, "no console file '" + std::string(name) + "': open /_emulator/ui");
    if (etag_matches(req, it->etag)) return not_modified(it->etag, it->content_type);
    HttpResponse r;
    r.content_type = std::string(it->content_type);
    r.body = std::string(it->body);
    console_headers(r, it->etag);
    // The page runs only its own files and talks only to this emulator.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    return r;
}

std::optional<HttpResponse> Console::api(const HttpRequest& req, std::string_view path, std::string_view query) {
    if (path == "summary") {
        if (req.method != "GET") return admin_error(404, "use GET /_emulator/summary");
        return summary(req);
    }
    // sessions/{id}/timeline and sessions/{id}/terminate; other session calls are not ours.
    if (path.substr(0, 9) != "sessions/") return std::nullopt;
    const std::string_view rest = path.substr(9);
    const auto slash = rest.rfind('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const std::string_view action = rest.substr(slash + 1);
    const bool is_timeline = action == "timeline";
    if (!is_timeline && action != "terminate") return std::nullopt;
    const std::string_view raw_id = rest.substr(0, slash);  // a '/' in an id is sent as %2F
    const auto id = url_decode(raw_id);
    const auto tenant = query_tenant(query, service_.default_tenant());
    if (!id || id->empty() || raw_id.find('/') != std::string_view::npos || !tenant)
        return admin_error(400, "malformed session id or query: use sessions/{url-encoded id}/" + std::string(action) +
                                    "?account=...&region=...");
    if (req.method != (is_timeline ? "GET" : "POST"))
        return admin_error(404, std::string(is_timeline ? "use GET" : "use POST") + " /_emulator/sessions/{id}/" +
                                    std::string(action));
    return is_timeline ? timeline(*tenant, *id) : terminate(*tenant, *id);
}

HttpResponse Console::summary(const HttpRequest& req) {
    auto snap = service_.control.export_state();
    if (!snap) return admin_error(snap.error());
    const auto calcs = tally_calculations(*snap);
    // The newest sessions first; the summary keeps kMaxSummarySessions of them.
    std::vector<const SessionSnapshot*> order;
    order.reserve(snap->sessions.size());
    for (const auto& s : snap->sessions) order.push_back(&s);
    std::stable_sort(order.begin(), order.end(), [](const SessionSnapshot* a, const SessionSnapshot* b) {
        return a->record.start > b->record.start;
    });
    json::array sessions;
    for (std::size_t i = 0; i < order.size() && i < kMaxSummarySessions; ++i) {
        const auto it = calcs.find(tenant_key(order[i]->record.tenant, order[i]->record.id));
        sessions.push_back(session_summary_json(*order[i], snap->now, it == calcs.end() ? nullptr : &it->second));
    }
    json::array faults;
    for (const auto& r : obs_.faults.list()) faults.push_back(fault_rule_json(r));
    json::object journal{{"latest", nullptr}};
    if (auto last = obs_.journal.latest(1); !last.empty()) journal["latest"] = last.back().request_id;
    return cached_json(req, json::object{{"clock", clock_json(service_)},
                                         {"sessions", std::move(sessions)},
                                         {"total_sessions", snap->sessions.size()},
                                         {"faults", std::move(faults)},
                                         {"journal", std::move(journal)}});
}

HttpResponse Console::timeline(const Tenant& t, const std::string& id) {
    auto details = service_.sessions.get_session(t, id);
    if (!details) return admin_error(details.error());
    const Instant now = service_.now();
    const SessionRecord& r = details->record;
    json::array past, scheduled;
    for (const auto& s : effective_steps(r, now + kScheduleHorizon))
        (s.at <= now ? past : scheduled).push_back(session_step_json(s));
    json::array calculations;
    std::optional<CalculationCursor> after;
    do {
        auto page = service_.calculations.list_calculations(t, id, std::nullopt, 100, after);
        if (!page) return admin_error(page.error());
        for (const auto& c : page->calculations) {
            json::array steps, next;
            for (const auto& s : c.record.steps)
                (s.at <= now ? steps : next).push_back(step_json(to_string(s.state), s.at, s.reason));
            std::string code = c.record.code.substr(0, kMaxCodeBytes);
            json::object o{{"id", c.record.id},
                           {"state", std::string(to_string(c.status.state))},
                           {"submitted_ms", to_epoch_ms(c.record.submitted)},
                           {"code", std::move(code)},
                           {"steps", std::move(steps)},
                           {"scheduled", std::move(next)}};
            if (!c.record.description.empty()) o["description"] = c.record.description;
            calculations.push_back(std::move(o));
        }
        after = page->next;
    } while (after && calculations.size() < static_cast<std::size_t>(kMaxTimelineCalculations));
    // The session's requests, and those naming one of its calculations (a request that a fault
    // answered before it was processed names only its calculation).
    std::set<std::string, std::less<>> calc_ids;
    for (const auto& c : calculations) calc_ids.emplace(c.as_object().at("id").as_string());
    auto entries = obs_.journal.query("", calc_ids.empty() ? id : std::string(), std::nullopt);
    std::erase_if(entries, [&](const JournalEntry& e) {
        return e.account != t.account || e.region != t.region ||
               (e.session_id != id && !calc_ids.contains(e.calculation_id));
    });
    json::array requests;
    const std::size_t first = entries.size() > kMaxTimelineRequests ? entries.size() - kMaxTimelineRequests : 0;
    for (std::size_t i = first; i < entries.size(); ++i) requests.push_back(journal_entry_json(entries[i]));
    json::object o{{"session_id", r.id},
                   {"account", t.account},
                   {"region", t.region},
                   {"workgroup", r.workgroup},
                   {"state", std::string(to_string(details->status.state))},
                   {"now_ms", to_epoch_ms(now)},
                   {"start_ms", to_epoch_ms(r.start)},
                   {"transitions", std::move(past)},
                   {"scheduled", std::move(scheduled)},
                   {"calculations", std::move(calculations)},
                   {"requests", std::move(requests)},
                   {"requests_total", entries.size()}};
    if (!r.description.empty()) o["description"] = r.description;
    HttpResponse resp;
    resp.content_type = "application/json";
    resp.body = json::serialize(o);
    repair_utf8(resp.body);
    resp.headers.emplace_back("Cache-Control", "no-store");
    return resp;
}

HttpResponse Console::terminate(const Tenant& t, const std::string& id) {
    auto r = service_.sessions.terminate_session(t, id);
    if (!r) return admin_error(r.error());
    HttpResponse resp;
    resp.content_type = "application/json";
    resp.body = json::serialize(json::object{{"session_id", id}, {"state", std::string(to_string(*r))}});
    repair_utf8(resp.body);
    return resp;
}

}  // namespace athena
