#include "targets/http2_session.hpp"

#include "targets/http2_connection.hpp"
#include "targets/http_endpoint.hpp"

#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <deque>

namespace volley::targets {
namespace asio = boost::asio;
using engine::Outcome;
using engine::SteadyClock;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

template <class Stream>
class Http2Session final : public engine::TargetSession, private Http2ConnectionOwner {
public:
    Http2Session(std::shared_ptr<HttpTarget::Shared> shared, const engine::SessionContext& context)
        : shared_(std::move(shared)),
          sink_(context.sink),
          sweep_(context.io),
          requests_(context.slots) {
        for (std::size_t slot = 0; slot < requests_.size(); ++slot) requests_[slot].slot = slot;
        const std::size_t count = http2_connections_for(context.slots, shared_->config.max_streams);
        connections_.reserve(count);
        for (std::size_t i = 0; i < count; ++i)
            connections_.push_back(std::make_unique<Http2Connection<Stream>>(
                context.io, *shared_, static_cast<Http2ConnectionOwner&>(*this), i, counters_));
        for (const auto& [name, value] : shared_->config.headers)
            common_lines_ += name + ": " + value + "\r\n";
        http2_fields(common_lines_, common_fields_);
        const auto& config = shared_->config;
        auto shortest = std::min(config.connect_timeout, config.request_timeout);
        if (config.ping_interval.count() > 0) {
            // The sweep sends the PINGs and checks their ACKs: a tenth of either bounds the
            // lateness of both.
            shortest =
                std::min<engine::Nanos>({shortest, config.ping_interval, config.ping_timeout});
        }
        sweep_every_ = std::clamp<engine::Nanos>(shortest / 10, std::chrono::milliseconds(1),
                                                 std::chrono::milliseconds(100));
        arm_sweep();
    }

    ~Http2Session() override {
        stopped_ = true;
        connections_.clear();  // closes them; they tell no one
        shared_->http2_totals.add(counters_);
    }

    [[nodiscard]] std::size_t slot_count() const override { return requests_.size(); }

    void send(std::size_t slot, const engine::PreparedRequest& prepared) override {
        Http2Request& request = requests_[slot];
        request.name_index = prepared.name_index;
        request.capture = prepared.capture_response;
        request.retried = false;
        request.waited = engine::Nanos{0};
        request.method.assign(prepared.method.empty() ? std::string_view("GET") : prepared.method);
        request.path.assign(shared_->url.path_prefix);
        if (prepared.target.empty() || prepared.target.front() != '/') request.path.push_back('/');
        request.path.append(prepared.target);
        request.header_lines.assign(prepared.headers);
        http2_fields(request.header_lines, request.fields);
        request.fields.insert(request.fields.begin(), common_fields_.begin(), common_fields_.end());
        request.body.assign(prepared.body);
        enqueue(request, /*front=*/false);
        pump();
    }

    void abort_all() override {
        stopped_ = true;
        sweep_.cancel();
        for (auto& connection : connections_) connection->close();
        queue_.clear();
        for (auto& request : requests_) {
            if (request.state == Http2Request::State::idle) continue;
            complete(request, Outcome::cancelled, "abandoned unanswered when the run stopped");
        }
    }

private:
    void enqueue(Http2Request& request, bool front) {
        const auto now = SteadyClock::now();
        request.state = Http2Request::State::queued;
        request.queued_at = now;
        request.deadline = now + shared_->config.connect_timeout + shared_->config.request_timeout;
        if (front)
            queue_.push_front(request.slot);
        else
            queue_.push_back(request.slot);
    }

