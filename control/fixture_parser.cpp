#include "control/fixture_parser.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/regex.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "server/json_reader.hpp"
#include "server/notebook_operations.hpp"
#include "server/time_format.hpp"

namespace athena {
namespace {

namespace json = boost::json;

using Bad = JsonPathError;

std::int64_t as_int(const JsonReader& v, std::int64_t lo, std::int64_t hi) {
    auto n = v.whole_number();
    if (!n) v.fail("must be an integer");
    if (*n < lo || *n > hi)
        v.fail("must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " + std::to_string(*n) +
               ")");
    return *n;
}

Instant as_time(const JsonReader& r) {
    const json::value& v = r.value();
    if (v.is_string()) {
        if (auto t = parse_rfc3339(std::string_view(v.get_string().data(), v.get_string().size()))) return *t;
    } else if (v.is_number()) {
        if (auto t = from_epoch_seconds(v.to_number<double>())) return *t;
    }
    r.fail("must be an RFC 3339 time such as \"2026-01-01T00:00:00Z\" or epoch seconds");
}

SessionState as_state(const JsonReader& v) {
    const std::string name = v.string();
    auto s = parse_session_state(name);
    if (!s)
        v.fail(
            "must be one of CREATING, CREATED, IDLE, BUSY, TERMINATING, TERMINATED, "
            "DEGRADED, FAILED (got \"" +
            name + "\")");
    return *s;
}

std::string bounded_string(const JsonReader& v, std::size_t min, std::size_t max) {
    std::string s = v.string();
    if (s.size() < min || s.size() > max)
        v.fail("must be " + std::to_string(min) + " to " + std::to_string(max) + " characters long (got " +
               std::to_string(s.size()) + ")");
    return s;
}

std::string matching(const JsonReader& v, const boost::regex& pattern, const char* what) {
    std::string s = v.string();
    if (!boost::regex_match(s, pattern)) v.fail(std::string("must be ") + what + " (got \"" + s + "\")");
    return s;
}

// An outcome rule's or a calculation's output texts ("stdout", "stderr", "result_text"; up to
// 1 MiB each); absent = the default.
CalculationOutput parse_output(const JsonReader& o) {
    constexpr std::size_t kMaxOutput = 1 << 20;
    CalculationOutput out;
    if (auto fv = o.find("stdout")) out.stdout_text = bounded_string(*fv, 0, kMaxOutput);
    if (auto fv = o.find("stderr")) out.stderr_text = bounded_string(*fv, 0, kMaxOutput);
    if (auto fv = o.find("result_text")) out.result_text = bounded_string(*fv, 0, kMaxOutput);
    return out;
}

// An outcome rule's "session", "stop" and "stop_after_ms" (path `p` is the rule's).
void parse_outcome_failure(const JsonReader& o, std::int64_t max_ms, OutcomeRule& r) {
    const std::string p = o.path();
    if (auto v = o.find("session")) {
        const JsonReader& so = *v;
        const std::string sp = so.path();
        so.only({"state", "after_ms", "reason"});
        const SessionState state = as_state(so.need("state"));
        if (state != SessionState::Failed && state != SessionState::Degraded && state != SessionState::Terminated)
            throw Bad{sp + ".state",
                      "must be FAILED, DEGRADED or TERMINATED (got \"" + std::string(to_string(state)) + "\")"};
        OutcomeRule::SessionEffect e;
        e.state = state;
        e.after = Millis{as_int(so.need("after_ms"), 0, max_ms)};
        if (auto x = so.find("reason")) e.reason = bounded_string(*x, 1, 1024);
        r.session = e;
    }
    if (auto v = o.find("stop")) {
        const std::string name = v->string();
        auto stop = parse_stop(name);
        if (!stop) throw Bad{p + ".stop", "must be honoured, ignored or delayed (got \"" + name + "\")"};
        r.stop = *stop;
    }
    const auto after = o.find("stop_after_ms");
    if (r.stop == OutcomeRule::Stop::Delayed && !after)
        throw Bad{p + ".stop_after_ms", "is required with \"stop\": \"delayed\" (how long CANCELING lasts)"};
    if (after && r.stop != OutcomeRule::Stop::Delayed)
        throw Bad{p + ".stop_after_ms", "is allowed only with \"stop\": \"delayed\""};
    if (after) r.stop_after = Millis{as_int(*after, 0, max_ms)};
}

Tags parse_tags(const JsonReader& v) {
    const std::string path = v.path();
    Tags tags;
    for (const auto& kv : v.object()) {
        const std::string key(kv.key());
        const std::string p = v.member_path(key);
        if (key.empty() || key.size() > 128) throw Bad{p, "tag keys must be 1 to 128 characters long"};
        std::string value = JsonReader(kv.value(), p).string();
        if (value.size() > 256) throw Bad{p, "tag values must be at most 256 characters long"};
        tags.emplace_back(key, std::move(value));
    }
    if (tags.size() > 50) throw Bad{path, "at most 50 tags"};
    std::sort(tags.begin(), tags.end());
    return tags;
}

std::vector<ScriptStep> parse_steps(const JsonReader& v, bool after_history = false) {
    const auto& a = v.array();
    if (a.empty()) v.fail("must have at least one step");
    std::vector<ScriptStep> steps;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const JsonReader o = v.element(i);
        const std::string p = o.path();
        o.only({"after_ms", "state", "reason", "cause"});
        ScriptStep s;
        s.after = Millis{as_int(o.need("after_ms"), 0, 10LL * 365 * 24 * 3600 * 1000)};
        s.state = as_state(o.need("state"));
        if (auto r = o.find("reason")) s.reason = bounded_string(*r, 1, 1024);
        if (auto c = o.find("cause")) {
            auto cause = parse_cause(c->string());
            if (!cause)
                throw Bad{p + ".cause", "must be one of api, profile, script, calculation, idle_timeout, admin"};
            s.cause = cause;
        }
        if (i == 0 && !after_history && s.after.count() != 0)
            throw Bad{p + ".after_ms", "the first step must have after_ms 0"};
        // Steps the emulator scheduled (a profile's instant steps) may share a millisecond.
        if (i > 0 && (s.cause ? s.after < steps.back().after : s.after <= steps.back().after))
            throw Bad{p + ".after_ms", "offsets must increase from step to step (previous: " +
                                           std::to_string(steps.back().after.count()) + ")"};
        steps.push_back(std::move(s));
    }
    return steps;
}

std::string opaque_object(const JsonReader& v) { return json::serialize(v.object()); }

const boost::regex kAccountPattern("[0-9]{12}");
const boost::regex kRegionPattern("[a-z]{2}(-[a-z]+)+-[0-9]+");
const boost::regex kWorkgroupPattern("[a-zA-Z0-9._-]{1,128}");

// The writer's view of an opaque object kept as JSON text ("" and unparsable text: {}).
json::value opaque_json(const std::string& text) {
    if (text.empty()) return json::object{};
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    return ec ? json::value(json::object{}) : v;
}

// The output texts that differ from the default (CONTRACT §4: "stdout", "stderr", "result_text").
void put_output(json::object& o, const CalculationOutput& out) {
    if (out.stdout_text) o["stdout"] = *out.stdout_text;
    if (out.stderr_text) o["stderr"] = *out.stderr_text;
    if (out.result_text) o["result_text"] = *out.result_text;
}

json::object tags_json(const Tags& t) {
    json::object o;
    for (const auto& [k, v] : t) o[k] = v;
    return o;
}

// --- profiles: reader and writer

void read_profiles(const JsonReader& v, FixtureSet& f) {
    for (const auto& kv : v.object()) {
        const std::string name(kv.key());
        const JsonReader o(kv.value(), v.member_path(name));
        if (name.empty() || name.size() > 128) o.fail("profile names must be 1 to 128 characters long");
        o.only({"creating_ms", "created_ms", "terminating_ms", "calculation_creating_ms", "calculation_queued_ms",
                "calculation_running_ms", "calculation_canceling_ms", "idle_timeout_minutes_default",
                "max_active_sessions"});
        ProfilePatch pp;
        pp.name = name;
        constexpr std::int64_t kMaxMs = 7LL * 24 * 3600 * 1000;
        auto ms = [&](std::string_view field, std::optional<Millis>& out) {
            if (auto fv = o.find(field)) out = Millis{as_int(*fv, 0, kMaxMs)};
        };
        ms("creating_ms", pp.creating_ms);
        ms("created_ms", pp.created_ms);
        ms("terminating_ms", pp.terminating_ms);
        ms("calculation_creating_ms", pp.calculation_creating_ms);
        ms("calculation_queued_ms", pp.calculation_queued_ms);
        ms("calculation_running_ms", pp.calculation_running_ms);
        ms("calculation_canceling_ms", pp.calculation_canceling_ms);
        if (auto fv = o.find("idle_timeout_minutes_default"))
            pp.idle_timeout_minutes_default = static_cast<int>(as_int(*fv, 1, 480));
        if (auto fv = o.find("max_active_sessions")) pp.max_active_sessions = static_cast<int>(as_int(*fv, 0, 1000000));
        f.profiles.push_back(std::move(pp));
    }
}

json::object write_profiles(const std::vector<Profile>& all) {
    json::object profiles;
    for (const auto& p : all) {
        json::object o{{"creating_ms", p.creating_ms.count()},
                       {"created_ms", p.created_ms.count()},
                       {"terminating_ms", p.terminating_ms.count()},
                       {"calculation_creating_ms", p.calculation_creating_ms.count()},
                       {"calculation_queued_ms", p.calculation_queued_ms.count()},
                       {"calculation_running_ms", p.calculation_running_ms.count()},
                       {"calculation_canceling_ms", p.calculation_canceling_ms.count()},
                       {"idle_timeout_minutes_default", p.idle_timeout_minutes_default}};
        if (p.max_active_sessions) o["max_active_sessions"] = *p.max_active_sessions;
        profiles[p.name] = std::move(o);
    }
    return profiles;
}

// --- scenarios: reader and writer

void read_scenarios(const JsonReader& v, FixtureSet& f) {
    for (const auto& kv : v.object()) {
        const std::string name(kv.key());
        const JsonReader steps(kv.value(), v.member_path(name));
        if (name.empty() || name.size() > 128) steps.fail("scenario names must be 1 to 128 characters long");
        f.scenarios.push_back(Scenario{name, parse_steps(steps)});
    }
}

json::object write_scenarios(const std::vector<Scenario>& all) {
    json::object scenarios;
    for (const auto& sc : all) {
        json::array steps;
        for (const auto& st : sc.steps) {
            json::object o{{"after_ms", st.after.count()}, {"state", std::string(to_string(st.state))}};
            if (!st.reason.empty()) o["reason"] = st.reason;
            steps.push_back(std::move(o));
        }
        scenarios[sc.name] = std::move(steps);
    }
    return scenarios;
}

// --- outcomes: reader and writer

void read_outcomes(const JsonReader& v, FixtureSet& f) {
    const auto& a = v.array();
    for (std::size_t i = 0; i < a.size(); ++i) {
        const JsonReader o = v.element(i);
        const std::string p = o.path();
        o.only({"match", "state", "reason", "queued_ms", "running_ms", "result", "session", "stop", "stop_after_ms",
                "stdout", "stderr", "result_text"});
        OutcomeRule r;
        r.output = parse_output(o);
        const JsonReader m = o.need("match");
        m.only({"code_contains", "code_regex"});
        if (m.object().size() != 1) throw Bad{p + ".match", "give exactly one of code_contains or code_regex"};
        if (auto c = m.find("code_contains")) {
            r.match = OutcomeRule::Match::CodeContains;
            r.pattern = bounded_string(*c, 1, 68000);
        } else {
            r.match = OutcomeRule::Match::CodeRegex;
            r.pattern = bounded_string(m.need("code_regex"), 1, 68000);
            try {
                boost::regex check(r.pattern, boost::regex::ECMAScript);
            } catch (const std::exception& e) {
                throw Bad{p + ".match.code_regex", std::string("is not a valid regular expression: ") + e.what()};
            }
        }
        const std::string state = o.need("state").string();
        if (state != "COMPLETED" && state != "FAILED")
            throw Bad{p + ".state", "must be COMPLETED or FAILED (got \"" + state + "\")"};
        r.state = state == "COMPLETED" ? CalculationState::Completed : CalculationState::Failed;
        if (auto fv = o.find("reason")) r.reason = bounded_string(*fv, 1, 1024);
        constexpr std::int64_t kMaxMs = 7LL * 24 * 3600 * 1000;
        if (auto fv = o.find("queued_ms")) r.queued_ms = Millis{as_int(*fv, 0, kMaxMs)};
        if (auto fv = o.find("running_ms")) r.running_ms = Millis{as_int(*fv, 0, kMaxMs)};
        if (auto fv = o.find("result")) {
            const JsonReader& ro = *fv;
            ro.only({"result_s3_uri", "stdout_s3_uri", "stderr_s3_uri", "result_type"});
            CalculationResultUris u;
            static const boost::regex s3(R"(^(https|s3|S3)://([^/]+)/?(.*)$)");
            static const boost::regex type(R"(\w+\/[-+.\w]+)");
            if (auto x = ro.find("result_s3_uri")) u.result_s3_uri = matching(*x, s3, "an s3:// URI");
            if (auto x = ro.find("stdout_s3_uri")) u.stdout_s3_uri = matching(*x, s3, "an s3:// URI");
            if (auto x = ro.find("stderr_s3_uri")) u.stderr_s3_uri = matching(*x, s3, "an s3:// URI");
            if (auto x = ro.find("result_type"))
                u.result_type = matching(*x, type, "a media type such as application/json");
            r.result = u;
        }
        parse_outcome_failure(o, kMaxMs, r);
        f.outcomes.push_back(std::move(r));
    }
}

json::array write_outcomes(const std::vector<OutcomeRule>& all) {
    json::array outcomes;
    for (const auto& r : all) {
        json::object o{
            {"match",
             json::object{{r.match == OutcomeRule::Match::CodeRegex ? "code_regex" : "code_contains", r.pattern}}},
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
            json::object se{{"state", std::string(to_string(r.session->state))},
                            {"after_ms", r.session->after.count()}};
            if (!r.session->reason.empty()) se["reason"] = r.session->reason;
            o["session"] = std::move(se);
        }
        if (r.stop != OutcomeRule::Stop::Honoured) o["stop"] = std::string(to_string(r.stop));
        if (r.stop == OutcomeRule::Stop::Delayed) o["stop_after_ms"] = r.stop_after.count();
        put_output(o, r.output);
        outcomes.push_back(std::move(o));
    }
    return outcomes;
}

// --- workgroups: reader and writer

void read_workgroups(const JsonReader& v, FixtureSet& f) {
    const auto& a = v.array();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const JsonReader o = v.element(i);
        const std::string p = o.path();
        o.only({"name", "engine_version", "profile", "scenario", "state", "description", "configuration", "tags",
                "account", "region", "creation_time"});
        FixtureWorkgroup w;
        w.path = p;
        w.name = matching(o.need("name"), kWorkgroupPattern, "1 to 128 letters, digits, '.', '_' or '-'");
        w.engine_version = o.need("engine_version").string();
        static constexpr std::string_view kEngines[] = {"PySpark engine version 3", "Athena engine version 3",
                                                        "Athena engine version 2", "AUTO"};
        if (std::find(std::begin(kEngines), std::end(kEngines), w.engine_version) == std::end(kEngines))
            throw Bad{p + ".engine_version",
                      "must be \"PySpark engine version 3\" (Spark), \"Athena engine version 3\", "
                      "\"Athena engine version 2\" or \"AUTO\" (SQL) (got \"" +
                          w.engine_version + "\")"};
        if (auto fv = o.find("profile")) w.profile = bounded_string(*fv, 1, 128);
        if (auto fv = o.find("scenario")) w.scenario = bounded_string(*fv, 1, 128);
        if (auto fv = o.find("state")) {
            const std::string s = fv->string();
            if (s != "ENABLED" && s != "DISABLED")
                throw Bad{p + ".state", "must be ENABLED or DISABLED (got \"" + s + "\")"};
            w.enabled = s == "ENABLED";
        }
        if (auto fv = o.find("description")) w.description = bounded_string(*fv, 0, 1024);
        if (auto fv = o.find("configuration")) {
            w.configuration = opaque_object(*fv);
            if (auto role = fv->find("ExecutionRole")) w.execution_role = role->string();
            if (auto rc = fv->find("ResultConfiguration"))
                if (auto loc = rc->find("OutputLocation")) w.output_location = loc->string();
        }
        if (auto fv = o.find("tags")) w.tags = parse_tags(*fv);
        if (auto fv = o.find("creation_time")) w.created = as_time(*fv);
        if (auto fv = o.find("account")) w.account = matching(*fv, kAccountPattern, "12 digits");
        if (auto fv = o.find("region")) w.region = matching(*fv, kRegionPattern, "a region name such as \"us-east-1\"");
        const std::string key = w.account.value_or("") + "/" + w.region.value_or("") + "/" + w.name;
        if (!seen.insert(key).second) throw Bad{p + ".name", "workgroup '" + w.name + "' appears twice"};
        f.workgroups.push_back(std::move(w));
    }
}

