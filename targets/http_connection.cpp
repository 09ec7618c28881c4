#include "targets/http_connection.hpp"
#include "targets/http_errors.hpp"
#include "targets/tls_context.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <fmt/format.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace volley::targets {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using engine::Outcome;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// A response parser that keeps only what the engine needs: status, keep-alive and the cache
// header. It stores no fields and discards the body, so parsing allocates nothing.
class ResponseParser final : public http::basic_parser<false> {
public:
    explicit ResponseParser(const std::string* cache_header_lc, std::uint64_t body_limit)
        : cache_header_lc_(cache_header_lc) {
        this->body_limit(body_limit);
    }
    int status = 0;
    std::string cache_value;  // value of the cache header, empty if absent

private:
    void on_request_impl(http::verb, boost::beast::string_view, boost::beast::string_view, int,
                         error_code&) override {}
    void on_response_impl(int code, boost::beast::string_view, int, error_code&) override { status = code; }
    void on_field_impl(http::field, boost::beast::string_view name, boost::beast::string_view value,
                       error_code&) override {
        if (!cache_header_lc_->empty() && iequals(std::string_view(name.data(), name.size()), *cache_header_lc_))
            cache_value.assign(value.data(), value.size());
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(boost::beast::string_view body, error_code&) override { return body.size(); }
    void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, error_code&) override {
        return body.size();
    }
    void on_finish_impl(error_code&) override {}

    const std::string* cache_header_lc_;
};

class Session;

// One keep-alive connection carrying at most one request at a time.
template <class Stream>
class Connection {
public:
    Connection(Session& session, std::size_t slot);
    // `head`: the request is HEAD, so its response has no body whatever its headers say.
    void send(std::string_view bytes, std::uint32_t name_index, bool head);
    void expire_if_due(engine::SteadyClock::time_point now);
    void abort();
    [[nodiscard]] bool busy() const { return busy_; }

private:
    void connect();
    void on_connected(const error_code& ec);
    void write();
    void read();
    void on_read(const error_code& ec, std::size_t bytes);
    void start_response();
    // Delivers the completion; `detail` (empty for a success) is a view into detail_ or static.
    void complete(Outcome outcome, std::string_view detail, int status = 0, engine::TierIndex tier = 0);
    void fail(const error_code& ec, ErrorStage stage);
    void close();
    Stream& stream();

    Session& session_;
    std::size_t slot_;
    std::optional<Stream> stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<ResponseParser> parser_;
    std::string_view request_bytes_;
    std::uint32_t name_index_ = 0;
    std::string detail_;  // the last error's text, reused (built on the error path only)
    engine::SteadyClock::time_point deadline_{};
    std::uint64_t generation_ = 0;  // bumps when a request ends; stale handlers compare it
    bool connected_ = false;
    bool connecting_ = false;  // the deadline is the connect timeout (TCP connect and TLS handshake)
    bool head_ = false;
    bool busy_ = false;
    bool timed_out_ = false;
    bool reused_ = false;      // the request went out on a connection that served another
    bool retried_ = false;
    bool got_bytes_ = false;
};

using PlainConnection = Connection<tcp::socket>;
using TlsConnection = Connection<asio::ssl::stream<tcp::socket>>;

class Session final : public engine::TargetSession {
public:
    Session(std::shared_ptr<HttpTarget::Shared> shared, const engine::SessionContext& context)
        : shared_(std::move(shared)), io_(context.io), sink_(context.sink), sweep_(context.io) {
        for (std::size_t i = 0; i < context.slots; ++i) {
            if (shared_->url.tls) {
                tls_.push_back(std::make_unique<TlsConnection>(*this, i));
            } else {
                plain_.push_back(std::make_unique<PlainConnection>(*this, i));
            }
        }
        const auto shortest = std::min(shared_->config.connect_timeout, shared_->config.request_timeout);
        sweep_every_ = std::clamp<engine::Nanos>(shortest / 10, std::chrono::milliseconds(1),
                                                 std::chrono::milliseconds(100));
        arm_sweep();
    }

    [[nodiscard]] std::size_t slot_count() const override { return plain_.size() + tls_.size(); }

    void send(std::size_t slot, const engine::PreparedRequest& request) override {
        const std::string_view bytes = serialise(slot, request);
        if (shared_->url.tls) {
            tls_[slot]->send(bytes, request.name_index, request.method == "HEAD");
        } else {
            plain_[slot]->send(bytes, request.name_index, request.method == "HEAD");
        }
    }

