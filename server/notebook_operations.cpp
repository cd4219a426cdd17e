// The notebook operations of Athena for Apache Spark and the catalog listings
// (ListApplicationDPUSizes, ListEngineVersions, GetResourceDashboard): input shapes from the
// botocore model, handlers, and their rows of the operation table.
#include "server/notebook_operations.hpp"

#include <algorithm>
#include <charconv>

#include <boost/json.hpp>

#include "server/json_writer.hpp"
#include "server/page_token.hpp"

namespace athena {
namespace shapes {
namespace {
using T = ShapeType;
Shape str(std::optional<std::int64_t> min, std::optional<std::int64_t> max, const char* pattern = nullptr) {
    return Shape{T::String, min, max, pattern, {}, {}, nullptr, nullptr};
}
Shape integer(std::int64_t min, std::int64_t max) {
    return Shape{T::Integer, min, max, nullptr, {}, {}, nullptr, nullptr};
}
Shape structure(std::vector<Member> members) {
    return Shape{T::Structure, {}, {}, nullptr, {}, std::move(members), nullptr, nullptr};
}
constexpr const char* kUuidPattern = "[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}";
const Shape kWorkGroupName = str({}, {}, "[a-zA-Z0-9._-]{1,128}");
const Shape kNotebookId = str(1, 36, kUuidPattern);
const Shape kClientRequestToken = str(1, 36, kUuidPattern);
const Shape kNotebookName = str(1, 255, R"((?!.*[/:\\])[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]+)");
const Shape kPayload = str(1, 10485760);
const Shape kNotebookType = Shape{T::String, {}, {}, nullptr, {"IPYNB"}, {}, nullptr, nullptr};
const Shape kS3Uri = str({}, 1024, "^(https|s3|S3)://([^/]+)/?(.*)$");
const Shape kToken = str(1, 1024);
const Shape kResourceArn = str(1, 1011);
const Shape kMaxNotebooks = integer(1, 50);
const Shape kMaxSessions = integer(1, 100);
const Shape kMaxDpuSizes = integer(1, 100);
const Shape kMaxEngineVersions = integer(1, 10);
const Shape kFilterDefinition = structure({{"Name", &kNotebookName}});
}  // namespace

const Shape kCreateNotebookInput = structure({{"WorkGroup", &kWorkGroupName, true},
                                              {"Name", &kNotebookName, true},
                                              {"ClientRequestToken", &kClientRequestToken}});
const Shape kImportNotebookInput = structure({{"WorkGroup", &kWorkGroupName, true},
                                              {"Name", &kNotebookName, true},
                                              {"Payload", &kPayload},
                                              {"Type", &kNotebookType, true},
                                              {"NotebookS3LocationUri", &kS3Uri},
                                              {"ClientRequestToken", &kClientRequestToken}});
const Shape kNotebookIdInput = structure({{"NotebookId", &kNotebookId, true}});
const Shape kListNotebookMetadataInput = structure({{"Filters", &kFilterDefinition},
                                                    {"NextToken", &kToken},
                                                    {"MaxResults", &kMaxNotebooks},
                                                    {"WorkGroup", &kWorkGroupName, true}});
const Shape kUpdateNotebookInput = structure({{"NotebookId", &kNotebookId, true},
                                              {"Payload", &kPayload, true},
                                              {"Type", &kNotebookType, true},
                                              {"SessionId", &kSessionId},
                                              {"ClientRequestToken", &kClientRequestToken}});
const Shape kUpdateNotebookMetadataInput = structure(
    {{"NotebookId", &kNotebookId, true}, {"ClientRequestToken", &kClientRequestToken}, {"Name", &kNotebookName, true}});
const Shape kListNotebookSessionsInput =
    structure({{"NotebookId", &kNotebookId, true}, {"MaxResults", &kMaxSessions}, {"NextToken", &kToken}});
const Shape kCreatePresignedNotebookUrlInput = structure({{"SessionId", &kSessionId, true}});
const Shape kListApplicationDpuSizesInput = structure({{"MaxResults", &kMaxDpuSizes}, {"NextToken", &kToken}});
const Shape kListEngineVersionsInput = structure({{"NextToken", &kToken}, {"MaxResults", &kMaxEngineVersions}});
const Shape kGetResourceDashboardInput = structure({{"ResourceARN", &kResourceArn, true}});
}  // namespace shapes

namespace {
namespace json = boost::json;

std::string_view string_member(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_string()) return {};
    const auto& s = it->value().get_string();
    return {s.data(), s.size()};
}

std::optional<std::string> optional_string(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_string()) return std::nullopt;
    return std::string(it->value().get_string());
}

