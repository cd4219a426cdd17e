#pragma once
// Request in, response out, no sockets: the AWS JSON 1.1 endpoint (POST /), the admin API
// (/_emulator/), S3 reads of the calculations' output (s3_api.hpp), and JSON 404s for everything else. Logs one line per AWS request.
#include "server/admin_api.hpp"
#include "server/observability.hpp"
#include "server/http_types.hpp"
#include "server/logger.hpp"
#include "server/s3_api.hpp"
#include "server/sigv4.hpp"
#include "state/service.hpp"

namespace athena {

// How the AWS endpoint authenticates (--auth, --credentials). Both may be null.
struct RouterAuth {
    const Sigv4Verifier* sigv4{nullptr};          // set: --auth sigv4, every AWS request is verified
    const CredentialStore* credentials{nullptr};  // --credentials: the account of each access key
    const Sigv4Verifier* sigv4_s3{nullptr};       // set with sigv4: the same for S3 (service "s3")
};

class Router {
public:
    Router(Service& service, AdminApi& admin, const Logger& log, Observability obs, RouterAuth auth = {})
        : service_(service), admin_(admin), log_(log), obs_(obs), auth_(auth),
          s3_(service, log, obs, S3Auth{auth.sigv4_s3, auth.credentials}) {}

    // Never throws: a failure inside an operation becomes a 500 InternalServerException.
    HttpResponse handle(const HttpRequest& req);

    // How deeply an AWS request's JSON body may nest (--max-json-depth); deeper is a
    // SerializationException.
    void set_max_json_depth(std::size_t depth) { max_json_depth_ = depth; }

private:
    HttpResponse handle_aws(const HttpRequest& req);

    Service& service_;
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

}  // namespace athena
