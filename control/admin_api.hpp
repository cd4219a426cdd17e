#pragma once
// The control plane under /_emulator/ (CONTRACT §5): plain JSON, apart from the AWS wire.
// Its routes are one table (kRoutes in admin_api.cpp): method, path pattern, handler.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/console.hpp"
#include "control/fixture_parser.hpp"
#include "control/observability.hpp"
#include "server/http_types.hpp"
#include "state/services.hpp"

namespace athena {

struct AdminOptions {
    bool enabled{true};
    std::optional<std::string> token;  // --admin-token: Authorization: Bearer <token>
};

// One admin request as a handler sees it: the request, the path's `{…}` segments (still
// percent-encoded) in order, and the query string (after '?', still encoded).
struct AdminCall {
    const HttpRequest& req;
    std::vector<std::string_view> params;
    std::string_view query;
};

class AdminApi {
public:
    AdminApi(Services& service, AdminOptions opts, Observability obs, std::vector<FaultRule> startup_faults);

    // `path` is the request path after "/_emulator/", query string included. `health` answers
    // always; every other route needs the admin API on and, with --admin-token, the token.
    HttpResponse handle(const HttpRequest& req, std::string_view path);

    using Handler = HttpResponse (AdminApi::*)(const AdminCall&);
    struct Route {
        std::string_view method;
        std::string_view pattern;  // segments after /_emulator/; "{id}" matches any one segment
        Handler handler;
    };

private:
    std::optional<HttpResponse> refuse(const HttpRequest& req) const;

    HttpResponse health(const AdminCall&);
    HttpResponse reset(const AdminCall&);
    HttpResponse load_fixtures(const AdminCall&);
    HttpResponse get_clock(const AdminCall&);
    HttpResponse move_clock(const AdminCall&);
    HttpResponse list_faults(const AdminCall&);
    HttpResponse add_fault(const AdminCall&);
    HttpResponse clear_faults(const AdminCall&);
    HttpResponse remove_fault(const AdminCall&);
    HttpResponse list_requests(const AdminCall&);
    HttpResponse clear_requests(const AdminCall&);
    HttpResponse metrics(const AdminCall&);
    HttpResponse state(const AdminCall&);
    HttpResponse transition(const AdminCall&);
    HttpResponse history(const AdminCall&);
    HttpResponse next_calculation_id(const AdminCall&);

    static const Route kRoutes[];

    Services& service_;
    AdminOptions opts_;
    Observability obs_;
    std::vector<FaultRule> startup_faults_;
    std::chrono::steady_clock::time_point started_;
    Console console_{service_, obs_};
};

// The admin API's error answers: {"error": message} with `status`, or with the status of a
// domain error's kind.
HttpResponse admin_error(unsigned status, std::string message);
HttpResponse admin_error(const Error& e);

// Percent-decodes one URL path segment or query value ('+' as space, Boost.URL); nullopt when
// malformed.
std::optional<std::string> url_decode(std::string_view s);

}  // namespace athena
