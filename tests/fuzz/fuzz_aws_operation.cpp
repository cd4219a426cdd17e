// Fuzz target: AWS JSON 1.1 requests straight to the router, past HTTP. The input is one or
// more requests separated by a 0xFF byte (never part of UTF-8, so every JSON text can be
// written). Each request is a selector byte and a body:
//   selector % 24: 0..20 one of the implemented operations (implemented_operations() order),
//                  21 an Athena operation outside the session API, 22/23 move the manual
//                  clock by a minute / an hour (body ignored);
//   selector / 24 % 3: the caller: no Authorization, a SigV4 credential for the default
//                  account in us-east-1, or account 111122223333 in eu-west-1.
// The body goes through decoding, validation against the operation's shape and the operation;
// the answer must have a status and __type README documents (fuzz_check.hpp).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/operations.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_world.hpp"

namespace {

constexpr int kMaxRequests = 16;
constexpr unsigned char kSeparator = 0xFF;

constexpr std::string_view kCallers[] = {
    "",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/athena/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000",
    "AWS4-HMAC-SHA256 Credential=111122223333/20260101/eu-west-1/athena/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000",
};

void run_one(athena::fuzz::World& world, unsigned char selector, std::string_view body) {
    using namespace athena;
    const auto ops = implemented_operations();
    const std::size_t pick = selector % 24;
    if (pick == 22 || pick == 23) {
        // Forwards on the manual clock always works (CONTRACT: only backwards is refused).
        if (auto r = world.service.control.advance_clock(pick == 22 ? Millis(60'000) : Millis(3'600'000)); !r) {
            std::fprintf(stderr, "fuzz: advancing the manual clock failed: %s\n", r.error().message.c_str());
            std::abort();
        }
        return;
    }
    std::string target = "AmazonAthena.";
    target += pick < ops.size() ? ops[pick].name : std::string_view("StartQueryExecution");
    const HttpRequest req{"POST", "/", target, kCallers[selector / 24 % 3], body};
    const std::size_t journaled = world.journal.query({}, {}, {}).size();
    const HttpResponse r = world.router.handle(req);
    const auto entries = world.journal.query({}, {}, {});
    if (entries.size() != journaled && !entries.empty() && !entries.back().fault_id.empty()) {
        fuzz::check_answer(r, true);  // a fault rule shaped the answer
        return;
    }
    fuzz::check_aws_answer(r);
    // An Athena operation outside the session API: README's 400 UnknownOperationException.
    if (pick >= ops.size() && (r.status != 400 || fuzz::aws_error_type(r) != "UnknownOperationException"))
        fuzz::broken("an operation outside the session API not answered 400 UnknownOperationException", r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    athena::fuzz::World world;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t start = 0;
    for (int i = 0; i < kMaxRequests && start < input.size(); ++i) {
        std::size_t end = input.find(static_cast<char>(kSeparator), start);
        if (end == std::string_view::npos) end = input.size();
        const std::string_view request = input.substr(start, end - start);
        if (!request.empty()) run_one(world, static_cast<unsigned char>(request[0]), request.substr(1));
        start = end + 1;
    }
    return 0;
}
