#pragma once
// Workgroups and tags: CreateWorkGroup, GetWorkGroup, ListWorkGroups, UpdateWorkGroup,
// DeleteWorkGroup, TagResource, UntagResource, ListTagsForResource. Thread-safe (the store
// serialises). Every method may also return Internal when the store fails; nothing is then
// written.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/domain_context.hpp"

namespace athena {

struct WorkgroupPage {
    std::vector<WorkgroupRecord> workgroups;
    std::optional<std::string> next_after;  // resume after this name
};

// A workgroup's configuration as the domain keeps it: the opaque document and what the domain
// reads out of it.
struct WorkgroupConfiguration {
    std::string document;  // WorkgroupRecord::configuration
    std::string engine_version;
    std::string execution_role;
    std::string output_location;
    bool operator==(const WorkgroupConfiguration&) const = default;
};
WorkgroupConfiguration configuration_of(const WorkgroupRecord& w);

// UpdateWorkGroup as a plain patch: the wire layer computes the new configuration from the one
// it read (`based_on`) before the call.
struct WorkgroupUpdate {
    std::optional<std::string> description;
    std::optional<bool> enabled;
    std::optional<WorkgroupConfiguration> configuration;
    std::optional<WorkgroupConfiguration> based_on;  // with `configuration`: what it was computed from
};

// A parsed Athena ARN: "arn:aws:athena:<region>:<account>:workgroup/<name>" or ".../session/<id>".
struct ResourceRef {
    Tenant tenant;
    std::string kind;  // "workgroup" or "session"
    std::string name;
};
std::optional<ResourceRef> parse_athena_arn(std::string_view arn);
std::string workgroup_arn(const Tenant& t, std::string_view name);

class WorkgroupService {
public:
    explicit WorkgroupService(DomainContext& ctx) : ctx_(ctx) {}

    // Stores `w` (created now).
    // InvalidArgument: the name is taken in its tenant; a Spark workgroup without an execution
    //   role; more than 50 tags.
    Result<Unit> create_workgroup(WorkgroupRecord w);

    // WorkgroupNotFound when `name` does not exist for `t` (the built-in "primary" always does).
    Result<WorkgroupRecord> get_workgroup(const Tenant& t, std::string_view name);

    // The tenant's workgroups by name, at most `max`, after the name `after`; `next_after` is
    // set when more remain. Never an error but Internal.
    Result<WorkgroupPage> list_workgroups(const Tenant& t, int max, std::optional<std::string> after);

    // Applies `u` in one transaction: all of it or nothing. Success: true; false (nothing
    // written) when the workgroup's configuration is no longer `u.based_on`: read it again,
    // recompute the patch and call again.
    // WorkgroupNotFound: no such workgroup.
    // InvalidArgument: the result is a Spark workgroup without an execution role.
    Result<bool> update_workgroup(const Tenant& t, std::string_view name, const WorkgroupUpdate& u);

    // Deletes the workgroup; `recursive` first terminates its active sessions.
    // InvalidArgument: "primary". WorkgroupNotFound: no such workgroup.
    // InvalidState: it has active sessions and `recursive` is false.
    Result<Unit> delete_workgroup(const Tenant& t, std::string_view name, bool recursive);

    // The tags of the workgroup or session `arn` names (an empty account field = t's).
    // InvalidArgument: not an Athena workgroup or session ARN.
    // ResourceNotFound: it names nothing of `t`.
    Result<Tags> list_tags(const Tenant& t, std::string_view arn);
    // Adds or replaces tags. Errors as list_tags; InvalidArgument: more than 50 tags would result.
    Result<Unit> tag_resource(const Tenant& t, std::string_view arn, const Tags& tags);
    // Removes the tags with these keys (absent keys are ignored). Errors as list_tags.
    Result<Unit> untag_resource(const Tenant& t, std::string_view arn, const std::vector<std::string>& keys);

private:
    DomainContext& ctx_;
};

}  // namespace athena
