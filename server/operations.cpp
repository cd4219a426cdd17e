#include "server/operations.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <openssl/evp.h>
#include <boost/json.hpp>

#include "server/json_writer.hpp"
#include "server/notebook_operations.hpp"
#include "server/page_token.hpp"

namespace athena {

OperationOutcome outcome::failed(const Error& e, std::string session_id) {
    OperationOutcome out;
    out.error = to_aws_error(e);
    out.session_id = std::move(session_id);
    return out;
}

OperationOutcome outcome::ok(std::string body, std::string session_id) {
    OperationOutcome out;
    out.body = std::move(body);
    out.session_id = std::move(session_id);
    return out;
}

namespace {

std::string_view string_member(const boost::json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_string()) return {};
    const auto& s = it->value().get_string();
    return {s.data(), s.size()};
}

namespace json = boost::json;

using outcome::failed;
using outcome::ok;

// An integer member; a decimal is truncated (`1.5` reads 1), as real Athena does. The
// validator has checked the range.
std::optional<std::int64_t> int_member(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_number()) return std::nullopt;
    const auto& v = it->value();
    if (v.is_double()) return static_cast<std::int64_t>(v.get_double());
    if (v.is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(v.get_uint64(), INT64_MAX));
    return v.get_int64();
}

std::optional<bool> bool_member(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_bool()) return std::nullopt;
    return it->value().get_bool();
}

const json::object* object_member(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    return it == o.end() || !it->value().is_object() ? nullptr : &it->value().get_object();
}

Tags tag_list(const json::object& o, std::string_view name) {
    Tags tags;
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_array()) return tags;
    for (const auto& t : it->value().get_array()) {
        if (!t.is_object()) continue;
        const auto& to = t.get_object();
        std::string key(string_member(to, "Key"));
        std::string value(string_member(to, "Value"));
        auto existing = std::find_if(tags.begin(), tags.end(), [&](const auto& x) { return x.first == key; });
        if (existing != tags.end())
            existing->second = value;
        else
            tags.emplace_back(std::move(key), std::move(value));
    }
    std::sort(tags.begin(), tags.end());
    return tags;
}

// JSON with object keys sorted at every level: the same parameters give the same text.
void canonical(const json::value& v, std::string& out) {
    if (v.is_object()) {
        std::vector<std::pair<std::string_view, const json::value*>> items;
        for (const auto& kv : v.get_object())
            items.emplace_back(std::string_view(kv.key().data(), kv.key().size()), &kv.value());
        std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        out += '{';
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) out += ',';
            append_json_string(out, items[i].first);
            out += ':';
            canonical(*items[i].second, out);
        }
        out += '}';
    } else if (v.is_array()) {
        out += '[';
        bool first = true;
        for (const auto& e : v.get_array()) {
            if (!first) out += ',';
            first = false;
            canonical(e, out);
        }
        out += ']';
    } else {
        out += json::serialize(v);
    }
}

// SHA-256 (OpenSSL) of the request's parameters other than the token, hex.
std::string fingerprint(const json::object& in, std::string_view token_member) {
    json::object copy = in;
    copy.erase(token_member);
    std::string text;
    canonical(copy, text);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 0xf];
    }
    return hex;
}

// ClientRequestToken: the model's 32-128 are characters (the validator checks them); real
// Athena also refuses more than 128 UTF-8 bytes, with this text and no "validation error" prefix.
constexpr std::size_t kMaxClientTokenBytes = 128;
Error client_token_too_long() {
    return make_error(ErrorKind::InvalidArgument, "clientRequestToken exceeds maximum allowed length 128");
}

// A NextToken that open_page_token refuses: real Athena's text, the token as sent.
Error malformed_token(std::string_view token) {
    return make_error(ErrorKind::InvalidArgument, malformed_page_token_message(token));
}

// "<a>:<b>" as two integers, nothing else.
std::optional<std::pair<std::int64_t, std::int64_t>> two_integers(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::int64_t a = 0, b = 0;
    const auto* p = text.data();
    const auto [end_a, ec_a] = std::from_chars(p, p + colon, a);
    const auto [end_b, ec_b] = std::from_chars(p + colon + 1, p + text.size(), b);
    if (ec_a != std::errc() || end_a != p + colon || colon == 0 || ec_b != std::errc() || end_b != p + text.size() ||
        colon + 1 == text.size())
        return std::nullopt;
    return std::make_pair(a, b);
}

// A listing's NextToken: "s1:" (sessions) or "c1:" (calculations), then the cursor's
// "<at_ms>:<seq>", sealed.
std::string cursor_token(std::string_view prefix, const PageCursor& c) {
    return seal_page_token(std::string(prefix) + std::to_string(c.at_ms) + ":" + std::to_string(c.seq));
}

