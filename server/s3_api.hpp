#pragma once
// The read-only S3 front end for the calculations' output (CONTRACT §3b): GetObject,
// HeadObject and ListObjectsV2, path-style and virtual-hosted, S3 XML errors. Same port as the
// AWS JSON endpoint; the router sends it what is_s3_request() claims.
#include <chrono>
#include <string>
#include <string_view>

#include "control/observability.hpp"
#include "server/credentials.hpp"
#include "server/http_types.hpp"
#include "server/logger.hpp"
#include "server/sigv4.hpp"
#include "state/services.hpp"

namespace athena {

struct S3Auth {
    const Sigv4Verifier* sigv4{nullptr};          // --auth sigv4: a verifier for service "s3"
    const CredentialStore* credentials{nullptr};  // --credentials: the account of each access key
};

// The bucket a Host header names virtual-hosted style: "<bucket>.localhost[:port]" or
// "<bucket>.s3.<anything>" / "<bucket>.s3-<region>.<anything>"; empty otherwise (an IP address,
// "localhost", any other name).
std::string_view virtual_host_bucket(std::string_view host);

// True for a request without X-Amz-Target that S3 serves: signed for service "s3", a path
// other than "/" (path-style), or a Host that names a bucket.
bool is_s3_request(const HttpRequest& req);

class S3Api {
public:
    S3Api(Services& service, const Logger& log, Observability obs, S3Auth auth)
        : service_(service), log_(log), obs_(obs), auth_(auth) {}

    // Never throws. Journals and counts the request as s3:<Operation>.
    HttpResponse handle(const HttpRequest& req);

private:
    struct Exchange;
    HttpResponse serve(const HttpRequest& req, Exchange& x);
    void record(const Exchange& x, Instant received, unsigned status, std::chrono::steady_clock::time_point started,
                std::chrono::milliseconds delay);

    Services& service_;
    const Logger& log_;
    Observability obs_;
    S3Auth auth_;
};

}  // namespace athena
