#pragma once
// Domain errors are values. The wire layer maps each kind to an HTTP status and a wire code
// in exactly one switch.
#include <string>
#include <utility>
#include <variant>

namespace athena {

enum class ErrorKind {
    SessionNotFound,              // the named session does not exist for this tenant
    WorkgroupNotFound,            // the named workgroup does not exist for this tenant
    InvalidArgument,              // a value the domain refuses (message says which and why)
    InvalidState,                 // the resource is in a state that does not allow the call
    IdempotentParameterMismatch,  // a ClientRequestToken reused with other parameters
    TooManyRequests,              // a limit such as max_active_sessions (resource = the reason code)
    ResourceNotFound,             // a resource named by ARN does not exist for this tenant
    AmbiguousId,                  // an admin lookup by id matched sessions of several tenants
    AlreadyExists,                // a chosen id is taken (resource = the id)
    ClockMode,                    // the clock call needs the manual clock
    ClockBackwards,               // the manual clock cannot move backwards
    Internal,                     // a store failure
};

struct Error {
    ErrorKind kind;
    std::string message;
    std::string resource;  // the id or name concerned, when there is one
};

// Either a value or an Error.
template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error e) : v_(std::move(e)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

struct Unit {};

inline Error make_error(ErrorKind k, std::string message, std::string resource = {}) {
    return Error{k, std::move(message), std::move(resource)};
}

}  // namespace athena
