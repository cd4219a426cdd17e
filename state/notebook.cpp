#include "state/notebook.hpp"

namespace athena {

std::optional<std::string_view> effective_engine_version(std::string_view selected) {
    for (const auto& e : kEngineVersionCatalog)
        if (e.selected == selected) return e.effective;
    return std::nullopt;
}

std::optional<Error> check_notebook_version(std::string_view version) {
    if (version.empty()) return std::nullopt;
    std::string accepted;
    for (const auto& v : kNotebookVersionCatalog) {
        if (v.runtime_id == version) return std::nullopt;
        accepted += (accepted.empty() ? "" : ", ") + std::string(v.runtime_id);
    }
    return make_error(ErrorKind::InvalidArgument, "NotebookVersion '" + std::string(version) +
                                                      "' is not supported; use " + accepted +
                                                      " (ListApplicationDPUSizes lists them).");
}

std::optional<Error> check_notebook_type(std::string_view type) {
    if (type == kNotebookTypeIpynb) return std::nullopt;
    return make_error(ErrorKind::InvalidArgument,
                      "Notebook type '" + std::string(type) + "' is not supported; the only type is IPYNB.");
}

Error notebook_not_found(std::string_view id) {
    return make_error(ErrorKind::InvalidArgument, "Notebook " + std::string(id) + " does not exist.", std::string(id));
}

Error notebook_name_taken(std::string_view workgroup, std::string_view name) {
    return make_error(ErrorKind::InvalidArgument,
                      "A notebook named '" + std::string(name) + "' already exists in workgroup " +
                          std::string(workgroup) + "; choose another name.",
                      std::string(name));
}

std::optional<Error> check_workgroup_notebooks(std::string_view workgroup, std::size_t count, bool recursive) {
    if (count == 0 || recursive) return std::nullopt;
    return make_error(ErrorKind::InvalidState,
                      "WorkGroup " + std::string(workgroup) + " has " + std::to_string(count) +
                          (count == 1 ? " notebook" : " notebooks") +
                          "; delete them (DeleteNotebook) or set RecursiveDeleteOption.",
                      std::string(workgroup));
}

bool notebook_name_matches(std::string_view name, std::string_view filter) {
    return filter.empty() || name.find(filter) != std::string_view::npos;
}

}  // namespace athena
