#include "server/router.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdio>

#include "server/aws_error.hpp"
#include "server/operations.hpp"
#include "server/request_id.hpp"

namespace athena {
namespace {

constexpr std::string_view kTargetPrefix = "AmazonAthena.";
constexpr std::string_view kAdminPrefix = "/_emulator/";

bool all_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

Tenant tenant_from_authorization(std::string_view auth, const Tenant& fallback) {
    Tenant t = fallback;
    const auto pos = auth.find("Credential=");
    if (pos == std::string_view::npos) return t;
    std::string_view cred = auth.substr(pos + 11);
    cred = cred.substr(0, cred.find_first_of(", "));
    const auto slash1 = cred.find('/');
    const std::string_view key = cred.substr(0, slash1);
    if (key.size() == 12 && all_digits(key)) t.account = std::string(key);
    if (slash1 == std::string_view::npos) return t;
    const auto slash2 = cred.find('/', slash1 + 1);
    if (slash2 == std::string_view::npos) return t;
    const auto slash3 = cred.find('/', slash2 + 1);
    const std::string_view region = cred.substr(slash2 + 1, slash3 == std::string_view::npos ? std::string_view::npos : slash3 - slash2 - 1);
    if (!region.empty()) t.region = std::string(region);
    return t;
}

HttpResponse Router::handle(const HttpRequest& req) {
    if (req.target.substr(0, kAdminPrefix.size()) == kAdminPrefix)
        return admin_.handle(req, req.target.substr(kAdminPrefix.size()));
    const std::string_view path = req.target.substr(0, req.target.find('?'));
    if (path == "/" && req.method == "POST") return handle_aws(req);
    return aws_error_response(
        AwsError::unknown_operation(404, "No operation at " + std::string(req.method) + " " + std::string(path) +
                                             ": AWS requests are POST / with an X-Amz-Target header; the emulator's "
                                             "own API is under /_emulator/"),
        new_request_id());
}

HttpResponse Router::handle_aws(const HttpRequest& req) {
    const auto started = std::chrono::steady_clock::now();
    const std::string request_id = new_request_id();
    const Tenant tenant = tenant_from_authorization(req.authorization, service_.default_tenant());
    std::string operation;
    std::string session_id;
    std::optional<AwsError> error;
    HttpResponse resp;

    auto fail = [&](AwsError e) { error = std::move(e); };
    do {
        if (req.amz_target.empty()) {
            fail(AwsError::unknown_operation(400, "Missing X-Amz-Target header: send 'X-Amz-Target: AmazonAthena.<Operation>'"));
            break;
        }
        if (req.amz_target.substr(0, kTargetPrefix.size()) != kTargetPrefix) {
            fail(AwsError::unknown_operation(400, "Unknown target '" + std::string(req.amz_target) +
                                                      "': athena-emu serves 'AmazonAthena.<Operation>'"));
            break;
        }
        operation = std::string(req.amz_target.substr(kTargetPrefix.size()));
        const Operation* op = find_operation(operation);
        if (!op) {
            fail(AwsError::unknown_operation(
                400, is_athena_operation(operation)
                         ? "Operation " + operation + " is not implemented by athena-emu (it emulates the Athena session API)"
                         : "Unknown operation " + operation));
            break;
        }
        boost::json::object input;
        if (req.body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
            boost::system::error_code ec;
            auto v = boost::json::parse(req.body, ec);
            if (ec) {
                fail(AwsError::serialization("The request body is not valid JSON (" + ec.message() + ")"));
                break;
            }
            if (!v.is_object()) {
                fail(AwsError::serialization("The request body must be a JSON object"));
                break;
            }
            input = std::move(v.get_object());
        }
        auto valid = validate(*op->input, input);
        if (valid.serialization_error) {
            fail(AwsError::serialization(*valid.serialization_error));
            break;
        }
        if (!valid.violations.empty()) {
            fail(AwsError::invalid_request(valid.message()));
            break;
        }
        try {
            OperationContext ctx{service_, tenant};
            OperationOutcome out = op->handler(ctx, input);
            session_id = std::move(out.session_id);
            if (out.error)
                fail(std::move(*out.error));
            else
                resp = aws_success_response(std::move(out.body), request_id);
        } catch (const std::exception& e) {
            log_.log(LogLevel::Error, "operation failed", {{"request_id", request_id}, {"operation", operation}, {"error", e.what()}});
            fail(AwsError::internal("athena-emu failed to process the request: " + std::string(e.what())));
        }
    } while (false);

    if (error) resp = aws_error_response(*error, request_id);

    if (log_.enabled(LogLevel::Info)) {
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        char latency[32];
        std::snprintf(latency, sizeof latency, "%.3f", ms);
        std::vector<LogField> f{{"request_id", request_id},
                                {"account", tenant.account},
                                {"region", tenant.region},
                                {"operation", operation.empty() ? "-" : operation}};
        if (!session_id.empty()) f.push_back({"session_id", session_id});
        f.push_back({"status", std::to_string(resp.status), true});
        if (error) f.push_back({"error", error->code});
        f.push_back({"latency_ms", latency, true});
        log_.log(LogLevel::Info, "request", f);
    }
    return resp;
}

}  // namespace athena