std::optional<PageCursor> parse_cursor_token(std::string_view prefix, std::string_view token) {
    auto text = open_page_token(token);
    if (!text || text->rfind(prefix, 0) != 0) return std::nullopt;
    auto v = two_integers(std::string_view(*text).substr(prefix.size()));
    if (!v) return std::nullopt;
    return PageCursor{v->first, v->second};
}

void write_engine_version(JsonWriter& w, std::string_view key, const std::string& selected) {
    const std::string effective(effective_engine_version(selected).value_or(selected));
    w.key(key)
        .begin_object()
        .member("SelectedEngineVersion", selected)
        .member("EffectiveEngineVersion", effective)
        .end_object();
}

std::string status_json(const SessionStatus& st) {
    std::string out;
    append_session_status(out, st);
    return out;
}

// Tags whose key starts with "athena-emu:" steer the emulator (README, "Control tags"); no
// answer shows them.
bool is_control_tag(std::string_view key) { return key.rfind("athena-emu:", 0) == 0; }

void write_tags(JsonWriter& w, const Tags& tags) {
    w.begin_array();
    for (const auto& [k, v] : tags)
        if (!is_control_tag(k)) w.begin_object().member("Key", k).member("Value", v).end_object();
    w.end_array();
}

// Moves StartSession's control tags out of its tags into the input fields they set.
void take_control_tags(StartSessionInput& s) {
    for (const auto& [k, v] : s.tags) {
        if (k == "athena-emu:scenario") s.scenario = v;
        if (k == "athena-emu:session-id") s.session_id = v;
    }
    std::erase_if(s.tags, [](const auto& tag) { return is_control_tag(tag.first); });
}

// --- sessions ---------------------------------------------------------------------------

OperationOutcome start_session(OperationContext& ctx, const json::object& in) {
    StartSessionInput s;
    s.workgroup = std::string(string_member(in, "WorkGroup"));
    s.description = std::string(string_member(in, "Description"));
    if (auto* e = object_member(in, "EngineConfiguration")) {
        s.engine_configuration = json::serialize(*e);
        s.coordinator_dpu_size = static_cast<int>(int_member(*e, "CoordinatorDpuSize").value_or(1));
        s.max_concurrent_dpus = static_cast<int>(int_member(*e, "MaxConcurrentDpus").value_or(20));
        s.default_executor_dpu_size = static_cast<int>(int_member(*e, "DefaultExecutorDpuSize").value_or(1));
    }
    if (auto* m = object_member(in, "MonitoringConfiguration")) s.monitoring_configuration = json::serialize(*m);
    s.notebook_version = std::string(string_member(in, "NotebookVersion"));
    if (auto e = check_notebook_version(s.notebook_version)) return failed(*e);
    s.execution_role = std::string(string_member(in, "ExecutionRole"));
    if (auto minutes = int_member(in, "SessionIdleTimeoutInMinutes"))
        s.idle_timeout_minutes = static_cast<int>(*minutes);
    s.tags = tag_list(in, "Tags");
    take_control_tags(s);
    s.copy_workgroup_tags = bool_member(in, "CopyWorkGroupTags").value_or(false);
    if (auto token = string_member(in, "ClientRequestToken"); !token.empty()) {
        if (token.size() > kMaxClientTokenBytes) return failed(client_token_too_long());
        s.client_token = std::string(token);
        s.fingerprint = fingerprint(in, "ClientRequestToken");
    }
    auto r = ctx.service.sessions.start_session(ctx.tenant, s);
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter(body)
        .begin_object()
        .member("SessionId", r->session_id)
        .member("State", to_string(r->state))
        .end_object();
    return ok(std::move(body), r->session_id);
}

// A session's EngineConfiguration as given, with the DPU sizes it runs with filled in where
// StartSession named none: botocore 1.29 (Debian 12) reads MaxConcurrentDpus as required.
std::string engine_configuration_json(const SessionRecord& s) {
    json::object cfg;
    if (!s.engine_configuration.empty()) {
        boost::system::error_code ec;
        auto v = json::parse(s.engine_configuration, ec);
        if (!ec && v.is_object()) cfg = std::move(v.get_object());
    }
    const std::pair<const char*, int> sizes[] = {{"CoordinatorDpuSize", s.coordinator_dpu_size},
                                                 {"MaxConcurrentDpus", s.max_concurrent_dpus},
                                                 {"DefaultExecutorDpuSize", s.default_executor_dpu_size}};
    for (const auto& [name, value] : sizes)
        if (!cfg.contains(name) || !cfg[name].is_int64()) cfg[name] = value;  // 20.5 was read as 20
    return json::serialize(cfg);
}