// The validator has checked the range; a decimal is truncated, as elsewhere.
int max_results(const json::object& o, int fallback) {
    auto it = o.find("MaxResults");
    if (it == o.end() || !it->value().is_number()) return fallback;
    const auto& v = it->value();
    if (v.is_double()) return static_cast<int>(v.get_double());
    if (v.is_uint64()) return static_cast<int>(std::min<std::uint64_t>(v.get_uint64(), 1000));
    return static_cast<int>(v.get_int64());
}

using outcome::failed;
using outcome::ok;

OperationOutcome ok_empty() { return ok("{}"); }

Error invalid(std::string message) { return make_error(ErrorKind::InvalidArgument, std::move(message)); }

// "<prefix><offset>" sealed; nullopt for any other token.
std::optional<std::size_t> open_offset_token(std::string_view token, std::string_view prefix) {
    auto text = open_page_token(token);
    if (!text || text->rfind(prefix, 0) != 0) return std::nullopt;
    const std::string_view digits = std::string_view(*text).substr(prefix.size());
    std::size_t offset = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return offset;
}

void write_metadata(JsonWriter& w, const NotebookRecord& n) {
    w.begin_object()
        .member("NotebookId", n.id)
        .member("Name", n.name)
        .member("WorkGroup", n.workgroup)
        .member("CreationTime", n.created)
        .member("Type", n.type)
        .member("LastModifiedTime", n.modified)
        .end_object();
}

OperationOutcome notebook_id_answer(const Result<std::string>& r) {
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter(body).begin_object().member("NotebookId", *r).end_object();
    return ok(std::move(body));
}

// --- notebooks -------------------------------------------------------------------------

OperationOutcome create_notebook(OperationContext& ctx, const json::object& in) {
    CreateNotebookInput c;
    c.workgroup = std::string(string_member(in, "WorkGroup"));
    c.name = std::string(string_member(in, "Name"));
    c.client_token = optional_string(in, "ClientRequestToken");
    if (c.client_token) c.fingerprint = request_fingerprint(in, "ClientRequestToken");
    return notebook_id_answer(ctx.service.notebooks.create(ctx.tenant, "CreateNotebook", c));
}

OperationOutcome import_notebook(OperationContext& ctx, const json::object& in) {
    auto payload = optional_string(in, "Payload");
    const bool has_uri = optional_string(in, "NotebookS3LocationUri").has_value();
    if (payload && has_uri) return failed(invalid("Give the notebook in Payload or NotebookS3LocationUri, not both."));
    if (!payload && !has_uri)
        return failed(invalid("Payload or NotebookS3LocationUri is required: the notebook to import."));
    if (has_uri)
        return failed(invalid(
            "athena-emu cannot read NotebookS3LocationUri: it holds no S3 objects you wrote. Send the notebook's "
            "document in Payload instead."));
    if (auto why = notebook_payload_problem(*payload)) return failed(invalid(*why));
    CreateNotebookInput c;
    c.workgroup = std::string(string_member(in, "WorkGroup"));
    c.name = std::string(string_member(in, "Name"));
    c.type = std::string(string_member(in, "Type"));
    c.payload = std::move(payload);
    c.client_token = optional_string(in, "ClientRequestToken");
    if (c.client_token) c.fingerprint = request_fingerprint(in, "ClientRequestToken");
    return notebook_id_answer(ctx.service.notebooks.create(ctx.tenant, "ImportNotebook", c));
}

// {"NotebookMetadata": {...}} of the notebook the input names, and its Payload when asked.
OperationOutcome notebook_answer(OperationContext& ctx, const json::object& in, bool with_payload) {
    auto r = ctx.service.notebooks.get(ctx.tenant, string_member(in, "NotebookId"));
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter w(body);
    w.begin_object().key("NotebookMetadata");
    write_metadata(w, *r);
    if (with_payload) w.member("Payload", r->payload);
    w.end_object();
    return ok(std::move(body));
}

OperationOutcome export_notebook(OperationContext& ctx, const json::object& in) {
    return notebook_answer(ctx, in, true);
}

OperationOutcome get_notebook_metadata(OperationContext& ctx, const json::object& in) {
    return notebook_answer(ctx, in, false);
}