    // Puts queued requests on free streams, oldest first, then opens connections for those
    // left: as many as `max_streams` each would carry.
    void pump() {
        if (pumping_ || stopped_) return;  // a completion inside pump() sends: the loop serves it
        pumping_ = true;
        while (!queue_.empty()) {
            auto* connection = most_free();
            if (connection == nullptr) break;
            Http2Request& request = requests_[queue_.front()];
            queue_.pop_front();
            const auto now = SteadyClock::now();
            request.waited += now - request.queued_at;
            request.state = Http2Request::State::open;
            request.deadline = now + shared_->config.request_timeout;
            switch (connection->open_stream(request, detail_)) {
                case Http2Connection<Stream>::Opened::yes: break;
                case Http2Connection<Stream>::Opened::no_more_streams:
                    request.state = Http2Request::State::queued;  // another connection takes it
                    request.queued_at = now;
                    request.deadline =
                        now + shared_->config.connect_timeout + shared_->config.request_timeout;
                    queue_.push_front(request.slot);
                    break;
                case Http2Connection<Stream>::Opened::no:
                    complete(request, Outcome::protocol_error, detail_);
                    break;
            }
        }
        std::size_t expected = 0;  // streams the connections being set up will offer
        for (auto& connection : connections_) {
            if (connection->state() == Http2Connection<Stream>::State::connecting)
                expected += shared_->config.max_streams;
        }
        for (auto& connection : connections_) {
            if (queue_.size() <= expected) break;
            if (connection->state() != Http2Connection<Stream>::State::idle) continue;
            connection->connect();
            expected += shared_->config.max_streams;
        }
        pumping_ = false;
    }

    Http2Connection<Stream>* most_free() {
        Http2Connection<Stream>* best = nullptr;
        std::size_t best_free = 0;
        for (auto& connection : connections_) {
            const std::size_t free = connection->free_streams();
            if (free > best_free) {
                best = connection.get();
                best_free = free;
            }
        }
        return best;
    }

    void on_capacity(std::size_t /*index*/) override { pump(); }

    void on_stream_closed(Http2Request& request, std::uint32_t error_code) override {
        if (request.body_too_large) {
            detail_ = fmt::format("body larger than {} bytes", shared_->config.max_body_bytes);
            complete(request, Outcome::protocol_error, detail_);
        } else if (request.status != 0 && request.ended) {
            respond(request);
        } else if (error_code == NGHTTP2_REFUSED_STREAM && !request.retried) {
            // Not processed by the server (RFC 9113 §8.7): safe to send again, whatever the
            // method.
            request.retried = true;
            ++counters_.retried;
            enqueue(request, /*front=*/true);
        } else if (error_code == NGHTTP2_REFUSED_STREAM) {
            complete(request, Outcome::reset,
                     "refused by the server again after one retry (REFUSED_STREAM: RST_STREAM, "
                     "or above a GOAWAY's last stream id)");
        } else if (error_code != NGHTTP2_NO_ERROR && request.reset_by_server) {
            detail_ = fmt::format("stream reset by the server (RST_STREAM {})",
                                  nghttp2_http2_strerror(error_code));
            complete(request, Outcome::reset, detail_);
        } else if (error_code != NGHTTP2_NO_ERROR) {
            // nghttp2 reset the stream: the server's frames for it broke the protocol.
            detail_ =
                fmt::format("HTTP/2: the response broke the protocol ({}; volley reset the stream)",
                            nghttp2_http2_strerror(error_code));
            complete(request, Outcome::protocol_error, detail_);
        } else {
            complete(request, Outcome::protocol_error,
                     "HTTP/2: the stream ended without a complete response");
        }
        pump();
    }

    void on_connection_failed(std::size_t /*index*/, bool before_ready, Outcome outcome,
                              std::string_view detail,
                              const std::vector<Http2Request*>& lost) override {
        for (Http2Request* request : lost) complete(*request, outcome, detail);
        if (before_ready && !any_connection_up()) {
            // Nothing else will serve the queue soon: its requests get this connection's error
            // (the next send() tries to connect again).
            while (!queue_.empty()) {
                Http2Request& request = requests_[queue_.front()];
                queue_.pop_front();
                complete(request, outcome, detail);
            }
        }
        pump();
    }

    [[nodiscard]] bool any_connection_up() const {
        return std::any_of(connections_.begin(), connections_.end(), [](const auto& connection) {
            return connection->state() != Http2Connection<Stream>::State::idle;
        });
    }

    void respond(Http2Request& request) {
        const auto& config = shared_->config;
        const engine::TierIndex tier = tier_of(config.cache, request.cache_value);
        const auto& expected = expected_status(config, request.name_index);
        const Outcome outcome = classify_status(expected, request.status);
        const engine::ResponseView view{request.response.headers, request.response.body};
        const engine::ResponseView* response = request.capture ? &view : nullptr;
        if (outcome == Outcome::ok)
            return complete(request, outcome, {}, request.status, tier, response);
        describe_status(detail_, request.status, expected);
        complete(request, outcome, detail_, request.status, tier, response);
    }