OperationOutcome get_session(OperationContext& ctx, const json::object& in) {
    const std::string id(string_member(in, "SessionId"));
    auto r = ctx.service.sessions.get_session(ctx.tenant, id);
    if (!r) return failed(r.error(), id);
    const SessionRecord& s = r->record;
    std::string body;
    JsonWriter w(body);
    w.begin_object().member("SessionId", s.id);
    if (!s.description.empty()) w.member("Description", s.description);
    w.member("WorkGroup", s.workgroup).member("EngineVersion", s.engine_version);
    w.key("EngineConfiguration").raw(engine_configuration_json(s));
    if (!s.notebook_version.empty()) w.member("NotebookVersion", s.notebook_version);
    if (!s.monitoring_configuration.empty()) w.key("MonitoringConfiguration").raw(s.monitoring_configuration);
    w.key("SessionConfiguration").begin_object();
    if (!s.execution_role.empty()) w.member("ExecutionRole", s.execution_role);
    w.member("WorkingDirectory", s.working_directory)
        .member("IdleTimeoutSeconds", static_cast<std::int64_t>(s.idle_timeout_minutes) * 60)
        .member("SessionIdleTimeoutInMinutes", s.idle_timeout_minutes)
        .end_object();
    w.key("Status").raw(status_json(r->status));
    w.key("Statistics").begin_object().member("DpuExecutionInMillis", r->dpu_execution_ms).end_object();
    w.end_object();
    return ok(std::move(body), id);
}

OperationOutcome list_sessions(OperationContext& ctx, const json::object& in) {
    const std::string wg(string_member(in, "WorkGroup"));
    std::optional<SessionState> filter;
    if (auto f = string_member(in, "StateFilter"); !f.empty()) filter = parse_session_state(f);
    const int max = static_cast<int>(int_member(in, "MaxResults").value_or(100));
    std::optional<SessionCursor> after;
    if (auto token = string_member(in, "NextToken"); !token.empty()) {
        after = parse_cursor_token("s1:", token);
        if (!after) {
            // An unknown workgroup wins over a bad token, as on real Athena.
            if (auto known = ctx.service.workgroups.get_workgroup(ctx.tenant, wg); !known) return failed(known.error());
            return failed(malformed_token(token));
        }
    }
    auto r = ctx.service.sessions.list_sessions(ctx.tenant, wg, filter, max, after);
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    if (r->next) w.member("NextToken", cursor_token("s1:", *r->next));
    w.key("Sessions").begin_array();
    for (const auto& d : r->sessions) {
        w.begin_object().member("SessionId", d.record.id);
        if (!d.record.description.empty()) w.member("Description", d.record.description);
        write_engine_version(w, "EngineVersion", d.record.engine_version);
        if (!d.record.notebook_version.empty()) w.member("NotebookVersion", d.record.notebook_version);
        w.key("Status").raw(status_json(d.status));
        w.end_object();
    }
    w.end_array().end_object();
    return ok(std::move(body));
}

OperationOutcome terminate_session(OperationContext& ctx, const json::object& in) {
    const std::string id(string_member(in, "SessionId"));
    auto r = ctx.service.sessions.terminate_session(ctx.tenant, id);
    if (!r) return failed(r.error(), id);
    std::string body;
    JsonWriter(body).begin_object().member("State", to_string(*r)).end_object();
    return ok(std::move(body), id);
}

// --- workgroups -------------------------------------------------------------------------

// Reads the fields the domain uses out of a workgroup configuration document.
std::optional<Error> absorb_configuration(WorkgroupRecord& w, json::object cfg) {
    std::string selected = "AUTO";
    if (auto* ev = object_member(cfg, "EngineVersion"))
        if (auto sel = string_member(*ev, "SelectedEngineVersion"); !sel.empty()) selected = std::string(sel);
    if (!effective_engine_version(selected))
        return make_error(
            ErrorKind::InvalidArgument,
            "Invalid EngineVersion " + selected +
                ": use AUTO, Athena engine version 2, Athena engine version 3 or PySpark engine version 3.");
    w.engine_version = selected;
    cfg.erase("EngineVersion");  // written back on output with its effective version
    w.execution_role = std::string(string_member(cfg, "ExecutionRole"));
    w.output_location.clear();
    if (auto* rc = object_member(cfg, "ResultConfiguration"))
        w.output_location = std::string(string_member(*rc, "OutputLocation"));
    w.configuration = json::serialize(cfg);
    return std::nullopt;
}

