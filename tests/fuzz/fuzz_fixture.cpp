// Fuzz target: a fixture document (the bytes of a --fixtures file or of a
// POST /_emulator/fixtures body) -> the fixture parser -> applied to a fresh in-memory
// emulator (built-in fixtures loaded) -> the state export, which must load back into an empty
// emulator and export the same document again (README: export + reset + fixtures reproduces
// the state) -> the clock a day on, the state and the metrics read once more. Every admin
// answer is held to README's statuses (fuzz_check.hpp); a refused document changes nothing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_world.hpp"

namespace {

using athena::HttpRequest;
using athena::HttpResponse;

HttpResponse admin(athena::fuzz::World& world, std::string_view method, std::string_view path,
                   std::string_view body = {}) {
    HttpResponse r = world.router.handle(HttpRequest{method, path, {}, {}, body});
    athena::fuzz::check_admin_answer(r);
    return r;
}

[[noreturn]] void broken(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz: %s: %.2000s\n", what, detail.c_str());
    std::abort();
}

// An admin call that README says always succeeds here.
HttpResponse admin_ok(athena::fuzz::World& world, std::string_view method, std::string_view path,
                      std::string_view body = {}) {
    HttpResponse r = admin(world, method, path, body);
    if (r.status != 200)
        broken("an admin call that cannot fail answered an error",
               std::string(method) + " " + std::string(path) + ": " + std::to_string(r.status) + " " + r.body);
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace athena;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    // The loader, as for a --fixtures file: an error names the file.
    auto doc = parse_fixture_document(text, "fuzz.json");
    if (!doc) {
        if (doc.error().message.rfind("fuzz.json", 0) != 0)
            broken("a fixture error that does not name the file", doc.error().message);
        return 0;
    }

    // README (Admin API): 200, or 400 (invalid: a dangling reference, a clash with the built-in
    // fixtures) or 409 (its `clock` is earlier than the manual clock); on an error nothing is
    // applied.
    fuzz::World world;
    const HttpResponse before = admin_ok(world, "GET", "/_emulator/state");
    const HttpResponse applied = admin(world, "POST", "/_emulator/fixtures", text);
    if (applied.status != 200) {
        if (applied.status != 400 && applied.status != 409)
            broken("POST /_emulator/fixtures answered neither 200, 400 nor 409", applied.body);
        const HttpResponse after = admin_ok(world, "GET", "/_emulator/state");
        if (after.body != before.body)
            broken("a refused fixture document changed the state",
                   applied.body + "\nbefore: " + before.body + "\nafter: " + after.body);
        return 0;
    }

    // Export, reset to nothing, import the export: the same state comes back.
    const HttpResponse exported = admin_ok(world, "GET", "/_emulator/state");
    admin_ok(world, "POST", "/_emulator/reset", R"({"fixtures":false})");
    const HttpResponse reimported = admin(world, "POST", "/_emulator/fixtures", exported.body);
    if (reimported.status != 200)
        broken("the state export does not load back", reimported.body + "\nexport: " + exported.body);
    const HttpResponse again = admin_ok(world, "GET", "/_emulator/state");
    if (again.body != exported.body)
        broken("the state export changed across export + reset + import", exported.body + "\nthen: " + again.body);

    // Time goes on: every timeline is evaluated a day later.
    admin_ok(world, "POST", "/_emulator/clock", R"({"advance_ms":86400000})");
    admin_ok(world, "GET", "/_emulator/state");
    admin_ok(world, "GET", "/_emulator/metrics");
    return 0;
}
