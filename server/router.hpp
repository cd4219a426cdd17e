#pragma once
// Request in, response out, no sockets: the AWS JSON 1.1 endpoint (POST /), the admin API
// (/_emulator/), S3 reads of the calculations' output (s3_api.hpp), and JSON 404s for everything else. Logs one line
// per AWS request.
//
// An AWS request goes through named stages, each returning a value:
//   parse_target -> authenticate -> parse_body -> decide_fault -> dispatch -> deliver -> record
// The request's facts (operation, ids, tenant) are computed once and serve the fault rules,
// the journal, the metrics and the log alike.
#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "control/admin_api.hpp"
#include "control/observability.hpp"
#include "server/aws_error.hpp"
#include "server/http_limits.hpp"
#include "server/http_types.hpp"
#include "server/logger.hpp"
#include "server/operations.hpp"
#include "server/s3_api.hpp"
#include "server/sigv4.hpp"
#include "state/services.hpp"

namespace athena {

// How the AWS endpoint authenticates (--auth, --credentials). Both may be null.
struct RouterAuth {
    const Sigv4Verifier* sigv4{nullptr};          // set: --auth sigv4, every AWS request is verified
    const CredentialStore* credentials{nullptr};  // --credentials: the account of each access key
    const Sigv4Verifier* sigv4_s3{nullptr};       // set with sigv4: the same for S3 (service "s3")
};

// What an AWS request names, computed once. Ids and names taken from the request before
// validation are cut to 256 bytes (see `bounded`).
struct RequestFacts {
    std::string request_id;
    Instant received;        // the real time of receipt
    Instant received_clock;  // the emulator's clock then (the manual clock under --clock manual)
    Tenant tenant;           // what the Authorization header claims, until authenticate verifies it
    std::string operation;   // "" when there is no AmazonAthena.* target
    std::string session_id, calculation_id, workgroup;
};

// The outcome of the stages up to dispatch: an encoded JSON body or an error, and the
// latency an injected fault adds.
struct Answer {
    std::string body;
    std::optional<AwsError> error;
    std::chrono::milliseconds delay{0};
};

// The response as delivered, and the status the journal records (0: nothing was delivered).
struct Delivered {
    HttpResponse response;
    unsigned journal_status{0};
};

class Router {
public:
    Router(Services& service, AdminApi& admin, const Logger& log, Observability obs, RouterAuth auth = {})
        : service_(service),
          admin_(admin),
          log_(log),
          obs_(obs),
          auth_(auth),
          s3_(service, log, obs, S3Auth{auth.sigv4_s3, auth.credentials}) {}

    // Never throws: a failure inside an operation becomes a 500 InternalServerException.
    HttpResponse handle(const HttpRequest& req);

    // How deeply an AWS request's JSON body may nest (--max-json-depth); deeper is a
    // SerializationException.
    void set_max_json_depth(std::size_t depth) { max_json_depth_ = depth; }

    // The body limit of the route `target` goes to (the admin API's or the AWS requests'), for
    // the transport to apply before it reads a body.
    static BodyLimit body_limit(std::string_view target, const HttpLimits& limits);

    // The stages of an AWS request, in order (public for the unit tests).
    //
    // The implemented operation `amz_target` names; sets facts.operation. Errors: a missing,
    // foreign or unknown target (UnknownOperationException, 400).
    std::variant<const Operation*, AwsError> parse_target(std::string_view amz_target, RequestFacts& facts) const;
    // Under --auth sigv4, verifies the signature and sets the verified tenant; nothing otherwise.
    // Errors: the SigV4 errors of Sigv4Verifier::verify.
    std::optional<AwsError> authenticate(const HttpRequest& req, RequestFacts& facts) const;
    // The JSON object of the body; sets the facts' ids from it. Errors: SerializationException
    // (deeper than --max-json-depth, a list), the unreadable-body error (empty, not JSON, not
    // an object).
    std::variant<boost::json::object, AwsError> parse_body(std::string_view body, RequestFacts& facts) const;
    // The fault rule that fires for these facts, if any (counted in the metrics and logged).
    std::optional<FaultRule> decide_fault(const RequestFacts& facts) const;
    // Validates the input and runs the operation; a thrown exception becomes an
    // InternalServerException (500) and a log line. May complete facts with ids the answer
    // introduces (a new session or calculation, the session of a calculation).
    Answer dispatch(const Operation& op, const boost::json::object& input, RequestFacts& facts) const;
    // The HTTP response for an answer, with a fault rule's transport fault applied.
    static Delivered deliver(Answer answer, const std::optional<FaultRule>& fault, const std::string& request_id);
    // Metrics, log line and journal entry of one request (the journal takes the facts' strings).
    void record(RequestFacts&& facts, const Delivered& out, std::string error_code, const std::string& log_reason,
                const std::optional<FaultRule>& fault, double ms) const;

private:
    void log_request(const RequestFacts& facts, unsigned status, const std::string& error_code,
                     const std::string& log_reason, const std::optional<FaultRule>& fault, double ms) const;
    HttpResponse handle_aws(const HttpRequest& req);
    Answer answer(const HttpRequest& req, RequestFacts& facts, std::optional<FaultRule>& fault) const;

    Services& service_;
    AdminApi& admin_;
    const Logger& log_;
    Observability obs_;
    std::size_t max_json_depth_{32};
    RouterAuth auth_;
    S3Api s3_;
};

// The tenant named by a SigV4 Authorization header, signature unchecked: account from a
// 12-digit access key id, else from the key's `credentials` entry; region from the credential
// scope; `fallback`'s values otherwise.
Tenant tenant_from_authorization(std::string_view authorization, const Tenant& fallback,
                                 const CredentialStore* credentials = nullptr);

// The error an injected-error fault rule answers with.
AwsError injected_error(const FaultRule& rule);

}  // namespace athena
