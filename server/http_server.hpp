#pragma once
// The HTTP/1.1 server (Boost.Beast's parser on Asio sockets): a listener and one HttpConnection
// per socket. Keep-alive, pipelined requests answered in order, the limits below (413, 431, 503,
// 408), timeouts enforced by one periodic sweep instead of a timer per operation, graceful
// shutdown. Handles each request with Router::handle.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>

#include "server/http_limits.hpp"
#include "server/logger.hpp"
#include "server/router.hpp"
#include "state/clock.hpp"

namespace athena {

class HttpConnection;

class HttpServer {
public:
    // Binds and listens. Throws std::runtime_error naming the address and the reason.
    // `threads`: how many threads run `ioc` (connections need strands only when more than one).
    // `wall`: the real time, for the `Date` header.
    HttpServer(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& ep, Router& router,
               const Logger& log, int threads, const HttpLimits& limits, const Clock& wall);
    ~HttpServer();

    unsigned short port() const;
    void start();
    // Stops accepting; idle connections close now, busy ones after their current answer.
    // Thread-safe.
    void shutdown();

    std::size_t connection_count();

    // Connection bookkeeping for shutdown and the timeout sweep (used by HttpConnection).
    void add(HttpConnection* c);
    void remove(HttpConnection* c);

private:
    void do_accept();
    void do_sweep();
    void on_sweep(boost::system::error_code ec);

    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer sweep_timer_;
    Router& router_;
    const Logger& log_;
    const HttpLimits limits_;
    const Clock& wall_;
    std::mutex mu_;
    std::set<HttpConnection*> connections_;
    std::size_t rejecting_{0};  // connections being answered 503 (not counted against the limit)
    bool stopping_{false};
    int threads_;
};

}  // namespace athena
