#pragma once
// Checks every fuzz target makes on an answer: what a client must always be able to rely on.
// A broken promise aborts, so libFuzzer keeps the input as a crash.
#include <boost/json/parse.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/http_types.hpp"

namespace athena::fuzz {

[[noreturn]] inline void broken(const char* what, const HttpResponse& r) {
    std::fprintf(stderr, "fuzz: %s: status %u, content type %s, body %.300s\n", what, r.status, r.content_type.c_str(),
                 r.body.c_str());
    std::abort();
}

// `fault_fired`: a fault rule shaped this answer (an empty or truncated body is then intended).
inline void check_answer(const HttpResponse& r, bool fault_fired) {
    if (r.status < 200 || r.status > 599) broken("status out of range", r);
    // A header that could split the response or end the header block early.
    for (const auto& [k, v] : r.headers)
        if (k.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos ||
            v.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
            broken("a header with CR, LF or NUL", r);
    if (fault_fired) return;
    const bool json = r.content_type == "application/x-amz-json-1.1" || r.content_type == "application/json";
    if (!json) return;
    boost::system::error_code ec;
    const auto v = boost::json::parse(r.body, ec);
    if (ec) broken("the answer is not JSON", r);
    if (!v.is_object()) broken("the answer is not a JSON object", r);
    if (r.content_type == "application/x-amz-json-1.1" && r.status >= 400 && !v.get_object().contains("__type"))
        broken("an AWS error without __type", r);
}

}  // namespace athena::fuzz
