#pragma once
// What one client may take from the server: connections, sizes, time.
#include <chrono>
#include <cstddef>
#include <string_view>

namespace athena {

// What one client may take from the server. Every field has a flag (server/config.cpp).
struct HttpLimits {
    std::size_t max_connections{1024};                                    // more are answered 503 and closed
    std::size_t max_header_bytes{16 * 1024};                              // request line + headers; more: 431
    std::size_t max_body_bytes{1024 * 1024};                              // AWS requests (POST /); more: 413
    std::size_t max_admin_body_bytes{64 * 1024 * 1024};                   // /_emulator/ (fixtures, state); more: 413
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};     // kept-alive, no request begun
    std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};  // first byte to whole request
    std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};    // an answer the client won't read
};

// A route's body limit and the flag that sets it: Router::body_limit decides, from the request
// target, before the transport reads a body.
struct BodyLimit {
    std::size_t bytes;
    std::string_view flag;
};

}  // namespace athena
