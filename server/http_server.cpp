#include "server/http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <atomic>
#include <charconv>
#include <ctime>
#include <limits>
#include <optional>
#include <stdexcept>

#include "server/aws_error.hpp"
#include "server/http_codec.hpp"
#include "server/request_id.hpp"

namespace athena {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// How often the sweep looks for connections past their deadline: the timeouts' resolution.
constexpr auto kSweepInterval = std::chrono::milliseconds(200);
// Space offered to each read: a whole request as boto3 sends it (~0.7 KiB) arrives in one.
constexpr std::size_t kReadChunk = 16 * 1024;
// After the last answer on a connection that closes: how long unread input is drained, so the
// close does not turn into a TCP RST that could destroy the answer at the client.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
// A stalled answer (fault injection) waits at most this for the client to give up.
constexpr auto kStallTimeout = std::chrono::minutes(15);

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

template <class Rep, class Period>
std::int64_t ns(std::chrono::duration<Rep, Period> d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

std::string seconds_text(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
    return std::to_string(d.count()) + " ms";
}

}  // namespace

// One client connection. Reads a request, answers it, reads the next: pipelined requests
// already in the buffer are answered in order. Its deadline is a number the server's sweep
// compares with the time; nothing here arms a timer per read or write.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
public:
    // What the connection is waiting for: which deadline applies, and what its expiry means.
    enum class Phase : std::uint8_t {
        Idle,     // kept alive, no byte of the next request yet (idle timeout)
        Request,  // part of a request has arrived (request timeout: 408, then close)
        Busy,     // the router is answering, or an injected latency runs: no deadline
        Write,    // writing the answer (write timeout)
        Linger,   // closing: draining unread input
        Stall,    // injected stall: never answers
    };

    HttpConnection(tcp::socket&& socket, HttpServer& server, Router& router, const Logger& log,
                   const HttpLimits& limits, const Clock& wall)
        : socket_(std::move(socket)), server_(server), router_(router), log_(log), limits_(limits), wall_(wall) {}
    ~HttpConnection() { server_.remove(this); }

    void run() {
        server_.add(this);
        net::dispatch(socket_.get_executor(), beast::bind_front_handler(&HttpConnection::do_read, shared_from_this()));
    }

    // Over --max-connections: answer 503 at once and close.
    void reject(std::size_t open) {
        rejected_ = true;
        server_.add(this);
        net::dispatch(socket_.get_executor(), [self = shared_from_this(), open] {
            self->keep_alive_ = false;
            self->log_.log(LogLevel::Warn, "refused a connection: too many open",
                           {{"open", std::to_string(open), true},
                            {"max_connections", std::to_string(self->limits_.max_connections), true}});
            HttpResponse r = aws_error_response(AwsError::too_many_connections(open, self->limits_.max_connections),
                                                new_request_id());
            self->send(std::move(r));
        });
    }

    bool rejected() const { return rejected_; }

    // From any thread: close now when idle, else after the answer being written.
    void shutdown() {
        net::post(socket_.get_executor(), [self = shared_from_this()] {
            self->closing_ = true;
            const Phase p = self->phase_.load();
            if (p == Phase::Stall || p == Phase::Linger || (p == Phase::Idle && self->reading_)) self->close_now();
        });
    }

    // From the sweep, under the server's lock (any thread): whether the deadline has passed.
    bool due(std::int64_t now_ns) const {
        const std::int64_t d = deadline_ns_.load(std::memory_order_relaxed);
        return d != 0 && now_ns >= d;
    }
    void expire() {
        net::post(socket_.get_executor(), [self = shared_from_this()] { self->on_deadline(); });
    }

private:
    void set_phase(Phase p, std::chrono::nanoseconds timeout) {
        phase_.store(p, std::memory_order_relaxed);
        deadline_ns_.store(timeout.count() > 0 ? steady_ns() + timeout.count() : 0, std::memory_order_relaxed);
    }
    void set_phase(Phase p) { set_phase(p, std::chrono::nanoseconds(0)); }