void write_workgroup_configuration(JsonWriter& w, const WorkgroupRecord& wg) {
    json::object cfg;
    if (!wg.configuration.empty()) {
        boost::system::error_code ec;
        auto v = json::parse(wg.configuration, ec);
        if (!ec && v.is_object()) cfg = std::move(v.get_object());
    }
    cfg.erase("EngineVersion");
    if (!cfg.contains("ResultConfiguration")) cfg["ResultConfiguration"] = json::object{};
    if (!wg.execution_role.empty() && !cfg.contains("ExecutionRole")) cfg["ExecutionRole"] = wg.execution_role;
    // Always shown (measured): `primary` has all four false; a workgroup created without a value
    // enforces its configuration and publishes metrics (what Terraform's aws_athena_workgroup expects).
    const bool primary = wg.name == kPrimaryWorkgroup;
    for (const char* flag : {"EnableMinimumEncryptionConfiguration", "EnforceWorkGroupConfiguration",
                             "PublishCloudWatchMetricsEnabled", "RequesterPaysEnabled"}) {
        const std::string_view f(flag);
        const bool on_by_default =
            !primary && (f == "EnforceWorkGroupConfiguration" || f == "PublishCloudWatchMetricsEnabled");
        if (!cfg.contains(flag)) cfg[flag] = on_by_default;
    }
    std::string text = json::serialize(cfg);
    text.pop_back();  // reopen the object to add EngineVersion
    std::string ev;
    JsonWriter evw(ev);
    evw.begin_object();
    write_engine_version(evw, "EngineVersion", wg.engine_version);
    evw.end_object();
    text += (text.size() > 1 ? "," : "") + ev.substr(1);
    w.key("Configuration").raw(text);
}

OperationOutcome create_work_group(OperationContext& ctx, const json::object& in) {
    WorkgroupRecord w;
    w.tenant = ctx.tenant;
    w.name = std::string(string_member(in, "Name"));
    w.description = std::string(string_member(in, "Description"));
    w.tags = tag_list(in, "Tags");
    const json::object* cfg = object_member(in, "Configuration");
    if (auto e = absorb_configuration(w, cfg ? *cfg : json::object{})) return failed(*e);
    auto r = ctx.service.workgroups.create_workgroup(std::move(w));
    if (!r) return failed(r.error());
    return ok("{}");
}

OperationOutcome get_work_group(OperationContext& ctx, const json::object& in) {
    auto r = ctx.service.workgroups.get_workgroup(ctx.tenant, string_member(in, "WorkGroup"));
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter w(body);
    w.begin_object().key("WorkGroup").begin_object();
    w.member("Name", r->name).member("State", r->enabled ? "ENABLED" : "DISABLED");
    write_workgroup_configuration(w, *r);
    if (!r->description.empty()) w.member("Description", r->description);
    w.member("CreationTime", r->created);
    w.end_object().end_object();
    return ok(std::move(body));
}

OperationOutcome list_work_groups(OperationContext& ctx, const json::object& in) {
    std::optional<std::string> after;
    if (auto token = string_member(in, "NextToken"); !token.empty()) {
        auto text = open_page_token(token);
        if (!text || text->rfind("w1:", 0) != 0) return failed(malformed_token(token));
        after = text->substr(3);
    }
    auto r = ctx.service.workgroups.list_workgroups(ctx.tenant,
                                                    static_cast<int>(int_member(in, "MaxResults").value_or(50)), after);
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter w(body);
    w.begin_object().key("WorkGroups").begin_array();
    for (const auto& wg : r->workgroups) {
        w.begin_object().member("Name", wg.name).member("State", wg.enabled ? "ENABLED" : "DISABLED");
        w.member("Description", wg.description).member("CreationTime", wg.created);
        write_engine_version(w, "EngineVersion", wg.engine_version);
        w.end_object();
    }
    w.end_array();
    if (r->next_after) w.member("NextToken", seal_page_token("w1:" + *r->next_after));
    w.end_object();
    return ok(std::move(body));
}

// Applies WorkGroupConfigurationUpdates to a configuration document, as UpdateWorkGroup does.
void apply_updates(json::object& cfg, const json::object& updates) {
    for (const auto& kv : updates) {
        const std::string_view key(kv.key().data(), kv.key().size());
        if (key == "ResultConfigurationUpdates" || key == "ManagedQueryResultsConfigurationUpdates") {
            const std::string target =
                key == "ResultConfigurationUpdates" ? "ResultConfiguration" : "ManagedQueryResultsConfiguration";
            if (!cfg.contains(target) || !cfg[target].is_object()) cfg[target] = json::object{};
            apply_updates(cfg[target].get_object(), kv.value().get_object());
        } else if (key.rfind("Remove", 0) == 0) {
            if (kv.value().is_bool() && kv.value().get_bool()) cfg.erase(key.substr(6));
        } else {
            cfg[key] = kv.value();
        }
    }
}

