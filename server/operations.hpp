#pragma once
// The AWS operations athena-emu implements: name, input shape, handler. Adding an operation
// means a shape in wire_model.cpp, a handler here, and a row in the table in operations.cpp.
#include <boost/json/object.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "server/aws_error.hpp"
#include "server/wire_model.hpp"
#include "state/services.hpp"

namespace athena {

struct OperationContext {
    Services& service;
    Tenant tenant;
};

struct OperationOutcome {
    std::string body;               // the JSON output on success
    std::optional<AwsError> error;  // set on failure
    // Ids the answer names that the request may not (a new session or calculation, the session
    // of a calculation): they complete the request's facts for the journal and the log.
    std::string session_id;
    std::string calculation_id;
};

// The two answers a handler gives: a domain error (as AWS shows it) or an encoded body, each
// with the session it concerns (for the journal, the log and fault rules).
namespace outcome {
OperationOutcome failed(const Error& e, std::string session_id = {});
OperationOutcome ok(std::string body, std::string session_id = {});
}  // namespace outcome

using OperationHandler = OperationOutcome (*)(OperationContext&, const boost::json::object& input);

struct Operation {
    std::string_view name;
    const Shape* input;
    OperationHandler handler;
};

// The implemented operation called `name`, or null.
const Operation* find_operation(std::string_view name);
// Every implemented operation, in a fixed order.
std::span<const Operation> implemented_operations();
// True for every operation of the Athena API (implemented or not).
bool is_athena_operation(std::string_view name);

// SHA-256 (hex) of the request's parameters other than `token_member`, keys sorted: what a
// ClientRequestToken's replay compares.
std::string request_fingerprint(const boost::json::object& in, std::string_view token_member);

// The operation names the S3 front end journals ("s3:GetObject", "s3:HeadObject",
// "s3:ListObjectsV2", and the refused ones such as "s3:PutObject"); fault rules may name them.
bool is_s3_operation(std::string_view name);

// Encoders shared by operations (exposed for unit tests).
void append_session_status(std::string& out, const SessionStatus& st);

}  // namespace athena