    void on_deadline() {
        const std::int64_t d = deadline_ns_.load(std::memory_order_relaxed);
        if (d == 0 || steady_ns() < d || !socket_.is_open()) return;  // moved on meanwhile
        switch (phase_.load()) {
            case Phase::Request:
                // A new connection that never sent a byte is closed quietly, like an idle one.
                if (!reader_.started(buffer_)) return close_now();
                // The client began a request and did not finish it in time (slowloris or a
                // stuck client): tell it, then close. Other connections never waited for it.
                timed_out_ = true;
                {
                    beast::error_code ec;
                    socket_.cancel(ec);  // the pending read: its handler sees timed_out_
                }
                log_.log(LogLevel::Warn, "closed a connection: request not received in full in time",
                         {{"peer", peer()}, {"request_timeout", seconds_text(limits_.request_timeout)}});
                keep_alive_ = false;
                return send(aws_error_response(AwsError::request_timeout(seconds_text(limits_.request_timeout)),
                                               new_request_id()));
            case Phase::Write:
                log_.log(LogLevel::Warn, "closed a connection: the client did not read its answer in time",
                         {{"peer", peer()}, {"write_timeout", seconds_text(limits_.write_timeout)}});
                return close_now();
            case Phase::Idle:
            case Phase::Linger:
            case Phase::Stall: return close_now();
            case Phase::Busy: return;
        }
    }

    std::string peer() {
        beast::error_code ec;
        auto ep = socket_.remote_endpoint(ec);
        return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
    }

    // --- reading ---------------------------------------------------------------------------

    void do_read() {
        if (closing_) return do_linger();
        reader_.begin();
        // A new connection's first request, or bytes already here: the request clock runs.
        if (buffer_.size() > 0 || first_request_)
            set_phase(Phase::Request, limits_.request_timeout);
        else
            set_phase(Phase::Idle, limits_.idle_timeout);
        parse();
    }

    // Feeds what the buffer holds to the reader; reads more when that is not a whole request.
    void parse() {
        switch (reader_.feed(buffer_)) {
            case RequestReader::Step::NeedMore: return do_read_some();
            case RequestReader::Step::Continue: return send_continue();
            case RequestReader::Step::Request: return on_request();
            case RequestReader::Step::Error: return reply_and_close(reader_.error());
        }
    }

    void do_read_some() {
        reading_ = true;
        socket_.async_read_some(buffer_.prepare(kReadChunk),
                                beast::bind_front_handler(&HttpConnection::on_read_some, shared_from_this()));
    }

    void on_read_some(beast::error_code ec, std::size_t n) {
        reading_ = false;
        if (timed_out_) return;
        if (ec) {
            // A client that half-closes after part of a request is told what was wrong.
            if (ec == net::error::eof && reader_.end_of_input(buffer_) == RequestReader::Step::Error)
                return reply_and_close(reader_.error());
            return close_now();  // the client closed or reset: nothing to answer
        }
        buffer_.commit(n);
        if (phase_.load(std::memory_order_relaxed) == Phase::Idle) set_phase(Phase::Request, limits_.request_timeout);
        parse();
    }

    // `Expect: 100-continue` (curl sends it for large bodies): invite the body.
    void send_continue() {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->close_now();
                             self->reader_.resume();
                             self->parse();
                         });
    }

    // --- answering -------------------------------------------------------------------------

    void on_request() {
        set_phase(Phase::Busy);
        first_request_ = false;
        const HttpRequest req = reader_.request();
        pending_ = router_.handle(req);
        keep_alive_ = reader_.keep_alive() && !closing_;
        version_ = reader_.version();
        head_ = reader_.head();
        if (pending_.delay.count() > 0) {
            // Injected latency: wait on a timer, so other connections go on meanwhile.
            if (!timer_) timer_.emplace(socket_.get_executor());
            timer_->expires_after(pending_.delay);
            timer_->async_wait(beast::bind_front_handler(&HttpConnection::on_delay, shared_from_this()));
            return;
        }
        deliver();
    }

    void on_delay(beast::error_code ec) {
        if (ec) return close_now();
        deliver();
    }

    void deliver() {
        beast::error_code ec;
        switch (pending_.delivery) {
            case Delivery::Normal: return send(std::move(pending_));
            case Delivery::Reset:
                // SO_LINGER 0 turns the close into a TCP RST.
                socket_.set_option(net::socket_base::linger(true, 0), ec);
                socket_.close(ec);
                return;
            case Delivery::Close: return close_now();
            case Delivery::Stall: return do_stall();
        }
    }

    // Never answers: reads and drops whatever comes until the client gives up (or 15 minutes).
    void do_stall() {
        set_phase(Phase::Stall, kStallTimeout);
        socket_.async_read_some(net::buffer(drain_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close_now();
            self->do_stall();
        });
    }

    void reply_and_close(const AwsError& e) {
        keep_alive_ = false;
        version_ = 11;
        head_ = false;
        send(aws_error_response(e, new_request_id()));
    }

    // The whole answer in one buffer, written with one call.
    void send(HttpResponse r) {
        out_.clear();
        write_response(out_, r, version_, keep_alive_ && !closing_, head_, http_date(wall_));
        set_phase(Phase::Write, limits_.write_timeout);
        net::async_write(socket_, net::buffer(out_),
                         beast::bind_front_handler(&HttpConnection::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec) return close_now();
        if (!keep_alive_ || closing_) return do_linger();
        do_read();
    }

    // Half-close, then drain what the client still sends until it closes (or kLingerTimeout).
    void do_linger() {
        set_phase(Phase::Linger, kLingerTimeout);
        beast::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        if (ec) return close_now();
        do_linger_more();
    }

    void do_linger_more() {
        socket_.async_read_some(net::buffer(drain_), [self = shared_from_this()](beast::error_code e, std::size_t) {
            if (e) return self->close_now();
            self->do_linger_more();
        });
    }

    void close_now() {
        set_phase(Phase::Busy);
        beast::error_code ec;
        socket_.close(ec);
    }

    tcp::socket socket_;
    HttpServer& server_;
    Router& router_;
    const Logger& log_;
    const HttpLimits& limits_;
    const Clock& wall_;
    beast::flat_buffer buffer_;
    RequestReader reader_{limits_};
    std::string out_;
    std::atomic<Phase> phase_{Phase::Busy};
    std::atomic<std::int64_t> deadline_ns_{0};
    bool reading_{false};
    bool closing_{false};
    bool keep_alive_{true};
    bool timed_out_{false};
    bool head_{false};
    bool rejected_{false};
    bool first_request_{true};
    HttpResponse pending_;
    unsigned version_{11};
    std::optional<net::steady_timer> timer_;
    std::array<char, 4096> drain_{};
};