// The configuration UpdateWorkGroup's ConfigurationUpdates make of `w`'s, or the error that
// refuses them.
Result<WorkgroupConfiguration> updated_configuration(WorkgroupRecord w, const json::object& updates) {
    json::object cfg;
    if (!w.configuration.empty()) {
        boost::system::error_code ec;
        auto v = json::parse(w.configuration, ec);
        if (!ec && v.is_object()) cfg = std::move(v.get_object());
    }
    cfg["EngineVersion"] = json::object{{"SelectedEngineVersion", w.engine_version}};
    if (!w.execution_role.empty() && !cfg.contains("ExecutionRole")) cfg["ExecutionRole"] = w.execution_role;
    apply_updates(cfg, updates);
    if (auto e = absorb_configuration(w, std::move(cfg))) return *e;
    return configuration_of(w);
}

OperationOutcome update_work_group(OperationContext& ctx, const json::object& in) {
    const std::string_view name = string_member(in, "WorkGroup");
    WorkgroupUpdate u;
    if (in.contains("Description")) u.description = std::string(string_member(in, "Description"));
    if (auto state = string_member(in, "State"); !state.empty()) u.enabled = state == "ENABLED";
    const json::object* updates = object_member(in, "ConfigurationUpdates");
    // The new configuration is computed from the one read; an update that finds it changed
    // meanwhile writes nothing, and this reads it again.
    for (;;) {
        if (updates) {
            auto w = ctx.service.workgroups.get_workgroup(ctx.tenant, name);
            if (!w) return failed(w.error());
            auto cfg = updated_configuration(*w, *updates);
            if (!cfg) return failed(cfg.error());
            u.based_on = configuration_of(*w);
            u.configuration = std::move(*cfg);
        }
        auto r = ctx.service.workgroups.update_workgroup(ctx.tenant, name, u);
        if (!r) return failed(r.error());
        if (*r) return ok("{}");
    }
}

OperationOutcome delete_work_group(OperationContext& ctx, const json::object& in) {
    auto r = ctx.service.workgroups.delete_workgroup(ctx.tenant, string_member(in, "WorkGroup"),
                                                     bool_member(in, "RecursiveDeleteOption").value_or(false));
    if (!r) return failed(r.error());
    return ok("{}");
}

// --- tags -------------------------------------------------------------------------------

OperationOutcome tag_resource(OperationContext& ctx, const json::object& in) {
    auto r = ctx.service.workgroups.tag_resource(ctx.tenant, string_member(in, "ResourceARN"), tag_list(in, "Tags"));
    if (!r) return failed(r.error());
    return ok("{}");
}

OperationOutcome untag_resource(OperationContext& ctx, const json::object& in) {
    std::vector<std::string> keys;
    if (auto it = in.find("TagKeys"); it != in.end() && it->value().is_array())
        for (const auto& k : it->value().get_array())
            if (k.is_string()) keys.emplace_back(k.get_string());
    auto r = ctx.service.workgroups.untag_resource(ctx.tenant, string_member(in, "ResourceARN"), keys);
    if (!r) return failed(r.error());
    return ok("{}");
}

OperationOutcome list_tags_for_resource(OperationContext& ctx, const json::object& in) {
    auto r = ctx.service.workgroups.list_tags(ctx.tenant, string_member(in, "ResourceARN"));
    if (!r) return failed(r.error());
    // Every tag fits one page (at most 50; MaxResults is at least 75): no token was issued.
    if (auto token = string_member(in, "NextToken"); !token.empty()) return failed(malformed_token(token));
    std::string body;
    JsonWriter w(body);
    w.begin_object().key("Tags");
    write_tags(w, *r);
    w.end_object();
    return ok(std::move(body));
}

// --- calculations -----------------------------------------------------------------------

std::string calculation_status_json(const CalculationStatus& st) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().member("SubmissionDateTime", st.submitted);
    if (st.completed) w.member("CompletionDateTime", *st.completed);
    w.member("State", to_string(st.state));
    if (st.reason) w.member("StateChangeReason", *st.reason);
    w.end_object();
    return out;
}

std::string calculation_statistics_json(const CalculationDetails& d) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().member("DpuExecutionInMillis", d.dpu_execution_ms);
    // Progress is free text (1-1024 characters): "0%" until the calculation completes, then
    // "100%"; absent once it was canceled or failed.
    const auto s = d.status.state;
    if (s == CalculationState::Completed)
        w.member("Progress", "100%");
    else if (!is_final(s) && s != CalculationState::Canceling)
        w.member("Progress", "0%");
    w.end_object();
    return out;
}

