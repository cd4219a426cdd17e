#pragma once
// The HTTP message as the router sees it: no sockets, no Beast. The connection fills a
// request from the parsed message and writes the response back.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace athena {

// Every header of the request, by name, without copying: a view of the connection's parsed
// message (anything with Beast's `equal_range(name)`), valid as long as the request. Costs
// two pointers until someone asks; a default one has no headers.
class HeaderLookup {
public:
    HeaderLookup() = default;
    template <class Fields>
    explicit HeaderLookup(const Fields& fields) : fields_(&fields), find_(&find_in<Fields>) {}

    // All values of header `name` (any case), in the order they arrived; empty when absent.
    std::vector<std::string_view> values(std::string_view name) const {
        std::vector<std::string_view> out;
        if (find_) find_(fields_, name, out);
        return out;
    }

private:
    template <class Fields>
    static void find_in(const void* fields, std::string_view name, std::vector<std::string_view>& out) {
        auto [it, end] = static_cast<const Fields*>(fields)->equal_range(name);
        for (; it != end; ++it) out.emplace_back(it->value());
    }

    const void* fields_{nullptr};
    void (*find_)(const void*, std::string_view, std::vector<std::string_view>&){nullptr};
};

struct HttpRequest {
    std::string_view method;
    std::string_view target;  // path and query
    std::string_view amz_target;
    std::string_view authorization;
    std::string_view body;
    HeaderLookup headers;  // all of them, for SigV4
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