json::array write_workgroups(const std::vector<WorkgroupRecord>& all) {
    json::array workgroups;
    for (const auto& w : all) {
        json::object o{{"name", w.name},
                       {"account", w.tenant.account},
                       {"region", w.tenant.region},
                       {"engine_version", w.engine_version},
                       {"profile", w.profile},
                       {"state", w.enabled ? "ENABLED" : "DISABLED"},
                       {"description", w.description},
                       {"configuration", opaque_json(w.configuration)},
                       {"tags", tags_json(w.tags)},
                       {"creation_time", format_rfc3339_ms(w.created)}};
        if (!w.scenario.empty()) o["scenario"] = w.scenario;
        workgroups.push_back(std::move(o));
    }
    return workgroups;
}

// --- sessions: reader and writer

void read_sessions(const JsonReader& v, FixtureSet& f) {
    const auto& a = v.array();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const JsonReader o = v.element(i);
        const std::string p = o.path();
        o.only({"id", "workgroup", "description", "start_time", "script", "scenario", "history", "idle_timeout_minutes",
                "engine_configuration", "tags", "account", "region", "terminating_ms", "monitoring_configuration",
                "notebook_version", "execution_role", "working_directory", "next_calculation_id"});
        FixtureSession s;
        s.path = p;
        s.id = bounded_string(o.need("id"), 1, 256);
        s.workgroup = matching(o.need("workgroup"), kWorkgroupPattern, "a workgroup name");
        if (auto fv = o.find("description")) s.description = bounded_string(*fv, 0, 1024);
        if (auto fv = o.find("start_time")) s.start_time = as_time(*fv);
        if (o.find("script") && o.find("scenario"))
            throw Bad{p + ".scenario", "give either \"script\" or \"scenario\", not both"};
        if (auto fv = o.find("script")) s.script = parse_steps(*fv, o.find("history").has_value());
        if (auto fv = o.find("next_calculation_id")) s.next_calculation_id = bounded_string(*fv, 1, 36);
        if (auto fv = o.find("terminating_ms")) s.terminating_ms = Millis{as_int(*fv, 0, 7LL * 24 * 3600 * 1000)};
        if (auto fv = o.find("monitoring_configuration")) s.monitoring_configuration = opaque_object(*fv);
        if (auto fv = o.find("notebook_version")) s.notebook_version = bounded_string(*fv, 1, 128);
        if (auto fv = o.find("execution_role")) s.execution_role = bounded_string(*fv, 0, 2048);
        if (auto fv = o.find("working_directory")) s.working_directory = bounded_string(*fv, 1, 1024);
        if (auto fv = o.find("scenario")) s.scenario = bounded_string(*fv, 1, 128);
        if (auto fv = o.find("history")) {
            const std::size_t n = fv->array().size();
            for (std::size_t j = 0; j < n; ++j) {
                const JsonReader ho = fv->element(j);
                const std::string hp = ho.path();
                ho.only({"state", "time", "epoch_ms", "reason", "cause"});
                Step st{as_time(ho.need("time")), as_state(ho.need("state")), Cause::Script, {}};
                if (auto r = ho.find("reason")) st.reason = bounded_string(*r, 1, 1024);
                if (auto c = ho.find("cause")) {
                    auto cause = parse_cause(c->string());
                    if (!cause)
                        throw Bad{hp + ".cause",
                                  "must be one of api, profile, script, calculation, idle_timeout, admin"};
                    st.cause = *cause;
                }
                if (!s.history.empty() && st.at < s.history.back().at)
                    throw Bad{hp + ".time", "history must be in time order"};
                s.history.push_back(std::move(st));
            }
        }
        if (auto fv = o.find("idle_timeout_minutes")) s.idle_timeout_minutes = static_cast<int>(as_int(*fv, 1, 480));
        if (auto fv = o.find("engine_configuration")) {
            s.engine_configuration = opaque_object(*fv);
            const JsonReader& ec = *fv;
            if (auto d = ec.find("CoordinatorDpuSize")) s.coordinator_dpu_size = static_cast<int>(as_int(*d, 1, 1));
            if (auto d = ec.find("MaxConcurrentDpus")) s.max_concurrent_dpus = static_cast<int>(as_int(*d, 2, 5000));
            if (auto d = ec.find("DefaultExecutorDpuSize"))
                s.default_executor_dpu_size = static_cast<int>(as_int(*d, 1, 1));
        }
        if (auto fv = o.find("tags")) s.tags = parse_tags(*fv);
        if (auto fv = o.find("account")) s.account = matching(*fv, kAccountPattern, "12 digits");
        if (auto fv = o.find("region")) s.region = matching(*fv, kRegionPattern, "a region name such as \"us-east-1\"");
        const std::string key = s.account.value_or("") + "/" + s.region.value_or("") + "/" + s.id;
        if (!seen.insert(key).second) throw Bad{p + ".id", "session '" + s.id + "' appears twice"};
        f.sessions.push_back(std::move(s));
    }
}