OperationOutcome list_notebook_metadata(OperationContext& ctx, const json::object& in) {
    const std::string wg(string_member(in, "WorkGroup"));
    std::string filter;
    if (auto it = in.find("Filters"); it != in.end() && it->value().is_object())
        filter = std::string(string_member(it->value().get_object(), "Name"));
    std::optional<std::string> after;
    if (auto token = string_member(in, "NextToken"); !token.empty()) {
        auto text = open_page_token(token);
        if (!text || text->rfind("n1:", 0) != 0) {
            // An unknown workgroup wins over a bad token, as for ListSessions.
            if (auto known = ctx.service.workgroups.get_workgroup(ctx.tenant, wg); !known) return failed(known.error());
            return failed(invalid(malformed_page_token_message(token)));
        }
        after = text->substr(3);
    }
    auto r = ctx.service.notebooks.list(ctx.tenant, wg, filter, max_results(in, 50), after);
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    if (r->next_after) w.member("NextToken", seal_page_token("n1:" + *r->next_after));
    w.key("NotebookMetadataList").begin_array();
    for (const auto& n : r->notebooks) write_metadata(w, n);
    w.end_array().end_object();
    return ok(std::move(body));
}

OperationOutcome update_notebook(OperationContext& ctx, const json::object& in) {
    UpdateNotebookInput u;
    u.notebook_id = std::string(string_member(in, "NotebookId"));
    u.payload = std::string(string_member(in, "Payload"));
    u.type = std::string(string_member(in, "Type"));
    u.session_id = optional_string(in, "SessionId");
    if (auto why = notebook_payload_problem(u.payload)) return failed(invalid(*why));
    u.client_token = optional_string(in, "ClientRequestToken");
    if (u.client_token) u.fingerprint = request_fingerprint(in, "ClientRequestToken");
    auto r = ctx.service.notebooks.update(ctx.tenant, u);
    if (!r) return failed(r.error(), u.session_id.value_or(""));
    return ok("{}", u.session_id.value_or(""));
}

OperationOutcome update_notebook_metadata(OperationContext& ctx, const json::object& in) {
    auto token = optional_string(in, "ClientRequestToken");
    const std::string fp = token ? request_fingerprint(in, "ClientRequestToken") : std::string();
    auto r =
        ctx.service.notebooks.rename(ctx.tenant, string_member(in, "NotebookId"), string_member(in, "Name"), token, fp);
    if (!r) return failed(r.error());
    return ok_empty();
}

OperationOutcome delete_notebook(OperationContext& ctx, const json::object& in) {
    auto r = ctx.service.notebooks.remove(ctx.tenant, string_member(in, "NotebookId"));
    if (!r) return failed(r.error());
    return ok_empty();
}

OperationOutcome list_notebook_sessions(OperationContext& ctx, const json::object& in) {
    const std::string id(string_member(in, "NotebookId"));
    std::size_t offset = 0;
    if (auto token = string_member(in, "NextToken"); !token.empty()) {
        auto o = open_offset_token(token, "ns1:");
        if (!o) {
            if (auto known = ctx.service.notebooks.sessions(ctx.tenant, id, 1, 0); !known) return failed(known.error());
            return failed(invalid(malformed_page_token_message(token)));
        }
        offset = *o;
    }
    auto r = ctx.service.notebooks.sessions(ctx.tenant, id, max_results(in, 100), offset);
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    if (r->next_offset) w.member("NextToken", seal_page_token("ns1:" + std::to_string(*r->next_offset)));
    w.key("NotebookSessionsList").begin_array();
    for (const auto& s : r->sessions)
        w.begin_object().member("SessionId", s.session_id).member("CreationTime", s.created).end_object();
    w.end_array().end_object();
    return ok(std::move(body));
}

OperationOutcome create_presigned_notebook_url(OperationContext& ctx, const json::object& in) {
    const std::string sid(string_member(in, "SessionId"));
    auto r = ctx.service.notebooks.presigned_url(ctx.tenant, sid);
    if (!r) return failed(r.error(), sid);
    std::string body;
    JsonWriter(body)
        .begin_object()
        .member("NotebookUrl", r->url)
        .member("AuthToken", r->auth_token)
        .member("AuthTokenExpirationTime", to_epoch_ms(r->expires) / 1000)
        .end_object();
    return ok(std::move(body), sid);
}

// --- the catalog and dashboards ------------------------------------------------------------

// A page of a fixed list: [offset, offset + max) and the token of the rest.
template <class Write>
OperationOutcome catalog_page(const json::object& in, std::size_t size, int fallback_max, std::string_view list_key,
                              Write write) {
    std::size_t offset = 0;
    if (auto token = string_member(in, "NextToken"); !token.empty()) {
        auto o = open_offset_token(token, "cat1:");
        if (!o) return failed(invalid(malformed_page_token_message(token)));
        offset = std::min(*o, size);
    }
    const std::size_t end = std::min(size, offset + static_cast<std::size_t>(max_results(in, fallback_max)));
    std::string body;
    JsonWriter w(body);
    w.begin_object().key(list_key).begin_array();
    for (std::size_t i = offset; i < end; ++i) write(w, i);
    w.end_array();
    if (end < size) w.member("NextToken", seal_page_token("cat1:" + std::to_string(end)));
    w.end_object();
    return ok(std::move(body));
}

