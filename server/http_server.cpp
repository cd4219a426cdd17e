#include "server/http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <stdexcept>


namespace athena {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
// A request (headers and body) must arrive within this, and so must the next one on a
// kept-alive connection: a silent or slow client cannot hold a connection forever.
constexpr auto kReadTimeout = std::chrono::seconds(60);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
}  // namespace

// One client connection. Reads a request, answers it, reads the next: pipelined requests
// already in the buffer are answered in order.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
public:
    HttpConnection(tcp::socket&& socket, HttpServer& server, Router& router)
        : stream_(std::move(socket)), server_(server), router_(router) {
        server_.add(this);
    }
    ~HttpConnection() { server_.remove(this); }

    void run() {
        net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpConnection::do_read, shared_from_this()));
    }

    // From any thread: close now when idle, else after the answer being written.
    void shutdown() {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            self->closing_ = true;
            if (self->stalled_) {
                beast::error_code ec;
                self->stream_.socket().close(ec);
                return;
            }
            if (self->reading_ && self->buffer_.size() == 0 && self->parser_ && !self->parser_->got_some()) {
                beast::error_code ec;
                self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
                self->stream_.socket().close(ec);
            }
        });
    }

private:
    void do_read() {
        parser_.emplace();
        apply_request_limits(*parser_);
        stream_.expires_after(kReadTimeout);
        reading_ = true;
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpConnection::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        reading_ = false;
        if (read_ends_connection(ec)) return do_close();
        if (ec) return reply_and_close(read_error_response(ec));
        const auto& msg = parser_->get();
        pending_ = router_.handle(to_http_request(msg));
        keep_alive_ = msg.keep_alive() && !closing_;
        version_ = msg.version();
        if (pending_.delay.count() > 0) {
            // Injected latency: wait on a timer, so other connections go on meanwhile.
            timer_.expires_after(pending_.delay);
            timer_.async_wait(beast::bind_front_handler(&HttpConnection::on_delay, shared_from_this()));
            return;
        }
        deliver();
    }

    void on_delay(beast::error_code ec) {
        if (ec) return do_close();
        deliver();
    }

    void deliver() {
        beast::error_code ec;
        switch (pending_.delivery) {
            case Delivery::Normal:
                return send(std::move(pending_), version_);
            case Delivery::Reset:
                // SO_LINGER 0 turns the close into a TCP RST.
                stream_.socket().set_option(net::socket_base::linger(true, 0), ec);
                stream_.socket().close(ec);
                return;
            case Delivery::Close:
                return do_close();
            case Delivery::Stall:
                return do_stall();
        }
    }

    // Never answers: reads and drops whatever comes until the client gives up (or 15 minutes).
    void do_stall() {
        stalled_ = true;
        stream_.expires_after(std::chrono::minutes(15));
        stream_.async_read_some(net::buffer(drain_),
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (ec) return self->do_close();
                                    self->do_stall();
                                });
    }

    void reply_and_close(HttpResponse r) {
        keep_alive_ = false;
        send(std::move(r), 11);
    }

    void send(HttpResponse r, unsigned version) {
        res_ = to_beast_response(std::move(r), version, keep_alive_);
        stream_.expires_after(kWriteTimeout);
        http::async_write(stream_, res_, beast::bind_front_handler(&HttpConnection::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec) return do_close();
        if (!keep_alive_ || closing_) return do_close();
        do_read();
    }

    void do_close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.socket().close(ec);
    }

    beast::tcp_stream stream_;
    HttpServer& server_;
    Router& router_;
    beast::flat_buffer buffer_;
    std::optional<RequestParser> parser_;
    BeastResponse res_;
    bool reading_{false};
    bool closing_{false};
    bool keep_alive_{true};
    bool stalled_{false};
    HttpResponse pending_;
    unsigned version_{11};
    net::steady_timer timer_{stream_.get_executor()};
    std::array<char, 4096> drain_{};
};

HttpServer::HttpServer(net::io_context& ioc, const tcp::endpoint& ep, Router& router, const Logger& log, int threads)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), router_(router), log_(log), threads_(threads) {
    beast::error_code ec;
    auto fail = [&](const char* what) {
        throw std::runtime_error("cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port()) +
                                 ": " + what + ": " + ec.message() +
                                 (ec == net::error::address_in_use ? " (pick another --port, or --port 0 for a free one)" : ""));
    };
    acceptor_.open(ep.protocol(), ec);
    if (ec) fail("open");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) fail("set_option");
    acceptor_.bind(ep, ec);
    if (ec) fail("bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) fail("listen");
}

HttpServer::~HttpServer() = default;

unsigned short HttpServer::port() const { return acceptor_.local_endpoint().port(); }

void HttpServer::start() { do_accept(); }

void HttpServer::do_accept() {
    // With one I/O thread every handler already runs in order: a strand per connection would
    // only add work. With several, each connection gets its strand.
    auto executor = threads_ > 1 ? net::any_io_executor(net::make_strand(ioc_)) : net::any_io_executor(ioc_.get_executor());
    acceptor_.async_accept(executor, [this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
            if (ec == net::error::operation_aborted) return;
            log_.log(LogLevel::Warn, "accept failed", {{"error", ec.message()}});
        } else {
            socket.set_option(tcp::no_delay(true), ec);
            std::make_shared<HttpConnection>(std::move(socket), *this, router_)->run();
        }
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
        }
        do_accept();
    });
}

void HttpServer::shutdown() {
    net::post(acceptor_.get_executor(), [this] {
        beast::error_code ec;
        acceptor_.close(ec);
    });
    std::vector<std::shared_ptr<HttpConnection>> live;
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        for (auto* c : connections_)
            if (auto p = c->weak_from_this().lock()) live.push_back(std::move(p));
    }
    for (auto& c : live) c->shutdown();
}

std::size_t HttpServer::connection_count() {
    std::lock_guard lock(mu_);
    return connections_.size();
}

void HttpServer::add(HttpConnection* c) {
    std::lock_guard lock(mu_);
    connections_.insert(c);
}

void HttpServer::remove(HttpConnection* c) {
    std::lock_guard lock(mu_);
    connections_.erase(c);
}

}  // namespace athena