json::array write_steps(const SessionRecord& r, const std::vector<Step>& steps, bool as_script) {
    json::array out;
    for (const auto& st : steps) {
        json::object h = as_script ? json::object{{"after_ms", (st.at - r.start).count()},
                                                  {"state", std::string(to_string(st.state))},
                                                  {"cause", std::string(to_string(st.cause))}}
                                   : json::object{{"state", std::string(to_string(st.state))},
                                                  {"time", format_rfc3339_ms(st.at)},
                                                  {"epoch_ms", to_epoch_ms(st.at)},
                                                  {"cause", std::string(to_string(st.cause))}};
        if (!st.reason.empty()) h["reason"] = st.reason;
        out.push_back(std::move(h));
    }
    return out;
}

json::array write_sessions(const std::vector<SessionSnapshot>& all) {
    json::array sessions;
    for (const auto& ss : all) {
        const SessionRecord& r = ss.record;
        json::object o{{"id", r.id},
                       {"workgroup", r.workgroup},
                       {"account", r.tenant.account},
                       {"region", r.tenant.region},
                       {"start_time", format_rfc3339_ms(r.start)},
                       {"idle_timeout_minutes", r.idle_timeout_minutes},
                       {"terminating_ms", r.terminating_ms.count()},
                       {"engine_configuration", opaque_json(r.engine_configuration)},
                       {"execution_role", r.execution_role},
                       {"working_directory", r.working_directory},
                       {"tags", tags_json(r.tags)}};
        if (!r.description.empty()) o["description"] = r.description;
        if (!r.notebook_version.empty()) o["notebook_version"] = r.notebook_version;
        if (!r.monitoring_configuration.empty())
            o["monitoring_configuration"] = opaque_json(r.monitoring_configuration);
        if (ss.next_calculation_id) o["next_calculation_id"] = *ss.next_calculation_id;
        o["history"] = write_steps(r, r.steps, false);
        if (!ss.script.empty()) o["script"] = write_steps(r, ss.script, true);
        sessions.push_back(std::move(o));
    }
    return sessions;
}