OperationOutcome list_application_dpu_sizes(OperationContext&, const json::object& in) {
    return catalog_page(
        in, kNotebookVersionCatalog.size(), 100, "ApplicationDPUSizes", [](JsonWriter& w, std::size_t i) {
            const auto& v = kNotebookVersionCatalog[i];
            w.begin_object().member("ApplicationRuntimeId", v.runtime_id).key("SupportedDPUSizes").begin_array();
            for (int size : v.dpu_sizes) w.integer(size);
            w.end_array().end_object();
        });
}

OperationOutcome list_engine_versions(OperationContext&, const json::object& in) {
    return catalog_page(in, kEngineVersionCatalog.size(), 10, "EngineVersions", [](JsonWriter& w, std::size_t i) {
        const auto& e = kEngineVersionCatalog[i];
        w.begin_object()
            .member("SelectedEngineVersion", e.selected)
            .member("EffectiveEngineVersion", e.effective)
            .end_object();
    });
}

OperationOutcome get_resource_dashboard(OperationContext& ctx, const json::object& in) {
    auto r = ctx.service.notebooks.dashboard_url(ctx.tenant, string_member(in, "ResourceARN"));
    if (!r) return failed(r.error());
    std::string body;
    JsonWriter(body).begin_object().member("Url", *r).end_object();
    return ok(std::move(body));
}

const std::array kNotebookOperations = {
    Operation{"CreateNotebook", &shapes::kCreateNotebookInput, &create_notebook},
    Operation{"ImportNotebook", &shapes::kImportNotebookInput, &import_notebook},
    Operation{"ExportNotebook", &shapes::kNotebookIdInput, &export_notebook},
    Operation{"GetNotebookMetadata", &shapes::kNotebookIdInput, &get_notebook_metadata},
    Operation{"ListNotebookMetadata", &shapes::kListNotebookMetadataInput, &list_notebook_metadata},
    Operation{"UpdateNotebook", &shapes::kUpdateNotebookInput, &update_notebook},
    Operation{"UpdateNotebookMetadata", &shapes::kUpdateNotebookMetadataInput, &update_notebook_metadata},
    Operation{"DeleteNotebook", &shapes::kNotebookIdInput, &delete_notebook},
    Operation{"ListNotebookSessions", &shapes::kListNotebookSessionsInput, &list_notebook_sessions},
    Operation{"CreatePresignedNotebookUrl", &shapes::kCreatePresignedNotebookUrlInput, &create_presigned_notebook_url},
    Operation{"ListApplicationDPUSizes", &shapes::kListApplicationDpuSizesInput, &list_application_dpu_sizes},
    Operation{"ListEngineVersions", &shapes::kListEngineVersionsInput, &list_engine_versions},
    Operation{"GetResourceDashboard", &shapes::kGetResourceDashboardInput, &get_resource_dashboard},
};

std::optional<std::string> member_problem(const json::object& doc) {
    static constexpr std::pair<std::string_view, json::kind> kRequired[] = {{"cells", json::kind::array},
                                                                            {"metadata", json::kind::object},
                                                                            {"nbformat", json::kind::int64},
                                                                            {"nbformat_minor", json::kind::int64}};
    for (const auto& [name, kind] : kRequired) {
        auto it = doc.find(name);
        const bool fits =
            it != doc.end() && (it->value().kind() == kind || (kind == json::kind::int64 && it->value().is_uint64()));
        if (!fits)
            return "the member \"" + std::string(name) + "\" must be " +
                   (kind == json::kind::array    ? "an array"
                    : kind == json::kind::object ? "an object"
                                                 : "an integer");
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> notebook_payload_problem(std::string_view payload) {
    const std::string prefix = "Payload is not a Jupyter notebook (IPYNB) document: ";
    boost::system::error_code ec;
    json::value doc = json::parse(payload, ec);
    if (ec) return prefix + "it is not JSON (" + ec.message() + ").";
    if (!doc.is_object()) return prefix + "it is not a JSON object.";
    if (auto why = member_problem(doc.get_object())) return prefix + *why + ".";
    return std::nullopt;
}

std::span<const Operation> notebook_operations() { return kNotebookOperations; }

}  // namespace athena
