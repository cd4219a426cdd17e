#pragma once
// The web console's files (console/), compiled into the binary by cmake/embed_console.cmake.
#include <span>
#include <string_view>

namespace athena {

struct ConsoleAsset {
    std::string_view name;          // file name under console/, e.g. "index.html"
    std::string_view content_type;  // e.g. "text/css; charset=utf-8"
    std::string_view etag;          // quoted, from the file's SHA-256
    std::string_view body;
};

std::span<const ConsoleAsset> console_assets();

}  // namespace athena
