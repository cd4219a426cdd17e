#pragma once
// Checks every fuzz target makes on an answer: what a client must always be able to rely on,
// and the statuses README.md documents (nothing else is a right answer). A broken promise
// aborts, so libFuzzer keeps the input as a crash.
//   AWS endpoint (README "The wire"): 200; 400 with a documented Athena exception; 404
//     UnknownOperationException for another method or path; 413/431 from the request reader.
//     500 (InternalServerException) only when a fault rule asked for it.
//   Admin API (README "Admin API"): 200, or {"error": "..."} with 400, 401, 404 or 409.
//   S3 reads (README "Calculation output over S3"): 200, 206, or an S3 XML error with 400, 403,
//     404, 405, 416 or 501 (the body left out for HEAD). 500 only when a fault rule asked for it.
// An answer shaped by a fault rule is whatever the rule says (status, body, truncation).
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "server/http_types.hpp"

namespace athena::fuzz {

[[noreturn]] inline void broken(const char* what, const HttpResponse& r) {
    std::fprintf(stderr, "fuzz: %s: status %u, content type %s, body %.300s\n", what, r.status, r.content_type.c_str(),
                 r.body.c_str());
    std::abort();
}

inline bool one_of(unsigned status, std::initializer_list<unsigned> allowed) {
    return std::find(allowed.begin(), allowed.end(), status) != allowed.end();
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

// The `__type` of an AWS error answer ("" when there is none).
inline std::string aws_error_type(const HttpResponse& r) {
    boost::system::error_code ec;
    const auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) return {};
    const auto* t = v.get_object().if_contains("__type");
    return t && t->is_string() ? std::string(t->get_string()) : std::string();
}

// An answer of the AWS endpoint (POST / or any other non-admin path), no fault rule fired.
inline void check_aws_answer(const HttpResponse& r) {
    check_answer(r, false);
    if (r.content_type != "application/x-amz-json-1.1")
        broken("an AWS answer that is not application/x-amz-json-1.1", r);
    if (r.status == 200) return;
    const std::string type = aws_error_type(r);
    if (r.status == 404) {
        if (type != "UnknownOperationException") broken("a 404 that is not UnknownOperationException", r);
        return;
    }
    if (r.status != 400) broken("an AWS answer with a status README does not document (200, 400, 404)", r);
    for (std::string_view documented :
         {"InvalidRequestException", "ResourceNotFoundException", "SerializationException", "UnknownOperationException",
          "TooManyRequestsException", "MissingAuthenticationTokenException", "IncompleteSignatureException",
          "UnrecognizedClientException", "InvalidSignatureException"})
        if (type == documented) return;
    broken("a 400 with an undocumented __type", r);
}

// An answer of the admin API (/_emulator/...): 200, or {"error": "..."} with 400/401/404/409.
inline void check_admin_answer(const HttpResponse& r) {
    check_answer(r, false);
    if (r.status == 200) return;
    if (!one_of(r.status, {400, 401, 404, 409}))
        broken("an admin answer with a status README does not document (200, 400, 401, 404, 409)", r);
    if (r.content_type != "application/json") broken("an admin error that is not application/json", r);
    boost::system::error_code ec;
    const auto v = boost::json::parse(r.body, ec);
    const auto* e = v.is_object() ? v.get_object().if_contains("error") : nullptr;
    if (!e || !e->is_string() || e->get_string().empty()) broken("an admin error without {\"error\": \"...\"}", r);
}

// An answer of the S3 front end (a request without X-Amz-Target that is_s3_request claims).
inline void check_s3_answer(const HttpResponse& r, bool head) {
    check_answer(r, false);
    if (one_of(r.status, {200, 206})) return;
    if (!one_of(r.status, {400, 403, 404, 405, 416, 501}))
        broken("an S3 answer with a status README does not document (200, 206, 400, 403, 404, 405, 416, 501)", r);
    if (head) return;
    if (r.content_type != "application/xml") broken("an S3 error that is not application/xml", r);
    if (r.body.find("<Error><Code>") == std::string::npos) broken("an S3 error without <Error><Code>", r);
}

// What the request reader answers for a request it cannot read (400, 413, 431).
inline void check_reader_error(const HttpResponse& r) {
    check_answer(r, false);
    if (!one_of(r.status, {400, 413, 431}))
        broken("a request-reader error with a status README does not document (400, 413, 431)", r);
}

}  // namespace athena::fuzz
