#include "state/workgroup.hpp"

namespace athena {

std::string session_working_directory(const WorkgroupRecord& w, const std::string& session_id) {
    std::string base = w.output_location.empty() ? "s3://" + std::string(kDefaultResultsBucket) + "/" + w.name + "/"
                                                 : w.output_location;
    if (base.back() != '/') base += '/';
    return base + session_id + "/";
}

std::string default_spark_execution_role(const Tenant& t) {
    return "arn:aws:iam::" + t.account + ":role/athena-emu-spark";
}

WorkgroupRecord builtin_primary_workgroup(const Tenant& t) {
    WorkgroupRecord w;
    w.tenant = t;
    w.name = std::string(kPrimaryWorkgroup);
    w.engine_version = "AUTO";
    w.created = from_epoch_ms(0);
    return w;
}

}  // namespace athena