    void abort_all() override {
        stopped_ = true;
        sweep_.cancel();
        for (auto& c : plain_) c->abort();
        for (auto& c : tls_) c->abort();
    }

    asio::io_context& io() { return io_; }
    const HttpTarget::Shared& shared() const { return *shared_; }
    void deliver(std::size_t slot, const engine::Completion& completion) { sink_.on_complete(slot, completion); }

    const std::vector<int>& expected_status(std::uint32_t name_index) const {
        static const std::vector<int> none;
        const auto& expect = shared_->config.expect_status;
        return name_index < expect.size() ? expect[name_index] : none;
    }

    Outcome classify_status(std::uint32_t name_index, int status) const {
        if (const auto& ok = expected_status(name_index); !ok.empty()) {
            if (std::find(ok.begin(), ok.end(), status) != ok.end()) return Outcome::ok;
        } else if (status >= 200 && status < 400) {
            return Outcome::ok;
        }
        if (status >= 400 && status < 500) return Outcome::http_4xx;
        if (status >= 500 && status < 600) return Outcome::http_5xx;
        return Outcome::protocol_error;
    }

    engine::TierIndex tier_of(std::string_view value) const {
        const auto& cache = shared_->config.cache;
        if (!cache) return 0;
        if (cache->hit.empty()) {
            if (value.size() == 2 && (value[0] == 'L' || value[0] == 'l') && value[1] >= '1' && value[1] <= '4')
                return static_cast<engine::TierIndex>(value[1] - '0');
            return 0;
        }
        // Hit/miss headers carry no tier: a hit counts as L1, a miss as L4 (the source).
        for (const auto& hit : cache->hit)
            if (iequals(value, hit)) return 1;
        return 4;
    }

private:
    // The request's bytes: cached for the run when the source marks it static, else rebuilt in
    // this slot's buffer (reused, so steady state does not allocate).
    std::string_view serialise(std::size_t slot, const engine::PreparedRequest& request) {
        if (request.static_key != 0) {
            auto [it, inserted] = static_requests_.try_emplace(request.static_key);
            if (inserted) build(it->second, request);
            return it->second;
        }
        if (scratch_.size() <= slot) scratch_.resize(slot + 1);
        build(scratch_[slot], request);
        return scratch_[slot];
    }

    void build(std::string& out, const engine::PreparedRequest& request) const {
        out.clear();
        out.append(request.method.empty() ? std::string_view("GET") : request.method);
        out.push_back(' ');
        out.append(shared_->url.path_prefix);
        if (request.target.empty() || request.target.front() != '/') out.push_back('/');
        out.append(request.target);
        out.append(" HTTP/1.1\r\n");
        out.append(shared_->host_header);
        out.append(request.headers);
        if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
            request.method == "PATCH") {
            out.append("Content-Length: ");
            out.append(std::to_string(request.body.size()));
            out.append("\r\n");
        }
        out.append("\r\n");
        out.append(request.body);
    }

    void arm_sweep() {
        sweep_.expires_after(sweep_every_);
        sweep_.async_wait([this](const error_code& ec) {
            if (ec || stopped_) return;
            const auto now = engine::SteadyClock::now();
            for (auto& c : plain_) c->expire_if_due(now);
            for (auto& c : tls_) c->expire_if_due(now);
            arm_sweep();
        });
    }

    std::shared_ptr<HttpTarget::Shared> shared_;
    asio::io_context& io_;
    engine::CompletionSink& sink_;
    asio::steady_timer sweep_;
    engine::Nanos sweep_every_{};
    std::vector<std::unique_ptr<PlainConnection>> plain_;
    std::vector<std::unique_ptr<TlsConnection>> tls_;
    std::unordered_map<std::uint64_t, std::string> static_requests_;
    std::vector<std::string> scratch_;
    bool stopped_ = false;
};

template <class Stream>
Connection<Stream>::Connection(Session& session, std::size_t slot) : session_(session), slot_(slot) {}

template <class Stream>
Stream& Connection<Stream>::stream() {
    return *stream_;
}

template <class Stream>
void Connection<Stream>::send(std::string_view bytes, std::uint32_t name_index, bool head) {
    request_bytes_ = bytes;
    name_index_ = name_index;
    head_ = head;
    busy_ = true;
    timed_out_ = false;
    retried_ = false;
    got_bytes_ = false;
    if (connected_) {
        reused_ = true;
        deadline_ = engine::SteadyClock::now() + session_.shared().config.request_timeout;
        write();
    } else {
        reused_ = false;
        connect();
    }
}

