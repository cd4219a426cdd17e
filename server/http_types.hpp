#pragma once
// The HTTP message as the router sees it: no sockets, no Beast. The connection fills a
// request from the parsed message and writes the response back.
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

struct HttpResponse {
    unsigned status{200};
    std::string content_type{"application/x-amz-json-1.1"};
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace athena
