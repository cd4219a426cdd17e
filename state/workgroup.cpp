#include "state/workgroup.hpp"

namespace athena {

WorkgroupRecord builtin_primary_workgroup(const Tenant& t) {
    WorkgroupRecord w;
    w.tenant = t;
    w.name = std::string(kPrimaryWorkgroup);
    w.engine_version = "AUTO";
    w.created = from_epoch_ms(0);
    return w;
}

}  // namespace athena