OperationOutcome start_calculation_execution(OperationContext& ctx, const json::object& in) {
    StartCalculationInput c;
    c.session_id = std::string(string_member(in, "SessionId"));
    c.description = std::string(string_member(in, "Description"));
    const json::object* cfg = object_member(in, "CalculationConfiguration");
    const bool direct = in.contains("CodeBlock") && !in.at("CodeBlock").is_null();
    const bool nested = cfg && cfg->contains("CodeBlock") && !cfg->at("CodeBlock").is_null();
    if (direct == nested)
        return failed(
            make_error(
                ErrorKind::InvalidArgument,
                direct ? "Give the code in CodeBlock or in the deprecated CalculationConfiguration.CodeBlock, not both."
                       : "CodeBlock is required: the code of the calculation."),
            c.session_id);
    c.code = std::string(direct ? string_member(in, "CodeBlock") : string_member(*cfg, "CodeBlock"));
    if (auto token = string_member(in, "ClientRequestToken"); !token.empty()) {
        if (token.size() > kMaxClientTokenBytes) return failed(client_token_too_long(), c.session_id);
        c.client_token = std::string(token);
        c.fingerprint = fingerprint(in, "ClientRequestToken");
    }
    auto r = ctx.service.calculations.start_calculation(ctx.tenant, c);
    if (!r) return failed(r.error(), c.session_id);
    std::string body;
    JsonWriter(body)
        .begin_object()
        .member("CalculationExecutionId", r->calculation_id)
        .member("State", to_string(r->state))
        .end_object();
    auto out = ok(std::move(body), c.session_id);
    out.calculation_id = r->calculation_id;
    return out;
}

OperationOutcome get_calculation_execution_status(OperationContext& ctx, const json::object& in) {
    auto r = ctx.service.calculations.get_calculation(ctx.tenant, string_member(in, "CalculationExecutionId"));
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter(body)
        .begin_object()
        .key("Status")
        .raw(calculation_status_json(r->status))
        .key("Statistics")
        .raw(calculation_statistics_json(*r))
        .end_object();
    return ok(std::move(body), r->record.session_id);
}

OperationOutcome get_calculation_execution(OperationContext& ctx, const json::object& in) {
    auto r = ctx.service.calculations.get_calculation(ctx.tenant, string_member(in, "CalculationExecutionId"));
    if (!r) return failed(r.error());
    const auto& c = r->record;
    std::string body;
    JsonWriter w(body);
    w.begin_object().member("CalculationExecutionId", c.id).member("SessionId", c.session_id);
    if (!c.description.empty()) w.member("Description", c.description);
    w.member("WorkingDirectory", c.working_directory);
    w.key("Status").raw(calculation_status_json(r->status));
    w.key("Statistics").raw(calculation_statistics_json(*r));
    const auto state = r->status.state;
    if (state == CalculationState::Completed || state == CalculationState::Failed) {
        w.key("Result")
            .begin_object()
            .member("StdOutS3Uri", c.result.stdout_s3_uri)
            .member("StdErrorS3Uri", c.result.stderr_s3_uri);
        if (state == CalculationState::Completed)
            w.member("ResultS3Uri", c.result.result_s3_uri).member("ResultType", c.result.result_type);
        w.end_object();
    }
    w.end_object();
    return ok(std::move(body), c.session_id);
}

OperationOutcome get_calculation_execution_code(OperationContext& ctx, const json::object& in) {
    auto r = ctx.service.calculations.get_calculation(ctx.tenant, string_member(in, "CalculationExecutionId"));
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter(body).begin_object().member("CodeBlock", r->record.code).end_object();
    return ok(std::move(body), r->record.session_id);
}

OperationOutcome list_calculation_executions(OperationContext& ctx, const json::object& in) {
    const std::string sid(string_member(in, "SessionId"));
    std::optional<CalculationState> filter;
    if (auto f = string_member(in, "StateFilter"); !f.empty()) filter = parse_calculation_state(f);
    std::optional<CalculationCursor> after;
    if (auto token = string_member(in, "NextToken"); !token.empty()) {
        after = parse_cursor_token("c1:", token);
        if (!after) {
            // An unknown session wins over a bad token, as on real Athena.
            if (auto known = ctx.service.sessions.get_session_status(ctx.tenant, sid); !known)
                return failed(known.error(), sid);
            return failed(malformed_token(token), sid);
        }
    }
    auto r = ctx.service.calculations.list_calculations(
        ctx.tenant, sid, filter, static_cast<int>(int_member(in, "MaxResults").value_or(100)), after);
    if (!r) return failed(r.error(), sid);
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    if (r->next) w.member("NextToken", cursor_token("c1:", *r->next));
    w.key("Calculations").begin_array();
    for (const auto& d : r->calculations) {
        w.begin_object().member("CalculationExecutionId", d.record.id);
        if (!d.record.description.empty()) w.member("Description", d.record.description);
        w.key("Status").raw(calculation_status_json(d.status));
        w.end_object();
    }
    w.end_array().end_object();
    return ok(std::move(body), sid);
}

OperationOutcome stop_calculation_execution(OperationContext& ctx, const json::object& in) {
    auto r = ctx.service.calculations.stop_calculation(ctx.tenant, string_member(in, "CalculationExecutionId"));
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter(body).begin_object().member("State", to_string(*r)).end_object();
    return ok(std::move(body));
}

