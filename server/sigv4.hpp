#pragma once
// AWS Signature Version 4 verification of an AWS request (--auth sigv4, CONTRACT §6). Pure:
// the request's method, target, headers and body, the real time and the credentials in; the
// signer's tenant or the error AWS would answer out. No sockets, no clock of its own.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/aws_error.hpp"
#include "server/credentials.hpp"
#include "server/digest.hpp"
#include "server/http_types.hpp"
#include "state/session.hpp"
#include "state/time.hpp"

namespace athena {

struct Sigv4Options {
    std::string service{"athena"};       // the credential scope's service must be this
    std::chrono::seconds max_skew{300};  // allowed |X-Amz-Date - now|
    // S3's rules (service "s3"): the path is signed as sent (no normalisation, no second
    // encoding) and the payload hash is the x-amz-content-sha256 header (UNSIGNED-PAYLOAD or
    // the body's SHA-256, which must then match).
    bool s3{false};
};

struct Sigv4Request {
    std::string_view method;
    std::string_view target;  // path and query, as sent
    const HeaderLookup& headers;
    std::string_view body;
};

struct Sigv4Outcome {
    std::optional<Tenant> tenant;   // verified: account of the credentials entry, region of the scope
    std::optional<AwsError> error;  // otherwise: the AWS error (code and text)
    // On a signature mismatch: what the emulator computed (for the log); empty otherwise.
    std::string canonical_request;
    std::string string_to_sign;

    explicit operator bool() const { return tenant.has_value(); }
};

// Thread-safe (const); keeps a reference to `credentials`.
class Sigv4Verifier {
public:
    Sigv4Verifier(const CredentialStore& credentials, Sigv4Options options)
        : credentials_(credentials), options_(std::move(options)) {}

    // Checks, in AWS's order: an AWS4 Authorization header (MissingAuthenticationToken), its
    // Credential/SignedHeaders/Signature and a date header (IncompleteSignature), the date's
    // format, its distance from `now` (the real time), `host` signed, the algorithm, the
    // credential scope, the access key (UnrecognizedClient), the signature
    // (InvalidSignature), the session token (UnrecognizedClient).
    Sigv4Outcome verify(const Sigv4Request& req, Instant now) const;

    const Sigv4Options& options() const { return options_; }

private:
    const CredentialStore& credentials_;
    Sigv4Options options_;
};

// The steps of AWS's SigV4 documentation, exposed for tests.
namespace sigv4 {

// "/" for an empty path; dot segments and empty segments removed; every byte but the
// unreserved ones and '/' percent-encoded (so a path's %XX is encoded again, as AWS expects
// for every service but S3).
std::string canonical_uri(std::string_view path);

// Parameters decoded and re-encoded (RFC 3986 unreserved kept, upper-case hex), sorted by
// name then value, joined with '&'; a parameter without '=' has an empty value.
std::string canonical_query(std::string_view query);

// One header's values: each trimmed, inner runs of spaces and tabs collapsed to one space,
// joined with ','.
std::string canonical_header_value(const std::vector<std::string_view>& values);

// Method, canonical URI, canonical query, "name:value\n" per signed header (names lower-cased,
// in the order of `signed_headers`), the signed header names, hex SHA-256 of the body.
// With `s3`: the path as sent and `payload_hash` instead of the body's hash (Sigv4Options::s3).
std::string canonical_request(std::string_view method, std::string_view target, const HeaderLookup& headers,
                              std::string_view signed_headers, std::string_view body, bool s3 = false,
                              std::string_view payload_hash = {});

// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex SHA-256 of the canonical request>".
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);

// Hex HMAC-SHA256 of `string_to_sign` under the key derived from the secret, date, region and
// service (the HMAC chain ending in "aws4_request").
std::string signature(std::string_view secret, std::string_view date, std::string_view region, std::string_view service,
                      std::string_view string_to_sign);

// Lower-case hex SHA-256 (digest.hpp).
using athena::sha256_hex;

// "20150830T123600Z" for an instant (seconds truncated); parse is the inverse (nullopt
// unless exactly that form and a real calendar time).
std::string format_basic(Instant t);
std::optional<Instant> parse_basic(std::string_view s);

}  // namespace sigv4

}  // namespace athena