// --- calculations: reader and writer

void read_calculations(const JsonReader& v, FixtureSet& f) {
    const auto& a = v.array();
    for (std::size_t i = 0; i < a.size(); ++i) {
        const JsonReader o = v.element(i);
        const std::string p = o.path();
        o.only({"id", "session_id", "account", "region", "description", "code", "submitted", "working_directory",
                "result", "steps", "stdout", "stderr", "result_text"});
        FixtureCalculation c;
        c.record.output = parse_output(o);
        c.path = p;
        c.record.id = bounded_string(o.need("id"), 1, 36);
        c.record.session_id = bounded_string(o.need("session_id"), 1, 256);
        if (auto fv = o.find("account")) c.account = matching(*fv, kAccountPattern, "12 digits");
        if (auto fv = o.find("region")) c.region = matching(*fv, kRegionPattern, "a region name such as \"us-east-1\"");
        if (auto fv = o.find("description")) c.record.description = bounded_string(*fv, 0, 1024);
        c.record.code = bounded_string(o.need("code"), 0, 68000);
        c.record.submitted = as_time(o.need("submitted"));
        if (auto fv = o.find("working_directory")) c.record.working_directory = bounded_string(*fv, 0, 1024);
        if (auto fv = o.find("result")) {
            const JsonReader& ro = *fv;
            ro.only({"result_s3_uri", "stdout_s3_uri", "stderr_s3_uri", "result_type"});
            auto field = [&](const char* name) {
                auto x = ro.find(name);
                return x ? x->string() : std::string();
            };
            c.record.result = CalculationResultUris{field("result_s3_uri"), field("stdout_s3_uri"),
                                                    field("stderr_s3_uri"), field("result_type")};
        }
        const JsonReader steps = o.need("steps");
        if (steps.array().empty()) steps.fail("must have at least one step");
        for (std::size_t j = 0; j < steps.array().size(); ++j) {
            const JsonReader so = steps.element(j);
            const std::string sp = so.path();
            so.only({"state", "time", "reason"});
            const std::string state = so.need("state").string();
            auto cs = parse_calculation_state(state);
            if (!cs)
                throw Bad{sp + ".state",
                          "must be one of CREATING, CREATED, QUEUED, RUNNING, CANCELING, CANCELED, COMPLETED, FAILED"};
            CalculationStep step{as_time(so.need("time")), *cs, {}};
            if (auto r = so.find("reason")) step.reason = bounded_string(*r, 1, 1024);
            if (!c.record.steps.empty() && step.at < c.record.steps.back().at)
                throw Bad{sp + ".time", "steps must be in time order"};
            c.record.steps.push_back(std::move(step));
        }
        if (c.record.steps.front().at != c.record.submitted)
            throw Bad{p + ".steps[0].time", "the first step must be at the submitted time"};
        f.calculations.push_back(std::move(c));
    }
}