OperationOutcome get_session_endpoint(OperationContext& ctx, const json::object& in) {
    const std::string sid(string_member(in, "SessionId"));
    auto r = ctx.service.calculations.session_endpoint(ctx.tenant, sid);
    if (!r) return failed(r.error(), sid);
    std::string body;
    JsonWriter(body)
        .begin_object()
        .member("EndpointUrl", r->url)
        .member("AuthToken", r->auth_token)
        .member("AuthTokenExpirationTime", r->expires)
        .end_object();
    return ok(std::move(body), sid);
}

OperationOutcome list_executors(OperationContext& ctx, const json::object& in) {
    const std::string sid(string_member(in, "SessionId"));
    std::optional<ExecutorState> filter;
    if (auto f = string_member(in, "ExecutorStateFilter"); !f.empty()) filter = parse_executor_state(f);
    auto r = ctx.service.calculations.list_executors(ctx.tenant, sid);
    if (!r) return failed(r.error(), sid);  // an unknown session wins over a bad token
    std::size_t offset = 0;
    if (auto token = string_member(in, "NextToken"); !token.empty()) {
        auto text = open_page_token(token);
        // from_chars, not stoul: "-1" must not wrap to a huge offset.
        const std::string_view digits = text && text->rfind("e1:", 0) == 0 ? std::string_view(*text).substr(3) : "";
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
            return failed(malformed_token(token), sid);
    }
    std::vector<const Executor*> shown;
    for (const auto& e : *r)
        if (!filter || e.state == *filter) shown.push_back(&e);
    const std::size_t max = static_cast<std::size_t>(int_member(in, "MaxResults").value_or(100));
    offset = std::min(offset, shown.size());  // a forged huge offset must not wrap offset + max
    std::string body;
    JsonWriter w(body);
    w.begin_object().member("SessionId", sid);
    if (offset + max < shown.size()) w.member("NextToken", seal_page_token("e1:" + std::to_string(offset + max)));
    w.key("ExecutorsSummary").begin_array();
    for (std::size_t i = offset; i < shown.size() && i < offset + max; ++i) {
        const Executor& e = *shown[i];
        w.begin_object()
            .member("ExecutorId", e.id)
            .member("ExecutorType", to_string(e.type))
            .member("StartDateTime", to_epoch_ms(e.start));
        if (e.end) w.member("TerminationDateTime", to_epoch_ms(*e.end));
        w.member("ExecutorState", to_string(e.state)).member("ExecutorSize", static_cast<std::int64_t>(e.size));
        w.end_object();
    }
    w.end_array().end_object();
    return ok(std::move(body), sid);
}

OperationOutcome get_session_status(OperationContext& ctx, const boost::json::object& in) {
    const std::string_view id = string_member(in, "SessionId");
    OperationOutcome out;
    auto r = ctx.service.sessions.get_session_status(ctx.tenant, id);
    if (!r) {
        out.error = to_aws_error(r.error());
        return out;
    }
    out.body.reserve(320);
    out.body += "{\"SessionId\":";
    append_json_string(out.body, r->id);
    out.body += ",\"Status\":";
    append_session_status(out.body, r->status);
    out.body += '}';
    return out;
}

const std::array kOperations = {
    Operation{"GetSessionStatus", &shapes::kGetSessionStatusInput, &get_session_status},
    Operation{"StartSession", &shapes::kStartSessionInput, &start_session},
    Operation{"GetSession", &shapes::kSessionIdInput, &get_session},
    Operation{"ListSessions", &shapes::kListSessionsInput, &list_sessions},
    Operation{"TerminateSession", &shapes::kSessionIdInput, &terminate_session},
    Operation{"CreateWorkGroup", &shapes::kCreateWorkGroupInput, &create_work_group},
    Operation{"GetWorkGroup", &shapes::kWorkGroupInput, &get_work_group},
    Operation{"ListWorkGroups", &shapes::kListWorkGroupsInput, &list_work_groups},
    Operation{"UpdateWorkGroup", &shapes::kUpdateWorkGroupInput, &update_work_group},
    Operation{"DeleteWorkGroup", &shapes::kDeleteWorkGroupInput, &delete_work_group},
    Operation{"TagResource", &shapes::kTagResourceInput, &tag_resource},
    Operation{"UntagResource", &shapes::kUntagResourceInput, &untag_resource},
    Operation{"ListTagsForResource", &shapes::kListTagsForResourceInput, &list_tags_for_resource},
    Operation{"StartCalculationExecution", &shapes::kStartCalculationInput, &start_calculation_execution},
    Operation{"GetCalculationExecutionStatus", &shapes::kCalculationIdInput, &get_calculation_execution_status},
    Operation{"GetCalculationExecution", &shapes::kCalculationIdInput, &get_calculation_execution},
    Operation{"GetCalculationExecutionCode", &shapes::kCalculationIdInput, &get_calculation_execution_code},
    Operation{"ListCalculationExecutions", &shapes::kListCalculationsInput, &list_calculation_executions},
    Operation{"StopCalculationExecution", &shapes::kCalculationIdInput, &stop_calculation_execution},
    Operation{"GetSessionEndpoint", &shapes::kSessionIdInput, &get_session_endpoint},
    Operation{"ListExecutors", &shapes::kListExecutorsInput, &list_executors},
};

