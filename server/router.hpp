#pragma once
// Request in, response out, no sockets: the AWS JSON 1.1 endpoint (POST /), the admin API
// (/_emulator/), and JSON 404s for everything else. Logs one line per AWS request.
#include "server/admin_api.hpp"
#include "server/observability.hpp"
#include "server/http_types.hpp"
#include "server/logger.hpp"
#include "state/service.hpp"

namespace athena {

class Router {
public:
    Router(Service& service, AdminApi& admin, const Logger& log, Observability obs)
        : service_(service), admin_(admin), log_(log), obs_(obs) {}

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
};

// The tenant named by a SigV4 Authorization header: account from a 12-digit access key id,
// region from the credential scope; `fallback`'s values otherwise.
Tenant tenant_from_authorization(std::string_view authorization, const Tenant& fallback);

}  // namespace athena
