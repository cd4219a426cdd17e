#include "server/operations.hpp"

#include <algorithm>
#include <array>

#include "server/json_writer.hpp"

namespace athena {
namespace {

std::string_view string_member(const boost::json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_string()) return {};
    const auto& s = it->value().get_string();
    return {s.data(), s.size()};
}

OperationOutcome get_session_status(OperationContext& ctx, const boost::json::object& in) {
    const std::string_view id = string_member(in, "SessionId");
    OperationOutcome out;
    out.session_id = std::string(id);
    auto r = ctx.service.get_session_status(ctx.tenant, id);
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

constexpr std::array kOperations = {
    Operation{"GetSessionStatus", &shapes::kGetSessionStatusInput, &get_session_status},
};

// Every operation of the athena 2017-05-18 API, sorted.
constexpr std::array<std::string_view, 70> kAthenaOperations = {
    "BatchGetNamedQuery", "BatchGetPreparedStatement", "BatchGetQueryExecution",
    "CancelCapacityReservation", "CreateCapacityReservation", "CreateDataCatalog",
    "CreateNamedQuery", "CreateNotebook", "CreatePreparedStatement", "CreatePresignedNotebookUrl",
    "CreateWorkGroup", "DeleteCapacityReservation", "DeleteDataCatalog", "DeleteNamedQuery",
    "DeleteNotebook", "DeletePreparedStatement", "DeleteWorkGroup", "ExportNotebook",
    "GetCalculationExecution", "GetCalculationExecutionCode", "GetCalculationExecutionStatus",
    "GetCapacityAssignmentConfiguration", "GetCapacityReservation", "GetDataCatalog",
    "GetDatabase", "GetNamedQuery", "GetNotebookMetadata", "GetPreparedStatement",
    "GetQueryExecution", "GetQueryResults", "GetQueryRuntimeStatistics", "GetResourceDashboard",
    "GetSession", "GetSessionEndpoint", "GetSessionStatus", "GetTableMetadata", "GetWorkGroup",
    "ImportNotebook", "ListApplicationDPUSizes", "ListCalculationExecutions",
    "ListCapacityReservations", "ListDataCatalogs", "ListDatabases", "ListEngineVersions",
    "ListExecutors", "ListNamedQueries", "ListNotebookMetadata", "ListNotebookSessions",
    "ListPreparedStatements", "ListQueryExecutions", "ListSessions", "ListTableMetadata",
    "ListTagsForResource", "ListWorkGroups", "PutCapacityAssignmentConfiguration",
    "StartCalculationExecution", "StartQueryExecution", "StartSession", "StopCalculationExecution",
    "StopQueryExecution", "TagResource", "TerminateSession", "UntagResource",
    "UpdateCapacityReservation", "UpdateDataCatalog", "UpdateNamedQuery", "UpdateNotebook",
    "UpdateNotebookMetadata", "UpdatePreparedStatement", "UpdateWorkGroup",
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

const Operation* find_operation(std::string_view name) {
    for (const auto& op : kOperations)
        if (op.name == name) return &op;
    return nullptr;
}

bool is_athena_operation(std::string_view name) {
    return std::binary_search(kAthenaOperations.begin(), kAthenaOperations.end(), name);
}

}  // namespace athena
