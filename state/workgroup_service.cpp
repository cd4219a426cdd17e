#include "state/workgroup_service.hpp"

#include <algorithm>

namespace athena {
namespace {

constexpr std::size_t kMaxTags = 50;

}  // namespace

std::optional<ResourceRef> parse_athena_arn(std::string_view arn) {
    // arn:<partition>:athena:<region>:<account>:<kind>/<name>
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (int i = 0; i < 5; ++i) {
        auto pos = arn.find(':', start);
        if (pos == std::string_view::npos) return std::nullopt;
        parts.push_back(arn.substr(start, pos - start));
        start = pos + 1;
    }
    const std::string_view resource = arn.substr(start);
    if (parts[0] != "arn" || parts[1].substr(0, 3) != "aws" || parts[2] != "athena") return std::nullopt;
    const auto slash = resource.find('/');
    if (slash == std::string_view::npos || slash + 1 >= resource.size()) return std::nullopt;
    ResourceRef r{Tenant{std::string(parts[4]), std::string(parts[3])}, std::string(resource.substr(0, slash)),
                  std::string(resource.substr(slash + 1))};
    if (r.kind != "workgroup" && r.kind != "session") return std::nullopt;
    return r;
}

std::string workgroup_arn(const Tenant& t, std::string_view name) {
    return "arn:aws:athena:" + t.region + ":" + t.account + ":workgroup/" + std::string(name);
}

namespace {

// The resource `arn` names, when it exists for `t`.
Result<ResourceRef> resolve_arn(Store::Tx& tx, const Tenant& t, std::string_view arn) {
    auto ref = parse_athena_arn(arn);
    // An empty account field means the caller's (Terraform builds such ARNs with
    // skip_requesting_account_id).
    if (ref && ref->tenant.account.empty()) ref->tenant.account = t.account;
    if (!ref)
        return make_error(
            ErrorKind::InvalidArgument,
            "ResourceARN " + std::string(arn) +
                " is not an Athena workgroup or session ARN (arn:aws:athena:<region>:<account>:workgroup/<name>).");
    const bool exists = ref->tenant == t && (ref->kind == "workgroup" ? tx.find_workgroup(t, ref->name).has_value()
                                                                      : tx.find_session(t, ref->name).has_value());
    if (!exists)
        return make_error(ErrorKind::ResourceNotFound, "The resource " + std::string(arn) + " does not exist.",
                          std::string(arn));
    return *ref;
}

}  // namespace

Result<Unit> WorkgroupService::create_workgroup(WorkgroupRecord w) {
    return ctx_.store.write([&](Store::Tx& tx) -> Result<Unit> {
        if (tx.find_workgroup(w.tenant, w.name))
            return make_error(ErrorKind::InvalidArgument, "WorkGroup " + w.name + " is already created.", w.name);
        if (w.is_spark() && w.execution_role.empty())
            return make_error(ErrorKind::InvalidArgument,
                              "ExecutionRole is required for a workgroup with the engine version " +
                                  std::string(kSparkEngine) + " (Configuration.ExecutionRole).");
        if (w.tags.size() > kMaxTags)
            return make_error(ErrorKind::InvalidArgument, "A resource can have at most 50 tags.");
        w.created = ctx_.now();
        tx.put_workgroup(w);
        return Unit{};
    });
}

Result<WorkgroupRecord> WorkgroupService::get_workgroup(const Tenant& t, std::string_view name) {
    auto w = ctx_.store.find_workgroup(t, name);
    if (!w) return workgroup_not_found(name);
    return std::move(*w);
}

Result<WorkgroupPage> WorkgroupService::list_workgroups(const Tenant& t, int max, std::optional<std::string> after) {
    return ctx_.store.read([&](Store::Tx& tx) -> Result<WorkgroupPage> {
        WorkgroupPage page;
        for (auto& w : tx.list_workgroups(t)) {
            if (after && w.name <= *after) continue;
            if (static_cast<int>(page.workgroups.size()) == max) {
                page.next_after = page.workgroups.back().name;
                break;
            }
            page.workgroups.push_back(std::move(w));
        }
        return page;
    });
}

WorkgroupConfiguration configuration_of(const WorkgroupRecord& w) {
    return WorkgroupConfiguration{w.configuration, w.engine_version, w.execution_role, w.output_location};
}

Result<bool> WorkgroupService::update_workgroup(const Tenant& t, std::string_view name, const WorkgroupUpdate& u) {
    return ctx_.store.write([&](Store::Tx& tx) -> Result<bool> {
        auto w = tx.find_workgroup(t, name);
        if (!w) return workgroup_not_found(name);
        if (u.configuration && u.based_on && !(configuration_of(*w) == *u.based_on)) return false;
        if (u.description) w->description = *u.description;
        if (u.enabled) w->enabled = *u.enabled;
        if (u.configuration) {
            w->configuration = u.configuration->document;
            w->engine_version = u.configuration->engine_version;
            w->execution_role = u.configuration->execution_role;
            w->output_location = u.configuration->output_location;
        }
        if (w->is_spark() && w->execution_role.empty())
            return make_error(ErrorKind::InvalidArgument,
                              "ExecutionRole is required for a workgroup with the engine version " +
                                  std::string(kSparkEngine) + " (Configuration.ExecutionRole).");
        tx.put_workgroup(*w);
        return true;
    });
}

Result<Unit> WorkgroupService::delete_workgroup(const Tenant& t, std::string_view name, bool recursive) {
    if (name == kPrimaryWorkgroup)
        return make_error(ErrorKind::InvalidArgument, "The primary workgroup cannot be deleted.", std::string(name));
    return ctx_.store.write([&](Store::Tx& tx) -> Result<Unit> {
        if (!tx.find_workgroup(t, name)) return workgroup_not_found(name);
        const Instant now = ctx_.now();
        std::vector<SessionRecord> active;
        tx.for_each_session(t, name, std::nullopt, [&](SessionRecord& s) {
            if (is_active(status_at(s, now).state)) active.push_back(s);
            return true;
        });
        if (!active.empty() && !recursive)
            return make_error(ErrorKind::InvalidState,
                              "WorkGroup " + std::string(name) + " has " + std::to_string(active.size()) +
                                  " active sessions; terminate them or set RecursiveDeleteOption.",
                              std::string(name));
        for (auto& s : active) terminate_in(tx, s, now, "The workgroup was deleted.");
        tx.delete_workgroup(t, name);
        return Unit{};
    });
}

Result<Tags> WorkgroupService::list_tags(const Tenant& t, std::string_view arn) {
    return ctx_.store.read([&](Store::Tx& tx) -> Result<Tags> {
        auto ref = resolve_arn(tx, t, arn);
        if (!ref) return ref.error();
        return tx.tags(t, ref->kind, ref->name);
    });
}

Result<Unit> WorkgroupService::tag_resource(const Tenant& t, std::string_view arn, const Tags& add) {
    return ctx_.store.write([&](Store::Tx& tx) -> Result<Unit> {
        auto ref = resolve_arn(tx, t, arn);
        if (!ref) return ref.error();
        Tags tags = tx.tags(t, ref->kind, ref->name);
        // Not a structured binding: clang 14 cannot capture one in the lambda.
        for (const auto& tag : add) {
            auto it = std::find_if(tags.begin(), tags.end(), [&](const auto& x) { return x.first == tag.first; });
            if (it != tags.end())
                it->second = tag.second;
            else
                tags.push_back(tag);
        }
        if (tags.size() > kMaxTags)
            return make_error(ErrorKind::InvalidArgument, "A resource can have at most 50 tags.");
        tx.set_tags(t, ref->kind, ref->name, tags);
        return Unit{};
    });
}

Result<Unit> WorkgroupService::untag_resource(const Tenant& t, std::string_view arn,
                                              const std::vector<std::string>& keys) {
    return ctx_.store.write([&](Store::Tx& tx) -> Result<Unit> {
        auto ref = resolve_arn(tx, t, arn);
        if (!ref) return ref.error();
        Tags tags = tx.tags(t, ref->kind, ref->name);
        std::erase_if(tags, [&](const auto& x) { return std::find(keys.begin(), keys.end(), x.first) != keys.end(); });
        tx.set_tags(t, ref->kind, ref->name, tags);
        return Unit{};
    });
}

}  // namespace athena