HttpServer::HttpServer(net::io_context& ioc, const tcp::endpoint& ep, Router& router, const Logger& log, int threads,
                       const HttpLimits& limits, const Clock& wall)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      sweep_timer_(ioc),
      router_(router),
      log_(log),
      limits_(limits),
      wall_(wall),
      threads_(threads) {
    beast::error_code ec;
    auto fail = [&](const char* what) {
        throw std::runtime_error(
            "cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port()) + ": " + what + ": " +
            ec.message() +
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

void HttpServer::start() {
    do_accept();
    do_sweep();
}

void HttpServer::do_accept() {
    // With one I/O thread every handler already runs in order: a strand per connection would
    // only add work. With several, each connection gets its strand.
    auto executor =
        threads_ > 1 ? net::any_io_executor(net::make_strand(ioc_)) : net::any_io_executor(ioc_.get_executor());
    acceptor_.async_accept(executor, [this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
            if (ec == net::error::operation_aborted) return;
            log_.log(LogLevel::Warn, "accept failed", {{"error", ec.message()}});
        } else {
            socket.set_option(tcp::no_delay(true), ec);
            std::size_t open = 0;
            {
                std::lock_guard lock(mu_);
                open = connections_.size() - rejecting_;
            }
            auto c = std::make_shared<HttpConnection>(std::move(socket), *this, router_, log_, limits_, wall_);
            if (open >= limits_.max_connections)
                c->reject(open);
            else
                c->run();
        }
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
        }
        do_accept();
    });
}

void HttpServer::do_sweep() {
    sweep_timer_.expires_after(kSweepInterval);
    sweep_timer_.async_wait([this](boost::system::error_code ec) { on_sweep(ec); });
}

void HttpServer::on_sweep(boost::system::error_code ec) {
    if (ec) return;
    const std::int64_t now = steady_ns();
    std::vector<std::shared_ptr<HttpConnection>> due;
    {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        for (auto* c : connections_)
            if (c->due(now))
                if (auto p = c->weak_from_this().lock()) due.push_back(std::move(p));
    }
    for (auto& c : due) c->expire();
    do_sweep();
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
    net::post(ioc_, [this] { sweep_timer_.cancel(); });
    for (auto& c : live) c->shutdown();
}

std::size_t HttpServer::connection_count() {
    std::lock_guard lock(mu_);
    return connections_.size();
}

void HttpServer::add(HttpConnection* c) {
    std::lock_guard lock(mu_);
    connections_.insert(c);
    if (c->rejected()) ++rejecting_;
}

void HttpServer::remove(HttpConnection* c) {
    std::lock_guard lock(mu_);
    if (connections_.erase(c) && c->rejected()) --rejecting_;
}

}  // namespace athena
