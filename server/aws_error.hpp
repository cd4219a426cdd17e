#pragma once
// AWS JSON 1.1 errors: the one place where domain errors become HTTP status + __type.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http_types.hpp"
#include "state/result.hpp"

namespace athena {

struct AwsError {
    unsigned status;
    std::string code;     // the __type, e.g. "ResourceNotFoundException"
    std::string message;  // empty: the body has no Message (as real Athena answers some errors)
    std::vector<std::pair<std::string, std::string>> members;      // modelled string members
    std::vector<std::pair<std::string, std::string>> raw_members;  // members as JSON text (injected faults)
    // Why, for the request's log line, when the body says nothing (no Message).
    std::string log_reason;

    // InvalidRequestException with AthenaErrorCode and ErrorCode `athena_code`.
    static AwsError invalid_request(std::string message, std::string athena_code = "INVALID_INPUT");
    static AwsError serialization(std::string message);
    // SerializationException without a Message (a body that is not JSON); `why` goes to the log.
    static AwsError unreadable_body(std::string why);
    // UnknownOperationException without a Message, as real Athena sends it; `why` goes to the log.
    static AwsError unknown_operation(unsigned status, std::string why);
    static AwsError internal(std::string message);
    // SigV4 (--auth sigv4), all 400 with AWS's texts.
    static AwsError missing_authentication_token();
    static AwsError incomplete_signature(std::string message);
    static AwsError unrecognized_client();
    static AwsError invalid_signature(std::string message);
    // The transport's refusals (http_codec, http_server), each naming the limit and its flag.
    // 408: a request begun and not received in full within `timeout` (e.g. "30 s").
    static AwsError request_timeout(const std::string& timeout);
    // 413: a body over the route's limit of `bytes`, set by `flag` (Router::body_limit).
    static AwsError body_too_large(std::size_t bytes, std::string_view flag);
    // 431: request line and headers over `bytes` (--max-header-bytes).
    static AwsError headers_too_large(std::size_t bytes);
    // 503: a connection over --max-connections (`max`), with `open` already open.
    static AwsError too_many_connections(std::size_t open, std::size_t max);
};

// The AWS error for a domain error. Every ErrorKind is mapped here and only here.
AwsError to_aws_error(const Error& e);

// A complete AWS JSON 1.1 error response: status, body {"__type","Message"?,members...} and
// x-amzn-RequestId. No X-Amzn-ErrorType header: real Athena sends none (SDKs read __type).
HttpResponse aws_error_response(const AwsError& e, const std::string& request_id);

// A success response with an already-encoded JSON body.
HttpResponse aws_success_response(std::string body, const std::string& request_id);

}  // namespace athena