template <class Stream>
void Connection<Stream>::connect() {
    const auto& shared = session_.shared();
    deadline_ = engine::SteadyClock::now() + shared.config.connect_timeout;
    connecting_ = true;
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
        stream_.emplace(session_.io());
    } else {
        stream_.emplace(session_.io(), const_cast<asio::ssl::context&>(*shared.tls));
        const std::string& sni = shared.config.sni.empty() ? shared.url.host : shared.config.sni;
        prepare_tls_client_stream(*stream_, sni, !shared.config.insecure);
    }
    auto& socket = [&]() -> tcp::socket& {
        if constexpr (std::is_same_v<Stream, tcp::socket>) return *stream_;
        else return stream_->next_layer();
    }();
    asio::async_connect(socket, shared.endpoints,
                        [this, gen = generation_](const error_code& ec, const tcp::endpoint&) {
                            if (gen != generation_) return;
                            on_connected(ec);
                        });
}

template <class Stream>
void Connection<Stream>::on_connected(const error_code& ec) {
    if (ec) return fail(ec, ErrorStage::connect);
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
        stream_->set_option(tcp::no_delay(true));
        connected_ = true;
        connecting_ = false;
        deadline_ = engine::SteadyClock::now() + session_.shared().config.request_timeout;
        write();
    } else {
        stream_->next_layer().set_option(tcp::no_delay(true));
        stream_->async_handshake(asio::ssl::stream_base::client, [this, gen = generation_](const error_code& hec) {
            if (gen != generation_) return;
            if (hec) {
                // A refused certificate fails the handshake with a generic SSL error: name the
                // verification failure instead.
                const long verify = SSL_get_verify_result(stream_->native_handle());
                if (verify != X509_V_OK) {
                    describe_verify_failure(detail_, verify);
                    close();
                    return complete(Outcome::tls_error, detail_);
                }
                return fail(hec, ErrorStage::handshake);
            }
            connected_ = true;
            connecting_ = false;
            deadline_ = engine::SteadyClock::now() + session_.shared().config.request_timeout;
            write();
        });
    }
}

template <class Stream>
void Connection<Stream>::write() {
    asio::async_write(stream(), asio::buffer(request_bytes_.data(), request_bytes_.size()),
                      [this, gen = generation_](const error_code& ec, std::size_t) {
                          if (gen != generation_) return;
                          if (ec) return fail(ec, ErrorStage::write);
                          start_response();
                          read();
                      });
}

template <class Stream>
void Connection<Stream>::read() {
    // Parse what is already buffered before reading more; put() takes one step (header, then
    // body pieces) per call.
    while (buffer_.size() > 0 && !parser_->is_done()) {
        error_code ec;
        const std::size_t used = parser_->put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == http::error::need_more) break;
        if (ec) return fail(ec, ErrorStage::read);
        if (used == 0) break;
    }
    if (parser_->is_done()) return on_read({}, 0);
    auto space = buffer_.prepare(16 * 1024);
    stream().async_read_some(space, [this, gen = generation_](const error_code& ec, std::size_t n) {
        if (gen != generation_) return;
        on_read(ec, n);
    });
}

template <class Stream>
void Connection<Stream>::on_read(const error_code& ec, std::size_t bytes) {
    if (ec == asio::error::eof && got_bytes_ && parser_->need_eof()) {
        error_code eof_ec;
        parser_->put_eof(eof_ec);
        if (eof_ec) return fail(eof_ec, ErrorStage::read);
    } else if (ec) {
        return fail(ec, ErrorStage::read);
    }
    if (bytes > 0) {
        got_bytes_ = true;
        buffer_.commit(bytes);
    }
    if (!parser_->is_done()) return read();
    const auto status = parser_->status;
    // An interim response (100 Continue, 103 Early Hints) precedes the final one: read on.
    // 101 Switching Protocols ends HTTP on this connection; it is final (and unexpected).
    if (status >= 100 && status < 200 && status != 101) {
        start_response();
        return read();
    }
    const bool keep_alive = parser_->keep_alive() && status != 101;
    const engine::TierIndex tier = session_.tier_of(parser_->cache_value);
    if (!keep_alive) close();
    const Outcome outcome = session_.classify_status(name_index_, status);
    if (outcome == Outcome::ok) return complete(outcome, {}, status, tier);
    describe_status(detail_, status, session_.expected_status(name_index_));
    complete(outcome, detail_, status, tier);
}