// Every operation of the athena 2017-05-18 API, sorted.
constexpr std::array<std::string_view, 70> kAthenaOperations = {
    "BatchGetNamedQuery",
    "BatchGetPreparedStatement",
    "BatchGetQueryExecution",
    "CancelCapacityReservation",
    "CreateCapacityReservation",
    "CreateDataCatalog",
    "CreateNamedQuery",
    "CreateNotebook",
    "CreatePreparedStatement",
    "CreatePresignedNotebookUrl",
    "CreateWorkGroup",
    "DeleteCapacityReservation",
    "DeleteDataCatalog",
    "DeleteNamedQuery",
    "DeleteNotebook",
    "DeletePreparedStatement",
    "DeleteWorkGroup",
    "ExportNotebook",
    "GetCalculationExecution",
    "GetCalculationExecutionCode",
    "GetCalculationExecutionStatus",
    "GetCapacityAssignmentConfiguration",
    "GetCapacityReservation",
    "GetDataCatalog",
    "GetDatabase",
    "GetNamedQuery",
    "GetNotebookMetadata",
    "GetPreparedStatement",
    "GetQueryExecution",
    "GetQueryResults",
    "GetQueryRuntimeStatistics",
    "GetResourceDashboard",
    "GetSession",
    "GetSessionEndpoint",
    "GetSessionStatus",
    "GetTableMetadata",
    "GetWorkGroup",
    "ImportNotebook",
    "ListApplicationDPUSizes",
    "ListCalculationExecutions",
    "ListCapacityReservations",
    "ListDataCatalogs",
    "ListDatabases",
    "ListEngineVersions",
    "ListExecutors",
    "ListNamedQueries",
    "ListNotebookMetadata",
    "ListNotebookSessions",
    "ListPreparedStatements",
    "ListQueryExecutions",
    "ListSessions",
    "ListTableMetadata",
    "ListTagsForResource",
    "ListWorkGroups",
    "PutCapacityAssignmentConfiguration",
    "StartCalculationExecution",
    "StartQueryExecution",
    "StartSession",
    "StopCalculationExecution",
    "StopQueryExecution",
    "TagResource",
    "TerminateSession",
    "UntagResource",
    "UpdateCapacityReservation",
    "UpdateDataCatalog",
    "UpdateNamedQuery",
    "UpdateNotebook",
    "UpdateNotebookMetadata",
    "UpdatePreparedStatement",
    "UpdateWorkGroup",
};

}  // namespace

void append_session_status(std::string& out, const SessionStatus& st) {
    JsonWriter w(out);
    w.begin_object();
    w.member("StartDateTime", st.start);
    w.member("LastModifiedDateTime", st.last_modified);
    if (st.end) w.member("EndDateTime", *st.end);
    if (st.idle_since) w.member("IdleSinceDateTime", *st.idle_since);
    w.member("State", to_string(st.state));
    if (st.reason) w.member("StateChangeReason", *st.reason);
    w.end_object();
}

// The session, workgroup and calculation rows, then the notebook ones (notebook_operations.cpp).
const std::vector<Operation>& all_operations() {
    static const std::vector<Operation> all = [] {
        std::vector<Operation> v(kOperations.begin(), kOperations.end());
        const auto notebooks = notebook_operations();
        v.insert(v.end(), notebooks.begin(), notebooks.end());
        return v;
    }();
    return all;
}

const Operation* find_operation(std::string_view name) {
    for (const auto& op : all_operations())
        if (op.name == name) return &op;
    return nullptr;
}

std::span<const Operation> implemented_operations() { return all_operations(); }

std::string request_fingerprint(const boost::json::object& in, std::string_view token_member) {
    return fingerprint(in, token_member);
}

bool is_athena_operation(std::string_view name) {
    return std::binary_search(kAthenaOperations.begin(), kAthenaOperations.end(), name);
}

bool is_s3_operation(std::string_view name) {
    static constexpr std::string_view kNames[] = {
        "s3:GetObject",  "s3:HeadObject",    "s3:ListObjectsV2", "s3:ListObjects",  "s3:ListBuckets",
        "s3:HeadBucket", "s3:PutObject",     "s3:CreateBucket",  "s3:DeleteObject", "s3:DeleteBucket",
        "s3:PostObject", "s3:DeleteObjects", "s3:(unknown)"};
    return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

}  // namespace athena