    void complete(Http2Request& request, Outcome outcome, std::string_view detail, int status = 0,
                  engine::TierIndex tier = 0, const engine::ResponseView* response = nullptr) {
        if (request.state == Http2Request::State::queued)
            request.waited += SteadyClock::now() - request.queued_at;
        request.state = Http2Request::State::idle;
        engine::Completion completion(outcome, tier, static_cast<std::uint16_t>(status), detail);
        completion.response = response;
        completion.stream_wait = request.waited;
        sink_.on_complete(request.slot, completion);
    }

    void arm_sweep() {
        sweep_.expires_after(sweep_every_);
        sweep_.async_wait([this](const boost::system::error_code& ec) {
            if (ec || stopped_) return;
            expire(SteadyClock::now());
            arm_sweep();
        });
    }

    // Requests past their deadline complete as `timeout`; connections past their connect
    // deadline, or without the ACK of their PING in time, fail; PINGs due go out.
    void expire(SteadyClock::time_point now) {
        for (auto& connection : connections_) {
            connection->expire_connect_if_due(now);
            connection->check_health(now);
        }
        const auto& config = shared_->config;
        for (auto& request : requests_) {
            if (request.state == Http2Request::State::idle || now < request.deadline) continue;
            if (request.state == Http2Request::State::queued) {
                queue_.erase(std::find(queue_.begin(), queue_.end(), request.slot));
                detail_ =
                    fmt::format("no free HTTP/2 stream within {} (timeout)",
                                duration_text(config.connect_timeout + config.request_timeout));
            } else {
                connections_[request.connection]->cancel_stream(request);
                describe_timeout(detail_, config.request_timeout, false);
            }
            complete(request, Outcome::timeout, detail_);
        }
        pump();
    }

    std::shared_ptr<HttpTarget::Shared> shared_;
    engine::CompletionSink& sink_;
    asio::steady_timer sweep_;
    engine::Nanos sweep_every_{};
    std::vector<Http2Request> requests_;  // per slot; never resized (connections point into it)
    std::vector<std::unique_ptr<Http2Connection<Stream>>> connections_;
    std::deque<std::size_t> queue_;  // slots waiting for a stream, oldest first
    std::string common_lines_;       // the target-wide headers, for HTTP/2
    std::vector<std::pair<std::string_view, std::string_view>> common_fields_;
    Http2Counters counters_;
    std::string detail_;
    bool pumping_ = false;
    bool stopped_ = false;
};

}  // namespace

std::size_t http2_connections_for(std::size_t slots, std::uint32_t max_streams) {
    const std::size_t per = std::max<std::uint32_t>(max_streams, 1);
    return std::max<std::size_t>((slots + per - 1) / per, 1);
}

void http2_fields(std::string& lines,
                  std::vector<std::pair<std::string_view, std::string_view>>& fields) {
    fields.clear();
    std::size_t start = 0;
    while (start < lines.size()) {
        std::size_t end = lines.find('\n', start);
        if (end == std::string::npos) end = lines.size();
        const std::size_t colon = lines.find(':', start);
        if (colon != std::string::npos && colon < end && colon > start) {
            for (std::size_t i = start; i < colon; ++i)
                lines[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(lines[i])));
            const std::string_view name =
                trim(std::string_view(lines).substr(start, colon - start));
            const std::string_view value =
                trim(std::string_view(lines).substr(colon + 1, end - colon - 1));
            const bool forbidden = name == "connection" || name == "keep-alive" ||
                                   name == "proxy-connection" || name == "transfer-encoding" ||
                                   name == "upgrade" || name == "host" ||
                                   (name == "te" && !iequals(value, "trailers"));
            if (!forbidden) fields.emplace_back(name, value);
        }
        start = end + 1;
    }
}

std::unique_ptr<engine::TargetSession> make_http2_session(
    std::shared_ptr<HttpTarget::Shared> shared, const engine::SessionContext& context) {
    if (shared->url.tls)
        return std::make_unique<Http2Session<TlsStream>>(std::move(shared), context);
    return std::make_unique<Http2Session<PlainStream>>(std::move(shared), context);
}

}  // namespace volley::targets
