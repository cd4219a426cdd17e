#pragma once
// The notebook operations and the catalog listings (ListApplicationDPUSizes,
// ListEngineVersions, GetResourceDashboard): their rows of the operation table, whose
// handlers call NotebookService (state/notebook_service.hpp).
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "server/operations.hpp"

namespace athena {

namespace shapes {
extern const Shape kCreateNotebookInput;
extern const Shape kImportNotebookInput;
extern const Shape kNotebookIdInput;  // ExportNotebook, GetNotebookMetadata, DeleteNotebook
extern const Shape kListNotebookMetadataInput;
extern const Shape kUpdateNotebookInput;
extern const Shape kUpdateNotebookMetadataInput;
extern const Shape kListNotebookSessionsInput;
extern const Shape kCreatePresignedNotebookUrlInput;
extern const Shape kListApplicationDpuSizesInput;
extern const Shape kListEngineVersionsInput;
extern const Shape kGetResourceDashboardInput;
}  // namespace shapes

// The rows of the operation table this file adds (find_operation sees them).
std::span<const Operation> notebook_operations();

// Why `payload` is not a Jupyter notebook document (a JSON object with "cells" (array),
// "metadata" (object), "nbformat" and "nbformat_minor" (integers)); nullopt when it is.
// The text is the InvalidRequestException's message.
std::optional<std::string> notebook_payload_problem(std::string_view payload);

}  // namespace athena
