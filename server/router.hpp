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

private:
    HttpResponse handle_aws(const HttpRequest& req);

    Service& service_;
    AdminApi& admin_;
    const Logger& log_;
    Observability obs_;
};

// The admin fixture endpoint takes whole documents: a 100k-session fixture is ~12 MB.
inline constexpr std::size_t kAdminFixturesBodyBytes = 64 * 1024 * 1024;

// The largest request body accepted for `method` and `target` (path and query, as on the
// request line): kAdminFixturesBodyBytes for POST /_emulator/fixtures (never less than
// `default_limit`), `default_limit` (the AWS endpoint's) for everything else. The connection
// asks once the request line is read, before the body.
std::size_t body_limit_for(std::string_view method, std::string_view target, std::size_t default_limit);

// The tenant named by a SigV4 Authorization header: account from a 12-digit access key id,
// region from the credential scope; `fallback`'s values otherwise.
Tenant tenant_from_authorization(std::string_view authorization, const Tenant& fallback);

}  // namespace athena