json::array write_calculations(const std::vector<CalculationRecord>& all) {
    json::array calculations;
    for (const auto& c : all) {
        json::array steps;
        for (const auto& st : c.steps) {
            json::object h{{"state", std::string(to_string(st.state))}, {"time", format_rfc3339_ms(st.at)}};
            if (!st.reason.empty()) h["reason"] = st.reason;
            steps.push_back(std::move(h));
        }
        json::object o{{"id", c.id},
                       {"session_id", c.session_id},
                       {"account", c.tenant.account},
                       {"region", c.tenant.region},
                       {"code", c.code},
                       {"submitted", format_rfc3339_ms(c.submitted)},
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
    return calculations;
}

// --- tokens: reader and writer

void read_tokens(const JsonReader& v, FixtureSet& f) {
    const auto& a = v.array();
    for (std::size_t i = 0; i < a.size(); ++i) {
        const JsonReader o = v.element(i);
        const std::string p = o.path();
        o.only({"account", "region", "operation", "token", "fingerprint", "result"});
        FixtureToken t;
        t.path = p;
        if (auto fv = o.find("account")) t.account = matching(*fv, kAccountPattern, "12 digits");
        if (auto fv = o.find("region")) t.region = matching(*fv, kRegionPattern, "a region name such as \"us-east-1\"");
        t.operation = o.need("operation").string();
        const bool notebook = std::find(kNotebookTokenOperations.begin(), kNotebookTokenOperations.end(),
                                        t.operation) != kNotebookTokenOperations.end();
        if (t.operation != "StartSession" && t.operation != "StartCalculationExecution" && !notebook)
            throw Bad{p + ".operation",
                      "must be StartSession, StartCalculationExecution, CreateNotebook, ImportNotebook, "
                      "UpdateNotebook or UpdateNotebookMetadata"};
        t.token = notebook ? bounded_string(o.need("token"), 1, 36) : bounded_string(o.need("token"), 32, 128);
        t.fingerprint = bounded_string(o.need("fingerprint"), 1, 128);
        t.result = bounded_string(o.need("result"), 1, 512);
        f.tokens.push_back(std::move(t));
    }
}

json::array write_tokens(const std::vector<TokenRecord>& all) {
    json::array tokens;
    for (const auto& t : all)
        tokens.push_back(json::object{{"account", t.tenant.account},
                                      {"region", t.tenant.region},
                                      {"operation", t.operation},
                                      {"token", t.token},
                                      {"fingerprint", t.fingerprint},
                                      {"result", t.result}});
    return tokens;
}

// --- notebooks: reader and writer

const boost::regex kNotebookIdPattern("[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}");

void read_notebook_sessions(const JsonReader& v, FixtureNotebook& n) {
    for (std::size_t j = 0; j < v.array().size(); ++j) n.sessions.push_back(bounded_string(v.element(j), 1, 256));
}

void read_notebooks(const JsonReader& v, FixtureSet& f) {
    for (std::size_t i = 0; i < v.array().size(); ++i) {
        const JsonReader o = v.element(i);
        o.only({"id", "workgroup", "name", "payload", "type", "sessions", "account", "region", "created", "modified"});
        FixtureNotebook n;
        n.path = o.path();
        n.id = matching(o.need("id"), kNotebookIdPattern, "a lowercase UUID, as a NotebookId");
        n.workgroup = matching(o.need("workgroup"), kWorkgroupPattern, "a workgroup name");
        const JsonReader name = o.need("name");
        n.name = bounded_string(name, 1, 255);
        if (n.name.find_first_of("/:\\") != std::string::npos) name.fail("must not contain '/', ':' or '\\'");
        if (auto fv = o.find("type")) {
            n.type = fv->string();
            if (check_notebook_type(n.type)) fv->fail("must be IPYNB");
        }
        if (auto fv = o.find("payload")) {
            n.payload = bounded_string(*fv, 1, 10485760);
            if (auto why = notebook_payload_problem(*n.payload)) fv->fail(*why);
        }
        if (auto fv = o.find("account")) n.account = matching(*fv, kAccountPattern, "12 digits");
        if (auto fv = o.find("region")) n.region = matching(*fv, kRegionPattern, "a region name such as \"us-east-1\"");
        if (auto fv = o.find("created")) n.created = as_time(*fv);
        if (auto fv = o.find("modified")) n.modified = as_time(*fv);
        if (auto fv = o.find("sessions")) read_notebook_sessions(*fv, n);
        f.notebooks.push_back(std::move(n));
    }
}

json::array write_notebooks(const std::vector<NotebookSnapshot>& all) {
    json::array notebooks;
    for (const auto& [n, sessions] : all) {
        json::array linked;
        for (const auto& s : sessions) linked.push_back(json::string(s));
        notebooks.push_back(json::object{{"id", n.id},
                                         {"account", n.tenant.account},
                                         {"region", n.tenant.region},
                                         {"workgroup", n.workgroup},
                                         {"name", n.name},
                                         {"type", n.type},
                                         {"payload", n.payload},
                                         {"created", format_rfc3339_ms(n.created)},
                                         {"modified", format_rfc3339_ms(n.modified)},
                                         {"sessions", std::move(linked)}});
    }
    return notebooks;
}

FixtureSet parse_document(const json::value& root, const std::string& source) {
    FixtureSet f;
    f.source = source;
    const JsonReader doc(root, "");
    doc.only({"profiles", "scenarios", "workgroups", "sessions", "clock", "outcomes", "calculations", "tokens",
              "faults", "notebooks"});
    if (auto v = doc.find("clock")) f.clock = as_time(*v);
    if (auto v = doc.find("profiles")) read_profiles(*v, f);
    if (auto v = doc.find("scenarios")) read_scenarios(*v, f);
    if (auto v = doc.find("outcomes")) read_outcomes(*v, f);
    if (auto v = doc.find("workgroups")) read_workgroups(*v, f);
    if (auto v = doc.find("sessions")) read_sessions(*v, f);
    if (auto v = doc.find("calculations")) read_calculations(*v, f);
    if (auto v = doc.find("tokens")) read_tokens(*v, f);
    if (auto v = doc.find("notebooks")) read_notebooks(*v, f);
    return f;
}

Error fixture_error(const std::string& source, const std::string& path, const std::string& reason) {
    return make_error(ErrorKind::InvalidArgument, source + ": " + path + ": " + reason);
}

}  // namespace

Result<FixtureSet> parse_fixture_value(const boost::json::value& doc, const std::string& source) {
    try {
        return parse_document(doc, source);
    } catch (const Bad& b) {
        return fixture_error(source, b.path.empty() ? "$" : b.path, b.reason);
    }
}

namespace {

// Parses `text` into `out`, which must use `sp` too; the error names the line and column.
std::optional<Error> parse_json(std::string_view text, const std::string& source, json::storage_ptr sp,
                                json::value& out) {
    json::stream_parser p;
    p.reset(sp);
    boost::system::error_code ec;
    std::size_t used = p.write(text.data(), text.size(), ec);
    if (!ec) p.finish(ec);
    if (ec) return fixture_error(source, "$", json_syntax_error(text, used, ec));
    out = p.release();  // `out` shares `sp`: a move, not a copy
    return std::nullopt;
}

}  // namespace

Result<FixtureSet> parse_fixture_text(std::string_view text, const std::string& source) {
    // One arena for the whole tree: a 100k-session document is millions of small values,
    // allocated in bulk and dropped at once.
    json::monotonic_resource arena;
    json::value v(&arena);
    if (auto e = parse_json(text, source, &arena, v)) return *e;
    return parse_fixture_value(v, source);
}

std::string json_syntax_error(std::string_view text, std::size_t used, const boost::system::error_code& ec) {
    // Line and column of the first byte the parser could not take.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < std::min(used, text.size()); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + ec.message();
}

Result<FixtureDocument> parse_fixture_document(std::string_view text, const std::string& source) {
    json::monotonic_resource arena;
    json::value v(&arena);
    if (auto e = parse_json(text, source, &arena, v)) return *e;
    auto set = parse_fixture_value(v, source);
    if (!set) return set.error();
    FixtureDocument doc{std::move(*set), {}};
    if (v.is_object())
        if (auto* faults = v.get_object().if_contains("faults")) {
            if (!faults->is_array()) return fixture_error(source, "faults", "must be an array");
            const auto& a = faults->get_array();
            for (std::size_t i = 0; i < a.size(); ++i) {
                std::string err;
                auto rule = parse_fault_rule(a[i], "faults[" + std::to_string(i) + "]", err);
                if (!rule) return make_error(ErrorKind::InvalidArgument, source + ": " + err);
                doc.faults.push_back(std::move(*rule));
            }
        }
    return doc;
}

Result<std::vector<FixtureDocument>> load_fixture_paths(const std::vector<std::string>& paths) {
    namespace fs = std::filesystem;
    std::vector<FixtureDocument> out;
    auto load_file = [&](const fs::path& file) -> std::optional<Error> {
        std::ifstream in(file, std::ios::binary);
        if (!in) return make_error(ErrorKind::InvalidArgument, file.string() + ": cannot read the fixture file");
        std::stringstream ss;
        ss << in.rdbuf();
        std::string text = std::move(ss).str();
        auto r = parse_fixture_document(text, file.string());
        if (!r) return r.error();
        r->text = std::move(text);
        out.push_back(std::move(*r));
        return std::nullopt;
    };
    if (paths.empty()) {
        auto r = parse_fixture_document(embedded_default_fixture(), "built-in fixtures/default.json");
        if (!r) return r.error();
        r->text = embedded_default_fixture();
        out.push_back(std::move(*r));
        return out;
    }
    for (const auto& p : paths) {
        if (p == "none") continue;
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            std::vector<fs::path> files;
            for (const auto& e : fs::directory_iterator(p, ec))
                if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
            if (ec)
                return make_error(ErrorKind::InvalidArgument,
                                  p + ": cannot list the fixture directory: " + ec.message());
            std::sort(files.begin(), files.end());
            for (const auto& f : files)
                if (auto e = load_file(f)) return *e;
        } else if (fs::exists(p, ec)) {
            if (auto e = load_file(p)) return *e;
        } else {
            return make_error(ErrorKind::InvalidArgument, p + ": no such fixture file or directory");
        }
    }
    return out;
}

json::object state_document(const StateSnapshot& snap, const std::vector<FaultRule>& faults) {
    json::object doc;
    if (snap.clock) doc["clock"] = format_rfc3339_ms(*snap.clock);
    doc["profiles"] = write_profiles(snap.profiles);
    doc["scenarios"] = write_scenarios(snap.scenarios);
    doc["outcomes"] = write_outcomes(snap.outcomes);
    doc["workgroups"] = write_workgroups(snap.workgroups);
    doc["sessions"] = write_sessions(snap.sessions);
    doc["calculations"] = write_calculations(snap.calculations);
    doc["tokens"] = write_tokens(snap.tokens);
    doc["notebooks"] = write_notebooks(snap.notebooks);
    json::array rules;
    for (const auto& r : faults) rules.push_back(fault_rule_json(r));
    doc["faults"] = std::move(rules);
    return doc;
}

}  // namespace athena
