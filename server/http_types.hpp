#pragma once
// The HTTP message as the router sees it: no sockets, no Beast. The connection fills a
// request from the parsed message and writes the response back.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace athena {

struct HttpRequest {
    std::string_view method;
    std::string_view target;  // path and query
    std::string_view amz_target;
    std::string_view authorization;
    std::string_view body;
};

// How the connection must deliver an answer (fault injection): normally, or not at all.
enum class Delivery {
    Normal,
    Reset,  // TCP RST, no answer
    Close,  // clean close, no answer
    Stall,  // no answer; wait until the client gives up
};

struct HttpResponse {
    unsigned status{200};
    std::string content_type{"application/x-amz-json-1.1"};
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds delay{0};  // injected latency before delivery
    Delivery delivery{Delivery::Normal};
};

}  // namespace athena
