#pragma once
// Notebooks of Athena for Apache Spark: the record the store keeps and the pure rules about it
// (names, types, the engine catalog that ListEngineVersions, ListApplicationDPUSizes,
// CreateWorkGroup and StartSession share). No store, no clock: unit-tested alone.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "state/result.hpp"
#include "state/session.hpp"
#include "state/time.hpp"

namespace athena {

// The only notebook type of the API.
inline constexpr std::string_view kNotebookTypeIpynb = "IPYNB";

// The document CreateNotebook gives a new notebook: an empty Jupyter notebook (nbformat 4).
inline constexpr std::string_view kEmptyNotebookPayload =
    R"({"cells":[],"metadata":{},"nbformat":4,"nbformat_minor":5})";

struct NotebookRecord {
    Tenant tenant;
    std::string id;  // a UUID
    std::string workgroup;
    std::string name;  // unique in its workgroup
    std::string type{kNotebookTypeIpynb};
    std::string payload;  // as last written
    Instant created;
    Instant modified;
};

// --- the engine catalog: defined once -------------------------------------------------------

struct EngineVersionEntry {
    std::string_view selected;
    std::string_view effective;
};
// What CreateWorkGroup/UpdateWorkGroup accept as SelectedEngineVersion and what each runs as.
inline constexpr std::array<EngineVersionEntry, 4> kEngineVersionCatalog = {{
    {"AUTO", "Athena engine version 3"},
    {"Athena engine version 2", "Athena engine version 2"},
    {"Athena engine version 3", "Athena engine version 3"},
    {"PySpark engine version 3", "PySpark engine version 3"},
}};
// The effective version of `selected`; nullopt when the catalog does not know it.
std::optional<std::string_view> effective_engine_version(std::string_view selected);

// The notebook versions StartSession accepts and the DPU sizes each supports (the model's
// CoordinatorDpuSize and DefaultExecutorDpuSize are 1..1).
struct NotebookVersionEntry {
    std::string_view runtime_id;
    std::array<int, 1> dpu_sizes;
};
inline constexpr std::array<NotebookVersionEntry, 1> kNotebookVersionCatalog = {{
    {"Athena notebook version 1", {1}},
}};
// StartSession's NotebookVersion: empty (none given) or one of the catalog; InvalidArgument
// naming the value and the accepted ones otherwise.
std::optional<Error> check_notebook_version(std::string_view version);

// The operations whose ClientRequestToken NotebookService keeps (the store's tokens, the
// fixtures' tokens[]); their tokens are UUIDs (1-36 characters).
inline constexpr std::array<std::string_view, 4> kNotebookTokenOperations = {
    "CreateNotebook", "ImportNotebook", "UpdateNotebook", "UpdateNotebookMetadata"};

// --- rules ---------------------------------------------------------------------------------

// InvalidArgument when `type` is not IPYNB (the validator checks the enum first; fixtures
// come here).
std::optional<Error> check_notebook_type(std::string_view type);
// The error for a NotebookId the tenant does not have (InvalidArgument: these operations'
// model has no ResourceNotFoundException).
Error notebook_not_found(std::string_view id);
// The error for a name already used by another notebook of the workgroup.
Error notebook_name_taken(std::string_view workgroup, std::string_view name);
// DeleteWorkGroup of a workgroup holding `count` notebooks: InvalidState naming the count
// unless `recursive` (then the notebooks go with it).
std::optional<Error> check_workgroup_notebooks(std::string_view workgroup, std::size_t count, bool recursive);
// True when `filter` is empty or a substring of `name` (ListNotebookMetadata's Filters.Name).
bool notebook_name_matches(std::string_view name, std::string_view filter);

}  // namespace athena
