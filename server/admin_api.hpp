#pragma once
// The control plane under /_emulator/ (CONTRACT §5): plain JSON, apart from the AWS wire.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "server/console.hpp"
#include "server/fixture_parser.hpp"
#include "server/http_types.hpp"
#include "server/observability.hpp"
#include "state/service.hpp"

namespace athena {

struct AdminOptions {
    bool enabled{true};
    std::optional<std::string> token;  // --admin-token: Authorization: Bearer <token>
};

class AdminApi {
public:
    AdminApi(Service& service, AdminOptions opts, Observability obs, std::vector<FaultRule> startup_faults);

    // `path` is the request path after "/_emulator/", query string included.
    HttpResponse handle(const HttpRequest& req, std::string_view path);

private:
    HttpResponse faults(const HttpRequest& req, std::string_view rest);
    HttpResponse requests(const HttpRequest& req, std::string_view query);
    HttpResponse state();

    Service& service_;
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

// Percent-decodes one URL path segment or query value; nullopt when malformed.
std::optional<std::string> url_decode(std::string_view s);

}  // namespace athena