template <class Stream>
void Connection<Stream>::start_response() {
    parser_.emplace(&session_.shared().cache_header_lc, session_.shared().config.max_body_bytes);
    // A response to HEAD has no body even when it announces one (Content-Length, chunked).
    // 1xx, 204 and 304 responses have none either; the parser knows those by their status.
    if (head_) parser_->skip(true);
}

template <class Stream>
void Connection<Stream>::complete(Outcome outcome, std::string_view detail, int status, engine::TierIndex tier) {
    ++generation_;
    busy_ = false;
    engine::Completion completion;
    completion.outcome = outcome;
    completion.served_by = tier;
    completion.status = static_cast<std::uint16_t>(status);
    completion.error_detail = detail;
    session_.deliver(slot_, completion);
}

template <class Stream>
void Connection<Stream>::fail(const error_code& ec, ErrorStage stage) {
    const bool was_timeout = timed_out_;
    const bool was_connecting = connecting_;
    close();
    if (was_timeout) {
        const auto& config = session_.shared().config;
        describe_timeout(detail_, was_connecting ? config.connect_timeout : config.request_timeout, was_connecting);
        return complete(Outcome::timeout, detail_);
    }
    const bool exchanging = stage != ErrorStage::connect && stage != ErrorStage::handshake;
    // A server may close an idle keep-alive connection just as we reuse it: retry once on a
    // fresh connection when nothing of the response had arrived.
    if (exchanging && reused_ && !retried_ && !got_bytes_ &&
        (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe)) {
        retried_ = true;
        reused_ = false;
        ++generation_;
        connect();
        return;
    }
    describe_error(detail_, ec, stage, exchanging && got_bytes_, session_.shared().config.max_body_bytes);
    complete(classify_error(ec, stage, !std::is_same_v<Stream, tcp::socket>), detail_);
}

template <class Stream>
void Connection<Stream>::close() {
    connected_ = false;
    connecting_ = false;
    buffer_.clear();
    if (!stream_) return;
    error_code ignored;
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
        stream_->close(ignored);
    } else {
        stream_->next_layer().close(ignored);
    }
}

template <class Stream>
void Connection<Stream>::expire_if_due(engine::SteadyClock::time_point now) {
    if (!busy_ || timed_out_ || now < deadline_) return;
    timed_out_ = true;
    const bool was_connecting = connecting_;
    // Closing makes the pending operation finish with an error; fail() reports the timeout.
    ++generation_;
    close();
    const auto& config = session_.shared().config;
    describe_timeout(detail_, was_connecting ? config.connect_timeout : config.request_timeout, was_connecting);
    complete(Outcome::timeout, detail_);
}

template <class Stream>
void Connection<Stream>::abort() {
    if (!busy_) {
        close();
        return;
    }
    ++generation_;
    close();
    complete(Outcome::cancelled, "abandoned unanswered when the run stopped");
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

std::shared_ptr<HttpTarget::Shared> make_http_shared(const HttpTargetConfig& config) {
    auto shared = std::make_shared<HttpTarget::Shared>();
    shared->config = config;
    shared->url = parse_base_url(config.base_url);
    asio::io_context io;
    tcp::resolver resolver(io);
    error_code ec;
    auto results = resolver.resolve(shared->url.host, shared->url.port, ec);
    if (ec) throw std::runtime_error(fmt::format("DNS: {}: {}", shared->url.host, ec.message()));
    for (const auto& entry : results) shared->endpoints.push_back(entry.endpoint());
    if (shared->url.tls) {
        TlsClientOptions tls;
        tls.insecure = config.insecure;
        tls.ca_file = config.ca_file;
        tls.client_cert = config.client_cert;
        tls.client_key = config.client_key;
        shared->tls.emplace(make_tls_client_context(tls));
    }
    shared->host_header = "Host: " + host_header_value(shared->url) + "\r\n";
    for (const auto& [name, value] : config.headers) shared->host_header += name + ": " + value + "\r\n";
    if (config.cache) shared->cache_header_lc = lower(config.cache->header);
    return shared;
}

std::unique_ptr<engine::TargetSession> make_http_session(std::shared_ptr<HttpTarget::Shared> shared,
                                                         const engine::SessionContext& context) {
    return std::make_unique<Session>(std::move(shared), context);
}

}  // namespace volley::targets
