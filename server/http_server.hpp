#pragma once
// The HTTP/1.1 server (Boost.Beast on Asio): a listener and one HttpConnection per socket.
// Keep-alive, pipelined requests answered in order, 1 MiB body limit (413), read and write
// timeouts, graceful shutdown. Handles each request with Router::handle.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <mutex>
#include <set>

#include "server/http_message.hpp"
#include "server/logger.hpp"
#include "server/router.hpp"

namespace athena {

class HttpConnection;

class HttpServer {
public:
    // Binds and listens. Throws std::runtime_error naming the address and the reason.
    // `threads`: how many threads run `ioc` (connections need strands only when more than one).
    HttpServer(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& ep, Router& router,
               const Logger& log, int threads);
    ~HttpServer();

    unsigned short port() const;
    void start();
    // Stops accepting; idle connections close now, busy ones after their current answer.
    // Thread-safe.
    void shutdown();

    std::size_t connection_count();

    // Connection bookkeeping for shutdown (used by HttpConnection).
    void add(HttpConnection* c);
    void remove(HttpConnection* c);

private:
    void do_accept();

    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    Router& router_;
    const Logger& log_;
    std::mutex mu_;
    std::set<HttpConnection*> connections_;
    bool stopping_{false};
    int threads_;
};

}  // namespace athena
