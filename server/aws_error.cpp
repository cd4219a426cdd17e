#include "server/aws_error.hpp"

#include "server/json_writer.hpp"

namespace athena {

AwsError AwsError::invalid_request(std::string message) {
    return AwsError{400, "InvalidRequestException", std::move(message), {{"AthenaErrorCode", "INVALID_INPUT"}}, {}};
}

AwsError AwsError::serialization(std::string message) {
    return AwsError{400, "SerializationException", std::move(message), {}};
}

AwsError AwsError::unknown_operation(unsigned status, std::string message) {
    return AwsError{status, "UnknownOperationException", std::move(message), {}};
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

AwsError to_aws_error(const Error& e) {
    switch (e.kind) {
        case ErrorKind::SessionNotFound:
            return AwsError{400, "ResourceNotFoundException", e.message, {{"ResourceName", e.resource}}};
        case ErrorKind::WorkgroupNotFound:
            return AwsError{400, "InvalidRequestException", e.message, {}};
        case ErrorKind::InvalidArgument:
            return AwsError::invalid_request(e.message);
        case ErrorKind::InvalidState:
            return AwsError{400, "InvalidRequestException", e.message, {}};
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
        case ErrorKind::Internal:
            return AwsError::internal(e.message);
    }
    return AwsError::internal(e.message);
}

HttpResponse aws_error_response(const AwsError& e, const std::string& request_id) {
    HttpResponse r;
    r.status = e.status;
    JsonWriter w(r.body);
    w.begin_object().member("__type", e.code).member("Message", e.message);
    for (const auto& [k, v] : e.members) w.member(k, v);
    for (const auto& [k, v] : e.raw_members) w.key(k).raw(v);
    w.end_object();
    r.headers.emplace_back("X-Amzn-ErrorType", e.code);
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
