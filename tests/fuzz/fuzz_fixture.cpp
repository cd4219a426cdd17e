// Fuzz target: a fixture document (the bytes of a --fixtures file or of a
// POST /_emulator/fixtures body) -> the fixture parser -> applied to a fresh in-memory
// emulator (built-in fixtures loaded) -> the state export, which must load back into an empty
// emulator and export the same document again (CONTRACT: export + reset + fixtures reproduces
// the state) -> the clock a day on, the state and the metrics read once more.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_world.hpp"

namespace {

using athena::HttpRequest;
using athena::HttpResponse;

HttpResponse admin(athena::fuzz::World& world, std::string_view method, std::string_view path, std::string_view body = {}) {
    HttpResponse r = world.router.handle(HttpRequest{method, path, {}, {}, body});
    athena::fuzz::check_answer(r, false);
    return r;
}

[[noreturn]] void broken(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz: %s: %.2000s\n", what, detail.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace athena;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    // The loader, as for a --fixtures file: an error names the file.
    auto doc = parse_fixture_document(text, "fuzz.json");
    if (!doc) {
        if (doc.error().message.rfind("fuzz.json", 0) != 0) broken("a fixture error that does not name the file", doc.error().message);
        return 0;
    }

    fuzz::World world;
    const HttpResponse applied = admin(world, "POST", "/_emulator/fixtures", text);
    if (applied.status != 200) {
        if (applied.status != 400) broken("POST /_emulator/fixtures answered neither 200 nor 400", applied.body);
        return 0;  // a dangling reference or a clash with the built-in fixtures: nothing applied
    }

    // Export, reset to nothing, import the export: the same state comes back.
    const HttpResponse exported = admin(world, "GET", "/_emulator/state");
    if (exported.status != 200) broken("GET /_emulator/state failed", exported.body);
    admin(world, "POST", "/_emulator/reset", R"({"fixtures":false})");
    const HttpResponse reimported = admin(world, "POST", "/_emulator/fixtures", exported.body);
    if (reimported.status != 200) broken("the state export does not load back", reimported.body + "\nexport: " + exported.body);
    const HttpResponse again = admin(world, "GET", "/_emulator/state");
    if (again.body != exported.body)
        broken("the state export changed across export + reset + import", exported.body + "\nthen: " + again.body);

    // Time goes on: every timeline is evaluated a day later.
    admin(world, "POST", "/_emulator/clock", R"({"advance_ms":86400000})");
    admin(world, "GET", "/_emulator/state");
    admin(world, "GET", "/_emulator/metrics");
    return 0;
}
