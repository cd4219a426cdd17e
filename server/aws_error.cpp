#include "server/aws_error.hpp"

#include <algorithm>

#include "server/json_writer.hpp"

namespace athena {

namespace {
// The workgroup-not-found text measured on real Athena: it does not name the workgroup.
constexpr const char* kWorkgroupNotFound = "WorkGroup is not found.";
}  // namespace

AwsError AwsError::invalid_request(std::string message, std::string athena_code) {
    // Real Athena sends ErrorCode next to AthenaErrorCode, with the same value.
    return AwsError{400,
                    "InvalidRequestException",
                    std::move(message),
                    {{"AthenaErrorCode", athena_code}, {"ErrorCode", athena_code}},
                    {},
                    {}};
}

AwsError AwsError::serialization(std::string message) {
    return AwsError{400, "SerializationException", std::move(message), {}};
}

AwsError AwsError::unreadable_body(std::string why) {
    return AwsError{400, "SerializationException", {}, {}, {}, std::move(why)};
}

AwsError AwsError::unknown_operation(unsigned status, std::string why) {
    return AwsError{status, "UnknownOperationException", {}, {}, {}, std::move(why)};
}

AwsError AwsError::internal(std::string message) {
    return AwsError{500, "InternalServerException", std::move(message), {}};
}

AwsError AwsError::missing_authentication_token() {
    return AwsError{400, "MissingAuthenticationTokenException", "Request is missing Authentication Token", {}};
}

AwsError AwsError::incomplete_signature(std::string message) {
    return AwsError{400, "IncompleteSignatureException", std::move(message), {}};
}

AwsError AwsError::unrecognized_client() {
    return AwsError{400, "UnrecognizedClientException", "The security token included in the request is invalid.", {}};
}

AwsError AwsError::invalid_signature(std::string message) {
    return AwsError{400, "InvalidSignatureException", std::move(message), {}};
}

AwsError AwsError::request_timeout(const std::string& timeout) {
    return AwsError{408,
                    "RequestTimeoutException",
                    "The request was not received in full within " + timeout +
                        " (--request-timeout-s); send the whole request at once, or raise the limit",
                    {}};
}

AwsError AwsError::body_too_large(std::size_t bytes, std::string_view flag) {
    return AwsError{413,
                    "RequestEntityTooLargeException",
                    "Request body exceeds the limit of " + std::to_string(bytes) + " bytes (" + std::string(flag) + ")",
                    {}};
}

AwsError AwsError::headers_too_large(std::size_t bytes) {
    return AwsError{
        431,
        "RequestHeaderFieldsTooLargeException",
        "The request line and headers exceed the limit of " + std::to_string(bytes) + " bytes (--max-header-bytes)",
        {}};
}

AwsError AwsError::too_many_connections(std::size_t open, std::size_t max) {
    return AwsError{503,
                    "ServiceUnavailableException",
                    "athena-emu already has " + std::to_string(open) +
                        " open connections, its limit (--max-connections " + std::to_string(max) +
                        "): close idle connections, or raise the limit",
                    {}};
}

AwsError to_aws_error(const Error& e) {
    switch (e.kind) {
        case ErrorKind::SessionNotFound:
            return AwsError{400, "ResourceNotFoundException", e.message, {{"ResourceName", e.resource}}};
        case ErrorKind::WorkgroupNotFound: {
            auto out = AwsError::invalid_request(kWorkgroupNotFound);
            out.log_reason = e.message;
            return out;
        }
        case ErrorKind::InvalidArgument: return AwsError::invalid_request(e.message);
        case ErrorKind::IdempotentParameterMismatch: {
            auto out = AwsError::invalid_request("Idempotent parameters do not match", "IDEMPOTENT_PARAMETER_MISMATCH");
            out.log_reason = e.message;
            return out;
        }
        case ErrorKind::InvalidState: return AwsError{400, "InvalidRequestException", e.message, {}};
        case ErrorKind::TooManyRequests:
            return AwsError{400, "TooManyRequestsException", e.message, {{"Reason", e.resource}}};
        case ErrorKind::ResourceNotFound:
            return AwsError{400, "ResourceNotFoundException", e.message, {{"ResourceName", e.resource}}};
        case ErrorKind::AlreadyExists:
            // Only StartSession's chosen id (the tag athena-emu:session-id) reaches the wire.
            return AwsError{400, "SessionAlreadyExistsException", e.message, {}};
        case ErrorKind::AmbiguousId:
        case ErrorKind::ClockMode:
        case ErrorKind::ClockBackwards:
            // Admin-only conditions; an AWS operation never produces them.
            return AwsError::internal("unexpected emulator condition: " + e.message);
        case ErrorKind::Internal: return AwsError::internal(e.message);
    }
    return AwsError::internal(e.message);
}

HttpResponse aws_error_response(const AwsError& e, const std::string& request_id) {
    HttpResponse r;
    r.status = e.status;
    JsonWriter w(r.body);
    w.begin_object().member("__type", e.code);
    if (!e.message.empty()) w.member("Message", e.message);
    for (const auto& [k, v] : e.members) w.member(k, v);
    for (const auto& [k, v] : e.raw_members) w.key(k).raw(v);
    // An injected error with AthenaErrorCode gets ErrorCode too, as every real one has.
    auto named = [&](std::string_view k) {
        return std::any_of(e.raw_members.begin(), e.raw_members.end(), [&](const auto& m) { return m.first == k; });
    };
    for (const auto& [k, v] : e.raw_members)
        if (k == "AthenaErrorCode" && !named("ErrorCode")) w.key("ErrorCode").raw(v);
    w.end_object();
    r.headers.emplace_back("x-amzn-RequestId", request_id);
    return r;
}

HttpResponse aws_success_response(std::string body, const std::string& request_id) {
    HttpResponse r;
    r.body = std::move(body);
    r.headers.emplace_back("x-amzn-RequestId", request_id);
    return r;
}

}  // namespace athena
